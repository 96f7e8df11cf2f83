//@ exit: 1
//@ bsan-options: gc=0 max_metadata_mb=8
//! A program whose bsan metadata outgrows its limit (here 8 MiB, with pruning off so every
//! reborrow's tag stays in the tree) ends with a clear `bsan: out of memory for metadata`
//! message and status 1: never a silent abort or the kernel's OOM killer. `touch` returns
//! its reference, so its tag may outlive the call and is not removed when the call returns
//! (a tag that cannot outlive its call is, GC or not).
#[inline(never)]
fn touch(x: &mut u64) -> &mut u64 {
    *x += 1;
    x
}

fn main() {
    let mut value = 0u64;
    for _ in 0..50_000_000u64 {
        *touch(&mut value) += 1;
    }
    println!("unreachable: {value}");
}
