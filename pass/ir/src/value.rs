//! Names and small facts about values.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

/// The IR name of `v` (`""` if unnamed), copied: LLVM's buffer dies with a rename.
pub fn value_name(v: LLVMValueRef) -> String {
    let mut len = 0usize;
    // SAFETY: the crate's contract (a live value); the returned buffer holds `len` bytes
    // and is copied before anything can change the name.
    unsafe {
        let p = LLVMGetValueName2(v, &mut len);
        if p.is_null() || len == 0 {
            return String::new();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
    }
}

/// Whether `v` is a function (a definition or a declaration).
pub fn is_function(v: LLVMValueRef) -> bool {
    // SAFETY: the crate's contract.
    !unsafe { LLVMIsAFunction(v) }.is_null()
}

/// Whether function `f` has no body.
pub fn is_declaration(f: LLVMValueRef) -> bool {
    // SAFETY: the crate's contract.
    unsafe { LLVMIsDeclaration(f) != 0 }
}

/// `t` as LLVM prints it (`ptr`, `{ i64, ptr }`), for messages.
pub fn type_string(t: LLVMTypeRef) -> String {
    // SAFETY: the crate's contract; the message is copied, then disposed of.
    unsafe {
        let p = LLVMPrintTypeToString(t);
        let s = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
        LLVMDisposeMessage(p);
        s
    }
}

/// `v` as an operand is printed (`ptr %r`, `ptr @g`, `i64 7`), for messages.
pub fn value_string(v: LLVMValueRef) -> String {
    // SAFETY: as in `type_string`.
    unsafe {
        if !LLVMIsAGlobalValue(v).is_null() {
            return format!("{} @{}", type_string(LLVMTypeOf(v)), value_name(v));
        }
        let p = LLVMPrintValueToString(v);
        let s = std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned();
        LLVMDisposeMessage(p);
        s.trim().to_string()
    }
}
