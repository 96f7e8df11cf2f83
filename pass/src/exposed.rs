//! Pointer–integer casts: exposed and wildcard provenance (Tree Borrows model §7).
//!
//! * `ptrtoint` of a pointer with a shadow that is not statically untracked (or wildcard)
//!   gets `__bsan_expose(ptr, alloc, tag)` right before it: from then on, wildcard
//!   accesses may use that tag. Skipped when the integer provably cannot come back as a
//!   pointer: every use of it, followed through integer arithmetic, casts, `freeze`,
//!   phis, selects and integer intrinsics (debug builds' `llvm.usub.with.overflow` and
//!   its `extractvalue`s, `min`/`max`, bit counts), is a comparison (hence only branches),
//!   a `switch` condition, a store into a *write-only* local slot (an alloca whose only
//!   uses are stores to it: rustc's `*.dbg.spill`), or a store into a local integer
//!   variable (an alloca only stored to and loaded from as an integer, its address never
//!   taken: every `let` at `-O0`), whose loads are then followed the same way. That
//!   covers `ptr.addr()` and `ptr as usize` in comparisons and alignment arithmetic
//!   (`let until_alignment = (ALIGN - (src as usize & MASK)) & MASK;`), and the address
//!   that debug builds' misaligned-dereference check hands to `core::panicking` for its
//!   message, and pointer differences (`sub` of two `ptrtoint`s: `offset_from`, C's
//!   `p - q`), which keep neither address. Any other use — a store elsewhere, a call argument, a
//!   return, `inttoptr`, an aggregate, more than [`MAX_USES`] derived values — exposes.
//!   Exposing too much only lets wildcard accesses use more tags (fewer reports, never a
//!   false one); exposing too little would be a false report. Also skipped: the
//!   `ptrtoint` of core's pointer-to-integer transmutes (`<*const T>::addr`,
//!   `<*mut T>::addr`, `fmt::Arguments::as_str`; found by the debug location, inlined or
//!   not), which by Rust's semantics do not expose: a wildcard pointer made from such an
//!   address has no exposed tag to use, as in Miri, and gets untracked provenance (no
//!   check) if its allocation has none. (Exposed tags are kept by the GC forever, so
//!   over-exposing also costs memory: see [`is_core_transmute`].)
//! * `inttoptr` (an instruction: `usize as *const T`, C casts) in unoptimized code yields
//!   [`bsan_abi::Prov::WILDCARD`]; the runtime resolves the allocation at each access or
//!   retag among those with exposed tags. The wildcard shadow is an ordinary pair of
//!   constants: it flows through phis, selects, shadow memory and TLS slots like any
//!   other.
//! * `inttoptr` in *optimized* code (precompiled std at `-O3`, C at `-O1`+; see
//!   `bsan_function_is_optimized` in the glue) stays untracked: there the optimizer makes
//!   round trips the source never had (a pointer copied through an `i64` load, tagged
//!   pointers like `io::Error`'s `map_addr(|a| a | 1)` folded to `or` + `inttoptr`), whose
//!   pointer was never exposed; a wildcard access through it could be a false report.
//! * Constant `inttoptr` expressions (`ptr inttoptr (i64 4 to ptr)`: dangling `NonNull`s,
//!   fixed addresses) stay untracked: they carry no provenance.

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMOpcode;

use bsan_ir::call::callee_name as called_name;

use crate::cx::FnCx;
use crate::shadow::Prov;
use bsan_abi::hook_names as h;

/// Whether `inst` (a `ptrtoint`) is one of core's pointer-to-integer *transmutes*,
/// inlined or not, according to its debug location (see [`is_transmute_path`]). A
/// transmute returns the address *without* exposing the provenance, in Rust's semantics
/// and in Miri's; at the IR level it is an ordinary `ptrtoint`. rustc inlines these
/// functions everywhere (`<*const T>::addr` in the debug assertions of
/// `copy_nonoverlapping`, `is_aligned_to`, `NonNull::addr`; `Arguments::as_str` in every
/// `write_fmt` and `format`); without this, each call exposed its pointer, and exposed
/// tags are never pruned: a loop copying into a buffer grew the buffer's tree by one node
/// per iteration, a formatting loop the tree of its arguments or literal.
fn is_core_transmute(inst: LLVMValueRef) -> bool {
    bsan_ir::glue::location_function_path::<128>(inst).is_some_and(|p| is_transmute_path(&p))
}

