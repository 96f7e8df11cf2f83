//@ exit: 1
//@ bsan-options: gc=0 max_metadata_mb=8
//! A program whose bsan metadata outgrows its limit (here 8 MiB, with pruning off so every
//! reborrow's tag stays in the tree) ends with a clear `bsan: out of memory for metadata`
//! message and status 1: never a silent abort or the kernel's OOM killer.
fn touch(x: &mut u64) {
    *x += 1;
}

fn main() {
    let mut value = 0u64;
    for _ in 0..50_000_000u64 {
        touch(&mut value);
    }
    println!("unreachable: {value}");
}
