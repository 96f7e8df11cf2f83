// Raw pointers derived from one `&mut` all carry its tag (`&raw mut` and `as *mut` create no
// new tag), so any interleaving of reads and writes through them, at any offset of the
// allocation, is an access through that one tag: always fine.
use bsan_test_support::*;

fn fill(buf: &mut [u32; 8]) -> u32 {
    fn_entry!(buf);
    let base = &raw mut *buf as *mut u32;
    let p1 = base;
    let p2 = unsafe { base.add(3) };
    let p3 = buf as *mut [u32; 8] as *mut u32;
    unsafe {
        *p1 = 1;
        *p2 = 2;
        *p3.add(1) = *p1 + *p2;
        *p1.add(7) = *p3.add(1) * 2;
        for i in 0..8 {
            *p3.add(i) += *p2.sub(3).add(i) + 1;
        }
        *p2 + *p1.add(7)
    }
}

fn main() {
    let mut buf = [0u32; 8];
    let total = fill(reborrow_mut!(buf));
    println!("{total} {buf:?}");
}
