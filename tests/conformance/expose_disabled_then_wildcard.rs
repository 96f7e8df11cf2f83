//@ synthesized: differs
// §7: the only exposed tag is disabled by a later write through the variable itself, after which a
// wildcard read has no exposed tag that may perform it: "no exposed tags".
use bsan_test_support::*;

fn expose_mut(m: &mut u32) -> usize {
    fn_entry!(m);
    *m += 1;
    m as *mut u32 as usize
}

fn main() {
    let mut v = 1u32;
    let addr = expose_mut(reborrow_mut!(v));
    v = 10;
    let seen = unsafe { *(addr as *const u32) };
    std::hint::black_box((seen, v));
}
