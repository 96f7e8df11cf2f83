//! `__bsan_func_entry` / `__bsan_func_exit`: protector frames ([`crate::frames`]).

use super::guard;
use crate::{frames, report, sys};

/// Entry of a function that makes protected retags; `frame` is its frame address.
///
/// # Safety
/// None beyond the ABI: `frame` is only compared, never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_func_entry(frame: *const u8) {
    guard("__bsan_func_entry", || {
        crate::runtime_flags();
        crate::threads::ensure_registered();
        frames::func_entry(frame as usize)
    })
}

/// Exit of such a function: releases the protectors made since the matching entry.
///
/// # Safety
/// None beyond the ABI: `frame` is only compared, never dereferenced.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn __bsan_func_exit(frame: *const u8) {
    let site = sys::caller_pc();
    guard("__bsan_func_exit", || {
        if let Err(v) = frames::func_exit(frame as usize, site) {
            report::report_violation(v)
        }
    })
}
