// Model §10.14, the clean part: there is no sub-object provenance. A pointer derived from
// `&mut a[1..3]` may write a[0] and a[3] (its latent Reserved there becomes Unique) as
// long as nothing conflicting happened there, and read them back; the owner may use the
// array again afterwards.
use bsan_test_support::*;
use std::ops::IndexMut;

fn main() {
    let mut a = [1u8, 2, 3, 4];
    let s = reborrow_mut!(*retag_ret!(IndexMut::index_mut(reborrow_mut!(a), 1..3)));
    let p = s as *mut [u8] as *mut u8;
    unsafe {
        p.sub(1).write(7);
        p.add(2).write(8);
        *p += *p.sub(1);
        let back = p.sub(1).read() + p.add(2).read();
        *p.add(1) = back;
    }
    a[0] += 1;
    println!("{a:?}");
}
