//! Lowering of rustc's retag intrinsics (emitted by `-Zcodegen-emit-retag` or synthesized
//! by `bsan-synthesize`) to `__bsan_retag`.
//!
//! The ABI (`rustc_codegen_ssa/src/mir/retag.rs`):
//!
//! ```llvm
//! declare ptr  @__rust_retag_reg(ptr,       i64 size, i8 flags, ptr im, ptr pin)
//! declare void @__rust_retag_mem(ptr place, i64 size, i8 flags, ptr im, ptr pin)
//! ```
//!
//! * `%r = call ptr @__rust_retag_reg(ptr %p, ...)`:
//!   `prov' = __bsan_retag(%p, size, flags, im, im_count, pin, pin_count, prov(%p))`, and
//!   `%r`'s shadow is `prov'`. Only after the whole function is instrumented is `%r`
//!   replaced by `%p` and the call erased: until then every use of `%r` still names `%r`,
//!   so its accesses get the child tag while uses of `%p` keep the parent's. Phis that
//!   join retagged values (rustc retags enum variants in blocks `v` and joins them in
//!   `v_t`) get the retagged shadows through their shadow phis.
//! * `call void @__rust_retag_mem(ptr place, ...)` retags the pointer stored at `place`:
//!   `p = load place; prov = __bsan_load_prov(place, p); prov' = __bsan_retag(p, ...);
//!   __bsan_store_prov(place, p, prov')`. Only the shadow changes; the place's bytes are
//!   never written (and the load of `p` is not checked: it is not a program access). A
//!   place that is a promoted pointer slot (`elide.rs`: the retag does not make the slot
//!   escape) has its shadow read from and written to its companion allocas instead.
//! * `size` is the pointee's layout size, a constant from rustc, but any integer value is
//!   accepted (zero-extended to `i64`); zero-sized retags are lowered like any other (a
//!   protected one still registers its protector).
//! * `flags` ([`bsan_abi::retag_flags`]) may be any integer (an `i8 zeroext` from a Rust
//!   `extern "C"` declaration with a `u8` parameter, or a wider one): it is truncated to
//!   `i8`. Non-constant flags are passed as run-time values.
//! * `im`/`pin` are null or point (through constant GEPs, casts and aliases) into a
//!   global whose bytes are native-endian `usize` pairs `(offset, len)`: rustc emits
//!   `@anon.N = constant [16 x i8] c"..."` per pair, synthesis `[N x [2 x i64]]`. The pair
//!   count is the global's remaining byte size after the pointer's offset / (2 * pointer
//!   size). A range operand of integer type (`usize` in a declaration) is accepted when it
//!   is `0` or a constant `ptrtoint` of such a pointer.
//! * Anything else (another arity, a non-pointer retagged value, a range operand that is
//!   not a global, a result type other than `ptr`/`void` that is used) is a *pass error*:
//!   reported through the context's diagnostic handler with the function's name, the call
//!   left in place (the module does not link without the intrinsic anyway).
//! * A retag of a statically untracked pointer is untracked: no hook call.
//! * Any retag with the PROTECTED flag (or non-constant flags) makes the function get a
//!   protector frame (`stack.rs`).
//! * `invoke`s of the intrinsics (a declaration without `nounwind`) become calls first
//!   ([`retag_invokes_to_calls`]); the intrinsics never unwind.
//! * Which source each lowered call came from (the `!bsan.synthesized` marker or not) is
//!   recorded for the module's `bsan_retag_source` word (`globals.rs`).

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMABISizeOfType, LLVMPointerSize};
use inkwell::llvm_sys::LLVMOpcode;

use bsan_ir::value::{value_name, value_string};

use crate::classify::{is_int, retag_kind, shape_error, RetagKind, PARAM_NAMES};
use crate::cx::FnCx;
use crate::shadow::Prov;
use bsan_abi::hook_names as h;
use bsan_abi::retag_flags::{DIES_ON_REPEAT, DIES_UNLESS_RETURNED, NO_ESCAPE, PARENT_DIES};
use bsan_abi::retag_source::{INTRINSICS, SYNTHESIZED};

