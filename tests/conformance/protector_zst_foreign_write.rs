// §3.4 + §2.2: protected `&mut ()` / `&()` have an empty range, so nothing is accessed and foreign
// writes to the bytes they point at are allowed during the call. Clean.
use bsan_test_support::*;

fn f(z: &mut (), p: *mut u32) {
    fn_entry!(z);
    unsafe { *p = 9 };
    *z = ();
}

fn g(z: &(), p: *mut u32) {
    fn_entry!(z);
    unsafe { *p += 1 };
    std::hint::black_box(z);
}

fn main() {
    let mut v = 0u32;
    let p = &raw mut v;
    unsafe { f(reborrow_mut!(*(p as *mut ())), p) };
    unsafe { g(reborrow!(*(p as *const ())), p) };
    assert_eq!(v, 10);
}
