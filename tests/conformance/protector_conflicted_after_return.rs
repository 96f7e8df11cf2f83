// §2.1: Reserved (conflicted) only forbids writes while protected; after the call returns, a write
// through the pointer the callee handed back turns it Unique. Clean.
use bsan_test_support::*;

fn read_then_leak(x: &mut u8, p: *const u8) -> *mut u8 {
    fn_entry!(x);
    let seen = unsafe { *p };
    std::hint::black_box(seen);
    x as *mut u8
}

fn main() {
    let mut b = 5u8;
    let p = &raw mut b;
    let q = unsafe { read_then_leak(reborrow_mut!(*p), p) };
    unsafe { *q = 9 };
    unsafe { *q += 1 };
    assert_eq!(b, 10);
}
