// §6: a strongly protected `&mut ()` that never accessed any byte does not block a deallocation
// through an unrelated pointer (its lazy state just becomes Disabled); protector end then finds the
// allocation gone. Clean.
use bsan_test_support::*;
use std::alloc::{alloc, dealloc, Layout};

fn free_other(_z: &mut (), owner: *mut u8, layout: Layout) {
    fn_entry!(_z);
    unsafe { dealloc(owner, layout) };
}

fn main() {
    let layout = Layout::new::<u32>();
    let p = unsafe { alloc(layout) };
    assert!(!p.is_null());
    unsafe { *(p as *mut u32) = 1 };
    unsafe { free_other(reborrow_mut!(*(p as *mut ())), p, layout) };
}
