//! The runtime interface as seen from IR: declarations of the `__bsan_*` hooks and of the
//! thread-local provenance slots, derived from `bsan_abi` and nothing else.
//!
//! Owns: turning [`bsan_abi::HOOKS`] entries into LLVM function declarations (lazily, so a
//! module only references what it uses) and [`bsan_abi::tls`] names into
//! `external thread_local(initialexec)` globals, and the record arena the inline fast path
//! reads ([`bsan_abi::fast_path`]). Does not know when hooks are called.

use std::collections::HashMap;
use std::ffi::CString;

use bsan_abi::{AbiTy, Hook, HOOKS};
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMLinkage, LLVMThreadLocalMode};

/// The IR types the pass uses everywhere, made once per module.
#[derive(Clone, Copy)]
pub(crate) struct Types {
    pub void: LLVMTypeRef,
    pub i8: LLVMTypeRef,
    pub i64: LLVMTypeRef,
    pub ptr: LLVMTypeRef,
    /// `{ i64, i64 }`, [`bsan_abi::Prov`].
    pub prov: LLVMTypeRef,
}

impl Types {
    pub(crate) fn new(ctx: LLVMContextRef) -> Types {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let i64 = LLVMInt64TypeInContext(ctx);
            let mut fields = [i64, i64];
            Types {
                void: LLVMVoidTypeInContext(ctx),
                i8: LLVMInt8TypeInContext(ctx),
                i64,
                ptr: LLVMPointerTypeInContext(ctx, 0),
                prov: LLVMStructTypeInContext(ctx, fields.as_mut_ptr(), 2, 0),
            }
        }
    }

    fn of(&self, t: AbiTy) -> LLVMTypeRef {
        match t {
            AbiTy::Void => self.void,
            AbiTy::I8 => self.i8,
            AbiTy::I64 => self.i64,
            AbiTy::Ptr => self.ptr,
            AbiTy::Prov => self.prov,
        }
    }
}

/// A declared function: its value and its type (needed by `LLVMBuildCall2`).
#[derive(Clone, Copy)]
pub(crate) struct Callee {
    pub func: LLVMValueRef,
    pub ty: LLVMTypeRef,
}

/// One of the four thread-local slots of [`bsan_abi::tls`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum TlsSlot {
    ArgProv,
    ArgCallee,
    RetProv,
    RetCallee,
}

impl TlsSlot {
    fn name(self) -> &'static str {
        use bsan_abi::tls::*;
        match self {
            TlsSlot::ArgProv => ARG_PROV,
            TlsSlot::ArgCallee => ARG_CALLEE,
            TlsSlot::RetProv => RET_PROV,
            TlsSlot::RetCallee => RET_CALLEE,
        }
    }

    /// Number of i64 words for the provenance arrays; `None` for the callee slots (`ptr`).
    fn words(self) -> Option<usize> {
        use bsan_abi::tls::*;
        match self {
            TlsSlot::ArgProv => Some(2 * MAX_ARG_PROVS),
            TlsSlot::RetProv => Some(2 * MAX_RET_PROVS),
            TlsSlot::ArgCallee | TlsSlot::RetCallee => None,
        }
    }
}

/// Lazily declared runtime symbols of one module.
pub(crate) struct Runtime {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    pub ty: Types,
    hooks: HashMap<&'static str, Callee>,
    tls: HashMap<TlsSlot, LLVMValueRef>,
    tls_address: Option<Callee>,
    record_arena: Option<LLVMValueRef>,
}

impl Runtime {
    pub(crate) fn new(module: LLVMModuleRef) -> Runtime {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ctx = unsafe { LLVMGetModuleContext(module) };
        Runtime {
            module,
            ctx,
            ty: Types::new(ctx),
            hooks: HashMap::new(),
            tls: HashMap::new(),
            tls_address: None,
            record_arena: None,
        }
    }

