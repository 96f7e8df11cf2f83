// §2.1 + §4: once the protector is gone, a foreign read of a Unique tag only freezes it, and a
// foreign write disables it; neither is UB. Clean.
use bsan_test_support::*;

fn set(x: &mut i32, v: i32) {
    fn_entry!(x);
    *x = v;
}

fn main() {
    let mut n = 0i32;
    let p = &raw mut n;
    unsafe { set(reborrow_mut!(*p), 5) };
    let seen = unsafe { *p };
    unsafe { *p = seen + 1 };
    unsafe { set(reborrow_mut!(*p), seen * 2) };
    assert_eq!(n, 10);
}