/// The functions of core whose only `ptrtoint` is a transmute: `<*const T>::addr` and
/// `<*mut T>::addr` (`core::ptr::const_ptr::{impl#0}::addr<u8>`, any impl index and
/// generic arguments), and `core::fmt::Arguments::as_str` (`let bits: usize =
/// mem::transmute(self.args)`: the second word of `Arguments` is the arguments array's
/// address, or `len << 1 | 1` for a static string).
fn is_transmute_path(path: &str) -> bool {
    if path == "core::fmt::Arguments::as_str" {
        return true;
    }
    let Some(rest) = path
        .strip_prefix("core::ptr::const_ptr::{impl#")
        .or_else(|| path.strip_prefix("core::ptr::mut_ptr::{impl#"))
    else {
        return false;
    };
    let Some((index, name)) = rest.split_once("}::") else {
        return false;
    };
    index.bytes().all(|b| b.is_ascii_digit())
        && (name == "addr" || name.strip_prefix("addr<").is_some_and(|g| g.ends_with('>')))
}

/// Derived integer values followed before giving up (and exposing).
const MAX_USES: usize = 64;

/// Whether the integer `int` (a `ptrtoint` result) may be turned back into a pointer or
/// leave the function, i.e. must be exposed.
fn may_escape_as_integer(int: LLVMValueRef) -> bool {
    let mut seen = HashSet::new();
    let mut work = vec![int];
    seen.insert(int);
    while let Some(v) = work.pop() {
        for user in bsan_ir::iter::users(v) {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            if unsafe { LLVMIsAInstruction(user) }.is_null() {
                return true;
            }
            use LLVMOpcode::*;
            // The values through which the integer goes on from `user`.
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let next = match unsafe { LLVMGetInstructionOpcode(user) } {
                // An `i1`, or a branch on one (an overflow bit): the integer goes no further.
                LLVMICmp | LLVMSwitch | LLVMBr => continue,
                // A pointer difference (`offset_from`, C's `p - q`): the distance between two
                // addresses, neither of which can be recovered from it.
                LLVMSub if is_pointer_difference(user) => continue,
                LLVMStore => {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    let (val, addr) = unsafe { (LLVMGetOperand(user, 0), LLVMGetOperand(user, 1)) };
                    if val == addr {
                        return true;
                    }
                    // A write-only slot (rustc's `*.dbg.spill`) is never read back; a local
                    // integer variable (`let mut n = (p as usize) & MASK;` at -O0) is followed
                    // through its loads.
                    let Some(slot) = local_slot(addr) else {
                        return true;
                    };
                    if slot.loads.is_empty() || !seen.insert(addr) {
                        continue;
                    }
                    if !slot.integers_only {
                        return true;
                    }
                    slot.loads
                }
                LLVMAdd | LLVMSub | LLVMMul | LLVMUDiv | LLVMSDiv | LLVMURem | LLVMSRem
                | LLVMShl | LLVMLShr | LLVMAShr | LLVMAnd | LLVMOr | LLVMXor | LLVMTrunc
                | LLVMZExt | LLVMSExt | LLVMFreeze | LLVMPHI | LLVMSelect | LLVMExtractValue => {
                    vec![user]
                }
                // Debug builds' checked arithmetic (`llvm.usub.with.overflow`, then
                // `extractvalue`), `min`/`max`, bit counts: integers in, integers out.
                LLVMCall if is_integer_intrinsic(user) => vec![user],
                // rustc's debug check of a dereference's alignment passes the address to
                // `core::panicking::panic_misaligned_pointer_dereference`: a panic message.
                // (An invoke once `unwind.rs` gave the function a cleanup pad.)
                LLVMCall | LLVMInvoke if calls_core_panic(user) => continue,
                _ => return true,
            };
            for n in next {
                if seen.insert(n) {
                    work.push(n);
                }
            }
            if seen.len() > MAX_USES {
                return true;
            }
        }
    }
    false
}

/// A call to one of core's panic entry points (`core::panicking::*`), which only format
/// their integer arguments into the panic message.
fn calls_core_panic(call: LLVMValueRef) -> bool {
    called_name(call).is_some_and(|name| {
        format!("{:#}", rustc_demangle::demangle(&name)).starts_with("core::panicking::")
    })
}

/// `sub (ptrtoint a), (ptrtoint b)`.
fn is_pointer_difference(sub: LLVMValueRef) -> bool {
    // SAFETY: `sub` is a binary instruction; its operands are only inspected.
    unsafe {
        !LLVMIsAPtrToIntInst(LLVMGetOperand(sub, 0)).is_null()
            && !LLVMIsAPtrToIntInst(LLVMGetOperand(sub, 1)).is_null()
    }
}

/// Integer intrinsics whose result is computed from their operands only.
fn is_integer_intrinsic(call: LLVMValueRef) -> bool {
    const PREFIXES: [&str; 17] = [
        "llvm.uadd.with.overflow.",
        "llvm.sadd.with.overflow.",
        "llvm.usub.with.overflow.",
        "llvm.ssub.with.overflow.",
        "llvm.umul.with.overflow.",
        "llvm.smul.with.overflow.",
        "llvm.umin.",
        "llvm.umax.",
        "llvm.smin.",
        "llvm.smax.",
        "llvm.abs.",
        "llvm.ctlz.",
        "llvm.cttz.",
        "llvm.ctpop.",
        "llvm.bswap.",
        "llvm.fshl.",
        "llvm.fshr.",
    ];
    called_name(call).is_some_and(|name| PREFIXES.iter().any(|p| name.starts_with(p)))
}

