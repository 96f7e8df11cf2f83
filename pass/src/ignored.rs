//! Which functions of a module are left uninstrumented on purpose: those the ignorelist names
//! ([`crate::ignorelist`]), and those only they call.
//!
//! The second part matters for generic code. std's backtrace symbolizer is listed by its
//! source files, but it runs on generic core/alloc code instantiated for its own types
//! (`Vec<gimli::Unit<..>>::push`, `OnceCell<addr2line::Lines>::try_init`, iterator adapters),
//! whose debug info points into `library/core` and `library/alloc`. Instrumented, those
//! copies did all the work of a panic's backtrace under `RUST_BACKTRACE=1`: tens of millions
//! of checked accesses for ten panics. So a function is also ignored when every use of it is
//! a direct call from an ignored function, it has internal or private linkage (nothing
//! outside the module can call it; after rustc's fat-LTO restriction step this holds for
//! nearly all of a program's Rust functions), and its address is never taken (a vtable or
//! function pointer could call it from anywhere), and its own source is the toolchain's
//! (`/rustc/...`, `/rust/deps/...`: [`FunctionIdentity::is_toolchain_source`]). This is
//! computed to a fixed point.
//!
//! The last condition keeps the user's code checked: std's trampolines that run user code
//! (`__rust_begin_short_backtrace` in `std/src/sys/backtrace.rs`, a listed file, calls every
//! spawned thread's closure directly) would otherwise take the closure, and everything only
//! it calls, out of instrumentation. A user's function is only ever ignored by name.
//!
//! Leaving a function uninstrumented can only hide reports, never make one (see
//! [`crate::ignorelist`]), so widening the set costs precision only in code that nothing
//! but ignored code can reach, and that code handles only what ignored code gives it.

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::{
    LLVMDIFileGetDirectory, LLVMDIFileGetFilename, LLVMDIScopeGetFile, LLVMGetSubprogram,
};
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMLinkage;

use crate::ignorelist::{FunctionIdentity, Ignorelist};
use bsan_ir::value::value_name;
use bsan_ir::{call, iter};

/// The functions of one module that are not instrumented.
#[derive(Default)]
pub(crate) struct IgnoredFunctions {
    set: HashSet<LLVMValueRef>,
    /// Named by the ignorelist.
    pub listed: u64,
    /// Added because only ignored functions call them.
    pub callees: u64,
}

impl IgnoredFunctions {
    /// Decide for every function definition of `funcs`.
    pub(crate) fn find(funcs: &[LLVMValueRef], list: &Ignorelist) -> IgnoredFunctions {
        let mut out = IgnoredFunctions::default();
        if list.is_empty() {
            return out;
        }
        let defined: Vec<LLVMValueRef> = funcs
            .iter()
            .copied()
            // SAFETY: every element is a function of the module being instrumented.
            .filter(|&f| unsafe { LLVMIsDeclaration(f) } == 0)
            .collect();
        for &f in &defined {
            if list.ignores(&identity(f)) {
                out.set.insert(f);
                out.listed += 1;
            }
        }
        loop {
            let before = out.set.len();
            for &f in &defined {
                if !out.set.contains(&f)
                    && only_called_from(f, &out.set)
                    && identity(f).is_toolchain_source()
                {
                    out.set.insert(f);
                    out.callees += 1;
                }
            }
            if out.set.len() == before {
                break;
            }
        }
        out
    }

    pub(crate) fn contains(&self, f: LLVMValueRef) -> bool {
        self.set.contains(&f)
    }
}

/// `f` is internal, has uses, and each use is a direct call from a function in `callers`.
fn only_called_from(f: LLVMValueRef, callers: &HashSet<LLVMValueRef>) -> bool {
    // SAFETY: `f` is a function definition of the module; uses, users, parents and called
    // operands are read, nothing is changed.
    unsafe {
        if !matches!(
            LLVMGetLinkage(f),
            LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
        ) {
            return false;
        }
        let mut users = iter::users(f).peekable();
        users.peek().is_some()
            && users.all(|user| {
                call::is_call_or_invoke(user)
                    && call::called_operand(user) == f
                    && callers.contains(&LLVMGetBasicBlockParent(LLVMGetInstructionParent(user)))
            })
    }
}

/// What the ignorelist matches `f` by: its symbol and its `DISubprogram`'s file.
fn identity(f: LLVMValueRef) -> FunctionIdentity {
    let text = |p: *const std::ffi::c_char, len: u32| -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: LLVM returns `len` bytes owned by the metadata, alive for this call.
        let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len as usize) };
        String::from_utf8_lossy(bytes).into_owned()
    };
    // SAFETY: `f` is a function of the module being instrumented; the metadata accessors
    // accept any DIScope and return null for a missing file.
    let file = unsafe {
        let sp = LLVMGetSubprogram(f);
        if sp.is_null() {
            None
        } else {
            let file = LLVMDIScopeGetFile(sp);
            if file.is_null() {
                None
            } else {
                let (mut dl, mut fl) = (0u32, 0u32);
                let dir = LLVMDIFileGetDirectory(file, &mut dl);
                let name = LLVMDIFileGetFilename(file, &mut fl);
                Some((text(dir, dl), text(name, fl)))
            }
        }
    };
    FunctionIdentity {
        symbol: value_name(f),
        file,
    }
}
