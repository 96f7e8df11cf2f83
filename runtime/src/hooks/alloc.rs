//! `__bsan_alloc`, `__bsan_dealloc`, `__bsan_realloc_pre`, `__bsan_realloc_post`: allocation
//! lifetimes
//! ([`crate::lifetime`]).

use bsan_abi::Prov;

use super::guard;
use crate::alloc_info::AllocKind;
use crate::{lifetime, report, sys};

fn kind_or_die(hook: &str, kind: u8) -> AllocKind {
    AllocKind::from_abi(kind).unwrap_or_else(|| {
        report::internal_error(format_args!("{hook}: unknown allocation kind {kind}"))
    })
}

/// Registers a new allocation of `size` bytes at `addr` of kind `kind`; returns the
/// provenance of its root pointer.
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_alloc(addr: *const u8, size: u64, kind: u8) -> Prov {
    let site = sys::caller_pc();
    guard("__bsan_alloc", || {
        crate::runtime_flags();
        crate::threads::ensure_registered();
        let kind = kind_or_die("__bsan_alloc", kind);
        lifetime::allocate(addr as usize, size, kind, site)
    })
}

/// The allocation at `addr` is about to be freed through provenance `alloc`/`tag`; checks
/// it, forgets the record and returns its size (0 if unknown).
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_dealloc(addr: *const u8, alloc: u64, tag: u64, kind: u8) -> u64 {
    let site = sys::caller_pc();
    guard("__bsan_dealloc", || {
        let kind = kind_or_die("__bsan_dealloc", kind);
        match lifetime::dealloc(addr as usize, Prov { alloc, tag }, kind, site) {
            Ok(size) => size,
            Err(v) => report::report_violation(v),
        }
    })
}

/// `old` is about to be passed to `realloc`: checks and forgets it like
/// [`__bsan_dealloc`], keeping its shadow provenance for [`__bsan_realloc_post`].
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_realloc_pre(addr: *const u8, alloc: u64, tag: u64) -> u64 {
    let site = sys::caller_pc();
    guard(
        "__bsan_realloc_pre",
        || match lifetime::dealloc_for_realloc(addr as usize, Prov { alloc, tag }, site) {
            Ok(size) => size,
            Err(v) => report::report_violation(v),
        },
    )
}

/// After `realloc(old_addr) == new_addr`: moves shadow provenance and registers the new
/// block; untracked if `new_addr` is null.
///
/// # Safety
/// None beyond the ABI: the addresses are never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_realloc_post(
    new_addr: *const u8,
    old_addr: *const u8,
    old_size: u64,
    new_size: u64,
) -> Prov {
    let site = sys::caller_pc();
    guard("__bsan_realloc_post", || {
        crate::runtime_flags();
        lifetime::realloc_post(
            new_addr as usize,
            old_addr as usize,
            old_size,
            new_size,
            site,
        )
    })
}
