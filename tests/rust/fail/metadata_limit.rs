//@ exit: 1
//@ bsan-options: gc=0 max_metadata_mb=8
//! A program whose bsan metadata outgrows its limit (here 8 MiB, with pruning off so every
//! reborrow's tag stays in the tree) ends with a clear `bsan: out of memory for metadata`
//! message and status 1: never a silent abort or the kernel's OOM killer. Each reference
//! `touch` returns is also stored in a static, so its tag may outlive the loop iteration
//! and the function, and is not removed (a tag that cannot outlive its call or iteration
//! is, GC or not).
use std::ptr;

static mut LAST: *mut u64 = ptr::null_mut();

#[inline(never)]
fn touch(x: &mut u64) -> &mut u64 {
    *x += 1;
    x
}

fn main() {
    let mut value = 0u64;
    for _ in 0..50_000_000u64 {
        let r = touch(&mut value);
        *r += 1;
        unsafe { LAST = r };
    }
    println!("unreachable: {value}");
}
