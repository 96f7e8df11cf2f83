// Model §10.17: two protected `&mut` into one allocation (different fields). A write through
// one is a foreign write for the other at a byte the other never accessed: its latent
// permission becomes Disabled, which is not UB because it is never accessed there.
use bsan_test_support::*;

fn both(a: &mut u8, b: &mut u8) {
    fn_entry!(a);
    fn_entry!(b);
    *a = 1;
    *b = 2;
    *a += *b;
    *b += 1;
}

fn main() {
    let mut d = (0u8, 0u8);
    both(reborrow_mut!(d.0), reborrow_mut!(d.1));
    let mut arr = [0u8; 4];
    let p = reborrow_mut!(arr) as *mut [u8; 4] as *mut u8;
    unsafe { both(reborrow_mut!(*p.add(3)), reborrow_mut!(*p)) };
    println!("{d:?} {arr:?}");
}
