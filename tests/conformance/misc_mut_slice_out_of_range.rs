// §5 (scenario 14): a `&mut [u8]` over a[1..3] is lazily Reserved outside its range, so a raw
// pointer derived from it may write a[0]; a protected slice parameter may do the same on bytes it
// never accessed before. Clean.
use bsan_test_support::*;

fn write_before(s: &mut [u8]) {
    fn_entry!(s);
    s[0] = 9;
    let p = s as *mut [u8] as *mut u8;
    unsafe { *p.sub(1) = 8 };
}

fn main() {
    let mut a = [0u8; 6];
    let s = reborrow_mut!(a[1..3]);
    let p = s as *mut [u8] as *mut u8;
    unsafe { *p.sub(1) = 7 };
    unsafe { *p.add(1) = 1 };
    write_before(reborrow_mut!(a[4..]));
    assert_eq!(a, [7, 0, 1, 8, 9, 0]);
}
