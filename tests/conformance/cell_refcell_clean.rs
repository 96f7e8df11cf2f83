// §3.2/§3.3: `&RefCell<_>` is Cell on all its bytes (flag and value are UnsafeCell), so borrows,
// mutable borrows through shared references, Rc sharing and re-borrowing after release are all
// fine. Clean.
use bsan_test_support::*;
use std::cell::RefCell;
#[allow(unused_imports)]
use std::mem::size_of;
use std::rc::Rc;

type Log = RefCell<Vec<String>>;

fn push_all(log: &Log, items: &[&str]) {
    fn_entry!(log, im = [(0, size_of::<Log>())]);
    fn_entry!(items);
    for it in items {
        log.borrow_mut().push(it.to_string());
    }
}

fn count(log: &Log) -> usize {
    fn_entry!(log, im = [(0, size_of::<Log>())]);
    let a = log.borrow();
    let b = log.borrow();
    assert!(log.try_borrow_mut().is_err());
    let n = a.len() + b.len();
    drop(a);
    drop(b);
    n / 2
}

fn main() {
    let shared: Rc<Log> = Rc::new(RefCell::new(Vec::new()));
    let other = Rc::clone(&shared);
    let items = ["a", "bb", "ccc"];
    push_all(reborrow!(*shared, im = [(0, size_of::<Log>())]), reborrow!(items[..]));
    push_all(reborrow!(*other, im = [(0, size_of::<Log>())]), reborrow!(items[1..]));
    assert_eq!(count(reborrow!(*shared, im = [(0, size_of::<Log>())])), 5);
    {
        let mut g = other.borrow_mut();
        g.retain(|s| s.len() > 1);
        g.push(String::from("dddd"));
    }
    let total: usize = shared.borrow().iter().map(|s| s.len()).sum();
    assert_eq!(total, 2 + 3 + 2 + 3 + 4);
    let old = shared.replace(vec![String::from("x")]);
    assert_eq!(old.len(), 5);
    assert_eq!(count(reborrow!(*other, im = [(0, size_of::<Log>())])), 1);
}
