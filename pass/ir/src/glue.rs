//! The C++ glue (`glue/*.cpp`), declared once: what LLVM's C API cannot express, wrapped
//! in safe functions under the crate's contract (live handles of the kinds named).
//!
//! * `glue/ir.cpp`: IR edits (phi incoming blocks, invoke ↔ call, constant-intrinsic
//!   lowering, use replacement with exceptions) and queries (constant offsets, whether a
//!   function is optimized, the function path of a debug location), and error reporting.
//! * `glue/debuginfo.cpp`: raw debug-info facts for retag synthesis.
//! * `glue/registration.cpp`: the plugin's registration with the new pass manager.

use std::ffi::{c_char, CStr};

use inkwell::llvm_sys::prelude::*;

/// One Rust parameter of a function as found through its debug records.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DiParam {
    /// 1-based Rust argument number (`DILocalVariable(arg: N)`).
    pub argno: u32,
    /// The variable's `DIType`.
    pub ty: LLVMMetadataRef,
    /// The LLVM `Argument` stored at offset 0 of the spill slot (the data pointer).
    pub ptr: LLVMValueRef,
    /// The LLVM `Argument` stored at offset 8 (a fat pointer's length), or null.
    pub len: LLVMValueRef,
}

/// Mirror of `llvm::PassPluginLibraryInfo` (llvm/Plugins/PassPlugin.h, API version 2).
#[repr(C)]
pub struct PassPluginLibraryInfo {
    api_version: u32,
    plugin_name: *const c_char,
    plugin_version: *const c_char,
    register_callbacks: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
    pre_codegen_callback: Option<unsafe extern "C" fn()>,
}

unsafe extern "C" {
    fn bsan_plugin_info() -> PassPluginLibraryInfo;

    fn bsan_replace_phi_incoming_block(
        block: LLVMBasicBlockRef,
        old: LLVMBasicBlockRef,
        new: LLVMBasicBlockRef,
    );
    fn bsan_invoke_to_call(invoke: LLVMValueRef) -> LLVMValueRef;
    fn bsan_call_to_invoke(call: LLVMValueRef, pad: LLVMBasicBlockRef) -> LLVMValueRef;
    fn bsan_call_only_if(call: LLVMValueRef, cond: LLVMValueRef);
    fn bsan_strip_offsets(v: LLVMValueRef, module: LLVMModuleRef, offset: *mut i64)
        -> LLVMValueRef;
    fn bsan_lower_constant_intrinsics(module: LLVMModuleRef) -> i32;
    fn bsan_emit_error(module: LLVMModuleRef, msg: *const c_char);
    fn bsan_function_is_optimized(func: LLVMValueRef) -> i32;
    fn bsan_location_function_path(inst: LLVMValueRef, buf: *mut u8, cap: usize) -> usize;

    fn bsan_di_tag(md: LLVMMetadataRef) -> u32;
    fn bsan_di_name(md: LLVMMetadataRef, len: *mut usize) -> *const u8;
    fn bsan_di_size_bits(md: LLVMMetadataRef) -> u64;
    fn bsan_di_offset_bits(md: LLVMMetadataRef) -> u64;
    fn bsan_di_is_fwd_decl(md: LLVMMetadataRef) -> i32;
    fn bsan_di_base_type(md: LLVMMetadataRef) -> LLVMMetadataRef;
    fn bsan_di_scope(md: LLVMMetadataRef) -> LLVMMetadataRef;
    fn bsan_di_num_elements(md: LLVMMetadataRef) -> u32;
    fn bsan_di_element(md: LLVMMetadataRef, i: u32) -> LLVMMetadataRef;
    fn bsan_subprogram_return_type(sp: LLVMMetadataRef) -> LLVMMetadataRef;
    fn bsan_fn_entry_location(f: LLVMValueRef) -> LLVMMetadataRef;
    fn bsan_fn_di_params(f: LLVMValueRef, out: *mut DiParam, cap: usize) -> usize;
    fn bsan_replace_uses_except(
        old: LLVMValueRef,
        new: LLVMValueRef,
        except: *const LLVMValueRef,
        n_except: usize,
        skip_phis_in: LLVMBasicBlockRef,
    );
}

// SAFETY (every `unsafe` block below): the crate's contract: live handles of the kinds
// each function's documentation names; buffers passed with their true capacity.

// ---- plugin --------------------------------------------------------------------------

/// The plugin's registration record (`glue/registration.cpp`).
pub fn plugin_info() -> PassPluginLibraryInfo {
    unsafe { bsan_plugin_info() }
}

/// Reports `msg` as an error of the compilation through the context's diagnostic handler
/// (rustc and clang print `error: ...` and fail; opt prints it and exits with 1).
pub fn emit_error(module: LLVMModuleRef, msg: &CStr) {
    unsafe { bsan_emit_error(module, msg.as_ptr()) }
}

// ---- IR edits ------------------------------------------------------------------------

/// Every phi of `block` that names `old` as an incoming block names `new` instead.
pub fn replace_phi_incoming_block(
    block: LLVMBasicBlockRef,
    old: LLVMBasicBlockRef,
    new: LLVMBasicBlockRef,
) {
    unsafe { bsan_replace_phi_incoming_block(block, old, new) }
}

/// Replaces the invoke `invoke` by an equivalent call and a branch to its normal
/// destination (the unwind destination forgets the edge); returns the call.
pub fn invoke_to_call(invoke: LLVMValueRef) -> LLVMValueRef {
    unsafe { bsan_invoke_to_call(invoke) }
}

