// §7 (scenario 32): two exposed sibling `&mut`; a wildcard write may come from either, so neither
// gets a transition, and later reads through both stay fine. Clean.
use bsan_test_support::*;

fn main() {
    let mut x = 0i32;
    let a = reborrow_mut!(x) as *mut i32;
    let b = reborrow_mut!(x) as *mut i32;
    let addr_a = a as usize;
    let addr_b = b as usize;
    assert_eq!(addr_a, addr_b);
    unsafe { *(addr_a as *mut i32) = 7 };
    let ra = unsafe { *a };
    let rb = unsafe { *b };
    assert_eq!((ra, rb), (7, 7));
}
