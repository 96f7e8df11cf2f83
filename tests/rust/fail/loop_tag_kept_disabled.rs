//! A loop makes a `&mut u8` per iteration (the call-return retag of `slot`). Where the
//! reference is used only in its iteration, its tag dies when the next iteration makes
//! another (`DIES_ON_REPEAT`). The one kept in `keep` across iterations is not declared
//! dead: a write through the raw pointer it came from disables it, and the write through
//! it afterwards is reported.
//@ stats: tags_died

#[inline(never)]
fn slot(p: *mut [u8; 4], i: usize) -> &'static mut u8 {
    unsafe { &mut (*p)[i] }
}

#[inline(never)]
fn touch(b: &mut u8, seen: &mut Vec<u8>) {
    seen.push(*b);
    *b = b.wrapping_add(1);
}

fn main() {
    let buf = Box::leak(Box::new([0u8; 4]));
    let p = buf as *mut [u8; 4];
    let mut seen = Vec::new();
    for i in 0..100 {
        let b = slot(p, i % 4);
        touch(b, &mut seen);
    }
    let mut keep: Option<&mut u8> = None;
    for i in 0..2 {
        let b = slot(p, i);
        touch(b, &mut seen);
        if i == 1 {
            keep = Some(b);
        }
    }
    unsafe { (*p)[1] = 9 };
    if let Some(k) = keep {
        *k = 3;
    }
    println!("{} {:?}", seen.len(), unsafe { *p });
}
