// §4 + §6: once the call returned, its parameter is unprotected and the memory it pointed to may be
// freed (through the caller's pointer or the callee's returned one). Clean.
use bsan_test_support::*;
use std::alloc::{alloc, dealloc, Layout};

fn fill(x: &mut [u8; 16]) -> *mut [u8; 16] {
    fn_entry!(x);
    for i in 0..16 {
        x[i] = i as u8;
    }
    x as *mut [u8; 16]
}

fn sum(r: &i64) -> i64 {
    fn_entry!(r);
    *r * 2
}

fn main() {
    let layout = Layout::new::<[u8; 16]>();
    let p = unsafe { alloc(layout) } as *mut [u8; 16];
    assert!(!p.is_null());
    let q = unsafe { fill(reborrow_mut!(*p)) };
    assert_eq!(unsafe { (*q)[15] }, 15);
    unsafe { dealloc(q as *mut u8, layout) };

    let b = Box::new(21i64);
    retag_box!(b);
    let leaked = retag_ret!(Box::leak(b));
    assert_eq!(sum(reborrow!(*leaked)), 42);
    let raw = leaked as *mut i64;
    drop(unsafe { Box::from_raw(raw) });
}
