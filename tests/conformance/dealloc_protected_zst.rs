//@ synthesized: differs
// §6 (scenario 25): even a zero-sized strongly protected `&mut ()` forbids deallocation through
// itself: the deallocation's write marks its bytes accessed, then ProtectedDealloc.
use bsan_test_support::*;
use std::alloc::{alloc, dealloc, Layout};

fn free_via(z: &mut (), layout: Layout) {
    fn_entry!(z);
    unsafe { dealloc(z as *mut () as *mut u8, layout) };
}

fn main() {
    let layout = Layout::new::<u32>();
    let p = unsafe { alloc(layout) };
    assert!(!p.is_null());
    unsafe { free_via(reborrow_mut!(*(p as *mut ())), layout) };
}
