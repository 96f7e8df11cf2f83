// A `&T` argument is protected for the whole call: a write through another pointer while
// the call runs would disable it.
// UB (model §2.2.2, 4): r (protected, accessed) Frozen -> Disabled by a foreign write: ProtectedDisabled(Frozen).
//@ synthesized: differs
use bsan_test_support::*;

fn observe(r: &u32, p: *mut u32) -> u32 {
    fn_entry!(r);
    unsafe { *p = 9 };
    0
}

fn main() {
    let mut x = 1u32;
    let p = reborrow_mut!(x) as *mut u32;
    let n = observe(unsafe { reborrow!(*p) }, p);
    println!("{n} {x}");
}
