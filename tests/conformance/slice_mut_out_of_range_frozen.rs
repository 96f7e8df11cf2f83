// Model §10.14, the UB part: after the slice's pointer wrote a[0] (its latent Reserved there
// became Unique), the owner reads a[0]: a foreign read freezes the slice's tag there, and
// its next write to a[0] is UB.
// UB (model §2.1, 5): s latent Reserved -> Unique (write at 0) -> Frozen (foreign read via a); write via s at 0: ChildAccessForbidden(Frozen).
//@ synthesized: differs
use bsan_test_support::*;
use std::ops::IndexMut;

fn main() {
    let mut a = [1u8, 2, 3, 4];
    let s = reborrow_mut!(*retag_ret!(IndexMut::index_mut(reborrow_mut!(a), 1..3)));
    let p = s as *mut [u8] as *mut u8;
    unsafe { *p.sub(1) = 7 };
    let first = a[0];
    unsafe { *p.sub(1) = first + 1 };
    println!("{a:?}");
}
