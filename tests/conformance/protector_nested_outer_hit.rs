//@ synthesized: differs
// §4: the protector of `outer`'s `&mut` stays active while `outer`'s callee runs; the callee
// writes the same integer through a raw pointer: ProtectedDisabled(Unique) for outer's parameter.
use bsan_test_support::*;

fn inner(other: &mut u32, p: *mut u32) {
    fn_entry!(other);
    *other += 1;
    unsafe { *p = *other };
}

fn outer(x: &mut u32, p: *mut u32) {
    fn_entry!(x);
    *x = 5;
    let mut local = 0u32;
    inner(reborrow_mut!(local), p);
    std::hint::black_box(local);
}

fn main() {
    let mut v = 1u32;
    let p = &raw mut v;
    unsafe { outer(reborrow_mut!(*p), p) };
}
