// A shared reference is Frozen; a write through its parent is a foreign write that
// disables it, so reading through the shared reference afterwards is UB.
// UB (model §2.1, 2.2.1): r Frozen -> Disabled (foreign write via the parent); read via r: ChildAccessForbidden(Disabled).
//@ synthesized: missed: `&*m` is an intra-function reborrow sharing m's SSA value
use bsan_test_support::*;

fn main() {
    let mut x = 1u64;
    let m = reborrow_mut!(x);
    let r = reborrow!(*m) as *const u64;
    *m = 2;
    let seen = unsafe { *r };
    println!("{seen}");
}
