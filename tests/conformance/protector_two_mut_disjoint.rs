// §5 + §2.2: two protected `&mut` to different fields of one allocation; each write only disables
// the other's lazy, never-accessed byte range. Clean.
use bsan_test_support::*;

fn both(a: &mut u16, b: &mut u16) {
    fn_entry!(a);
    fn_entry!(b);
    *a = 1;
    *b = 2;
    *a += *b;
}

fn main() {
    let mut d = (0u16, 0u16);
    both(reborrow_mut!(d.0), reborrow_mut!(d.1));
    both(reborrow_mut!(d.1), reborrow_mut!(d.0));
    assert_eq!(d, (2, 3));
}
