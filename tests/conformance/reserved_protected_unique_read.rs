// Model §10.10: a protected `&mut` that was written is Unique; a foreign read during the
// call would disable it (unprotected it would only be frozen).
// UB (model §2.2.2, 4): x (protected) Reserved -> Unique (write), then a foreign read via p would make it Disabled: ProtectedDisabled(Unique).
//@ synthesized: differs
use bsan_test_support::*;

fn f(x: &mut i32, p: *const i32) -> i32 {
    fn_entry!(x);
    *x = 1;
    let v = unsafe { *p };
    v + *x
}

fn main() {
    let mut v = 0;
    let p = reborrow_mut!(v) as *mut i32;
    let r = f(unsafe { reborrow_mut!(*p) }, p);
    println!("{r}");
}
