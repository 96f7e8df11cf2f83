//! `pick` returns one of the two `&mut` it was given: a tag it made (its protected
//! fn-entry retag), which dies once `main` retagged the result (`PARENT_DIES`: spliced
//! out, `main`'s tag taking its place), while the other dies at `pick`'s exit
//! (`DIES_UNLESS_RETURNED`). The splice keeps what the callee's tag would have enforced:
//! the write through the raw pointer `pick`'s argument came from disables `main`'s
//! reference, and the write through it afterwards is reported.
//@ stats: tags_spliced

#[inline(never)]
fn pick<'a>(a: &'a mut [u8; 4], b: &'a mut [u8; 4], first: bool) -> &'a mut [u8; 4] {
    if first {
        a
    } else {
        b
    }
}

fn main() {
    let mut x = [0u8; 4];
    let mut y = [0u8; 4];
    let px = &mut x as *mut [u8; 4];
    let mut sum = 0u32;
    // Clean rounds first: each leaves nothing behind.
    for i in 0..100 {
        let r = pick(unsafe { &mut *px }, &mut y, i % 2 == 0);
        r[1] = r[1].wrapping_add(1);
        sum += u32::from(r[1]);
    }
    let r = pick(unsafe { &mut *px }, &mut y, true);
    unsafe { (*px)[0] = 1 };
    r[0] = 2;
    println!("{sum} {:?} {:?}", x, y);
}
