//@ synthesized: differs
// §3.2 + §4: a protected `&mut Cell<u32>` is plain Reserved (never ReservedIM), so a foreign write
// during the call is ProtectedDisabled(Reserved), although the caller's unprotected ReservedIM
// reborrow ignores it.
use bsan_test_support::*;
use std::cell::Cell;

fn f(x: &mut Cell<u32>, y: *mut u32) -> u32 {
    fn_entry!(x, im = [(0, 4)]);
    unsafe { *y = 1 };
    x.get()
}

fn main() {
    let mut c = Cell::new(0u32);
    let base = &raw mut c;
    let v = unsafe { f(reborrow_mut!(*base, im = [(0, 4)]), base as *mut u32) };
    std::hint::black_box(v);
}
