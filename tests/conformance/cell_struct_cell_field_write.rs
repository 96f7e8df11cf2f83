// §3.3 precise interior mutability: through `&Counter` the Cell field is Cell (writable, by
// `Cell::set` and by a raw pointer derived from the shared reference), the plain field Frozen
// and only read. Clean.
use bsan_test_support::*;
#[allow(unused_imports)]
use core::mem::offset_of;
use std::cell::Cell;

#[repr(C)]
struct Counter {
    id: u32,
    hits: Cell<u32>,
}

fn hit(c: &Counter) -> u32 {
    fn_entry!(c, im = [(offset_of!(Counter, hits), 4)]);
    let cell = reborrow!(c.hits, im = [(0, 4)]);
    cell.set(cell.get() + 1);
    c.id
}

fn main() {
    let c = Counter { id: 7, hits: Cell::new(0) };
    let r = reborrow!(c, im = [(offset_of!(Counter, hits), 4)]);
    assert_eq!(hit(reborrow!(*r, im = [(offset_of!(Counter, hits), 4)])), 7);
    assert_eq!(hit(reborrow!(*r, im = [(offset_of!(Counter, hits), 4)])), 7);
    let q = r as *const Counter as *mut Counter;
    unsafe { (&raw mut (*q).hits).cast::<u32>().write(10) };
    assert_eq!(hit(reborrow!(*r, im = [(offset_of!(Counter, hits), 4)])), 7);
    assert_eq!(c.hits.get(), 11);
    assert_eq!(r.id, 7);
}
