//@ synthesized: differs
// §3.4 + §4: the entry retag already marks the bytes of a protected `&mut` as accessed, so even a
// parameter the callee never uses forbids a foreign write through a sibling pointer:
// ProtectedDisabled(Reserved).
use bsan_test_support::*;

fn ignore(_x: &mut u8, y: *mut u8) {
    fn_entry!(_x);
    unsafe { *y = 0 };
}

fn main() {
    let mut b = 1u8;
    let a = reborrow_mut!(b) as *mut u8;
    let s = reborrow_mut!(b) as *mut u8;
    unsafe { ignore(reborrow_mut!(*a), s) };
}
