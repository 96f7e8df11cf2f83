//! Provenance moving through memory: `__bsan_load_prov`, `__bsan_store_prov`,
//! `__bsan_copy_prov`, `__bsan_clear_prov` (all [`crate::shadow`]), and `__bsan_expose`.

use bsan_abi::Prov;

use super::guard;
use crate::{access, shadow, threads};

/// The provenance of the pointer `value` just loaded from `addr`.
///
/// # Safety
/// None beyond the ABI: `addr` and `value` are never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_load_prov(addr: *const u8, value: *const u8) -> Prov {
    guard("__bsan_load_prov", || {
        threads::ensure_registered();
        shadow::load_prov(addr as usize, value as u64)
    })
}

/// Records that the pointer `value` with provenance `alloc`/`tag` was stored at `addr`.
///
/// # Safety
/// None beyond the ABI: `addr` and `value` are never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_store_prov(
    addr: *const u8,
    value: *const u8,
    alloc: u64,
    tag: u64,
) {
    guard("__bsan_store_prov", || {
        shadow::store_prov(addr as usize, value as u64, Prov { alloc, tag })
    })
}

/// Copies shadow provenance for `len` bytes from `src` to `dst` (memmove semantics).
///
/// # Safety
/// None beyond the ABI: program memory is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_copy_prov(dst: *const u8, src: *const u8, len: u64) {
    guard("__bsan_copy_prov", || {
        shadow::copy_prov(
            dst as usize,
            src as usize,
            usize::try_from(len).unwrap_or(usize::MAX),
        )
    })
}

/// Forgets shadow provenance for `len` bytes at `dst`.
///
/// # Safety
/// None beyond the ABI: program memory is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_clear_prov(dst: *const u8, len: u64) {
    guard("__bsan_clear_prov", || {
        shadow::clear_prov(dst as usize, usize::try_from(len).unwrap_or(usize::MAX))
    })
}

/// The pointer `addr` with provenance `alloc`/`tag` escaped into an integer.
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_expose(addr: *const u8, alloc: u64, tag: u64) {
    guard("__bsan_expose", || {
        threads::ensure_registered();
        access::expose(addr as usize, Prov { alloc, tag })
    })
}
