//@ synthesized: differs
// §3.2 + §5 (scenario 13): a `&()` into a struct has an empty range and default permission Frozen
// (`()` is Freeze); writing the neighbouring field through a pointer derived from it is
// ChildAccessForbidden(Frozen) with "initial state Frozen".
#![allow(invalid_reference_casting)]
use bsan_test_support::*;

#[repr(C)]
struct Pair {
    marker: (),
    value: i32,
}

fn bump_through_marker(m: &()) {
    fn_entry!(m);
    let p = m as *const () as *mut i32;
    unsafe { *p += 1 };
}

fn main() {
    let pair = Pair { marker: (), value: 1 };
    bump_through_marker(reborrow!(pair.marker));
    std::hint::black_box(&pair);
}
