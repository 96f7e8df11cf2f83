// Model §10.13: a shared reference to a zero-sized field still gets a node; its range is
// empty and everywhere else it has its outside permission, Frozen (the pointee is
// Freeze). Writing the neighbouring field through a raw pointer derived from it is UB.
// UB (model §3.4, 5): x (empty range, latent Frozen at offset 0), local write: ChildAccessForbidden(Frozen), "initial state Frozen".
//@ synthesized: missed: `&pair.0` is an intra-function reborrow
use bsan_test_support::*;

#[repr(C)]
struct Pair {
    unit: (),
    val: u32,
}

#[allow(invalid_reference_casting)] // the point of the test
fn main() {
    let mut pair = Pair { unit: (), val: 1 };
    let x = reborrow!(pair.unit);
    let p = x as *const () as *mut u32;
    unsafe { *p = 2 };
    pair.val += 1;
    println!("{}", pair.val);
}
