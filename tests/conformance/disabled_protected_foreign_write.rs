// Model §10.8: a `&mut` argument is protected; a write through a sibling pointer while the
// call runs would disable it.
// UB (model §2.2.2, 4): x (protected, accessed by its retag) Reserved -> Disabled by a foreign write: ProtectedDisabled(Reserved).
//@ synthesized: differs
use bsan_test_support::*;

fn f(x: &mut u8, y: *mut u8) -> u8 {
    fn_entry!(x);
    unsafe { *y = 0 };
    *x
}

fn main() {
    let mut v = 5u8;
    let p = reborrow_mut!(v) as *mut u8;
    let r = f(unsafe { reborrow_mut!(*p) }, p);
    println!("{r}");
}
