//@ synthesized: differs
// §3.3 + §2.4: a 4-byte write through a protected `&Mixed` covering the UnsafeCell `c` (bytes 0..2,
// Cell) and the frozen `len` (bytes 2..4): the Cell chunk passes, the lowest failing chunk is 0x2:
// ChildAccessForbidden(Frozen).
#![allow(invalid_reference_casting)]
use bsan_test_support::*;
#[allow(unused_imports)]
use core::mem::offset_of;
use std::cell::UnsafeCell;

#[repr(C, align(4))]
struct Mixed {
    c: UnsafeCell<u16>,
    len: u16,
    tag: u8,
    d: UnsafeCell<[u8; 3]>,
}

fn smear(m: &Mixed) {
    fn_entry!(
        m,
        im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]
    );
    let base = m as *const Mixed as *mut u32;
    unsafe { *base = 0xdead_beef };
}

fn main() {
    let m = Mixed { c: UnsafeCell::new(1), len: 2, tag: 3, d: UnsafeCell::new([4; 3]) };
    smear(reborrow!(m, im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]));
    std::hint::black_box(&m);
}
