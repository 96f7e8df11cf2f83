// A write through one of two sibling `&mut` disables the other: reading through it is UB
// too (a Disabled tag allows no access at all).
// UB (model §2.1, 2.2.1): b Reserved -> Disabled (foreign write via a); read via b: ChildAccessForbidden(Disabled).
//@ synthesized: missed: both `&mut *p` are intra-function reborrows sharing p's SSA value
use bsan_test_support::*;

fn main() {
    let mut x = 0u32;
    let p = reborrow_mut!(x) as *mut u32;
    let a = unsafe { reborrow_mut!(*p) };
    let b = unsafe { reborrow_mut!(*p) };
    *a = 1;
    let seen = *b;
    println!("{seen}");
}
