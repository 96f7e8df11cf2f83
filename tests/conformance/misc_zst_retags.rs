// §3.4: zero-sized retags (unit, empty structs, empty slices, dangling ZST pointers, `Box<()>`,
// ZST fields) create nodes without accessing anything, or keep the provenance when there is no
// allocation; none of this is UB. Clean.
use bsan_test_support::*;
use std::ptr::NonNull;

struct Empty;

#[repr(C)]
struct WithZst {
    a: u32,
    z: (),
    b: u32,
}

fn take_unit(u: &mut ()) {
    fn_entry!(u);
    *u = ();
}

fn take_empty(e: &Empty) -> usize {
    fn_entry!(e);
    std::mem::size_of_val(e)
}

fn take_slice(s: &mut [u32]) -> usize {
    fn_entry!(s);
    for x in s.iter_mut() {
        *x += 1;
    }
    s.len()
}

fn take_box(b: Box<()>) {
    fn_entry_box!(b);
    drop(b);
}

fn main() {
    let mut unit = ();
    take_unit(reborrow_mut!(unit));

    let dangling = NonNull::<Empty>::dangling();
    assert_eq!(take_empty(unsafe { reborrow!(*dangling.as_ptr()) }), 0);
    let e = Empty;
    assert_eq!(take_empty(reborrow!(e)), 0);

    let mut empty: [u32; 0] = [];
    assert_eq!(take_slice(reborrow_mut!(empty[..])), 0);
    let mut three = [1u32, 2, 3];
    assert_eq!(take_slice(reborrow_mut!(three[1..1])), 0);
    assert_eq!(take_slice(reborrow_mut!(three[..])), 3);

    let mut s = WithZst { a: 1, z: (), b: 2 };
    let z = reborrow_mut!(s.z);
    take_unit(reborrow_mut!(*z));
    s.a += s.b;

    let b = Box::new(());
    retag_box!(b);
    take_box(b);

    let mut units = vec![(); 10];
    units.push(());
    for u in units.iter_mut() {
        take_unit(reborrow_mut!(*u));
    }
    assert_eq!((units.len(), s.a, three), (11, 3, [2, 3, 4]));
}
