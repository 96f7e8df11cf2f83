//! `keep` lends the slot holding its `x` to `stash` (`&mut x`), which keeps the reference
//! it reads through it: `x`'s tag outlives `keep`, so it must not be removed when `keep`'s
//! protector ends (captures.rs: a callee that leaks the pointee of a lent slot). The write
//! through the kept pointer after `v` was written directly is reported.

static mut KEPT: *mut i32 = std::ptr::null_mut();

#[inline(never)]
fn stash(x: &mut &mut i32) {
    unsafe { KEPT = &raw mut **x };
}

#[inline(never)]
fn keep(x: &mut i32) {
    *x = 1;
    let mut x = x;
    stash(&mut x);
}

fn main() {
    let mut v = 0i32;
    keep(&mut v);
    v = 2;
    unsafe { *KEPT = 3 };
    println!("{v}");
}
