//! The C side of bsan: the thread-local provenance slots (`src/bsan_tls.c`) and `bsan.h`, the
//! interface for C and C++ users.
//!
//! This crate exists so that cargo builds the C code with `cc` and rustc bundles it into the
//! runtime staticlib (`bsan-rt` depends on it): a program links a single archive. The Rust
//! side only exports the header's path for the drivers and the tests.

/// Directory holding `bsan.h`.
pub const INCLUDE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include");

/// Keeps the C archive in the link of dependents (referenced by the runtime).
pub fn link_anchor() {}

#[cfg(test)]
mod tests {
    /// `bsan.h` must declare exactly the hooks of the ABI crate, in table order.
    #[test]
    fn header_matches_abi() {
        let header = std::fs::read_to_string(format!("{}/bsan.h", super::INCLUDE_DIR)).unwrap();
        let begin = header
            .find("/* BEGIN HOOKS (generated) */\n")
            .expect("BEGIN marker");
        let end = header.find("/* END HOOKS */").expect("END marker");
        let body = &header[begin + "/* BEGIN HOOKS (generated) */\n".len()..end];
        let expected = bsan_abi::c_header_prototypes().join("\n") + "\n";
        assert_eq!(
            body, expected,
            "bsan.h is out of date; replace the HOOKS block with:\n{expected}"
        );
    }

    /// The TLS slots the pass declares must be the ones the C file defines.
    #[test]
    fn tls_slots_match_abi() {
        let c = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/bsan_tls.c"))
            .unwrap();
        use bsan_abi::tls::*;
        for name in [ARG_PROV, ARG_CALLEE, RET_PROV, RET_CALLEE] {
            assert!(
                c.contains(&format!("{name};")) || c.contains(&format!("{name}[")),
                "{name}"
            );
        }
    }

    #[test]
    fn header_constants_match_abi() {
        let header = std::fs::read_to_string(format!("{}/bsan.h", super::INCLUDE_DIR)).unwrap();
        let want = [
            ("BSAN_ABI_VERSION", bsan_abi::ABI_VERSION as u64),
            ("BSAN_DEFAULT_EXIT_CODE", bsan_abi::DEFAULT_EXIT_CODE as u64),
            (
                "BSAN_RETAG_PROTECTED",
                bsan_abi::retag_flags::PROTECTED as u64,
            ),
            ("BSAN_RETAG_MUTABLE", bsan_abi::retag_flags::MUTABLE as u64),
            ("BSAN_RETAG_BOX", bsan_abi::retag_flags::BOX as u64),
            ("BSAN_RETAG_FREEZE", bsan_abi::retag_flags::FREEZE as u64),
            ("BSAN_ALLOC_HEAP", bsan_abi::alloc_kind::HEAP as u64),
            ("BSAN_ALLOC_STACK", bsan_abi::alloc_kind::STACK as u64),
            ("BSAN_ALLOC_GLOBAL", bsan_abi::alloc_kind::GLOBAL as u64),
            ("BSAN_MAX_ARG_PROVS", bsan_abi::tls::MAX_ARG_PROVS as u64),
            ("BSAN_MAX_RET_PROVS", bsan_abi::tls::MAX_RET_PROVS as u64),
        ];
        for (name, value) in want {
            let line = header
                .lines()
                .find(|l| l.starts_with(&format!("#define {name} ")))
                .unwrap_or_else(|| panic!("bsan.h lacks {name}"));
            let text = line.rsplit(' ').next().unwrap();
            let parsed = if let Some(hex) = text.strip_prefix("0x") {
                u64::from_str_radix(hex, 16).unwrap()
            } else {
                text.parse().unwrap()
            };
            assert_eq!(parsed, value, "{name}");
        }
    }
}
