// Model §10.27: `Box::from_raw` gives a Box whose retag (after the call) makes it a child of
// the raw pointer; writing through the raw pointer disables the Box, and passing the Box
// to a function retags it again (fn entry), reading through a Disabled tag.
// UB (model §2.1, 3.4): b Reserved -> Disabled (foreign write via raw); fn-entry retag through b: ChildAccessForbidden(Disabled), reborrow.
//@ synthesized: differs
use bsan_test_support::*;

fn consume(b: Box<i32>) -> i32 {
    fn_entry_box!(b);
    *b
}

fn main() {
    let bx = Box::new(5);
    retag_box!(bx);
    let raw = Box::into_raw(bx);
    let b = unsafe { Box::from_raw(raw) };
    retag_box!(b);
    unsafe { *raw = 6 };
    println!("{}", consume(b));
}