/// How a function-local slot is used, when its address never leaves the function.
struct LocalSlot {
    /// Its loads (none: a write-only slot, like rustc's `*.dbg.spill`).
    loads: Vec<LLVMValueRef>,
    /// Every value stored into it and loaded from it is an integer: what is read back is
    /// exactly an integer that was stored.
    integers_only: bool,
}

/// `addr` as a [`LocalSlot`] if it is an alloca whose every use is a store into it (never
/// of its own address), a load from it, or a lifetime/debug marker; `None` otherwise.
fn local_slot(addr: LLVMValueRef) -> Option<LocalSlot> {
    // SAFETY: `addr` is a value of the function being instrumented; its uses, types and
    // operands are only inspected.
    unsafe {
        if LLVMIsAAllocaInst(addr).is_null() {
            return None;
        }
        let is_int = |v: LLVMValueRef| {
            LLVMGetTypeKind(LLVMTypeOf(v)) == inkwell::llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind
        };
        let mut slot = LocalSlot {
            loads: Vec::new(),
            integers_only: true,
        };
        for user in bsan_ir::iter::users(addr) {
            if LLVMIsAInstruction(user).is_null() {
                return None;
            }
            match LLVMGetInstructionOpcode(user) {
                LLVMOpcode::LLVMStore => {
                    let val = LLVMGetOperand(user, 0);
                    if LLVMGetOperand(user, 1) != addr || val == addr {
                        return None;
                    }
                    slot.integers_only &= is_int(val);
                }
                LLVMOpcode::LLVMLoad => {
                    slot.integers_only &= is_int(user);
                    slot.loads.push(user);
                }
                LLVMOpcode::LLVMCall
                    if called_name(user)
                        .as_deref()
                        .is_some_and(crate::classify::is_annotation_intrinsic) => {}
                _ => return None,
            }
        }
        Some(slot)
    }
}

impl FnCx<'_> {
    /// The wildcard provenance, both words from `bsan_abi`.
    pub(crate) fn wildcard(&self) -> Prov {
        Prov {
            alloc: self.m.const_i64(bsan_abi::Prov::WILDCARD.alloc),
            tag: self.m.const_i64(bsan_abi::Prov::WILDCARD.tag),
        }
    }

    /// `ptrtoint`: expose the pointer's tag unless the integer provably stays an integer.
    pub(crate) fn visit_ptrtoint(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let op = unsafe { LLVMGetOperand(inst, 0) };
        if self.leaves_of_value(op).len() != 1 {
            return; // vectors of pointers: untracked
        }
        self.m.stats.ptrtoint += 1;
        let p = self.prov_of(op);
        if self.is_untracked(p) || p.alloc == self.wildcard().alloc {
            return;
        }
        if is_core_transmute(inst) {
            self.m.stats.transmutes_not_exposed += 1;
            return;
        }
        if !may_escape_as_integer(inst) {
            return;
        }
        self.m.stats.exposed += 1;
        self.at(inst);
        self.call_hook(h::__bsan_expose, &mut [op, p.alloc, p.tag]);
    }

    /// `inttoptr`: wildcard provenance (untracked in optimized code).
    pub(crate) fn visit_inttoptr(&mut self, inst: LLVMValueRef) {
        if self.leaves_of_value(inst).len() != 1 {
            return; // vectors of pointers: untracked
        }
        if bsan_ir::glue::function_is_optimized(self.func) {
            self.m.stats.inttoptr_optimized += 1;
            return;
        }
        self.m.stats.wildcards += 1;
        let w = self.wildcard();
        self.shadow.insert(inst, vec![w]);
    }
}

#[cfg(test)]
mod tests {
    use super::is_transmute_path;

    #[test]
    fn core_transmutes_by_path() {
        for p in [
            "core::ptr::const_ptr::{impl#0}::addr<u8>",
            "core::ptr::mut_ptr::{impl#12}::addr",
            "core::fmt::Arguments::as_str",
        ] {
            assert!(is_transmute_path(p), "{p}");
        }
        for p in [
            "core::ptr::const_ptr::{impl#0}::expose_provenance<u8>",
            "core::ptr::const_ptr::{impl#x}::addr",
            "core::ptr::mut_ptr::{impl#0}::addrs",
            "mycrate::fmt::Arguments::as_str",
            "core::fmt::Arguments::as_statically_known_str",
            "core::str::iter::Chars::as_str",
        ] {
            assert!(!is_transmute_path(p), "{p}");
        }
    }
}
