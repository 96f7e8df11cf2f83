//! `copy_in` writes through its `&mut` and only reads through its `&[u8]`: the pass keeps
//! the `&mut`'s tag and elides the reader's (`leaf_retags.rs`, writer and readers). The two
//! overlap here: the reader's implicit read conflicts the protected writer, so the write
//! through it is reported, as Miri reports it.
//@ stats: retags_elided

#[inline(never)]
fn copy_in(dst: &mut [u8; 4], src: &[u8]) {
    dst[0] = src[1];
}

fn main() {
    let mut buf = [1u8, 2, 3, 4];
    let p = buf.as_mut_ptr();
    unsafe {
        copy_in(&mut *(p as *mut [u8; 4]), std::slice::from_raw_parts(p, 4));
    }
    println!("{buf:?}");
}
