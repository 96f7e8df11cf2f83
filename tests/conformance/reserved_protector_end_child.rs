// Model §10.20: the protector-end access of `x` (a write: x is Unique after y's write) goes
// to x and its ancestors and, as a foreign access, to everything outside x's subtree, but
// never to x's own children: the returned reborrow `y` stays usable after the call. Also
// a protected `&T` returning a reborrow of itself.
use bsan_test_support::*;

fn r(x: &mut u8) -> &mut u8 {
    fn_entry!(x);
    let y = reborrow_mut!(*x);
    *y = *y + 1;
    y
}

fn pick<'a>(a: &'a [u16; 3], i: usize) -> &'a u16 {
    fn_entry!(a);
    reborrow!(a[i])
}

fn main() {
    let mut v = 1u8;
    let res = retag_ret!(r(reborrow_mut!(v)));
    *res = 5;
    *res += 1;
    let again = retag_ret!(r(reborrow_mut!(*res)));
    *again *= 2;
    let arr = [7u16, 8, 9];
    let e = retag_ret!(pick(reborrow!(arr), 2));
    let f = retag_ret!(pick(reborrow!(arr), 0));
    println!("{v} {} {}", *e, *f);
}
