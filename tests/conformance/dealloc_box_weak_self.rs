// §4 weak protector + §6: a weakly protected Box parameter may be freed explicitly through its own
// pointer inside the call, while a strongly protected `&mut` to another allocation stays intact.
// Clean.
use bsan_test_support::*;
use std::alloc::{dealloc, Layout};

fn finish(b: Box<[u64; 2]>, out: &mut u64) {
    fn_entry_box!(b);
    fn_entry!(out);
    *out = b[0] + b[1];
    let raw = Box::into_raw(b);
    unsafe { dealloc(raw as *mut u8, Layout::new::<[u64; 2]>()) };
    *out += 1;
}

fn main() {
    let mut total = 0u64;
    let b = Box::new([20u64, 21]);
    retag_box!(b);
    finish(b, reborrow_mut!(total));
    assert_eq!(total, 42);
}
