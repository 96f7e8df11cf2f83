//! `a < b` on two `&u8` spills `a` and `b` into slots and lends them to
//! `<&u8 as PartialOrd>::lt`, which reads through the pointers it loads from them. That
//! callee is *transparent* with indirect reads (`transparent_callees.rs`), so `less` is a
//! read-only leaf and makes no tag for `a` or `b`. The implicit read of each elided retag
//! is still checked: `a` was disabled by a write through its parent, and passing it to
//! `less` is reported.
//@ stats: retags_elided

#[inline(never)]
fn less(a: &u8, b: &u8) -> bool {
    a < b
}

#[inline(never)]
fn shared(p: *const u8) -> &'static u8 {
    unsafe { &*p }
}

fn main() {
    let p = Box::into_raw(Box::new([1u8, 2])) as *mut u8;
    let a = shared(p);
    let b = shared(unsafe { p.add(1) });
    println!("{}", less(a, b));
    unsafe { *p = 3 };
    println!("{}", less(a, b));
}