/// Turns the call `call` into an invoke unwinding to `pad`; the rest of its block moves
/// to a new normal destination `bsan.cont`. Returns the invoke.
pub fn call_to_invoke(call: LLVMValueRef, pad: LLVMBasicBlockRef) -> LLVMValueRef {
    unsafe { bsan_call_to_invoke(call, pad) }
}

/// Makes the call `call` run only when the `i1` `cond` (defined before it, in its block)
/// is true: the call moves to a block of its own, `bsan.slow`, which the branch on `cond`
/// enters as the unlikely side; the rest of the block moves to `bsan.cont`.
pub fn call_only_if(call: LLVMValueRef, cond: LLVMValueRef) {
    unsafe { bsan_call_only_if(call, cond) }
}

/// Runs LLVM's `lower-constant-intrinsics` on the functions of `module` that call
/// `llvm.is.constant.*` or `llvm.objectsize.*`; returns how many changed.
pub fn lower_constant_intrinsics(module: LLVMModuleRef) -> u64 {
    unsafe { bsan_lower_constant_intrinsics(module) }.max(0) as u64
}

/// Replaces every use of `old` by `new` except by the instructions in `except` and by
/// phis of `skip_phis_in` (null: none); debug records keep `old`. `new` must dominate the
/// uses it takes over (the verifier checks the result).
pub fn replace_uses_except(
    old: LLVMValueRef,
    new: LLVMValueRef,
    except: &[LLVMValueRef],
    skip_phis_in: LLVMBasicBlockRef,
) {
    unsafe { bsan_replace_uses_except(old, new, except.as_ptr(), except.len(), skip_phis_in) }
}

// ---- IR queries ----------------------------------------------------------------------

/// The base object of pointer `v` after stripping constant GEPs, casts and
/// non-interposable aliases, with the byte offset accumulated on the way.
pub fn strip_offsets(v: LLVMValueRef, module: LLVMModuleRef) -> (LLVMValueRef, i64) {
    let mut offset = 0i64;
    let base = unsafe { bsan_strip_offsets(v, module, &mut offset) };
    (base, offset)
}

/// Whether function `f` is optimized code (not `optnone`, and `isOptimized` in its
/// subprogram if it has one).
pub fn function_is_optimized(f: LLVMValueRef) -> bool {
    unsafe { bsan_function_is_optimized(f) != 0 }
}

/// The Rust path of the function whose code instruction `inst` is, from its debug location
/// (`core::ptr::mut_ptr::{impl#0}::addr<u8>`), if it has one and it fits in `N` bytes.
pub fn location_function_path<const N: usize>(inst: LLVMValueRef) -> Option<String> {
    let mut buf = [0u8; N];
    let len = unsafe { bsan_location_function_path(inst, buf.as_mut_ptr(), N) };
    if len == 0 || len > N {
        return None;
    }
    std::str::from_utf8(&buf[..len]).ok().map(str::to_string)
}

// ---- debug info (all take a DI node, or null, for which they answer 0/null/"") ------

/// The DWARF tag of a DI node.
pub fn di_tag(md: LLVMMetadataRef) -> u32 {
    unsafe { bsan_di_tag(md) }
}

/// The name of a DI node (copied).
pub fn di_name(md: LLVMMetadataRef) -> String {
    let mut len = 0usize;
    let p = unsafe { bsan_di_name(md, &mut len) };
    if p.is_null() || len == 0 {
        return String::new();
    }
    // SAFETY: the glue returns a buffer of `len` bytes owned by the node; copied at once.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p, len) }).into_owned()
}

/// The size in bits of a DI type.
pub fn di_size_bits(md: LLVMMetadataRef) -> u64 {
    unsafe { bsan_di_size_bits(md) }
}

/// The offset in bits of a DI member.
pub fn di_offset_bits(md: LLVMMetadataRef) -> u64 {
    unsafe { bsan_di_offset_bits(md) }
}

/// Whether a DI composite type is only a forward declaration.
pub fn di_is_fwd_decl(md: LLVMMetadataRef) -> bool {
    unsafe { bsan_di_is_fwd_decl(md) != 0 }
}

/// The base type of a derived DI type (a pointee, a member's type), or null.
pub fn di_base_type(md: LLVMMetadataRef) -> LLVMMetadataRef {
    unsafe { bsan_di_base_type(md) }
}

/// The scope of a DI node, or null.
pub fn di_scope(md: LLVMMetadataRef) -> LLVMMetadataRef {
    unsafe { bsan_di_scope(md) }
}

/// The elements (members, variants, enumerators) of a DI composite type.
pub fn di_elements(md: LLVMMetadataRef) -> impl Iterator<Item = LLVMMetadataRef> {
    let n = unsafe { bsan_di_num_elements(md) };
    (0..n).map(move |i| unsafe { bsan_di_element(md, i) })
}

/// `types[0]` of a subprogram's subroutine type: its return type (null for `()`).
pub fn subprogram_return_type(sp: LLVMMetadataRef) -> LLVMMetadataRef {
    unsafe { bsan_subprogram_return_type(sp) }
}

/// A `DILocation` at the opening line of function `f` in its own subprogram (null without
/// one).
pub fn fn_entry_location(f: LLVMValueRef) -> LLVMMetadataRef {
    unsafe { bsan_fn_entry_location(f) }
}

/// The Rust parameters of function `f`, as its debug records describe them.
pub fn fn_di_params(f: LLVMValueRef) -> Vec<DiParam> {
    let mut buf: Vec<DiParam> = Vec::with_capacity(16);
    loop {
        let n = unsafe { bsan_fn_di_params(f, buf.as_mut_ptr(), buf.capacity()) };
        if n <= buf.capacity() {
            // SAFETY: the glue wrote `n` initialized entries.
            unsafe { buf.set_len(n) };
            return buf;
        }
        buf.reserve(n);
    }
}
