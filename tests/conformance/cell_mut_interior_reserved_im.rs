// §2.1 + §3.2: an unprotected `&mut` to interior-mutable data starts ReservedIM, which ignores
// foreign reads and writes; a later write through it makes it Unique. Clean.
use bsan_test_support::*;
use std::cell::{Cell, UnsafeCell};

fn main() {
    let mut c = UnsafeCell::new(0u8);
    let base = &raw mut c;
    let m = unsafe { reborrow_mut!(*base, im = [(0, 1)]) };
    unsafe { *(base as *mut u8) = 3 };
    let seen = unsafe { *(base as *const u8) };
    unsafe { *m.get() = seen + 1 };
    assert_eq!(c.into_inner(), 4);

    let mut cell = Cell::new(10u32);
    let base = &raw mut cell;
    let a = unsafe { reborrow_mut!(*base, im = [(0, 4)]) };
    let b = unsafe { reborrow_mut!(*base, im = [(0, 4)]) };
    b.set(11);
    a.set(a.get() + 1);
    assert_eq!(cell.get(), 12);
}
