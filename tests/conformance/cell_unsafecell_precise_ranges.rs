// §3.3: per-byte classification of `&Mixed`: the two UnsafeCell fields (bytes 0..2 and 5..8) are
// Cell and may be written through the shared reference or raw pointers derived from it; the
// frozen fields are only read. Clean.
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

fn update(m: &Mixed) {
    fn_entry!(
        m,
        im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]
    );
    let c = reborrow!(m.c, im = [(0, 2)]);
    let d = reborrow!(m.d, im = [(0, 3)]);
    unsafe {
        *c.get() += m.len;
        (*d.get())[2] = m.tag;
    }
    let base = m as *const Mixed as *mut u8;
    unsafe {
        *base.add(offset_of!(Mixed, d)) = 1;
        *(base as *mut u16) += 1;
    }
}

fn main() {
    let m = Mixed { c: UnsafeCell::new(10), len: 5, tag: 9, d: UnsafeCell::new([0; 3]) };
    let r = reborrow!(m, im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]);
    update(reborrow!(*r, im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]));
    update(reborrow!(*r, im = [(offset_of!(Mixed, c), 2), (offset_of!(Mixed, d), 3)]));
    unsafe {
        assert_eq!(*m.c.get(), 22);
        assert_eq!(*m.d.get(), [1, 0, 9]);
    }
    assert_eq!((r.len, r.tag), (5, 9));
}