    /// The declaration of hook `name` (a `bsan_abi::hook_names` constant).
    pub(crate) fn hook(&mut self, name: &'static str) -> Callee {
        if let Some(c) = self.hooks.get(name) {
            return *c;
        }
        let hook: &Hook = HOOKS
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("{name} is not in bsan_abi::HOOKS"));
        let mut params: Vec<LLVMTypeRef> = hook.params.iter().map(|p| self.ty.of(p.1)).collect();
        let cname = CString::new(name).expect("hook names have no NUL");
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let callee = unsafe {
            let ty = LLVMFunctionType(
                self.ty.of(hook.ret),
                params.as_mut_ptr(),
                params.len() as u32,
                0,
            );
            let mut func = LLVMGetNamedFunction(self.module, cname.as_ptr());
            if func.is_null() {
                func = LLVMAddFunction(self.module, cname.as_ptr(), ty);
                // Hooks never unwind (no unwinding across `extern "C"` in the runtime).
                let kind = bsan_ir::attrs::enum_kind("nounwind");
                let attr = LLVMCreateEnumAttribute(self.ctx, kind, 0);
                LLVMAddAttributeAtIndex(func, bsan_ir::attrs::FUNCTION, attr);
            }
            Callee { func, ty }
        };
        self.hooks.insert(name, callee);
        callee
    }

    /// The thread-local global for `slot`, declared on first use.
    pub(crate) fn tls_global(&mut self, slot: TlsSlot) -> LLVMValueRef {
        if let Some(g) = self.tls.get(&slot) {
            return *g;
        }
        let cname = CString::new(slot.name()).expect("no NUL");
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let g = unsafe {
            let existing = LLVMGetNamedGlobal(self.module, cname.as_ptr());
            if !existing.is_null() {
                existing
            } else {
                let ty = match slot.words() {
                    Some(n) => LLVMArrayType2(self.ty.i64, n as u64),
                    None => self.ty.ptr,
                };
                let g = LLVMAddGlobal(self.module, ty, cname.as_ptr());
                LLVMSetLinkage(g, LLVMLinkage::LLVMExternalLinkage);
                LLVMSetThreadLocal(g, 1);
                LLVMSetThreadLocalMode(g, LLVMThreadLocalMode::LLVMInitialExecTLSModel);
                g
            }
        };
        self.tls.insert(slot, g);
        g
    }

    /// The runtime's [`bsan_abi::fast_path::RecordArena`], declared on first use as an
    /// external `[3 x i64]`.
    pub(crate) fn record_arena(&mut self) -> LLVMValueRef {
        if let Some(g) = self.record_arena {
            return g;
        }
        let cname = CString::new(bsan_abi::fast_path::SYMBOL).expect("no NUL");
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let g = unsafe {
            let existing = LLVMGetNamedGlobal(self.module, cname.as_ptr());
            if !existing.is_null() {
                existing
            } else {
                let words = bsan_abi::fast_path::SIZE / 8;
                let g = LLVMAddGlobal(
                    self.module,
                    LLVMArrayType2(self.ty.i64, words),
                    cname.as_ptr(),
                );
                LLVMSetLinkage(g, LLVMLinkage::LLVMExternalLinkage);
                g
            }
        };
        self.record_arena = Some(g);
        g
    }

    /// `llvm.threadlocal.address.p0`, the sanctioned way to take a TLS global's address.
    pub(crate) fn threadlocal_address(&mut self) -> Callee {
        if let Some(c) = self.tls_address {
            return c;
        }
        let name = "llvm.threadlocal.address";
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let callee = unsafe {
            let id = LLVMLookupIntrinsicID(name.as_ptr().cast(), name.len());
            assert!(id != 0, "LLVM lacks {name}");
            let mut tys = [self.ty.ptr];
            let func = LLVMGetIntrinsicDeclaration(self.module, id, tys.as_mut_ptr(), 1);
            let ty = LLVMIntrinsicGetType(self.ctx, id, tys.as_mut_ptr(), 1);
            Callee { func, ty }
        };
        self.tls_address = Some(callee);
        callee
    }
}
