//! Emitting one `__rust_retag_reg` call, in exactly the ABI rustc's
//! `-Zcodegen-emit-retag` uses:
//!
//! ```llvm
//! declare ptr @__rust_retag_reg(ptr, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)
//! ```
//!
//! Every synthesized call carries `!bsan.synthesized !{}` so that a later run can tell
//! its own calls from rustc's (see [`is_synthesized`]).

use std::ffi::CString;

use bsan_abi::rust_retag;
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::*;
use inkwell::llvm_sys::LLVMAttributeFunctionIndex;
use inkwell::llvm_sys::LLVMOpcode;

use crate::debuginfo::Size;
use crate::ranges::{Range, RangeGlobals};

/// Metadata kind on every synthesized retag call.
pub const SYNTH_MD: &str = "bsan.synthesized";

/// Builds retag calls into one module.
pub struct Emitter {
    ctx: LLVMContextRef,
    builder: LLVMBuilderRef,
    reg_fn: LLVMValueRef,
    reg_ty: LLVMTypeRef,
    i8: LLVMTypeRef,
    md_kind: u32,
    md_node: LLVMValueRef,
    ranges: RangeGlobals,
}

impl Drop for Emitter {
    fn drop(&mut self) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMDisposeBuilder(self.builder) }
    }
}

/// The `!bsan.synthesized` kind id in `ctx`.
///
/// # Safety
/// `ctx` must be live.
pub unsafe fn synth_md_kind(ctx: LLVMContextRef) -> u32 {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe { LLVMGetMDKindIDInContext(ctx, SYNTH_MD.as_ptr().cast(), SYNTH_MD.len() as u32) }
}

/// Whether the call `inst` was made by synthesis.
///
/// # Safety
/// `inst` must be a live instruction.
pub unsafe fn is_synthesized(inst: LLVMValueRef, md_kind: u32) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe { !LLVMGetMetadata(inst, md_kind).is_null() }
}

