//! `get` is a leaf that only reads its `&i32`: the pass elides its retag (`leaf_retags.rs`)
//! and keeps only the retag's implicit read. That read is still checked: the reference it
//! is passed was disabled by a write through a sibling, so passing it is reported.
//@ stats: retags_elided

#[inline(never)]
fn get(x: &i32) -> i32 {
    *x
}

#[inline(never)]
fn reborrow(p: *mut i32) -> &'static mut i32 {
    unsafe { &mut *p }
}

fn main() {
    let p = Box::into_raw(Box::new(0i32));
    let a = reborrow(p);
    let b = reborrow(p);
    *b = 1;
    println!("{}", get(a));
}
