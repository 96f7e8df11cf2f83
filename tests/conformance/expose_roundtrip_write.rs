// §7: a pointer cast back from an integer may write when an exposed tag allows it (an exposed
// Reserved/Unique `&mut`); the wildcard write is a local access for that tag. Clean.
use bsan_test_support::*;

fn write_at(addr: usize, v: u32) {
    unsafe { *(addr as *mut u32) = v };
}

fn main() {
    let mut v = 1u32;
    let m = reborrow_mut!(v);
    let addr = m as *mut u32 as usize;
    let p = addr as *mut u32;
    unsafe {
        *p = 2;
        *p += 1;
    }
    write_at(addr, 4);

    let mut w = [0u64; 4];
    let n = reborrow_mut!(w);
    let base = (n as *mut [u64; 4] as *mut u64).expose_provenance();
    for i in 0..4 {
        let q = std::ptr::with_exposed_provenance_mut::<u64>(base + 8 * i);
        unsafe { *q = i as u64 * 3 };
    }
    assert_eq!(w, [0, 3, 6, 9]);
    assert_eq!(v, 4);
}
