//! `get` only hands back the `&mut` it is given: the pass elides its retag
//! (`returned_retags.rs`), and the caller's retag of the result stands in for it. A write
//! through the raw pointer the reference came from disables that retag, so the write
//! through the result afterwards is still reported.
//@ stats: retags_elided

#[inline(never)]
fn get(x: &mut u64) -> &mut u64 {
    x
}

fn main() {
    let p = Box::into_raw(Box::new(1u64));
    let r = get(unsafe { &mut *p });
    unsafe { *p = 2 };
    *r = 3;
    println!("{}", unsafe { *p });
}
