// Model §10.9, protected: a protected `&mut Cell<u8>` gets plain Reserved (never ReservedIM,
// so that `noalias` holds), and a foreign write during the call (through the Cell pointer
// of a shared alias) would disable it.
// UB (model §2.2.2, 3.2, 4): x (protected) Reserved -> Disabled by a foreign write through the shared alias: ProtectedDisabled(Reserved).
//@ synthesized: differs
use bsan_test_support::*;
use std::cell::Cell;

fn f(x: &mut Cell<u8>, alias: &Cell<u8>) -> u8 {
    fn_entry!(x, im = [(0, 1)]);
    fn_entry!(alias, im = [(0, 1)]);
    let q = alias.as_ptr();
    unsafe { *q = 7 };
    x.get()
}

fn main() {
    let mut c = Cell::new(0u8);
    let p = &raw mut c;
    let m = unsafe { reborrow_mut!(*p, im = [(0, 1)]) };
    let s = unsafe { reborrow!(*p, im = [(0, 1)]) };
    let r = f(m, s);
    println!("{r}");
}