impl Emitter {
    /// # Safety
    /// `module` must be live for the lifetime of the emitter.
    pub unsafe fn new(module: LLVMModuleRef) -> Emitter {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let ctx = LLVMGetModuleContext(module);
            let ptr = LLVMPointerTypeInContext(ctx, 0);
            let intptr = {
                let dl = LLVMGetModuleDataLayout(module);
                if dl.is_null() {
                    LLVMInt64TypeInContext(ctx)
                } else {
                    LLVMIntPtrTypeInContext(ctx, dl)
                }
            };
            let i8 = LLVMInt8TypeInContext(ctx);
            let mut params = [ptr, LLVMInt64TypeInContext(ctx), i8, ptr, ptr];
            let reg_ty = LLVMFunctionType(ptr, params.as_mut_ptr(), params.len() as u32, 0);
            let cname = CString::new(rust_retag::REG).unwrap();
            let mut reg_fn = LLVMGetNamedFunction(module, cname.as_ptr());
            if reg_fn.is_null() {
                reg_fn = LLVMAddFunction(module, cname.as_ptr(), reg_ty);
                let nounwind = enum_attr(ctx, "nounwind", 0);
                LLVMAddAttributeAtIndex(reg_fn, LLVMAttributeFunctionIndex, nounwind);
            }
            let md_kind = synth_md_kind(ctx);
            let md_node =
                LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, std::ptr::null_mut(), 0));
            Emitter {
                ctx,
                builder: LLVMCreateBuilderInContext(ctx),
                reg_fn,
                reg_ty,
                i8,
                md_kind,
                md_node,
                ranges: RangeGlobals::new(module, intptr),
            }
        }
    }

    /// Position before `inst` (and before its debug records).
    ///
    /// # Safety
    /// `inst` must be live.
    pub unsafe fn position_before(&self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMPositionBuilderBeforeInstrAndDbgRecords(self.builder, inst) }
    }

    /// Set (or clear, with null) the location of the instructions built next.
    ///
    /// # Safety
    /// `loc` must be null or a `DILocation` in the function being built into.
    pub unsafe fn set_location(&self, loc: LLVMMetadataRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMSetCurrentDebugLocation2(self.builder, loc) }
    }

    /// The `i64` byte count for `size`; `len` is the fat pointer's length for
    /// [`Size::FromLen`] (None: cannot compute).
    ///
    /// # Safety
    /// The builder must be positioned.
    pub unsafe fn size_value(&self, size: Size, len: Option<LLVMValueRef>) -> Option<LLVMValueRef> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let i64t = LLVMInt64TypeInContext(self.ctx);
            match size {
                Size::Const(n) => Some(LLVMConstInt(i64t, n, 0)),
                Size::FromLen { elem } => {
                    let mut len = len?;
                    if LLVMTypeOf(len) != i64t {
                        len = LLVMBuildZExtOrBitCast(self.builder, len, i64t, c"".as_ptr());
                    }
                    if elem == 1 {
                        return Some(len);
                    }
                    let n = LLVMBuildNUWMul(
                        self.builder,
                        len,
                        LLVMConstInt(i64t, elem, 0),
                        c"retag.size".as_ptr(),
                    );
                    Some(n)
                }
            }
        }
    }

    /// `call ptr @__rust_retag_reg(ptr, size, flags, im, pin)` at the builder position.
    ///
    /// # Safety
    /// The builder must be positioned; `ptr` and `size` must dominate it.
    pub unsafe fn retag(
        &mut self,
        ptr: LLVMValueRef,
        size: LLVMValueRef,
        flags: u8,
        im: &[Range],
        pin: &[Range],
        name: &str,
    ) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let im = self.ranges.get(im, "__bsan_im_ranges");
            let pin = self.ranges.get(pin, "__bsan_pin_ranges");
            let mut args = [
                ptr,
                size,
                LLVMConstInt(self.i8, u64::from(flags), 0),
                im,
                pin,
            ];
            let cname = CString::new(name).unwrap_or_default();
            let call = LLVMBuildCall2(
                self.builder,
                self.reg_ty,
                self.reg_fn,
                args.as_mut_ptr(),
                args.len() as u32,
                cname.as_ptr(),
            );
            LLVMSetMetadata(call, self.md_kind, self.md_node);
            call
        }
    }

    /// `extractvalue agg, idx` at the builder position.
    ///
    /// # Safety
    /// The builder must be positioned after `agg`.
    pub unsafe fn extract(&self, agg: LLVMValueRef, idx: u32) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMBuildExtractValue(self.builder, agg, idx, c"".as_ptr()) }
    }

    /// `insertvalue agg, v, idx` at the builder position.
    ///
    /// # Safety
    /// The builder must be positioned after `agg` and `v`.
    pub unsafe fn insert(&self, agg: LLVMValueRef, v: LLVMValueRef, idx: u32) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMBuildInsertValue(self.builder, agg, v, idx, c"".as_ptr()) }
    }
}

/// An enum attribute by name.
///
/// # Safety
/// `ctx` must be live.
pub unsafe fn enum_attr(ctx: LLVMContextRef, name: &str, val: u64) -> LLVMAttributeRef {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let kind = LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len());
        LLVMCreateEnumAttribute(ctx, kind, val)
    }
}

/// The first instruction of `bb` that is not a PHI, landingpad or (in an entry block) alloca.
///
/// # Safety
/// `bb` must be live and have a terminator.
pub unsafe fn first_insertion_point(bb: LLVMBasicBlockRef, skip_allocas: bool) -> LLVMValueRef {
    let first = bsan_ir::iter::instructions(bb).find(|&i| {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let op = unsafe { LLVMGetInstructionOpcode(i) };
        let skip = matches!(op, LLVMOpcode::LLVMPHI | LLVMOpcode::LLVMLandingPad)
            || (skip_allocas && op == LLVMOpcode::LLVMAlloca);
        !skip
    });
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    first.unwrap_or_else(|| unsafe { LLVMGetBasicBlockTerminator(bb) })
}

/// The debug location of `inst` (null if none).
///
/// # Safety
/// `inst` must be live.
pub unsafe fn location_of(inst: LLVMValueRef) -> LLVMMetadataRef {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe { LLVMInstructionGetDebugLoc(inst) }
}
