// Model §10.7: the same foreign read during the call makes the protected `x` Reserved
// (conflicted), but after the function returns the protector is gone and a conflicted
// Reserved behaves like Reserved: writing through a pointer derived from `x` is fine.
use bsan_test_support::*;

fn f(x: &mut u8, p: *mut u8) -> *mut u8 {
    fn_entry!(x);
    let _v = unsafe { *p };
    x as *mut u8
}

fn main() {
    let mut v = 0u8;
    let p = reborrow_mut!(v) as *mut u8;
    let q = f(unsafe { reborrow_mut!(*p) }, p);
    unsafe { *q = 42 };
    println!("{v}");
}
