// Model §10.9: an unprotected `&mut Cell<_>` is Reserved (interior mutable) on the
// UnsafeCell bytes; foreign writes leave it ReservedIM and it may be written afterwards.
// Shared references to a Cell are Cell there and accept writes from everyone.
use bsan_test_support::*;
use std::cell::Cell;

fn main() {
    let mut c = Cell::new(1u32);
    let p = &raw mut c;
    let m = unsafe { reborrow_mut!(*p, im = [(0, 4)]) };
    let s1 = unsafe { reborrow!(*p, im = [(0, 4)]) };
    let s2 = unsafe { reborrow!(*p, im = [(0, 4)]) };
    s1.set(2); // foreign write for m and s2
    unsafe { (*p).set(3) };
    s2.set(s1.get() + 1);
    m.set(m.get() * 10); // m still ReservedIM: fine
    s1.set(s1.get() + 1);
    println!("{}", c.get());
}
