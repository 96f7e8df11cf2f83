//@ synthesized: differs
// §6 strong protector: freeing, through a Box made from the reference itself, the allocation a
// protected `&mut` points into is ProtectedDealloc.
use bsan_test_support::*;

fn free_it(x: &mut i32) {
    fn_entry!(x);
    *x = 1;
    let raw = x as *mut i32;
    let b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    drop(b);
}

fn main() {
    let bx = Box::new(0i32);
    retag_box!(bx);
    let leaked = retag_ret!(Box::leak(bx));
    free_it(reborrow_mut!(*leaked));
}
