//! `__bsan_read` / `__bsan_write`: the access checks, called before every instrumented load
//! and store that the pass could not prove irrelevant.

use bsan_abi::Prov;
use bsan_tree::AccessKind;

use super::guard;
use crate::{access, report, sys};

#[inline(always)]
fn check(
    hook: &'static str,
    addr: *const u8,
    size: u64,
    alloc: u64,
    tag: u64,
    kind: AccessKind,
    site: u64,
) {
    guard(hook, || {
        let prov = Prov { alloc, tag };
        if let Err(v) = access::before_access(addr as usize, size, prov, kind, site) {
            report::report_violation(v)
        }
    })
}

/// Checks a read of `size` bytes at `addr` through provenance `alloc`/`tag`.
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_read(addr: *const u8, size: u64, alloc: u64, tag: u64) {
    let site = sys::caller_pc();
    check(
        "__bsan_read",
        addr,
        size,
        alloc,
        tag,
        AccessKind::Read,
        site,
    )
}

/// Checks a write of `size` bytes at `addr` through provenance `alloc`/`tag`.
///
/// # Safety
/// None beyond the ABI: `addr` is never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_write(addr: *const u8, size: u64, alloc: u64, tag: u64) {
    let site = sys::caller_pc();
    check(
        "__bsan_write",
        addr,
        size,
        alloc,
        tag,
        AccessKind::Write,
        site,
    )
}
