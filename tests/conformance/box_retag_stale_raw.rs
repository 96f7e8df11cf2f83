//@ synthesized: differs
// §3.4 (scenario 27): a Box re-created by `from_raw` is a Reserved child of the raw pointer; a
// write through the raw pointer disables it, and the entry retag of the Box passed to `consume`
// reads through a Disabled tag: ChildAccessForbidden(Disabled) on the reborrow.
use bsan_test_support::*;

fn consume(b: Box<i32>) -> i32 {
    fn_entry_box!(b);
    *b
}

fn main() {
    let bx = Box::new(5i32);
    retag_box!(bx);
    let raw = Box::into_raw(bx);
    let b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    unsafe { *raw = 6 };
    let v = consume(b);
    std::hint::black_box(v);
}
