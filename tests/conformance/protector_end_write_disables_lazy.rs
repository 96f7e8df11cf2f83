//@ synthesized: missed: intra-function reborrow (`z` is a reborrow of `base` made inside `f`)
// §4.1: at protector end the callee's Unique `e` performs a write access on the bytes it accessed;
// `z`, created during the call at the next element, is lazily Reserved at byte 0 and becomes
// Disabled, so reading through it after the call is ChildAccessForbidden(Disabled).
use bsan_test_support::*;

fn f(e: &mut i32, base: *mut i32) -> *mut i32 {
    fn_entry!(e);
    *e = 42;
    let z = unsafe { reborrow_mut!(*base.add(1)) } as *mut i32;
    unsafe { z.sub(1) }
}

fn main() {
    let mut arr = [0i32; 2];
    let base = &raw mut arr as *mut i32;
    let ret = unsafe { f(reborrow_mut!(*base), base) };
    let v = unsafe { *ret };
    std::hint::black_box(v);
}
