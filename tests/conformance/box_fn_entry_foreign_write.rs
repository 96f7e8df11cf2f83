//@ synthesized: differs
// §4 weak protector: a `Box` parameter is weakly protected, which still forbids a foreign write to
// its accessed bytes during the call: ProtectedDisabled(Reserved).
use bsan_test_support::*;

fn keep(b: Box<u64>, raw: *mut u64) -> u64 {
    fn_entry_box!(b);
    unsafe { *raw = 3 };
    *b
}

fn main() {
    let b = Box::new(1u64);
    retag_box!(b);
    let raw = Box::into_raw(b);
    let b2 = unsafe { Box::from_raw(raw) };
    retag_box!(b2);
    let v = keep(b2, raw);
    std::hint::black_box(v);
}
