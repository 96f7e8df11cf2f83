// §5 + §2.2 rule 2: a protected `&mut u8` into a `[u8; 4]` only protects the bytes it accessed;
// foreign writes to the other bytes during the call just update its lazy states. Clean.
use bsan_test_support::*;

fn f(x: &mut u8, y: *mut u8) {
    fn_entry!(x);
    *x = 1;
    unsafe {
        *y.add(1) = 2;
        *y.add(3) = 4;
    }
    *x += 1;
}

fn main() {
    let mut a = [0u8; 4];
    let y = &raw mut a as *mut u8;
    unsafe { f(reborrow_mut!(*y), y) };
    assert_eq!(a, [2, 2, 0, 4]);
}
