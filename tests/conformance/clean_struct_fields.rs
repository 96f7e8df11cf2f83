// References stored in struct fields (retagged in place, `__rust_retag_mem`), disjoint
// `&mut` borrows of different fields used interleaved, a function taking two `&mut` into
// the same struct, and a `&mut` returned from a function and used after the call. Must be
// clean in both modes.
use bsan_test_support::*;

struct Pair {
    left: [u32; 4],
    right: [u32; 4],
}

struct View<'a> {
    l: &'a mut [u32; 4],
    r: &'a [u32; 4],
}

fn swap_halves(a: &mut [u32; 4], b: &mut [u32; 4]) {
    fn_entry!(a);
    fn_entry!(b);
    for i in 0..4 {
        std::mem::swap(reborrow_mut!(a[i]), reborrow_mut!(b[i]));
    }
}

fn pick(p: &mut Pair, left: bool) -> &mut u32 {
    fn_entry!(p);
    if left {
        reborrow_mut!(p.left[0])
    } else {
        reborrow_mut!(p.right[3])
    }
}

fn apply(v: &mut View<'_>) -> u32 {
    fn_entry!(v);
    retag_place!(v.l);
    retag_place!(v.r);
    let mut s = 0;
    for i in 0..4 {
        v.l[i] += v.r[i];
        s += v.l[i];
    }
    s
}

fn main() {
    let mut p = Pair {
        left: [1, 2, 3, 4],
        right: [10, 20, 30, 40],
    };
    let l = reborrow_mut!(p.left);
    let r = reborrow_mut!(p.right);
    for i in 0..4 {
        l[i] += 1;
        r[i] += l[i];
        l[3 - i] *= 2;
    }
    swap_halves(reborrow_mut!(p.left), reborrow_mut!(p.right));
    let x = retag_ret!(pick(reborrow_mut!(p), true));
    *x += 5;
    let y = retag_ret!(pick(reborrow_mut!(p), false));
    *y += 7;
    let right_copy = p.right;
    let mut v = View {
        l: reborrow_mut!(p.left),
        r: reborrow!(right_copy),
    };
    retag_place!(v.l);
    let s = apply(reborrow_mut!(v));
    let s2 = apply(reborrow_mut!(v));
    println!("{:?} {:?} {s} {s2}", p.left, p.right);
}
