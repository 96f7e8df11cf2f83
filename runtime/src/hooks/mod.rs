//! The `extern "C"` ABI of `bsan-abi`: every hook of [`bsan_abi::HOOKS`], the version symbol,
//! and fallbacks for rustc's retag intrinsics.
//!
//! Hooks are thin: they read the call site ([`crate::sys::caller_pc`], which is why every
//! hook is `#[inline(never)]` and reads it first, outside any closure), decode raw
//! arguments into typed ones, call a core function (named with Miri's verbs: `retag`,
//! `before_access`, `release_protector`, `dealloc`), and turn its `Err(Violation)` into a
//! report. Each body runs inside `guard`: a panic in the runtime becomes an internal error
//! instead of unwinding into C frames.
//!
//! | file            | hooks                                                               |
//! |-----------------|---------------------------------------------------------------------|
//! | `access.rs`     | `__bsan_read`, `__bsan_write`                                       |
//! | `retag.rs`      | `__bsan_retag`, `__bsan_retag_check`, `__rust_retag_reg`, `__rust_retag_mem` (fallbacks) |
//! | `alloc.rs`      | `__bsan_alloc`, `__bsan_dealloc`, `__bsan_realloc_post`             |
//! | `provenance.rs` | `__bsan_load_prov`, `__bsan_store_prov`, `__bsan_copy_prov`, `__bsan_clear_prov`, `__bsan_expose` |
//! | `frames.rs`     | `__bsan_func_entry`, `__bsan_func_exit`                             |

pub mod access;
pub mod alloc;
pub mod frames;
pub mod provenance;
pub mod retag;

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Instrumented modules reference this symbol ([`bsan_abi::VERSION_SYMBOL`]): linking them
/// against a runtime of another ABI version fails with an undefined symbol naming the
/// version.
#[no_mangle]
#[used]
pub static __bsan_abi_version_7: u8 = bsan_abi::ABI_VERSION as u8;

/// Runs a hook body; a panic inside the runtime is an internal error, never an unwind
/// across `extern "C"`.
#[inline(always)]
pub(crate) fn guard<R>(hook: &'static str, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("<non-string panic payload>");
            crate::report::internal_error(format_args!("panic in {hook}: {msg}"))
        }
    }
}

#[cfg(test)]
mod tests;
