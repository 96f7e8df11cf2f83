// Many shared references to one value, read in every order together with reads through
// the owner and a raw pointer; then, once they are all dead, a `&mut` writes. Reads never
// change a Frozen tag, and the final retag and write only disable tags never used again.
use bsan_test_support::*;

struct Point {
    x: i64,
    y: i64,
}

fn norm1(p: &Point) -> i64 {
    fn_entry!(p);
    p.x.abs() + p.y.abs()
}

fn dot(a: &Point, b: &Point) -> i64 {
    fn_entry!(a);
    fn_entry!(b);
    a.x * b.x + a.y * b.y
}

fn main() {
    let mut pt = Point { x: 3, y: -4 };
    let r1 = reborrow!(pt);
    let r2 = reborrow!(pt);
    let raw = &raw const pt;
    let fx = reborrow!(pt.x);
    let mut acc = 0;
    acc += norm1(reborrow!(*r1));
    acc += unsafe { (*raw).y };
    acc += dot(reborrow!(*r2), reborrow!(*r1));
    acc += *fx + r2.y + pt.x;
    acc += norm1(reborrow!(pt));
    let m = reborrow_mut!(pt);
    m.x += acc;
    m.y = -m.y;
    println!("{} {}", pt.x, pt.y);
}
