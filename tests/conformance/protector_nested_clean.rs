// §4: nested calls each protect their own child tag; every access goes through descendants of the
// outer parameter, so no protector is ever hit by a foreign access. Clean.
use bsan_test_support::*;

fn leaf(z: &u64) -> u64 {
    fn_entry!(z);
    *z + 1
}

fn inner(y: &mut u64) {
    fn_entry!(y);
    let l = leaf(reborrow!(*y));
    *y = l * 2;
}

fn outer(x: &mut u64) -> u64 {
    fn_entry!(x);
    *x += 1;
    inner(reborrow_mut!(*x));
    *x += 1;
    leaf(reborrow!(*x))
}

fn main() {
    let mut v = 3u64;
    let raw = &raw mut v;
    let r = unsafe { outer(reborrow_mut!(*raw)) };
    let seen = unsafe { *raw };
    unsafe { *raw = seen + r };
    assert_eq!(v, 23);
}
