//! Attributes of functions and call sites: enum attributes by their IR spelling
//! (`noalias`, `nounwind`, ...) and string attributes (`"bsan-instrumented"`).
//!
//! Indices follow LLVM's C API: [`FUNCTION`] for the function itself, `i + 1` for
//! parameter `i`.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

/// The attribute index of the function itself.
pub const FUNCTION: u32 = inkwell::llvm_sys::LLVMAttributeFunctionIndex;
/// The kind id of an enum attribute by its IR spelling (0 if this LLVM has none).
pub fn enum_kind(name: &str) -> u32 {
    // SAFETY: reads `name.len()` bytes of `name`.
    unsafe { LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len()) }
}

/// The enum attribute `name` of function `f` at index `idx`, or null.
pub fn enum_at(f: LLVMValueRef, idx: u32, name: &str) -> LLVMAttributeRef {
    let kind = enum_kind(name);
    if kind == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: the crate's contract (a live function); an index without attributes yields
    // null.
    unsafe { LLVMGetEnumAttributeAtIndex(f, idx, kind) }
}

/// Whether function `f` has enum attribute `name` at index `idx`.
pub fn has_enum(f: LLVMValueRef, idx: u32, name: &str) -> bool {
    !enum_at(f, idx, name).is_null()
}

/// Whether function `f` itself has enum attribute `name` (`naked`, `nounwind`, ...).
pub fn has_fn_enum(f: LLVMValueRef, name: &str) -> bool {
    has_enum(f, FUNCTION, name)
}

/// Whether the call or invoke `call` has enum attribute `name` at index `idx` on the call
/// site itself (not its callee's declaration).
pub fn call_site_has_enum(call: LLVMValueRef, idx: u32, name: &str) -> bool {
    let kind = enum_kind(name);
    // SAFETY: the crate's contract (a live call or invoke).
    kind != 0 && !unsafe { LLVMGetCallSiteEnumAttribute(call, idx, kind) }.is_null()
}

/// The string function attribute `key` of `f`, or null.
fn string_at(f: LLVMValueRef, key: &str) -> LLVMAttributeRef {
    // SAFETY: the crate's contract; reads `key.len()` bytes of `key`.
    unsafe { LLVMGetStringAttributeAtIndex(f, FUNCTION, key.as_ptr().cast(), key.len() as u32) }
}

/// Whether function `f` has the string attribute `key`.
pub fn has_fn_string(f: LLVMValueRef, key: &str) -> bool {
    !string_at(f, key).is_null()
}

/// The value of the string function attribute `key` of `f`, if present (copied).
pub fn fn_string_value(f: LLVMValueRef, key: &str) -> Option<String> {
    let attr = string_at(f, key);
    if attr.is_null() {
        return None;
    }
    let mut len = 0u32;
    // SAFETY: a live string attribute; its value buffer holds `len` bytes and is copied.
    unsafe {
        let p = LLVMGetStringAttributeValue(attr, &mut len);
        if p.is_null() {
            return Some(String::new());
        }
        let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len as usize);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Sets the string function attribute `key` of `f` to `value` (replacing an old value).
pub fn set_fn_string(f: LLVMValueRef, key: &str, value: &str) {
    // SAFETY: the crate's contract; `LLVMCreateStringAttribute` copies both strings.
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(f));
        let attr = LLVMCreateStringAttribute(
            ctx,
            key.as_ptr().cast(),
            key.len() as u32,
            value.as_ptr().cast(),
            value.len() as u32,
        );
        LLVMAddAttributeAtIndex(f, FUNCTION, attr);
    }
}
