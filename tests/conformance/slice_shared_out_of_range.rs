// Model §10.15: a shared slice `&a[1..3]` of a Freeze type has Frozen as its latent
// permission outside its range: reading a[0] and a[3] through it is fine, writing is not.
// UB (model §2.1, 5): s latent Frozen at offset 0, local write: ChildAccessForbidden(Frozen).
//@ synthesized: differs
use bsan_test_support::*;
use std::ops::Index;

fn main() {
    let mut a = [1u16, 2, 3, 4];
    let s = reborrow!(*retag_ret!(Index::index(reborrow!(a), 1..3)));
    let p = s as *const [u16] as *const u16 as *mut u16;
    let outside = unsafe { *p.sub(1) + *p.add(2) };
    unsafe { *p.sub(1) = outside };
    a[3] = 0;
    println!("{a:?}");
}
