// Interior mutability done right: shared references to Cell/RefCell bytes are Cell there
// (precise ranges), so writes through any of them are fine, while the plain field next to
// the Cell stays Frozen and is only read. Must be clean in both modes.
use bsan_test_support::*;
use std::cell::{Cell, RefCell};
use std::mem::offset_of;

struct Counter {
    name: &'static str,
    hits: Cell<u32>,
    log: RefCell<Vec<u32>>,
}

// UnsafeCell bytes of Counter: `hits` (the Cell) and `log` (all of the RefCell is the
// UnsafeCell plus its borrow flag, itself a Cell).
const HITS: usize = offset_of!(Counter, hits);
const LOG: usize = offset_of!(Counter, log);
const LOG_LEN: usize = std::mem::size_of::<RefCell<Vec<u32>>>();

fn hit(c: &Counter, n: u32) {
    fn_entry!(c, im = [(HITS, 4), (LOG, LOG_LEN)]);
    c.hits.set(c.hits.get() + n);
    c.log.borrow_mut().push(n);
}

fn main() {
    let c = Counter {
        name: "c",
        hits: Cell::new(0),
        log: RefCell::new(Vec::new()),
    };
    let a = reborrow!(c, im = [(HITS, 4), (LOG, LOG_LEN)]);
    let b = reborrow!(c, im = [(HITS, 4), (LOG, LOG_LEN)]);
    for i in 0..5 {
        hit(reborrow!(*a, im = [(HITS, 4), (LOG, LOG_LEN)]), i);
        hit(reborrow!(*b, im = [(HITS, 4), (LOG, LOG_LEN)]), 10 * i);
        a.hits.set(a.hits.get() + 1);
    }
    let cell = reborrow!(c.hits, im = [(0, 4)]);
    let p = cell.as_ptr();
    unsafe { *p += 1000 };
    let total: u32 = b.log.borrow().iter().sum();
    let mut cm = Cell::new(5u8);
    let m = reborrow_mut!(cm, im = [(0, 1)]);
    let s = reborrow!(*m, im = [(0, 1)]);
    s.set(6);
    m.set(m.get() + 1);
    println!("{} {} {} {}", a.name, c.hits.get(), total, cm.get_mut());
}
