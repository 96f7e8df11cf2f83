// §3.1: references stored in struct fields are retagged in place (as a typed copy of the struct
// would do); using the fields afterwards, mutable and shared, is fine. Clean.
use bsan_test_support::*;

struct Holder<'a> {
    m: &'a mut [i32; 3],
    s: &'a i32,
}

fn pass_through(h: Holder<'_>) -> Holder<'_> {
    retag_place!(h.m);
    retag_place!(h.s);
    h.m[0] += *h.s;
    h
}

fn main() {
    let mut arr = [1, 2, 3];
    let k = 10;
    let h = Holder { m: reborrow_mut!(arr), s: reborrow!(k) };
    retag_place!(h.m);
    retag_place!(h.s);
    h.m[1] += *h.s;
    let h = pass_through(h);
    retag_place!(h.m);
    retag_place!(h.s);
    h.m[2] += *h.s;
    assert_eq!(arr, [11, 12, 13]);
}
