// §2.1 + §4: a protected `&u64` tolerates foreign reads during the call (Frozen stays Frozen); once
// the call returned, a foreign write only disables the unprotected tag. Clean.
use bsan_test_support::*;

fn peek(r: &u64, raw: *const u64) -> u64 {
    fn_entry!(r);
    let a = unsafe { *raw };
    a + *r
}

fn main() {
    let mut v = 21u64;
    let raw = &raw mut v;
    let s = unsafe { peek(reborrow!(*raw), raw) };
    unsafe { *raw = 0 };
    let t = unsafe { peek(reborrow!(*raw), raw) };
    unsafe { *raw = s + t };
    assert_eq!(v, 42);
}
