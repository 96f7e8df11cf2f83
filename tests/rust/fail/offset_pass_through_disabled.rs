//! `<[u8]>::get_unchecked_mut` returns what `<usize as SliceIndex<[u8]>>::get_unchecked_mut`
//! returns for its slice: its argument plus an offset, computed without touching memory.
//! The pass sees through that call and elides the slice's protected retag
//! (`returned_retags.rs`, offset functions), so the element references its caller
//! retags are children of the buffer's tag. Two of them to the same byte are still
//! told apart: the write through the second disables the first, and the write through
//! the first afterwards is reported.
//@ stats: retags_elided
//@ bsan-options: fast_path=0

fn main() {
    let mut buf = [0u8; 8];
    let p: *mut [u8] = &mut buf;
    let a = unsafe { (&mut *p).get_unchecked_mut(3) };
    let b = unsafe { (&mut *p).get_unchecked_mut(3) };
    *b = 7;
    *a = 1;
    println!("{}", buf[3]);
}
