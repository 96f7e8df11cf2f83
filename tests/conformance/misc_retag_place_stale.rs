//@ synthesized: missed: intra-function reborrow (the two `&mut` siblings are made in `main`)
// §3.4 + §2.1: a write through a sibling disables the `&mut` stored in `Holder::r`; the retag of
// that field when the struct is passed on is a read through a Disabled tag:
// ChildAccessForbidden(Disabled) on the reborrow.
use bsan_test_support::*;

struct Holder<'a> {
    r: &'a mut i32,
}

fn pass_through(h: Holder<'_>) -> Holder<'_> {
    retag_place!(h.r);
    h
}

fn main() {
    let mut x = 0i32;
    let base = &raw mut x;
    let a = unsafe { reborrow_mut!(*base) };
    let h = Holder { r: unsafe { reborrow_mut!(*base) } };
    *a = 1;
    let h = pass_through(h);
    *h.r = 2;
}
