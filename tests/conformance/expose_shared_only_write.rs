//@ synthesized: differs
// §7: only a shared reference was exposed (Frozen: read level), so a write through a pointer cast
// back from the integer has no exposed tag that may perform it: "no exposed tags".
use bsan_test_support::*;

fn address_of(r: &u32) -> usize {
    fn_entry!(r);
    r as *const u32 as usize
}

fn main() {
    let mut v = 1u32;
    let addr = address_of(reborrow!(v));
    let p = addr as *mut u32;
    unsafe { *p = 2 };
    v += 1;
    std::hint::black_box(v);
}
