//@ stats: retags accesses
//! Lookups in large read-only tables through slices, as unicode-normalization and
//! encoding_rs do: a `static` without interior mutability is an LLVM `constant` global, which
//! bsan does not track (no write to it is possible, so no tree of it could report). Must run
//! clean; `static_mut_alias.rs` (fail/) is the bug next to it that must still be caught.
static SQUARES: [u32; 4096] = {
    let mut t = [0u32; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = (i * i) as u32;
        i += 1;
    }
    t
};

fn lookup(table: &[u32], key: usize) -> u32 {
    table[key % table.len()]
}

fn main() {
    let mut sum = 0u64;
    for k in 0..20_000usize {
        sum += u64::from(lookup(&SQUARES, k * 7));
    }
    println!("sum={sum}");
}
