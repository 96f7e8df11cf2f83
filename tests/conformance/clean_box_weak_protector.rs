// Model §10.26, first part: a Box argument is only weakly protected, so the callee may free
// it (`drop(b)` deallocates through b's own tag). Also: Boxes moved around and retagged
// after every move, a Box<[T]> and a Box<str> passed by value, and a Box freed through
// `Box::from_raw` of its own `into_raw` pointer. Must be clean in both modes.
use bsan_test_support::*;

fn g(b: Box<i32>) -> i32 {
    fn_entry_box!(b);
    let v = *b;
    drop(b);
    v
}

fn len_of(s: Box<str>) -> usize {
    fn_entry_box!(s);
    s.len()
}

fn total(b: Box<[u64]>) -> u64 {
    fn_entry_box!(b);
    b.iter().sum()
}

fn main() {
    let a = Box::new(41);
    retag_box!(a);
    let moved = a;
    retag_box!(moved);
    let v = g(moved) + 1;
    let s: Box<str> = "hello".into();
    retag_box!(s);
    let n = len_of(s);
    let xs: Box<[u64]> = vec![1, 2, 3].into_boxed_slice();
    retag_box!(xs);
    let t = total(xs);
    let r = Box::into_raw(Box::new(7u8));
    unsafe { *r += 1 };
    let back = unsafe { Box::from_raw(r) };
    retag_box!(back);
    let last = *back;
    drop(back);
    println!("{v} {n} {t} {last}");
}
