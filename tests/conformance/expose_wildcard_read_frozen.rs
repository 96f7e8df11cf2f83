// §7: an exposed shared reference (Frozen: read level) permits wildcard reads, and an exposed
// `&Cell` (Cell: write level) permits wildcard writes to the Cell bytes. Clean.
#![allow(invalid_reference_casting)]
use bsan_test_support::*;
use std::cell::Cell;

fn expose(r: &[u16; 3]) -> usize {
    fn_entry!(r);
    r as *const [u16; 3] as usize
}

fn main() {
    let arr = [1u16, 2, 3];
    let addr = expose(reborrow!(arr));
    let p = addr as *const u16;
    let s = unsafe { *p + *p.add(1) + *p.add(2) };
    assert_eq!(s, 6);

    let c = Cell::new(5u8);
    let r = reborrow!(c, im = [(0, 1)]);
    let caddr = r as *const Cell<u8> as usize;
    unsafe { *(caddr as *mut u8) += 1 };
    assert_eq!(r.get(), 6);
    assert_eq!(c.get(), 6);
}
