// Model §10.18, read-read reordering: x is Unique after a write; reading through the parent
// freezes it (unprotected Unique + foreign read -> Frozen), and reads through x are still
// allowed, in either order. Frozen tags accept any number of reads.
use bsan_test_support::*;

fn read_parent_first(v: &mut i32) -> i32 {
    fn_entry!(v);
    let p = &raw mut *v;
    let x = unsafe { reborrow_mut!(*p) };
    *x = 5;
    let a = unsafe { *p };
    let b = *x;
    a + b
}

fn read_child_first(v: &mut i32) -> i32 {
    fn_entry!(v);
    let p = &raw mut *v;
    let x = unsafe { reborrow_mut!(*p) };
    *x = 6;
    let b = *x;
    let a = unsafe { *p };
    let r1 = unsafe { reborrow!(*p) };
    let r2 = reborrow!(*x);
    a + b + *r1 + *r2 + *x
}

fn main() {
    let mut v = 0;
    let s = read_parent_first(reborrow_mut!(v)) + read_child_first(reborrow_mut!(v));
    println!("{s} {v}");
}
