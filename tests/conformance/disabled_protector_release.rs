// Model §10.21: when f returns, the protector of `e` is released with an access on every
// location `e` accessed: a write, since `e` is Unique there. `z`, made during the call for
// the neighbouring element, has a latent Reserved at e's bytes, which that foreign write
// disables; the caller then reads e's element through a pointer derived from z.
// UB (model §4.1, 5): z latent Reserved -> Disabled at offset 0 (protector release of e, a foreign write); read via z: ChildAccessForbidden(Disabled).
//@ synthesized: missed: z is an intra-function reborrow of base
use bsan_test_support::*;

fn f(e: &mut i32, base: *mut i32) -> *mut i32 {
    fn_entry!(e);
    *e = 42;
    let z = unsafe { reborrow_mut!(*base.add(1)) } as *mut i32;
    unsafe { z.sub(1) }
}

fn main() {
    let mut arr = [0i32; 2];
    let base = reborrow_mut!(arr) as *mut [i32; 2] as *mut i32;
    let ret = f(unsafe { reborrow_mut!(*base) }, base);
    let v = unsafe { *ret };
    println!("{v}");
}
