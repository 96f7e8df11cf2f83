//@ stats: retags accesses allocations
//! std's backtrace symbolizer (`Backtrace::force_capture` and its `Display`, as the panic hook
//! runs it under RUST_BACKTRACE=1) is on bsan's built-in ignorelist: it must run clean, while
//! the program's own code around it stays checked (the stats).
use std::backtrace::Backtrace;
use std::collections::HashMap;

#[inline(never)]
fn capture_here(depth: u32) -> String {
    if depth == 0 {
        format!("{}", Backtrace::force_capture())
    } else {
        capture_here(depth - 1)
    }
}

fn main() {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for _ in 0..3 {
        let text = capture_here(2);
        // Symbolized: the frames name this program's functions.
        assert!(text.contains("capture_here"), "not symbolized:\n{text}");
        *seen.entry("capture_here").or_default() += text.matches("capture_here").count();
    }
    let frames = seen["capture_here"];
    println!("symbolized {} capture_here frames", frames);
}
