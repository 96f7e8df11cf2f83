// Two `&mut` made from one raw pointer are siblings; a write through one is a foreign write
// for the other, and then the other may not be written.
// UB (model §2.1, 2.2.1): b Reserved -> Disabled (foreign write via a); write via b: ChildAccessForbidden(Disabled).
//@ synthesized: missed: both `&mut *p` are intra-function reborrows sharing p's SSA value
use bsan_test_support::*;

fn main() {
    let mut x = 0u32;
    let p = reborrow_mut!(x) as *mut u32;
    let a = unsafe { reborrow_mut!(*p) };
    let b = unsafe { reborrow_mut!(*p) };
    *a = 1;
    *b = 2;
    println!("{x}");
}
