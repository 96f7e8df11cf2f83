//@ synthesized: differs
// §6 + §2.2 rule 2: deallocating, through the owning raw pointer, memory a protected `&u64` points
// to is a foreign write on a protected, accessed Frozen tag: ProtectedDisabled(Frozen), reported
// as a deallocation.
use bsan_test_support::*;
use std::alloc::{alloc, dealloc, Layout};

fn read_and_free(r: &u64, owner: *mut u64) -> u64 {
    fn_entry!(r);
    let v = *r;
    unsafe { dealloc(owner as *mut u8, Layout::new::<u64>()) };
    v
}

fn main() {
    let owner = unsafe { alloc(Layout::new::<u64>()) } as *mut u64;
    assert!(!owner.is_null());
    unsafe { *owner = 9 };
    let v = unsafe { read_and_free(reborrow!(*owner), owner) };
    std::hint::black_box(v);
}