/// For a function left uninstrumented on purpose (the ignorelist): erase its retag calls, a
/// `__rust_retag_reg` result replaced by the pointer it retags, so the module links and the
/// function behaves as compiled without bsan. Returns how many were erased.
pub(crate) fn erase_retags(func: LLVMValueRef) -> u64 {
    let found: Vec<_> = bsan_ir::iter::all_instructions(func)
        .filter(|&i| retag_kind(i).is_some())
        .collect();
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        for &call in &found {
            // An invoke is a terminator: make it a call (the intrinsics never unwind) first.
            let call = if LLVMIsAInvokeInst(call).is_null() {
                call
            } else {
                bsan_ir::glue::invoke_to_call(call)
            };
            if retag_kind(call) == Some(RetagKind::Reg) && LLVMGetNumArgOperands(call) > 0 {
                LLVMReplaceAllUsesWith(call, LLVMGetOperand(call, 0));
            } else if bsan_ir::iter::uses(call).next().is_some() {
                LLVMReplaceAllUsesWith(call, LLVMGetPoison(LLVMTypeOf(call)));
            }
            LLVMInstructionEraseFromParent(call);
        }
    }
    found.len() as u64
}

impl FnCx<'_> {
    /// Report a malformed retag call as a pass error.
    fn retag_error(&mut self, msg: String) {
        let f = value_name(self.func);
        self.m.error(format!("in function `{f}`: {msg}"));
    }

    /// Record which retag source `call` came from.
    fn note_source(&mut self, call: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let synthesized = unsafe { !LLVMGetMetadata(call, self.m.synth_md_kind).is_null() };
        self.m.retag_source |= if synthesized { SYNTHESIZED } else { INTRINSICS };
    }

    pub(crate) fn lower_retag(&mut self, call: LLVMValueRef, kind: RetagKind) {
        if let Some(msg) = shape_error(call, kind) {
            self.retag_error(msg);
            return;
        }
        let Some((im, pin)) = self.range_operands(call, kind) else {
            return;
        };
        self.m.stats.retags_lowered += 1;
        self.note_source(call);
        match kind {
            RetagKind::Reg => self.lower_retag_reg(call, im, pin),
            RetagKind::Mem => self.lower_retag_mem(call, im, pin),
        }
    }

    fn lower_retag_reg(&mut self, call: LLVMValueRef, im: Ranges, pin: Ranges) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let p = unsafe { LLVMGetOperand(call, 0) };
        let prov = self.prov_of(p);
        self.lowered_retags.push(call);
        if self.is_untracked(prov) {
            self.m.stats.retags_untracked += 1;
            return;
        }
        self.at(call);
        if self.leaf.is_elided(call) {
            // Only the implicit read; the result keeps the parent's provenance.
            self.m.stats.retags_elided += 1;
            if self.leaf.transient.contains(&call) {
                self.m.stats.retags_transient += 1;
            }
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let size = unsafe { LLVMGetOperand(call, 1) };
            let size = self.cast_i64(size);
            let check = self.call_hook(h::__bsan_retag_check, &mut [p, size, prov.alloc, prov.tag]);
            self.fast_path_calls.push(check);
            self.shadow.insert(call, vec![prov]);
            return;
        }
        let new = self.emit_retag(call, p, prov, im, pin);
        self.shadow.insert(call, vec![new]);
    }

    /// Before a call that never returns: the elided retags after all, in their order, in
    /// the frame the panic path enters for them (see `leaf_retags.rs`).
    pub(crate) fn make_late_retags(&mut self, before: LLVMValueRef) {
        self.at(before);
        if self.frame_on_panic_only {
            let frame = self.frame.expect("a panic-only frame was set up");
            self.call_hook(h::__bsan_func_entry, &mut [frame]);
        }
        let none = Ranges {
            ptr: self.m.null_ptr(),
            count: self.m.zero,
        };
        for call in self.leaf.elided.clone() {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let p = unsafe { LLVMGetOperand(call, 0) };
            let prov = self.prov_of(p);
            if self.is_untracked(prov) {
                continue;
            }
            self.m.stats.late_retags += 1;
            self.emit_retag(call, p, prov, none, none);
        }
    }

    fn lower_retag_mem(&mut self, call: LLVMValueRef, im: Ranges, pin: Ranges) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let place = unsafe { LLVMGetOperand(call, 0) };
        self.erase.push(call);
        self.at(call);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let p = unsafe { LLVMBuildLoad2(self.b, self.m.rt.ty.ptr, place, c"".as_ptr()) };
        if let Some(&(ca, ct)) = self.companions.get(&place) {
            // A promoted slot keeps the shadow of its pointer in companion allocas.
            let i64 = self.m.rt.ty.i64;
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let prov = unsafe {
                Prov {
                    alloc: LLVMBuildLoad2(self.b, i64, ca, c"".as_ptr()),
                    tag: LLVMBuildLoad2(self.b, i64, ct, c"".as_ptr()),
                }
            };
            let new = self.emit_retag(call, p, prov, im, pin);
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            unsafe {
                LLVMBuildStore(self.b, new.alloc, ca);
                LLVMBuildStore(self.b, new.tag, ct);
            }
            return;
        }
        let r = self.call_hook(h::__bsan_load_prov, &mut [place, p]);
        let prov = self.split_prov(r);
        let new = self.emit_retag(call, p, prov, im, pin);
        self.call_hook(h::__bsan_store_prov, &mut [place, p, new.alloc, new.tag]);
    }

    /// `__bsan_retag` at `b` with the size and flags of the retag `call`.
    fn emit_retag(
        &mut self,
        call: LLVMValueRef,
        p: LLVMValueRef,
        prov: Prov,
        im: Ranges,
        pin: Ranges,
    ) -> Prov {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (size, flags) = unsafe { (LLVMGetOperand(call, 1), LLVMGetOperand(call, 2)) };
        let size = self.cast_i64(size);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let flags = unsafe {
            if LLVMTypeOf(flags) == self.m.rt.ty.i8 {
                flags
            } else {
                LLVMBuildIntCast2(self.b, flags, self.m.rt.ty.i8, 0, c"".as_ptr())
            }
        };
        // `NO_ESCAPE`, `PARENT_DIES` and `DIES_UNLESS_RETURNED` are the pass's to set,
        // never the intrinsic's: cleared, then set where the escape analysis proved them
        // (other unknown bits still reach the runtime, which rejects them).
        let mut set = if self.no_escape.contains(&call) {
            NO_ESCAPE
        } else {
            0
        };
        if self.parent_dies.contains(&call) {
            set |= PARENT_DIES;
            self.m.stats.retags_parent_dies += 1;
        }
        if self.dies_unless_returned.contains(&call) {
            set |= DIES_UNLESS_RETURNED;
            self.m.stats.retags_dies_unless_returned += 1;
        }
        // The runtime keys the previous tag by the hook's call site within the top frame,
        // which must be this call's own (a caller's would mix recursive calls).
        if self.dies_on_repeat.contains(&call) && self.frame.is_some() && !self.frame_on_panic_only
        {
            set |= DIES_ON_REPEAT;
            self.m.stats.retags_dies_on_repeat += 1;
        }
        let ours = NO_ESCAPE | PARENT_DIES | DIES_UNLESS_RETURNED | DIES_ON_REPEAT;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let flags = unsafe {
            let i8 = self.m.rt.ty.i8;
            if !LLVMIsAConstantInt(flags).is_null() {
                let c = LLVMConstIntGetZExtValue(flags) as u8;
                LLVMConstInt(i8, ((c & !ours) | set) as u64, 0)
            } else {
                let cleared = LLVMBuildAnd(
                    self.b,
                    flags,
                    LLVMConstInt(i8, !ours as u64, 0),
                    c"".as_ptr(),
                );
                LLVMBuildOr(
                    self.b,
                    cleared,
                    LLVMConstInt(i8, set as u64, 0),
                    c"".as_ptr(),
                )
            }
        };
        let r = self.call_hook(
            h::__bsan_retag,
            &mut [
                p, size, flags, im.ptr, im.count, pin.ptr, pin.count, prov.alloc, prov.tag,
            ],
        );
        self.split_prov(r)
    }

    /// Both range operands of a well-shaped retag call, or `None` after reporting an error.
    fn range_operands(&mut self, call: LLVMValueRef, kind: RetagKind) -> Option<(Ranges, Ranges)> {
        let mut out = [Ranges {
            ptr: self.m.null_ptr(),
            count: self.m.zero,
        }; 2];
        for (slot, i) in out.iter_mut().zip([3u32, 4]) {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let v = unsafe { LLVMGetOperand(call, i) };
            match self.ranges(v) {
                Ok(r) => *slot = r,
                Err(why) => {
                    let msg = format!(
                        "`{}`: argument {i} ({}) `{}` {why}; the ABI wants null or a constant \
                         global of (offset, len) usize pairs",
                        kind.name(),
                        PARAM_NAMES[i as usize],
                        value_string(v)
                    );
                    self.retag_error(msg);
                    return None;
                }
            }
        }
        Some((out[0], out[1]))
    }

    /// A range-array operand and its pair count.
    fn ranges(&mut self, v: LLVMValueRef) -> Result<Ranges, &'static str> {
        let none = Ranges {
            ptr: self.m.null_ptr(),
            count: self.m.zero,
        };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let mut v = v;
            if is_int(LLVMTypeOf(v)) {
                // A `usize` parameter: `0`, or `ptrtoint` of a constant pointer.
                if !LLVMIsAConstantInt(v).is_null() && LLVMConstIntGetZExtValue(v) == 0 {
                    return Ok(none);
                }
                if LLVMIsAConstantExpr(v).is_null()
                    || LLVMGetConstOpcode(v) != LLVMOpcode::LLVMPtrToInt
                {
                    return Err("is not a constant");
                }
                v = LLVMGetOperand(v, 0);
            }
            if LLVMIsNull(v) != 0 {
                return Ok(none);
            }
            if LLVMIsAConstant(v).is_null() {
                return Err("is not a constant");
            }
            let (base, offset) = bsan_ir::glue::strip_offsets(v, self.m.module);
            if LLVMIsAGlobalVariable(base).is_null() {
                return Err("does not point into a global variable");
            }
            let ty = LLVMGlobalGetValueType(base);
            if LLVMTypeIsSized(ty) == 0 {
                return Err("points into a global of unknown size");
            }
            let bytes = LLVMABISizeOfType(self.m.td, ty);
            if offset < 0 || offset as u64 > bytes {
                return Err("points outside its global");
            }
            let pair = 2 * LLVMPointerSize(self.m.td) as u64;
            let count = (bytes - offset as u64) / pair;
            if count == 0 {
                return Ok(none);
            }
            Ok(Ranges {
                ptr: v,
                count: self.m.const_i64(count),
            })
        }
    }
}

/// A range array as passed to `__bsan_retag`: pointer and pair count.
#[derive(Clone, Copy)]
struct Ranges {
    ptr: LLVMValueRef,
    count: LLVMValueRef,
}

/// Turns `invoke`s of the retag intrinsics in `func` into calls: they never unwind, and
/// the lowering erases them, which a terminator cannot be. Done for every function to be
/// instrumented before any is analysed.
pub(crate) fn retag_invokes_to_calls(func: LLVMValueRef) {
    let invokes: Vec<_> = bsan_ir::iter::blocks(func)
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        .map(|bb| unsafe { LLVMGetBasicBlockTerminator(bb) })
        .filter(|&term| {
            !term.is_null()
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    && unsafe { LLVMGetInstructionOpcode(term) } == LLVMOpcode::LLVMInvoke
                    && retag_kind(term).is_some()
        })
        .collect();
    {
        for i in invokes {
            bsan_ir::glue::invoke_to_call(i);
        }
    }
}
