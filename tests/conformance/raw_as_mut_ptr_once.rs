// Model §10.22, the correct form: take `as_mut_ptr` once and derive every element pointer
// from it with `add`; all accesses use one tag (the autoref's), so interleaving is fine.
use bsan_test_support::*;

fn main() {
    let mut a = [0u16; 6];
    let p = <[u16]>::as_mut_ptr(reborrow_mut!(a));
    unsafe {
        let q = p.add(2);
        *p = 5;
        *q = 6;
        *p.add(1) = *p + *q;
        for i in 3..6 {
            *p.add(i) = *p.add(i - 1) + *q;
        }
    }
    let mut s = String::from("hello");
    let v = unsafe { String::as_mut_vec(reborrow_mut!(s)) };
    let vp = <[u8]>::as_mut_ptr(reborrow_mut!(**v));
    unsafe { *vp = b'j' };
    println!("{a:?} {s}");
}
