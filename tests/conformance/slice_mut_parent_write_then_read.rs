// `&mut a[0..2]`, then the owner writes a[3], then a[3] is read through the slice's
// pointer. The slice's tag has a latent Reserved at a[3] (outside its range, model §5); the
// owner's write is foreign there and disables it; the slice then accesses a byte it may no
// longer touch.
// UB (model §2.1, 5): s latent Reserved -> Disabled at offset 3 (foreign write via a); read via s at 3: ChildAccessForbidden(Disabled).
//@ synthesized: differs
use bsan_test_support::*;
use std::ops::IndexMut;

fn main() {
    let mut a = [0u8; 4];
    let s = reborrow_mut!(*retag_ret!(IndexMut::index_mut(reborrow_mut!(a), 0..2)));
    let p = s as *mut [u8] as *mut u8;
    a[3] = 9;
    let seen = unsafe { *p.add(3) };
    println!("{seen}");
}
