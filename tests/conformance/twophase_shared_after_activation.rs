// A two-phase borrow tolerates shared borrows only until it is activated: a `&v` taken
// while `&mut v` is reserved is a sibling, and the activating write (in the callee) is a
// foreign write for it. Using the shared reference afterwards is UB.
// UB (model §2.1, 2.2.1): r Frozen -> Disabled (foreign write by the activated two-phase borrow); read via r: ChildAccessForbidden(Disabled).
//@ synthesized: missed: the two-phase `&mut s` and `&s` are intra-function reborrows
use bsan_test_support::*;

fn set(x: &mut [u32; 2], i: usize, v: u32) {
    fn_entry!(x);
    x[i] = v;
}

fn main() {
    let mut s = [1u32, 2];
    let sp = &raw mut s;
    let two = unsafe { reborrow_mut!(*sp) };
    let r = unsafe { reborrow!(*sp) };
    let v = r[1] + 1;
    set(two, 0, v);
    let again = r[0];
    println!("{again}");
}
