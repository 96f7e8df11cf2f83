//@ synthesized: differs
// §2.1: a protected Reserved `&mut` hit by a foreign read becomes Reserved (conflicted); the
// following child write is ChildAccessForbidden(Reserved (conflicted)).
use bsan_test_support::*;

fn read_then_write(x: &mut u8, p: *const u8) -> u8 {
    fn_entry!(x);
    let seen = unsafe { *p };
    *x = seen + 1;
    seen
}

fn main() {
    let mut b = 5u8;
    let p = &raw mut b;
    let s = unsafe { read_then_write(reborrow_mut!(*p), p) };
    std::hint::black_box(s);
}
