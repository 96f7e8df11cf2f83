// §4: the protector of a `&mut` parameter ends when the call returns; a later write through the
// caller's raw pointer only disables the (now unprotected) tag. Clean.
use bsan_test_support::*;

fn bump(x: &mut u32) -> u32 {
    fn_entry!(x);
    *x += 1;
    *x
}

fn main() {
    let mut v = 1u32;
    let raw = &raw mut v;
    let a = unsafe { bump(reborrow_mut!(*raw)) };
    unsafe { *raw = 10 };
    let b = unsafe { bump(reborrow_mut!(*raw)) };
    unsafe { *raw += 1 };
    assert_eq!((a, b, v), (2, 11, 12));
}
