//! Globals: provenance slots and the module constructor.
//!
//! A defined global `G` used as a pointer by instrumented code gets
//! `@__bsan_prov.G = internal global i64 0`; a pointer to `G` (or a constant GEP/cast of
//! it) has provenance `(load @__bsan_prov.G, 0)`, tag 0 meaning the allocation's root. One
//! constructor per module (`llvm.global_ctors`, priority 1) registers each such global with
//! `__bsan_alloc(G, size, GLOBAL)` and fills its slot. Before the constructor ran, slots
//! are 0: pointers to globals are untracked, never wrong.
//!
//! Not tracked: `constant` globals (see [`trackable`] for why that loses no report),
//! thread-local globals (one allocation per thread; future work), `llvm.*`,
//! `llvm.metadata`-section and zero-sized globals, and declarations — a global defined in
//! another module is untracked here (in the fat-LTO module of a Rust program, every Rust
//! global is defined). The constructor also performs a volatile load of
//! `bsan_abi::VERSION_SYMBOL`, so a runtime of another ABI version fails to link.
//!
//! Also here: the module's retag-source word ([`emit_retag_source`]).

use std::ffi::CString;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::LLVMABISizeOfType;
use inkwell::llvm_sys::LLVMLinkage;

use bsan_ir::call::build_call;

use crate::cx::ModuleCx;
use bsan_abi::alloc_kind::GLOBAL;
use bsan_abi::hook_names as h;

const CTOR_NAME: &str = "__bsan_module_ctor";
const CTOR_PRIORITY: u64 = 1;

/// Emit the module constructor and append it to `llvm.global_ctors`.
pub(crate) fn emit_ctor(m: &mut ModuleCx) {
    let ty = m.rt.ty;
    let alloc = m.rt.hook(h::__bsan_alloc);
    let kind = m.const_i8(GLOBAL);
    m.stats.globals = m.globals.slots.len() as u64;
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let fty = LLVMFunctionType(ty.void, std::ptr::null_mut(), 0, 0);
        let name = CString::new(CTOR_NAME).expect("no NUL");
        let ctor = LLVMAddFunction(m.module, name.as_ptr(), fty);
        LLVMSetLinkage(ctor, LLVMLinkage::LLVMInternalLinkage);
        let b = LLVMCreateBuilderInContext(m.ctx);
        let entry = LLVMAppendBasicBlockInContext(m.ctx, ctor, c"entry".as_ptr());
        LLVMPositionBuilderAtEnd(b, entry);

        let version = CString::new(bsan_abi::VERSION_SYMBOL).expect("no NUL");
        let mut vg = LLVMGetNamedGlobal(m.module, version.as_ptr());
        if vg.is_null() {
            vg = LLVMAddGlobal(m.module, ty.i8, version.as_ptr());
            LLVMSetLinkage(vg, LLVMLinkage::LLVMExternalLinkage);
        }
        let check = LLVMBuildLoad2(b, ty.i8, vg, c"".as_ptr());
        LLVMSetVolatile(check, 1);

        for &(g, slot) in &m.globals.slots {
            let size = LLVMABISizeOfType(m.td, LLVMGlobalGetValueType(g));
            let size = LLVMConstInt(ty.i64, size, 0);
            let r = build_call(b, alloc.ty, alloc.func, &mut [g, size, kind]);
            let a = LLVMBuildExtractValue(b, r, 0, c"".as_ptr());
            LLVMBuildStore(b, a, slot);
        }
        LLVMBuildRetVoid(b);
        LLVMDisposeBuilder(b);
        append_global_ctor(m, ctor);
    }
}

