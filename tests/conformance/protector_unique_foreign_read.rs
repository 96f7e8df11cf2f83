//@ synthesized: differs
// §2.1 + §2.2 rule 2: a protected `&mut` written in the callee is Unique; a foreign read through the
// caller's raw pointer would disable it: ProtectedDisabled(Unique).
use bsan_test_support::*;

fn write_then_peek(x: &mut i32, p: *const i32) -> i32 {
    fn_entry!(x);
    *x = 1;
    unsafe { *p }
}

fn main() {
    let mut n = 0i32;
    let p = &raw mut n;
    let v = unsafe { write_then_peek(reborrow_mut!(*p), p) };
    std::hint::black_box(v);
}
