//! The C side of bsan: the thread-local provenance slots and the reader of the retag-source
//! section (`src/bsan_tls.c`), and `bsan.h`, the interface for C and C++ users.
//!
//! This crate exists so that cargo builds the C code with `cc` and rustc bundles it into the
//! runtime staticlib (`bsan-rt` depends on it): a program links a single archive. The Rust
//! side exports the header's path for the drivers and the tests, and safe wrappers of the C
//! functions the runtime calls.

/// Directory holding `bsan.h`.
pub const INCLUDE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/include");

/// Keeps the C archive in the link of dependents (referenced by the runtime).
pub fn link_anchor() {}

extern "C" {
    fn bsan_shim_retag_source() -> u32;
    fn bsan_shim_arg_prov_slots() -> *const u64;
    fn bsan_shim_ret_prov_slots() -> *const u64;
    fn bsan_shim_arg_prov_words() -> std::ffi::c_uint;
    fn bsan_shim_ret_prov_words() -> std::ffi::c_uint;
}

/// The OR of the [`bsan_abi::retag_source`] words of every instrumented module linked into
/// the program (0 if there are none).
pub fn retag_source() -> u32 {
    // SAFETY: reads only the linker-delimited section, or nothing.
    unsafe { bsan_shim_retag_source() }
}

/// The calling thread's provenance slots, as `(address, number of u64 words)`: the
/// argument slots and the return slots. The addresses stay valid until the thread exits;
/// other threads may read them (racily) while it lives.
pub fn tls_prov_slots() -> [(usize, usize); 2] {
    // SAFETY: plain accessors without preconditions.
    unsafe {
        [
            (
                bsan_shim_arg_prov_slots() as usize,
                bsan_shim_arg_prov_words() as usize,
            ),
            (
                bsan_shim_ret_prov_slots() as usize,
                bsan_shim_ret_prov_words() as usize,
            ),
        ]
    }
}

/// The tag of the first pointer leaf in the calling thread's return slots
/// (`__bsan_ret_prov[1]`): what the latest instrumented `ret` of a pointer stored there,
/// or anything stale if none did since.
pub fn returned_tag() -> u64 {
    // SAFETY: the calling thread's slot array, of `2 * MAX_RET_PROVS >= 2` words.
    unsafe { bsan_shim_ret_prov_slots().add(1).read_volatile() }
}

#[cfg(test)]
mod tests {
    /// Nothing in this test binary is instrumented: no retag-source section.
    #[test]
    fn retag_source_is_zero_without_the_section() {
        assert_eq!(super::retag_source(), 0);
    }

    #[test]
    fn tls_slots_are_per_thread_and_sized_by_the_abi() {
        let here = super::tls_prov_slots();
        assert_eq!(here[0].1, 2 * bsan_abi::tls::MAX_ARG_PROVS);
        assert_eq!(here[1].1, 2 * bsan_abi::tls::MAX_RET_PROVS);
        let there = std::thread::spawn(super::tls_prov_slots).join().unwrap();
        assert_ne!(here[0].0, there[0].0);
    }

    /// `bsan.h` must declare exactly the hooks of the ABI crate, in table order.
    #[test]
    fn header_matches_abi() {
        let header = std::fs::read_to_string(format!("{}/bsan.h", super::INCLUDE_DIR)).unwrap();
        let begin = header
            .find("/* BEGIN HOOKS (checked against runtime/abi) */\n")
            .expect("BEGIN marker");
        let end = header.find("/* END HOOKS */").expect("END marker");
        let body = &header[begin + "/* BEGIN HOOKS (checked against runtime/abi) */\n".len()..end];
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
