//! `v[2]` on a `Vec` ends in `<usize as SliceIndex<[u64]>>::index_mut`, a pass-through
//! (`returned_retags.rs`): it hands back an element at a variable offset, after a bounds
//! check, and makes no tag for the slice. The element reference its caller retags is still
//! checked: a write through the raw pointer behind the vector disables it, and the write
//! through it is reported.
//@ stats: retags_elided
//@ bsan-options: fast_path=0

fn main() {
    let mut v = vec![0u64; 4];
    let p = v.as_mut_ptr();
    let e = &mut v[2];
    unsafe { *p.add(2) = 7 };
    *e = 5;
    println!("{}", v[2]);
}
