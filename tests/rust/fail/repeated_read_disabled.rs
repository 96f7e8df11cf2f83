//! Two reads through the same reference, the second a repeat of the first: the pass skips
//! the check of a repeat (`repeated_checks.rs`) only when nothing in between could change
//! the tree at those bytes. Here a write through a raw pointer to the same `u64` comes in
//! between, disabling the reference, so the second read is checked and reported.

#[inline(never)]
fn reborrow(p: *mut u64) -> &'static u64 {
    unsafe { &*p }
}

fn main() {
    let p = Box::into_raw(Box::new(1u64));
    let r = reborrow(p);
    let a = *r;
    unsafe { *p = 2 };
    let b = *r;
    println!("{a} {b}");
}
