// §3.2 + §5: `&Cell<i32>` has default permission Cell outside its range, so a raw pointer derived
// from a reference to element 0 may write element 1. Clean.
use bsan_test_support::*;
use std::cell::Cell;

fn write_next(c: &Cell<i32>) {
    fn_entry!(c, im = [(0, 4)]);
    let p = c as *const Cell<i32> as *mut i32;
    unsafe { *p.add(1) = 5 };
    c.set(1);
}

fn main() {
    let arr = [Cell::new(0), Cell::new(0)];
    write_next(reborrow!(arr[0], im = [(0, 4)]));
    assert_eq!((arr[0].get(), arr[1].get()), (1, 5));
}
