// Model §10.22: each `a.as_mut_ptr()` call reborrows `a` anew (the autoref `&mut a`), so the
// two pointers carry sibling tags; writing through the first disables the second.
// UB (model §2.1, 2.2.1): second autoref Reserved -> Disabled (foreign write via p1); write via p2: ChildAccessForbidden(Disabled).
//@ synthesized: differs
use bsan_test_support::*;

fn main() {
    let mut a = [0u32; 4];
    let p1 = <[u32]>::as_mut_ptr(reborrow_mut!(a));
    let p2 = <[u32]>::as_mut_ptr(reborrow_mut!(a));
    unsafe {
        *p1 = 1;
        *p2 = 2;
    }
    println!("{a:?}");
}
