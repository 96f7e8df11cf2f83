//! Where the program's retags come from ([`bsan_abi::retag_source`]): rustc's (or the
//! program's own) `__rust_retag_*` intrinsic calls, which see every reborrow, or retags the
//! pass synthesized from signatures and debug info, which miss reborrows inside a function
//! body. Each instrumented module records its bits in a linker section that `shim-c` reads
//! ([`bsan_shim::retag_source`]); the stats line and every report say which it was, so that
//! a reader knows how much the run could see.

use std::sync::OnceLock;

use bsan_abi::retag_source::{INTRINSICS, SYNTHESIZED};

/// The OR of every instrumented module's bits (read once).
pub fn bits() -> u32 {
    static BITS: OnceLock<u32> = OnceLock::new();
    *BITS.get_or_init(bsan_shim::retag_source)
}

/// The `retag_source=` value of the stats line.
pub fn label(bits: u32) -> &'static str {
    match (bits & INTRINSICS != 0, bits & SYNTHESIZED != 0) {
        (true, true) => "intrinsics+synthesized",
        (true, false) => "intrinsics",
        (false, true) => "synthesized",
        (false, false) => "none",
    }
}

/// The `note:` line of a report.
pub fn note(bits: u32) -> &'static str {
    match (bits & INTRINSICS != 0, bits & SYNTHESIZED != 0) {
        (true, true) => {
            "retags from __rust_retag_* intrinsic calls in some modules and synthesized from \
             signatures and debug info in others, where reborrows inside a function body are \
             not seen"
        }
        (true, false) => {
            "retags from __rust_retag_* intrinsic calls (emitted by rustc or written in the \
             program)"
        }
        (false, true) => {
            "retags synthesized from signatures and debug info; reborrows inside a function \
             body are not seen"
        }
        (false, false) => "no retags were instrumented",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_notes_cover_every_combination() {
        assert_eq!(label(0), "none");
        assert_eq!(label(INTRINSICS), "intrinsics");
        assert_eq!(label(SYNTHESIZED), "synthesized");
        assert_eq!(
            label(INTRINSICS | SYNTHESIZED | 1 << 7),
            "intrinsics+synthesized"
        );
        let notes: Vec<_> = [0, INTRINSICS, SYNTHESIZED, INTRINSICS | SYNTHESIZED]
            .map(note)
            .to_vec();
        for (i, a) in notes.iter().enumerate() {
            assert!(!a.contains('\n') && !a.contains("  "), "{a}");
            assert!(notes[i + 1..].iter().all(|b| a != b));
        }
        // The unit-test binary is not instrumented.
        assert_eq!(bits(), 0);
    }
}
