//@ synthesized: differs
// §4 + §2.2 rule 2: a protected `&[u32; 4]` is Frozen and accessed on all 16 bytes; a foreign write
// to element 2 during the call is ProtectedDisabled(Frozen) at offset 0x8.
use bsan_test_support::*;

fn sum_and_poke(a: &[u32; 4], raw: *mut u32) -> u32 {
    fn_entry!(a);
    let mut s = a[0] + a[1];
    unsafe { *raw.add(2) = 100 };
    s += a[2] + a[3];
    s
}

fn main() {
    let mut arr = [1u32, 2, 3, 4];
    let raw = &raw mut arr as *mut u32;
    let s = unsafe { sum_and_poke(reborrow!(*(raw as *const [u32; 4])), raw) };
    std::hint::black_box(s);
}
