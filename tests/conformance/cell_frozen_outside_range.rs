//@ synthesized: differs
// §5: a `&[u8]` (Freeze) is lazily Frozen outside its range; writing the byte before the slice
// through a pointer derived from it is ChildAccessForbidden(Frozen) at offset 0x0.
use bsan_test_support::*;

fn poke_before(s: &[u8]) {
    fn_entry!(s);
    let first = s[0];
    let p = s as *const [u8] as *mut u8;
    unsafe { *p.sub(1) = first };
}

fn main() {
    let a = [1u8, 2, 3, 4];
    poke_before(reborrow!(a[1..3]));
    std::hint::black_box(&a);
}
