// Model §10.3: y is a child of x, both Reserved. Reading x keeps y Reserved; y's write
// makes it Unique; the next read through x freezes y; y's second write is UB.
// UB (model §2.1, 2.2.1): y Reserved -> Unique (write) -> Frozen (foreign read via x); write via y: ChildAccessForbidden(Frozen).
//@ synthesized: missed: x and y are intra-function reborrows of v
use bsan_test_support::*;

fn main() {
    let mut v = 10u32;
    let x = reborrow_mut!(v);
    let xp = x as *mut u32;
    let y = unsafe { reborrow_mut!(*xp) };
    let mut log = 0;
    for _ in 0..2 {
        log += unsafe { *xp };
        *y += 1;
    }
    println!("{log}");
}
