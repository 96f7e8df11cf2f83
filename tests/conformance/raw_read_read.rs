// Model §10.1: two `&mut` from one raw pointer that are only read. Both stay Reserved (a
// retag or read through one is a foreign read for the other, which Reserved accepts).
use bsan_test_support::*;

fn main() {
    let mut x = 7u32;
    let p = reborrow_mut!(x) as *mut u32;
    let a = unsafe { reborrow_mut!(*p) };
    let b = unsafe { reborrow_mut!(*p) };
    let mut sum = 0;
    for _ in 0..3 {
        sum += *a;
        sum += *b;
        sum += unsafe { *p };
    }
    println!("{sum}");
}
