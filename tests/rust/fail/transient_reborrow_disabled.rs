//! A reference a call returns gets an unprotected retag. Used at once with nothing in
//! between, the pass elides it (`transient_retags.rs`): only its implicit read is checked.
//! Here a write through a raw pointer to the same memory comes between the retag and the
//! read, which disables the new tag, so the retag is kept and the read is reported.

#[inline(never)]
fn first(v: &[u32; 2]) -> &u32 {
    &v[0]
}

fn main() {
    let mut data = [1u32, 2];
    let p: *mut u32 = data.as_mut_ptr();
    let r = first(unsafe { &*(p as *const [u32; 2]) });
    unsafe { *p = 5 };
    let x = *r;
    println!("{x}");
}
