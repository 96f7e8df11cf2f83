// Model §10.4, `v.push(v.len())` written out: the two-phase `&mut v` (Reserved) is created
// first, then the `&v` for `len` (a sibling: its retag and reads are foreign reads, which a
// Reserved accepts), and only then does push's protected entry retag activate the
// two-phase borrow with a write. Also the `v.insert(v.len() / 2, v[0])` shape.
use bsan_test_support::*;

struct Stack {
    items: [usize; 8],
    len: usize,
}

fn len(s: &Stack) -> usize {
    fn_entry!(s);
    s.len
}

fn first(s: &Stack) -> usize {
    fn_entry!(s);
    s.items[0]
}

fn push(s: &mut Stack, v: usize) {
    fn_entry!(s);
    s.items[s.len] = v;
    s.len += 1;
}

fn insert(s: &mut Stack, at: usize, v: usize) {
    fn_entry!(s);
    let mut i = s.len;
    while i > at {
        s.items[i] = s.items[i - 1];
        i -= 1;
    }
    s.items[at] = v;
    s.len += 1;
}

fn main() {
    let mut s = Stack {
        items: [0; 8],
        len: 0,
    };
    let sp = &raw mut s;
    for _ in 0..3 {
        // s.push(s.len())
        let two = unsafe { reborrow_mut!(*sp) };
        let n = len(unsafe { reborrow!(*sp) });
        push(two, n + 10);
    }
    // s.insert(s.len() / 2, s.items[0])
    let two = unsafe { reborrow_mut!(*sp) };
    let at = len(unsafe { reborrow!(*sp) }) / 2;
    let v = first(unsafe { reborrow!(*sp) });
    insert(two, at, v);
    println!("{:?} {}", &s.items[..s.len], s.len);
}
