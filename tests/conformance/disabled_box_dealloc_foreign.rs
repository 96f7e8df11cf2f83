// Model §10.26, second part: a Box argument has a weak protector. Deallocating its memory
// through a pointer that is not derived from the Box is a foreign write for the protected,
// accessed Box tag.
// UB (model §2.2.2, 4, 6): b (weakly protected, accessed) Reserved -> Disabled by the deallocation through raw: ProtectedDisabled(Reserved), "deallocation (acting as a foreign write access)".
//@ synthesized: differs
use bsan_test_support::*;
use std::alloc::{dealloc, Layout};

fn h(b: Box<i32>, raw: *mut i32) {
    fn_entry_box!(b);
    unsafe { dealloc(raw as *mut u8, Layout::new::<i32>()) };
    std::mem::forget(b);
}

fn main() {
    let bx = Box::new(1);
    retag_box!(bx);
    let raw = Box::into_raw(bx);
    let b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    h(b, raw);
}
