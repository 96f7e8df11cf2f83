// Model §10.12: a `&Cell<i32>` to one array element has Cell as its outside permission
// (the pointee is not Freeze), so a raw pointer derived from it may write the
// neighbouring elements too. Must be clean in both modes.
use bsan_test_support::*;
use std::cell::Cell;

fn foo(c: &Cell<i32>) -> i32 {
    fn_entry!(c, im = [(0, 4)]);
    let p = c.as_ptr();
    unsafe {
        *p.add(1) = 20;
        *p.add(2) += *p.add(1);
    }
    c.set(c.get() + 1);
    c.get()
}

fn main() {
    let arr = [Cell::new(1), Cell::new(2), Cell::new(3)];
    let r = foo(reborrow!(arr[0], im = [(0, 4)]));
    let s = reborrow!(arr[1], im = [(0, 4)]);
    s.set(s.get() + 1);
    println!("{r} {} {} {}", arr[0].get(), arr[1].get(), arr[2].get());
}
