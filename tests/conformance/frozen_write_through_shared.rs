// Writing through a raw pointer cast from a shared reference: the pointer carries the
// shared reference's tag, which is Frozen.
// UB (model §2.1, 2.2.1): r Frozen, local write: ChildAccessForbidden(Frozen).
//@ synthesized: missed: `&v` is an intra-function reborrow; the raw pointer keeps v's root tag
use bsan_test_support::*;

fn main() {
    let mut v = [1u32, 2, 3];
    let r = reborrow!(v);
    let p = r as *const [u32; 3] as *mut u32;
    unsafe { *p.add(1) = 20 };
    println!("{v:?}");
}
