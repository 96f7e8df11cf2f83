// §4.1: a callee that only reads through its protected `&mut` releases it with a read access, which
// leaves a pointer created during the call (lazily Reserved at byte 0) writable there. Clean.
use bsan_test_support::*;

fn g(e: &mut i32, base: *mut i32) -> *mut i32 {
    fn_entry!(e);
    let v = *e;
    std::hint::black_box(v);
    let z = unsafe { reborrow_mut!(*base.add(1)) } as *mut i32;
    unsafe { z.sub(1) }
}

fn main() {
    let mut arr = [3i32, 4];
    let base = &raw mut arr as *mut i32;
    let ret = unsafe { g(reborrow_mut!(*base), base) };
    unsafe { *ret = 5 };
    unsafe { *ret.add(1) += *ret };
    assert_eq!(arr, [5, 9]);
}
