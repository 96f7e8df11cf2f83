//@ bsan-options: max_metadata_mb=4
//! Panics caught in a loop (`catch_unwind`, `#[should_panic]`, test harnesses): each one
//! unwinds through `fill_and_check`, whose buffer is a registered stack allocation with a
//! tree. Unwinding must deregister it like a return does; left registered, every caught
//! panic kept its record and tree for the rest of the process (800k in zerocopy's suite),
//! and this loop ran out of its 4 MiB of metadata.
#[inline(never)]
fn fill(buf: &mut [u8; 64], seed: u8) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = seed.wrapping_add(i as u8);
    }
}

#[inline(never)]
fn fill_and_check(seed: u8) -> u32 {
    let mut buf = [0u8; 64];
    fill(&mut buf, seed);
    let sum: u32 = buf.iter().map(|&b| b as u32).sum();
    if seed % 2 == 1 {
        panic!("odd seed {seed}");
    }
    sum
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let (mut caught, mut total) = (0u32, 0u64);
    for i in 0..4_000u32 {
        match std::panic::catch_unwind(|| fill_and_check(i as u8)) {
            Ok(sum) => total += u64::from(sum),
            Err(_) => caught += 1,
        }
    }
    let _ = std::panic::take_hook();
    println!("caught {caught} panics, sum {total}");
}
