//! `bump` only forwards its `&mut` to `bump_inner`, a single-writer leaf; neither makes a
//! tag (`forwarded_retags.rs`, `leaf_retags.rs`), the way `Range::next` and `spec_next`
//! don't. The implicit read of each elided retag is still checked: the reference passed
//! the second time was disabled by a write through its sibling, so passing it is reported.
//@ stats: retags_elided

struct Counter {
    n: u64,
}

#[inline(never)]
fn bump_inner(c: &mut Counter) {
    c.n += 1;
}

#[inline(never)]
fn bump(c: &mut Counter) {
    bump_inner(c)
}

#[inline(never)]
fn reborrow(p: *mut Counter) -> &'static mut Counter {
    unsafe { &mut *p }
}

fn main() {
    let p = Box::into_raw(Box::new(Counter { n: 0 }));
    let a = reborrow(p);
    let b = reborrow(p);
    bump(b);
    bump(a);
    println!("{}", unsafe { (*p).n });
}
