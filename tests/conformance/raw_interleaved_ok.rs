// Interleavings of `&mut` made from one raw pointer that Tree Borrows accepts: a sibling
// may be created and used after the previous one is finished with (the new retag only
// freezes or disables tags that are never used again), reads of Reserved siblings
// interleave freely, and the raw parent may be used in between.
use bsan_test_support::*;

fn main() {
    let mut x = [0u32; 2];
    let p = reborrow_mut!(x) as *mut [u32; 2];
    unsafe {
        let a = reborrow_mut!(*p);
        a[0] = 1;
        // `a` is Unique; this retag read freezes it, and `a` is not written again.
        let b = reborrow_mut!(*p);
        b[1] = 2;
        let r = reborrow!(*p);
        let c = reborrow_mut!(*p);
        let d = reborrow_mut!(*p);
        // c and d are Reserved siblings: reads through both, and through the parent, are fine.
        let sum = c[0] + d[1] + r[0] + (*p)[1];
        // The first write activates c; d is never used again.
        c[0] = sum;
        (*p)[1] += 1;
        let e = reborrow_mut!(*p);
        e[1] *= 10;
    }
    println!("{x:?}");
}
