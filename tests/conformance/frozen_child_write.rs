// Model §10.28: a `&mut` made from a shared reference (through a cast to `*mut`) is a child
// of a Frozen tag; its write is a child write for the Frozen parent, which forbids it.
// UB (model §2.1, 2.2.1): m Reserved -> Unique would need r (Frozen) to accept a child write: ChildAccessForbidden(Frozen) at r.
//@ synthesized: missed: r and m are intra-function reborrows of x
use bsan_test_support::*;

fn main() {
    let x = 3u8;
    let r = reborrow!(x);
    let m = unsafe { reborrow_mut!(*(r as *const u8 as *mut u8)) };
    *m = 4;
    println!("{}", *r);
}
