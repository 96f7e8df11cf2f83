// An unprotected Reserved `&mut` accepts foreign reads (it stays Reserved: that is what
// makes two-phase borrows work) and then its first write activates it.
use bsan_test_support::*;

fn main() {
    let mut x = [1u32, 2];
    let p = &raw mut x;
    let a = unsafe { reborrow_mut!(*p) };
    let seen = unsafe { (*p)[0] + (*p)[1] };
    let r = unsafe { reborrow!(*p) };
    let seen2 = r[1];
    a[0] = seen + seen2;
    a[1] += 1;
    println!("{:?}", x);
}
