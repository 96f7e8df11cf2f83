// Model §10.2/10.19: a retag is a read. After `x` is written (Unique), creating a sibling
// reborrow reads through the parent, which freezes `x`; writing `x` again is UB.
// UB (model §2.1, 3.4): x Reserved -> Unique (write) -> Frozen (foreign read by y's retag); write via x: ChildAccessForbidden(Frozen).
//@ synthesized: missed: x and y are intra-function reborrows of p
use bsan_test_support::*;

fn main() {
    let mut v = 0u8;
    let p = reborrow_mut!(v) as *mut u8;
    let x = unsafe { reborrow_mut!(*p) };
    *x = 1;
    let y = unsafe { reborrow_mut!(*p) };
    *x = 2;
    println!("{}", *y);
}
