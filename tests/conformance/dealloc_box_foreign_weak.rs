//@ synthesized: differs
// §4 + §6: a weakly protected Box parameter allows deallocation through itself, but deallocating
// through a foreign pointer is a foreign write on it: ProtectedDisabled(Reserved), reported as
// "this deallocation (acting as a foreign write access)".
use bsan_test_support::*;
use std::alloc::{dealloc, Layout};

fn h(b: Box<u32>, raw: *mut u32) {
    fn_entry_box!(b);
    unsafe { dealloc(raw as *mut u8, Layout::new::<u32>()) };
    std::mem::forget(b);
}

fn main() {
    let bx = Box::new(1u32);
    retag_box!(bx);
    let raw = Box::into_raw(bx);
    let b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    h(b, raw);
}
