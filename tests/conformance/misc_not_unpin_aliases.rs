// §3.2 (scenario 30): `&mut` to a `!Unpin` type (PhantomPinned) is never retagged: it keeps its
// parent's tag, so two such aliases, and a `&mut Pinned` parameter, used alternately never
// conflict. rustc emits no retag for them, hence no macro on the `Pinned` references. Clean.
use bsan_test_support::*;
use std::marker::PhantomPinned;

struct Pinned {
    v: u32,
    _p: PhantomPinned,
}

fn bump(p: &mut Pinned, alias: *mut Pinned) {
    p.v += 1;
    unsafe { (*alias).v += 1 };
    p.v += 1;
}

fn get(p: &mut Pinned, n: &mut u32) {
    fn_entry!(n);
    *n = p.v;
}

fn main() {
    let mut x = Pinned { v: 0, _p: PhantomPinned };
    let base = &raw mut x;
    let a = unsafe { &mut *base } as *mut Pinned;
    let b = unsafe { &mut *base } as *mut Pinned;
    let mut out = 0;
    unsafe {
        (*a).v += 1;
        (*b).v += 1;
        (*a).v += 1;
        bump(&mut *a, b);
        get(&mut *b, reborrow_mut!(out));
    }
    assert_eq!((x.v, out), (6, 6));
}
