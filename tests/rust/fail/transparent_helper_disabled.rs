//! `set` is a leaf that writes through its `&mut`; with its retag elided it is
//! *transparent* (`transparent_callees.rs`), so `set_twice`, which only calls it, is a
//! leaf too and makes no tag either. The implicit read of each elided retag is still
//! checked: the second `set_twice` is passed a reference disabled by the first's writes
//! through a sibling, and passing it is reported.
//@ stats: retags_elided

#[inline(never)]
fn set(x: &mut u64, v: u64) {
    *x = v;
}

#[inline(never)]
fn set_twice(x: &mut u64) {
    set(x, 1);
    set(x, 2);
}

#[inline(never)]
fn reborrow(p: *mut u64) -> &'static mut u64 {
    unsafe { &mut *p }
}

fn main() {
    let p = Box::into_raw(Box::new(0u64));
    let a = reborrow(p);
    let b = reborrow(p);
    set_twice(b);
    set_twice(a);
    println!("{}", unsafe { *p });
}
