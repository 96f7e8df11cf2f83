// Creating a reference from a Disabled one: the new tag's retag reads through its parent,
// which is a child read for the Disabled parent (model §3.4: "reborrow through <parent>").
// UB (model §2.1, 3.4): a Reserved -> Disabled (foreign write via p); reborrow of *a reads through a: ChildAccessForbidden(Disabled), "reborrow (acting as a child read access)".
//@ synthesized: missed: a and its reborrow are intra-function reborrows of p
use bsan_test_support::*;

fn main() {
    let mut x = [0u8; 4];
    let p = reborrow_mut!(x) as *mut [u8; 4];
    let a = unsafe { reborrow_mut!(*p) };
    unsafe { (*p)[2] = 1 };
    let b = reborrow!(*a);
    println!("{}", b[0]);
}
