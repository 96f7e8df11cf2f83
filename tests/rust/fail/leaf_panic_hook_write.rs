//! `div` is a leaf that only reads its `&u64`, so its retag is elided; but it can panic
//! (division by zero), and the panic hook runs while `div`'s frame, and the protector of
//! its argument, are still live. The pass makes the elided retag on the panic path: the
//! hook's write to the protected value is reported.
//@ stats: retags_elided

use std::sync::atomic::{AtomicPtr, Ordering};

static TARGET: AtomicPtr<u64> = AtomicPtr::new(std::ptr::null_mut());

#[inline(never)]
fn div(x: &u64, d: u64) -> u64 {
    *x / d
}

fn main() {
    let p = Box::into_raw(Box::new(10u64));
    TARGET.store(p, Ordering::Relaxed);
    std::panic::set_hook(Box::new(|_| unsafe { *TARGET.load(Ordering::Relaxed) = 0 }));
    let zero = std::hint::black_box(0);
    let r = std::panic::catch_unwind(|| div(unsafe { &*p }, zero));
    println!("{}", r.is_err());
}
