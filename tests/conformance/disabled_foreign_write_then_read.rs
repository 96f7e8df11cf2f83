// An unprotected `&mut` that was never written is Reserved; a write through its parent is
// a foreign write that disables it (allowed: nothing is protected), but any later access
// through it is UB.
// UB (model §2.1, 2.2.1): m Reserved -> Disabled (foreign write via the owner); read via m: ChildAccessForbidden(Disabled).
//@ synthesized: missed: `&mut *p` is an intra-function reborrow sharing p's SSA value
use bsan_test_support::*;

fn main() {
    let mut pair = (1u16, 2u16);
    let p = &raw mut pair;
    let m = unsafe { reborrow_mut!((*p).1) };
    unsafe { (*p).1 = 7 };
    let seen = *m;
    println!("{seen}");
}
