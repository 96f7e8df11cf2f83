//! Calls and invokes: building them, and what they call.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::value::{is_function, value_name};

/// Builds `call ty func(args)` at `b`'s position; returns the call.
pub fn build_call(
    b: LLVMBuilderRef,
    ty: LLVMTypeRef,
    func: LLVMValueRef,
    args: &mut [LLVMValueRef],
) -> LLVMValueRef {
    // SAFETY: the crate's contract (a positioned builder, a function type matching `func`
    // and `args`); the argument array is read, not kept.
    unsafe {
        LLVMBuildCall2(
            b,
            ty,
            func,
            args.as_mut_ptr(),
            args.len() as u32,
            c"".as_ptr(),
        )
    }
}

/// Whether `inst` is a call or an invoke.
pub fn is_call_or_invoke(inst: LLVMValueRef) -> bool {
    // SAFETY: the crate's contract.
    unsafe { !LLVMIsACallInst(inst).is_null() || !LLVMIsAInvokeInst(inst).is_null() }
}

/// The called operand of the call or invoke `call` (a function, or any pointer for an
/// indirect call).
pub fn called_operand(call: LLVMValueRef) -> LLVMValueRef {
    // SAFETY: the crate's contract (a call or invoke).
    unsafe { LLVMGetCalledValue(call) }
}

/// The function the call or invoke `call` calls directly, if it does.
pub fn called_function(call: LLVMValueRef) -> Option<LLVMValueRef> {
    let callee = called_operand(call);
    is_function(callee).then_some(callee)
}

/// The name of the function `call` calls directly (`None` for an indirect call).
pub fn callee_name(call: LLVMValueRef) -> Option<String> {
    called_function(call).map(value_name)
}