/// The module's retag-source word: a private `i32` constant holding the
/// [`bsan_abi::retag_source`] bits of the retag calls lowered in it (0 if none), in the
/// section [`bsan_abi::retag_source::SECTION`], kept by `llvm.used`. LLVM marks globals in
/// `llvm.used` `SHF_GNU_RETAIN` on ELF, so `--gc-sections` keeps them; the linker
/// concatenates the words of all instrumented modules and the runtime ORs them between
/// `__start_` and `__stop_` of the section.
pub(crate) fn emit_retag_source(m: &mut ModuleCx) {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let i32 = LLVMInt32TypeInContext(m.ctx);
        let g = LLVMAddGlobal(m.module, i32, c"__bsan_pass.retag_source".as_ptr());
        LLVMSetInitializer(g, LLVMConstInt(i32, u64::from(m.retag_source), 0));
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, LLVMLinkage::LLVMPrivateLinkage);
        let section = CString::new(bsan_abi::retag_source::SECTION).expect("no NUL");
        LLVMSetSection(g, section.as_ptr());
        LLVMSetAlignment(g, 4);
        append_used(m, g);
    }
}

/// Add `g` to `llvm.used` (an appending array of `ptr` in section `llvm.metadata`),
/// rebuilding it.
unsafe fn append_used(m: &ModuleCx, g: LLVMValueRef) {
    let ptr = m.rt.ty.ptr;
    let mut entries = Vec::new();
    let old = LLVMGetNamedGlobal(m.module, c"llvm.used".as_ptr());
    if !old.is_null() {
        let init = LLVMGetInitializer(old);
        if !init.is_null() {
            let n = LLVMGetArrayLength2(LLVMGlobalGetValueType(old));
            for i in 0..n {
                let e = LLVMGetAggregateElement(init, i as u32);
                if !e.is_null() {
                    entries.push(e);
                }
            }
        }
        LLVMSetValueName2(old, c"llvm.used.old".as_ptr(), "llvm.used.old".len());
    }
    entries.push(g);
    let arr_ty = LLVMArrayType2(ptr, entries.len() as u64);
    let arr = LLVMConstArray2(ptr, entries.as_mut_ptr(), entries.len() as u64);
    let used = LLVMAddGlobal(m.module, arr_ty, c"llvm.used".as_ptr());
    LLVMSetLinkage(used, LLVMLinkage::LLVMAppendingLinkage);
    LLVMSetInitializer(used, arr);
    LLVMSetSection(used, c"llvm.metadata".as_ptr());
    if !old.is_null() {
        LLVMDeleteGlobal(old);
    }
}

/// `llvm.global_ctors` is an appending array of `{ i32, ptr, ptr }`: rebuild it with one
/// more entry.
unsafe fn append_global_ctor(m: &ModuleCx, ctor: LLVMValueRef) {
    let i32 = LLVMInt32TypeInContext(m.ctx);
    let ptr = m.rt.ty.ptr;
    let mut fields = [i32, ptr, ptr];
    let elem_ty = LLVMStructTypeInContext(m.ctx, fields.as_mut_ptr(), 3, 0);
    let mut entry_vals = [
        LLVMConstInt(i32, CTOR_PRIORITY, 0),
        ctor,
        LLVMConstPointerNull(ptr),
    ];
    let new_entry = LLVMConstStructInContext(m.ctx, entry_vals.as_mut_ptr(), 3, 0);

    let mut entries = Vec::new();
    let old = LLVMGetNamedGlobal(m.module, c"llvm.global_ctors".as_ptr());
    if !old.is_null() {
        let init = LLVMGetInitializer(old);
        if !init.is_null() {
            let n = LLVMGetArrayLength2(LLVMGlobalGetValueType(old));
            for i in 0..n {
                let e = LLVMGetAggregateElement(init, i as u32);
                if !e.is_null() {
                    entries.push(e);
                }
            }
        }
        LLVMSetValueName2(
            old,
            c"llvm.global_ctors.old".as_ptr(),
            "llvm.global_ctors.old".len(),
        );
    }
    entries.push(new_entry);
    let arr_ty = LLVMArrayType2(elem_ty, entries.len() as u64);
    let arr = LLVMConstArray2(elem_ty, entries.as_mut_ptr(), entries.len() as u64);
    let g = LLVMAddGlobal(m.module, arr_ty, c"llvm.global_ctors".as_ptr());
    LLVMSetLinkage(g, LLVMLinkage::LLVMAppendingLinkage);
    LLVMSetInitializer(g, arr);
    if !old.is_null() {
        LLVMDeleteGlobal(old);
    }
}
