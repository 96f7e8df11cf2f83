//@ synthesized: missed: intra-function reborrow (both `&mut Cell` are made in `main`)
// §2.1: sibling `&mut Cell` reborrows start ReservedIM and ignore each other's writes until one is
// written (Unique); a write through the other then disables it, and its next write is
// ChildAccessForbidden(Disabled).
use bsan_test_support::*;
use std::cell::Cell;

fn main() {
    let mut c = Cell::new(0u32);
    let base = &raw mut c;
    let a = unsafe { reborrow_mut!(*base, im = [(0, 4)]) } as *mut Cell<u32> as *mut u32;
    let b = unsafe { reborrow_mut!(*base, im = [(0, 4)]) } as *mut Cell<u32> as *mut u32;
    unsafe {
        *b = 1;
        *a = 2;
        *b = 3;
        *a = 4;
    }
}
