// Model §10.6: a protected `&mut` argument that sees a foreign read becomes Reserved
// (conflicted); writing through it before the function returns is UB.
// UB (model §2.1, 2.2.1): x (protected) Reserved -> Reserved (conflicted) on the foreign read via p; write via x: ChildAccessForbidden(Reserved (conflicted)).
//@ synthesized: differs
use bsan_test_support::*;

fn f(x: &mut u8, p: *mut u8) {
    fn_entry!(x);
    let _v = unsafe { *p };
    *x = 1;
}

fn main() {
    let mut v = 0u8;
    let p = reborrow_mut!(v) as *mut u8;
    f(unsafe { reborrow_mut!(*p) }, p);
    println!("{v}");
}
