// The clean neighbours of out-of-range accesses: reads outside a shared slice's range
// (latent Frozen allows reads), writes by the owner outside a `&mut` slice that the slice
// never touches again, and a `&mut` slice that writes outside its range before the owner
// reads there.
use bsan_test_support::*;
use std::ops::{Index, IndexMut};

fn main() {
    let mut a = [10u32, 20, 30, 40, 50];
    let s = reborrow!(*retag_ret!(Index::index(reborrow!(a), 2..3)));
    let p = s as *const [u32] as *const u32;
    let mut sum = 0;
    for i in 0..5 {
        sum += unsafe { *p.sub(2).add(i) };
    }
    let m = reborrow_mut!(*retag_ret!(IndexMut::index_mut(reborrow_mut!(a), 0..2)));
    let q = m as *mut [u32] as *mut u32;
    a[4] = sum; // foreign write at a byte the slice never uses
    unsafe {
        *q = 1;
        *q.add(2) = 3; // outside m's range, not touched by anyone since m was made
    }
    let last = a[2] + a[4];
    println!("{last} {a:?}");
}
