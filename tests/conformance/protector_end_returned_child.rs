// §4.1: the protector-end access of `x` skips x's own children, so the reborrow the callee returns
// stays Unique and usable by the caller. Clean.
use bsan_test_support::*;

fn r(x: &mut u8) -> &mut u8 {
    fn_entry!(x);
    let y = reborrow_mut!(*x);
    *y = *y + 1;
    y
}

fn main() {
    let mut v = 1u8;
    let out = retag_ret!(r(reborrow_mut!(v)));
    *out += 1;
    let out2 = retag_ret!(r(reborrow_mut!(*out)));
    *out2 *= 2;
    assert_eq!(v, 8);
}
