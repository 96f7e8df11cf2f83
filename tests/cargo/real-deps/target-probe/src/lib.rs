//! A target crate configured by its build script's probes.

/// Whether the build script's `#![feature]` probe compiled.
pub const PROBE_SAW_NIGHTLY: bool = cfg!(probe_saw_nightly);
/// Whether `$RUSTC -vV`, asked without any wrapper, names a nightly.
pub const RUSTC_IS_NIGHTLY: bool = cfg!(rustc_is_nightly);

/// Splits `len` items into chunks of three.
pub fn chunks_of_three(len: u32) -> u32 {
    #[cfg(has_div_ceil)]
    return len.div_ceil(3);
    #[cfg(not(has_div_ceil))]
    return len / 3 + u32::from(len % 3 != 0);
}
