//@ synthesized: differs
// §4 + §2.2 rule 2: a protected `&mut` parameter is Reserved and accessed from its entry retag; a
// foreign write through the caller's raw pointer during the call is ProtectedDisabled(Reserved).
use bsan_test_support::*;

fn clobber(x: &mut u32, raw: *mut u32) -> u32 {
    fn_entry!(x);
    unsafe { *raw = 7 };
    *x
}

fn main() {
    let mut v = 1u32;
    let raw = &raw mut v;
    let r = unsafe { clobber(reborrow_mut!(*raw), raw) };
    std::hint::black_box(r);
}
