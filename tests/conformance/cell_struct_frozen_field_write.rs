//@ synthesized: differs
// §3.3 precise interior mutability: through a protected `&Slot` only the Cell bytes are writable;
// writing the plain field (offset 4) through a raw pointer derived from it hits Frozen:
// ChildAccessForbidden(Frozen), "initial state Cell" because `Slot` is !Freeze.
use bsan_test_support::*;
#[allow(unused_imports)]
use core::mem::offset_of;
use std::cell::Cell;

#[repr(C)]
struct Slot {
    flag: Cell<u32>,
    value: u32,
}

fn tamper(s: &Slot) {
    fn_entry!(s, im = [(offset_of!(Slot, flag), 4)]);
    let q = s as *const Slot as *mut Slot;
    unsafe {
        (&raw mut (*q).flag).cast::<u32>().write(1);
        (*q).value = 99;
    }
}

fn main() {
    let s = Slot { flag: Cell::new(0), value: 5 };
    tamper(reborrow!(s, im = [(offset_of!(Slot, flag), 4)]));
    std::hint::black_box(&s);
}
