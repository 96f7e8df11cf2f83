//@ bsan-options: max_metadata_mb=8
//! Formatting in a loop of one frame. core's `fmt::write` and `Arguments::as_str` read the
//! second word of `fmt::Arguments` as either the address of the arguments array or, when
//! its low bit is set, the length of a static string; only the static-string path passes
//! the integer on. Exposing the array's tag at the cast (every `format_args!`) kept one
//! exposed, never-pruned tag per iteration in this frame's arguments array: bytes'
//! `advance_bytes_mut_remaining_capacity` (2.8 M `eprintln!`s) grew it to 65k nodes and
//! spent 70% of its time comparing that tree's chunks. That read is a `mem::transmute` of
//! the pointer, which does not expose (in Rust's semantics and in Miri), and is now known
//! as such by its debug location.
use std::fmt::Write;

fn main() {
    let mut out = String::new();
    let mut total = 0usize;
    for i in 0..60_000u32 {
        out.clear();
        let name = "item";
        write!(out, "{name} {i} of {}: {:>4}", 60_000, i % 97).unwrap();
        // A literal (the static-string path of `as_str`).
        write!(out, " done").unwrap();
        total += format!("{}/{}", out.len(), i).len();
    }
    println!("formatted {total} bytes");
}
