//! `__bsan_retag` ([`crate::retag`]), and link-time fallbacks for the intrinsics rustc's
//! `-Zcodegen-emit-retag` emits (`__rust_retag_reg`, `__rust_retag_mem`), so that object
//! code the pass never lowered (e.g. a crate compiled without the plugin) still links: the
//! fallbacks retag nothing.

use std::borrow::Cow;

use bsan_abi::Prov;

use super::guard;
use crate::retag::{RetagKind, RetagRequest};
use crate::{report, retag, sys};

/// Reads `count` `(offset, len)` pairs of u64 at `ptr` (borrowed when aligned).
///
/// # Safety
/// `ptr` must point to `count` readable pairs unless `count` is 0.
unsafe fn ranges<'a>(hook: &str, ptr: *const u8, count: u64) -> Cow<'a, [[u64; 2]]> {
    if count == 0 {
        return Cow::Borrowed(&[]);
    }
    let Ok(count) = usize::try_from(count) else {
        report::internal_error(format_args!("{hook}: range count {count} too large"))
    };
    if ptr.is_null() {
        report::internal_error(format_args!("{hook}: {count} ranges at a null pointer"))
    }
    let pairs = ptr as *const [u64; 2];
    if pairs.is_aligned() {
        // SAFETY: aligned, and readable for `count` pairs per the caller's contract.
        Cow::Borrowed(unsafe { std::slice::from_raw_parts(pairs, count) })
    } else {
        // SAFETY: readable for `count` pairs per the caller's contract.
        Cow::Owned(
            (0..count)
                .map(|i| unsafe { pairs.add(i).read_unaligned() })
                .collect(),
        )
    }
}

/// Retags `addr` (provenance `alloc`/`tag`) for a pointee of `size` bytes; returns the new
/// provenance.
///
/// # Safety
/// `im_ranges` and `pin_ranges` must point to `im_count` / `pin_count` readable pairs of
/// u64 (or be anything when the count is 0). `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the ABI's signature
pub unsafe extern "C" fn __bsan_retag(
    addr: *const u8,
    size: u64,
    flags: u8,
    im_ranges: *const u8,
    im_count: u64,
    pin_ranges: *const u8,
    pin_count: u64,
    alloc: u64,
    tag: u64,
) -> Prov {
    let site = sys::caller_pc();
    guard("__bsan_retag", || {
        crate::runtime_flags();
        crate::threads::ensure_registered();
        crate::threads::note_stack_pointer();
        let Some(kind) = RetagKind::from_abi(flags) else {
            report::internal_error(format_args!("__bsan_retag: invalid flags {flags:#04x}"))
        };
        // SAFETY: the caller's contract.
        let cells = unsafe { ranges("__bsan_retag", im_ranges, im_count) };
        let _ = pin_ranges; // only their presence matters
        let req = RetagRequest {
            addr: addr as usize,
            size,
            kind,
            cell_ranges: &cells,
            pinned: pin_count != 0,
        };
        match retag::retag(&req, Prov { alloc, tag }, site) {
            Ok(prov) => prov,
            Err(v) => report::report_violation(v),
        }
    })
}

/// The implicit read of a protected retag the pass elided ([`retag::check_elided`]).
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_retag_check(addr: *const u8, size: u64, alloc: u64, tag: u64) {
    let site = sys::caller_pc();
    guard("__bsan_retag_check", || {
        crate::threads::ensure_registered();
        crate::threads::note_stack_pointer();
        if let Err(v) = retag::check_elided(addr as usize, size, Prov { alloc, tag }, site) {
            report::report_violation(v)
        }
    })
}

/// Fallback for rustc's register retag intrinsic: returns the pointer unchanged.
///
/// # Safety
/// Always safe to call; nothing is dereferenced.
#[no_mangle]
pub unsafe extern "C" fn __rust_retag_reg(
    ptr: *const u8,
    _size: u64,
    _flags: u8,
    _im_ranges: *const u8,
    _pin_ranges: *const u8,
) -> *const u8 {
    ptr
}

/// Fallback for rustc's in-memory retag intrinsic: does nothing.
///
/// # Safety
/// Always safe to call; nothing is dereferenced.
#[no_mangle]
pub unsafe extern "C" fn __rust_retag_mem(
    _place: *const u8,
    _size: u64,
    _flags: u8,
    _im_ranges: *const u8,
    _pin_ranges: *const u8,
) {
}
