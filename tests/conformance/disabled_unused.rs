// Tags that become Disabled are harmless as long as they are never used again: the owner
// writes after a `&mut`'s last use, new references are created and used, and old raw
// pointers whose tags were disabled are simply dropped.
use bsan_test_support::*;

fn bump(x: &mut u32) -> *mut u32 {
    fn_entry!(x);
    *x += 1;
    x as *mut u32
}

fn main() {
    let mut x = 0u32;
    let a = reborrow_mut!(x);
    *a = 1;
    let stale = a as *mut u32;
    x = 2; // disables a (never used again)
    let b = reborrow_mut!(x);
    *b += 1;
    let stale2 = bump(reborrow_mut!(x));
    let c = reborrow!(x);
    let d = reborrow!(x);
    let sum = *c + *d;
    x += sum; // disables c and d (never used again)
    let _ = (stale, stale2);
    println!("{x}");
}
