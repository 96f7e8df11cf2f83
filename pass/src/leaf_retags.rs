//! Protected retags a leaf function does not need: the static elision that makes tiny
//! `-O0` functions (`len`, `eq`, `ctrl`, `next_u32`...) cost an access check instead of a
//! tag, a protector and a frame.
//!
//! # What is elided
//!
//! A *candidate* is a function-entry retag: a `__rust_retag_reg` in the entry block with
//! constant flags that include `PROTECTED` and no `UnsafeCell`/`UnsafePinned` ranges. Its
//! result `c` must not *escape*: followed through GEPs, casts, freeze, phis, selects,
//! whole-pointer spill slots (an alloca only loaded from and stored to, the `-O0` debug
//! spill) and slots lent to transparent callees (`a < b` on two `&T`:
//! [`is_slot_lent_to_transparent`]), it reaches only load/store addresses, comparisons,
//! debug/lifetime intrinsics, memcpy/memmove/memset pointer operands and write-only slots
//! (a slice's debug spill, [`is_write_only_slot`]). The function must be a *leaf*: besides
//! retag intrinsics it calls only intrinsics that touch no memory, memory intrinsics,
//! functions that never return (`noreturn`: the panic paths of overflow and bounds checks),
//! and *memory-free functions* of the module ([`MemoryFreeFunctions`]: `-O0` leaves its
//! `#[inline]` arithmetic helpers, `rotate_left`, `wrapping_add`, as calls; SipHash's
//! rounds call them 18 times).
//!
//! An elided retag is lowered to `__bsan_retag_check` (its implicit read through the
//! parent `p`, checked exactly as `__bsan_retag` checks it, nothing created), and every use
//! of `c` takes `p`'s provenance. Three cases are elided:
//!
//! * **Read-only**: no instruction writes memory other than the function's own allocas.
//!   Then every non-escaping candidate is elided.
//! * **Single writer**: one candidate `c` is a `&mut` (or `Box`), and every access outside
//!   the function's own allocas is made through pointers derived only from `c`; the only
//!   other retags are entry candidates. Then `c` alone is elided.
//! * **Writer and readers**: the first candidate `w` is a `&mut` to `Freeze` memory (not a
//!   `Box`), every write outside the function's own allocas is made through pointers
//!   derived only from `w`, and every other candidate is a non-escaping `&T` to `Freeze`
//!   memory; the only other retags are entry candidates. Then `w` is kept and the `&T`s
//!   are elided (SipHash's `write(&mut self, msg: &[u8])`).
//!
//! # Why nothing is missed (model §2–§4)
//!
//! Replacing `c` by `p` changes, for every tag `n` other than `c`, nothing: `n` is local
//! to an access through `p` iff it is `p` or an ancestor of `p`, which is exactly when it
//! is local to an access through `c` (`c`'s only ancestors are `p` and `p`'s). So the
//! accesses of the function have the same effects and the same checks on every other tag.
//! What is lost is `c` itself: its state's checks, its protector, and its release at the
//! exit. None can report here:
//!
//! * `c`'s own state. A fresh `c` is Reserved (`&mut`, `Box`) or, for a `&T`, Frozen (Cell
//!   where the pointee is not `Freeze`, which allows reads too). Reads through it never
//!   fail. Only a write can: through a Frozen `c`, or through a Reserved one after a
//!   foreign read, and the only candidate written through is a single writer's `&mut`. In
//!   a single-writer function the only foreign accesses to `c` are the implicit reads of
//!   the other entry retags, which come before any access through `c`; a write through
//!   `c` after one of them (conflicted, protected Reserved: a report) is a foreign write to
//!   that protected sibling instead (also a report, which the sibling still makes: it is
//!   not elided).
//! * `c`'s protector. It reports a foreign access to `c` that would disable it (any
//!   foreign write, or a foreign read of an Active `c`). A read-only function makes no
//!   write, and `c` is never Active there. A single-writer function makes no foreign
//!   access to `c` after its entry retags.
//! * Other threads. The function has no atomic instruction and no fence, so nothing it
//!   does synchronizes with another thread: another thread's write during the call to a
//!   byte the function accesses (or a read of a byte it writes) is a data race, undefined
//!   behaviour of its own that Tree Borrows does not judge. **The one report that can be
//!   lost**: another thread's unsynchronized write (or deallocation), during the call, to
//!   bytes of the pointee the function does *not* access. `c`'s protector would report
//!   it, but only if it landed within the call's few instructions: the same write a moment
//!   later is allowed, so no run can rely on seeing it. We accept that loss for the cost of
//!   a tag and a protector per call.
//! * Writer and readers. A reader `r` is Frozen on its whole range (its retag reads all
//!   of it): reads through it never fail, and what its state and protector guard against
//!   is a write to those bytes through anything else. The only writes are through `w`,
//!   whose retag comes first and is kept with its protector: `r`'s implicit read, right
//!   after, is a foreign read to `w` wherever the two overlap, which makes `w` (protected,
//!   Reserved, `Freeze`) conflicted there, so a write through `w` to any byte of `r`'s range
//!   is reported by `w` itself, before it could change `r`. (A write through `w` before
//!   `r`'s retag would make that retag's read a foreign read of a protected Active `w`:
//!   also reported.) With no write reaching `r`'s bytes, `r` stays Frozen, exactly as its
//!   late tag is made before a call that never returns, and its release repeats its
//!   implicit read. Other threads: as above.
//! * `c`'s release. It is a read (or a write, if `c` became Active) through `c` over the
//!   bytes `c` accessed; with no foreign access to `c` in between it repeats what the
//!   function's own accesses through `c` already did, and Tree Borrows transitions are
//!   idempotent under a repeated access.
//! * Panic paths. A `noreturn` call runs the panic machinery, including a user's panic
//!   hook, while the function's frame (and `c`'s protector) is still live. So before each
//!   one the elided retags are made after all (`late` retags, with a protector frame that
//!   only the panic path enters). A read-only function leaves `c` in a state no later
//!   access can tell from the late tag's (at most a Reserved conflicted by foreign reads,
//!   which only a write through `c` could tell, and nothing writes through `c` any more);
//!   a single-writer function is only elided if no write can precede a `noreturn` call,
//!   so the late tag is in the state `c` would have had. A call cannot be `noreturn` and
//!   return, so the late frame is only ever left by unwinding (its cleanup pad,
//!   `unwind.rs`).
//!
//! A memory-free callee is as transparent to all of this as an arithmetic intrinsic: it
//! loads and stores only its own allocas, makes no retag, synchronizes with nothing, calls
//! only intrinsics that touch no memory, other memory-free functions and functions that
//! never return (panics), and cannot unwind: each of its panics *aborts* (a `nounwind`
//! panic, or any panic inside a `nounwind` function, whose cleanups abort). So it can
//! neither access a byte a caller's pointer reaches nor unwind. It may take a candidate as an argument only as a value it
//! cannot dereference (std's precondition checks take the pointers they check); passing one
//! still counts as an escape if the callee returns a pointer, which may be the candidate
//! handed back. (One that returns an integer may return its address; a pointer made from
//! that has wildcard provenance, whose accesses are never counted as the candidate's.)
//! A `ptrtoint` in such a callee exposes the candidate's parent instead of the candidate:
//! wildcard accesses may then use a tag whose subtree holds the candidate's, which can only
//! lose reports (the same is true of a leaf's own `ptrtoint` of an elided candidate).
//!
//! **The second report that can be lost**: such an aborting panic is `-O0`'s failed
//! `assert_unsafe_precondition!` (`Step::forward_unchecked` in every `Range::next`:
//! `unchecked_add`'s check calls `panic_nounwind`; `copy_nonoverlapping`'s check, a
//! `nounwind` function, calls `is_aligned_to`, which may panic), which runs the panic hook
//! and ends the program. No late retag is made for it, so a panic hook that accesses the pointee of an
//! elided `&mut` through another pointer would not be reported. The program is then
//! already ending with std's report of undefined behaviour (the violated precondition),
//! raised before the hook runs.
//!
//! Owns: the classification ([`LeafRetags`], [`MemoryFreeFunctions`]). Does not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMOpcode;

use bsan_abi::retag_flags::{BOX, FREEZE, MUTABLE, PROTECTED};
use bsan_ir::attrs;
use bsan_ir::iter;
use bsan_ir::value::value_name;

use crate::classify::{retag_kind, shape_error, strip_constant_offsets, RetagKind};

/// The retags of one function that are elided, and where the protected ones are made late.
#[derive(Default)]
pub(crate) struct LeafRetags {
    /// Elided protected retag calls, in the entry block's order.
    pub elided: Vec<LLVMValueRef>,
    /// The function calls something that never returns (where the elided retags are made
    /// late, [`noreturn_calls`]).
    pub panics: bool,
    /// Elided unprotected retags (`transient_retags.rs`): never made late.
    pub transient: HashSet<LLVMValueRef>,
}

impl LeafRetags {
    pub(crate) fn is_elided(&self, call: LLVMValueRef) -> bool {
        self.elided.contains(&call) || self.transient.contains(&call)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.elided.is_empty() && self.transient.is_empty()
    }
}

/// What the bases of a pointer are, as a set: the function's own allocas, candidates (by
/// index, at most 64 are tracked), anything else.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bases {
    local: bool,
    candidates: u64,
    /// Loaded from the start of a candidate's pointee ([`BaseFinder::indirect`] only).
    indirect: u64,
    other: bool,
}

impl Bases {
    fn union(self, o: Bases) -> Bases {
        Bases {
            local: self.local || o.local,
            candidates: self.candidates | o.candidates,
            indirect: self.indirect | o.indirect,
            other: self.other || o.other,
        }
    }
    const OTHER: Bases = Bases {
        local: false,
        candidates: 0,
        indirect: 0,
        other: true,
    };
    /// Only the function's own allocas, and at least one (an empty set, a slot never
    /// stored to, is not trusted to be anything).
    /// The candidates (as bits) if the pointer may be derived only from them and the
    /// function's own allocas; `None` if it may be derived from anything else.
    pub(crate) fn only_candidates(self) -> Option<u64> {
        (!self.other && self.indirect == 0).then_some(self.candidates)
    }

    /// Loaded from the start of candidate `k`'s pointee.
    pub(crate) fn indirect_of(k: usize) -> Bases {
        Bases {
            indirect: 1 << k,
            ..Bases::default()
        }
    }

    /// The candidates (as bits) from whose pointee's start the pointer may be loaded.
    pub(crate) fn indirect(self) -> u64 {
        self.indirect
    }

    /// The candidates the pointer may be derived from, and those from whose pointee's
    /// start it may be loaded, if it may be derived from nothing else (but local allocas).
    pub(crate) fn direct_and_indirect(self) -> Option<(u64, u64)> {
        (!self.other).then_some((self.candidates, self.indirect))
    }

    pub(crate) fn only_local(self) -> bool {
        self.local && !self.other && self.candidates == 0 && self.indirect == 0
    }
}

/// What a *transparent* function (`transparent_callees.rs`) accesses: through which of its
/// parameters (by index, at most 64) it reads and writes, and through which it reads and
/// writes *indirectly*: through the pointer it loads from the start of that parameter's
/// pointee (`<&T as PartialOrd>::lt(&a, &b)` reads `**self`), and which parameters' pointees
/// it may *leak* (copy a pointer held there to where it may outlive the call or be used
/// for accesses this summary does not list). A parameter accessed indirectly is never
/// written through directly. Everything else it accesses is its own allocas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub reads: u64,
    pub writes: u64,
    pub indirect_reads: u64,
    pub indirect_writes: u64,
    pub leaks: u64,
}

/// One access of a transparent callee, as its caller sees it.
#[derive(Clone, Copy)]
pub(crate) struct CalleeAccess {
    /// The argument the access goes through.
    pub arg: LLVMValueRef,
    pub write: bool,
    /// Through the pointer stored at the start of `arg`'s pointee, not through `arg`.
    pub indirect: bool,
}

impl Summary {
    /// The accesses a call of the function makes.
    pub(crate) fn accesses(self, call: LLVMValueRef) -> Vec<CalleeAccess> {
        let mut out = Vec::new();
        for k in 0..64u32 {
            let kinds = [
                (self.reads, false, false),
                (self.writes, true, false),
                (self.indirect_reads, false, true),
                (self.indirect_writes, true, true),
            ];
            for (bits, write, indirect) in kinds {
                if bits >> k & 1 != 0 {
                    // SAFETY: a call of a function with a parameter `k` has an argument `k`.
                    let arg = unsafe { LLVMGetOperand(call, k) };
                    out.push(CalleeAccess {
                        arg,
                        write,
                        indirect,
                    });
                }
            }
        }
        out
    }

    /// Whether a slot of the caller may be passed as parameter `k`, keeping what it holds:
    /// the function neither writes through the parameter nor leaks its pointee.
    pub(crate) fn borrows_slot(self, k: u32) -> bool {
        k < 64 && (self.writes | self.leaks) >> k & 1 == 0
    }
}

/// What an instruction does to memory, for the analyses that walk a whole body
/// (`memory_free_body`, forwarders, pass-throughs, transparent callees).
pub(crate) enum MemoryEffect {
    /// A non-atomic load (`false`) or store (`true`) at this address.
    Access(LLVMValueRef, bool),
    /// An atomic access, a fence, `va_arg` or `callbr`: synchronization or control flow
    /// these analyses do not follow.
    Opaque,
    /// Anything else (calls included): the caller decides.
    Other,
}

/// [`MemoryEffect`] of `i`.
pub(crate) fn memory_effect(i: LLVMValueRef) -> MemoryEffect {
    use LLVMOpcode::*;
    // SAFETY: live LLVM handles of this module; the operand indices are those of each
    // opcode.
    unsafe {
        match LLVMGetInstructionOpcode(i) {
            LLVMLoad | LLVMStore if LLVMIsAtomic(i) != 0 => MemoryEffect::Opaque,
            LLVMLoad => MemoryEffect::Access(LLVMGetOperand(i, 0), false),
            LLVMStore => MemoryEffect::Access(LLVMGetOperand(i, 1), true),
            LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMVAArg | LLVMCallBr => {
                MemoryEffect::Opaque
            }
            _ => MemoryEffect::Other,
        }
    }
}

/// A body's non-atomic loads and stores as (address, writes), and its other instructions.
pub(crate) type SplitBody = (Vec<(LLVMValueRef, bool)>, Vec<LLVMValueRef>);

/// The first step of the analyses that walk a whole body: `f`'s non-atomic loads and
/// stores as (address, writes), and its other instructions, each in order; `None` if an
/// instruction is [`MemoryEffect::Opaque`].
pub(crate) fn split_body(f: LLVMValueRef) -> Option<SplitBody> {
    let mut accesses = Vec::new();
    let mut others = Vec::new();
    for i in iter::all_instructions(f) {
        match memory_effect(i) {
            MemoryEffect::Opaque => return None,
            MemoryEffect::Access(a, write) => accesses.push((a, write)),
            MemoryEffect::Other => others.push(i),
        }
    }
    Some((accesses, others))
}

/// The accesses of a call of the memory intrinsic `name` (`mem_intrinsic`): its
/// destination is written, a copy's source read.
pub(crate) fn mem_intrinsic_accesses(
    call: LLVMValueRef,
    op: crate::classify::MemOp,
) -> impl Iterator<Item = (LLVMValueRef, bool)> {
    // SAFETY: a memory intrinsic has its destination and source as operands 0 and 1.
    let (dst, src) = unsafe { (LLVMGetOperand(call, 0), LLVMGetOperand(call, 1)) };
    std::iter::once((dst, true)).chain((op == crate::classify::MemOp::Copy).then_some((src, false)))
}

/// The module's transparent functions with their summaries.
pub(crate) type Transparent = HashMap<LLVMValueRef, Summary>;

/// One memory access of the function: its address operand and whether it writes.
struct Access {
    inst: LLVMValueRef,
    addr: LLVMValueRef,
    write: bool,
    /// A transparent callee's access through the pointer stored in `addr` (a slot of this
    /// function, [`is_slot_lent_to_transparent`]), not through `addr`.
    through_slot: bool,
}

/// Everything [`analyze`] needs from one walk over the function.
struct Scan {
    candidates: Vec<LLVMValueRef>,
    other_retags: usize,
    accesses: Vec<Access>,
    noreturn_calls: Vec<LLVMValueRef>,
}

/// The module's defined functions that touch no memory a caller can see (module docs).
/// Found once per module, on the IR as it was before any function was instrumented.
#[derive(Default)]
pub(crate) struct MemoryFreeFunctions(HashSet<LLVMValueRef>);

impl MemoryFreeFunctions {
    pub(crate) fn find(module: LLVMModuleRef) -> MemoryFreeFunctions {
        // Each function's own verdict and the module functions it calls; then a function
        // stays only while everything it calls stays (recursion among memory-free
        // functions is fine: none of them touches memory).
        let mut bodies: HashMap<LLVMValueRef, Body> = HashMap::new();
        for f in iter::functions(module) {
            if let Some(b) = memory_free_body(f) {
                bodies.insert(f, b);
            }
        }
        loop {
            let drop: Vec<LLVMValueRef> = bodies
                .iter()
                .filter(|(_, b)| b.callees.iter().any(|c| !bodies.contains_key(c)))
                .map(|(&f, _)| f)
                .collect();
            if drop.is_empty() {
                break;
            }
            for f in drop {
                bodies.remove(&f);
            }
        }
        // Which of them may unwind into their caller: their own panics, or a callee's,
        // unless they are `nounwind` (a panic that reaches them aborts).
        let mut unwinds: HashSet<LLVMValueRef> = bodies
            .iter()
            .filter(|(_, b)| b.unwinds)
            .map(|(&f, _)| f)
            .collect();
        loop {
            let more: Vec<LLVMValueRef> = bodies
                .iter()
                .filter(|(f, b)| {
                    !unwinds.contains(*f)
                        && !b.nounwind
                        && b.callees.iter().any(|c| unwinds.contains(c))
                })
                .map(|(&f, _)| f)
                .collect();
            if more.is_empty() {
                break;
            }
            unwinds.extend(more);
        }
        MemoryFreeFunctions(
            bodies
                .into_keys()
                .filter(|f| !unwinds.contains(f))
                .collect(),
        )
    }

    pub(crate) fn contains(&self, f: LLVMValueRef) -> bool {
        self.0.contains(&f)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Whether `f` has a body the linker is bound to keep (or replace only by an equivalent
/// one: `_odr`): an interposable definition may be replaced by anything.
pub(crate) fn is_definitive(f: LLVMValueRef) -> bool {
    use inkwell::llvm_sys::LLVMLinkage::*;
    if bsan_ir::value::is_declaration(f) {
        return false;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let linkage = unsafe { LLVMGetLinkage(f) };
    matches!(
        linkage,
        LLVMExternalLinkage
            | LLVMInternalLinkage
            | LLVMPrivateLinkage
            | LLVMLinkOnceODRLinkage
            | LLVMWeakODRLinkage
            | LLVMAvailableExternallyLinkage
    )
}

/// What [`memory_free_body`] found in a body that touches no memory but its own allocas.
struct Body {
    /// The functions of the module it calls or invokes (other than the panics below).
    callees: Vec<LLVMValueRef>,
    /// It panics in a way that may unwind into its caller: a call that never returns and
    /// may unwind, or a `resume`, in a function not marked `nounwind`.
    unwinds: bool,
    /// Marked `nounwind`: a panic unwinding into it ends the program (rustc gives such
    /// functions cleanups that abort: `panic_cannot_unwind`).
    nounwind: bool,
}

/// If `f`'s own body touches no memory but its own allocas, apart from calls that never
/// return (panics, whose hook and message may read anything before the program aborts or
/// unwinds), what it calls; `None` if it touches other memory (or has no body that the
/// linker is bound to keep: an interposable definition may be replaced by one that does).
fn memory_free_body(f: LLVMValueRef) -> Option<Body> {
    if !is_definitive(f) {
        return None;
    }
    let nounwind = attrs::has_fn_enum(f, "nounwind");
    let mut body = Body {
        callees: Vec::new(),
        unwinds: false,
        nounwind,
    };
    let (accesses, others) = split_body(f)?;
    let mut addrs: Vec<LLVMValueRef> = accesses.into_iter().map(|(a, _)| a).collect();
    for i in others {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of
        // each opcode.
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMResume => body.unwinds |= !nounwind,
                LLVMCall | LLVMInvoke => {
                    let callee = strip_constant_offsets(LLVMGetCalledValue(i));
                    if LLVMIsAFunction(callee).is_null() {
                        return None; // indirect calls, inline asm
                    }
                    if retag_kind(i).is_some() {
                        return None;
                    }
                    if let Some(name) = intrinsic_name(i) {
                        if let Some(op) = crate::classify::mem_intrinsic(&name) {
                            addrs.extend(mem_intrinsic_accesses(i, op).map(|(a, _)| a));
                        } else if !is_memory_free_intrinsic(&name) {
                            return None;
                        }
                    } else if never_returns(i) {
                        // A panic: its hook runs, then the program aborts (module docs) or
                        // the panic unwinds.
                        body.unwinds |= !nounwind && !aborts(i);
                    } else if bsan_ir::value::is_declaration(callee) {
                        return None;
                    } else {
                        body.callees.push(callee);
                    }
                }
                _ => {}
            }
        }
    }
    let mut bases = BaseFinder::new(&[]);
    addrs
        .into_iter()
        .all(|a| bases.of(a).only_local())
        .then_some(body)
}

/// Classifies `func` (retag `invoke`s already turned into calls).
///
/// `transient` are the function's transient retags (`transient_retags.rs`): elided too,
/// so each is only its implicit read through its parent, and its result is its parent.
pub(crate) fn analyze(
    func: LLVMValueRef,
    entry: LLVMBasicBlockRef,
    memory_free: &MemoryFreeFunctions,
    transient: &HashSet<LLVMValueRef>,
    transparent: &Transparent,
) -> LeafRetags {
    let none = LeafRetags::default();
    let Some(scan) = scan(func, entry, memory_free, transient, transparent) else {
        return none;
    };
    if scan.candidates.is_empty() || scan.candidates.len() > 64 {
        return none;
    }
    let kept: Vec<LLVMValueRef> = scan
        .candidates
        .iter()
        .copied()
        .filter(|&c| !escapes(c, transient, memory_free, transparent))
        .collect();
    if kept.is_empty() {
        return none;
    }
    let mut bases = BaseFinder {
        candidates: &scan.candidates,
        transparent: Some(transient),
        lent_to: Some(transparent),
        indirect: false,
        memo: HashMap::new(),
    };
    let classified: Vec<(Bases, bool, LLVMValueRef)> = scan
        .accesses
        .iter()
        .map(|a| {
            let b = if a.through_slot {
                bases.in_slot(a.addr)
            } else {
                bases.of(a.addr)
            };
            (b, a.write, a.inst)
        })
        .collect();
    let writes_outside = classified.iter().any(|&(b, w, _)| w && !b.only_local());
    if !writes_outside {
        return LeafRetags {
            elided: kept,
            panics: !scan.noreturn_calls.is_empty(),
            transient: HashSet::new(),
        };
    }
    if scan.other_retags > 0 {
        return none;
    }
    for &c in &kept {
        if flags(c) & MUTABLE as u64 == 0 {
            continue;
        }
        let bit = 1u64
            << scan
                .candidates
                .iter()
                .position(|&x| x == c)
                .expect("a candidate");
        let only_c = classified
            .iter()
            .all(|&(b, _, _)| b.only_local() || (!b.other && b.candidates == bit));
        if !only_c {
            continue;
        }
        let writes: Vec<LLVMValueRef> = classified
            .iter()
            .filter(|&&(b, w, _)| w && !b.only_local())
            .map(|&(_, _, i)| i)
            .collect();
        if scan
            .noreturn_calls
            .iter()
            .any(|&n| may_precede_any(&writes, n))
        {
            return none;
        }
        return LeafRetags {
            elided: vec![c],
            panics: !scan.noreturn_calls.is_empty(),
            transient: HashSet::new(),
        };
    }
    writer_and_readers(&scan, &kept, &classified).map_or(none, |readers| LeafRetags {
        elided: readers,
        panics: !scan.noreturn_calls.is_empty(),
        transient: HashSet::new(),
    })
}

/// The *writer and readers* case (module docs): the readers to elide, if one `&mut` to
/// `Freeze` memory, retagged first and kept, makes every write, and the other candidates are
/// non-escaping `&T` to `Freeze` memory that are only read through.
fn writer_and_readers(
    scan: &Scan,
    kept: &[LLVMValueRef],
    classified: &[(Bases, bool, LLVMValueRef)],
) -> Option<Vec<LLVMValueRef>> {
    let (first, rest) = scan.candidates.split_first()?;
    let w = *first;
    if flags(w) & (MUTABLE | FREEZE) as u64 != (MUTABLE | FREEZE) as u64
        || flags(w) & BOX as u64 != 0
    {
        return None;
    }
    let mut readers = Vec::new();
    for &r in rest {
        let f = flags(r);
        if f & (MUTABLE | BOX) as u64 != 0 || f & FREEZE as u64 == 0 || !kept.contains(&r) {
            return None;
        }
        readers.push(r);
    }
    if readers.is_empty() {
        return None;
    }
    // Every write is through the writer alone (bit 0): none through a reader.
    classified
        .iter()
        .filter(|&&(b, w, _)| w && !b.only_local())
        .all(|&(b, _, _)| b.only_candidates() == Some(1))
        .then_some(readers)
}

/// The calls in `func` that never return, where elided retags are made late (after any
/// CFG edit: `unwind.rs` turns them into invokes in the same block).
pub(crate) fn noreturn_calls(func: LLVMValueRef) -> Vec<LLVMValueRef> {
    iter::all_instructions(func)
        .filter(|&i| bsan_ir::call::is_call_or_invoke(i) && never_returns(i))
        .filter(|&i| intrinsic_name(i).is_none())
        .collect()
}

pub(crate) fn flags(retag: LLVMValueRef) -> u64 {
    // SAFETY: a well-shaped retag call has 5 arguments; the caller checked the shape.
    unsafe { LLVMConstIntGetZExtValue(LLVMGetOperand(retag, 2)) }
}

/// Whether a constant operand is a null pointer or a zero integer (no ranges).
pub(crate) fn is_no_ranges(v: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if !LLVMIsAConstantInt(v).is_null() {
            return LLVMConstIntGetZExtValue(v) == 0;
        }
        !LLVMIsAConstant(v).is_null() && LLVMIsNull(v) != 0
    }
}

pub(crate) fn is_candidate(i: LLVMValueRef) -> bool {
    if retag_kind(i) != Some(RetagKind::Reg) || shape_error(i, RetagKind::Reg).is_some() {
        return false;
    }
    // SAFETY: a well-shaped retag call has 5 arguments.
    unsafe {
        let fl = LLVMGetOperand(i, 2);
        !LLVMIsAConstantInt(fl).is_null()
            && LLVMConstIntGetZExtValue(fl) & PROTECTED as u64 != 0
            && is_no_ranges(LLVMGetOperand(i, 3))
            && is_no_ranges(LLVMGetOperand(i, 4))
            && crate::classify::is_ptr(LLVMTypeOf(i))
    }
}

/// The name of the intrinsic `call` calls, if it is a call of one (`None` for any other
/// value: callers ask it of every user of a pointer, and `LLVMGetCalledValue` of a
/// non-call reads an operand that may not exist, a phi's, say).
pub(crate) fn intrinsic_name(call: LLVMValueRef) -> Option<String> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if LLVMIsACallInst(call).is_null() && LLVMIsAInvokeInst(call).is_null() {
            return None;
        }
        let f = LLVMIsAFunction(strip_constant_offsets(LLVMGetCalledValue(call)));
        (!f.is_null() && LLVMGetIntrinsicID(f) != 0).then(|| value_name(f))
    }
}

/// Whether `call` never returns and never unwinds: it ends the program (`panic_nounwind`,
/// which std's `assert_unsafe_precondition!` checks call, runs the panic hook and aborts).
pub(crate) fn aborts(call: LLVMValueRef) -> bool {
    if !never_returns(call) {
        return false;
    }
    if attrs::call_site_has_enum(call, attrs::FUNCTION, "nounwind") {
        return true;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let f = unsafe { LLVMIsAFunction(strip_constant_offsets(LLVMGetCalledValue(call))) };
    !f.is_null() && attrs::has_fn_enum(f, "nounwind")
}

pub(crate) fn never_returns(call: LLVMValueRef) -> bool {
    if attrs::call_site_has_enum(call, attrs::FUNCTION, "noreturn") {
        return true;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let f = unsafe { LLVMIsAFunction(strip_constant_offsets(LLVMGetCalledValue(call))) };
    !f.is_null() && attrs::has_fn_enum(f, "noreturn")
}

/// Intrinsics that neither read nor write memory a pointer could reach (the memory
/// intrinsics are accesses, classified separately).
pub(crate) fn is_memory_free_intrinsic(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "llvm.dbg.",
        "llvm.lifetime.",
        "llvm.assume",
        "llvm.expect",
        "llvm.experimental.noalias.scope.decl",
        "llvm.sadd.with.overflow.",
        "llvm.uadd.with.overflow.",
        "llvm.ssub.with.overflow.",
        "llvm.usub.with.overflow.",
        "llvm.smul.with.overflow.",
        "llvm.umul.with.overflow.",
        // `Ord::cmp` of integers (`three_way_compare`).
        "llvm.ucmp.",
        "llvm.scmp.",
        "llvm.sadd.sat.",
        "llvm.uadd.sat.",
        "llvm.ssub.sat.",
        "llvm.usub.sat.",
        "llvm.sshl.sat.",
        "llvm.ushl.sat.",
        "llvm.ctpop.",
        "llvm.ctlz.",
        "llvm.cttz.",
        "llvm.bswap.",
        "llvm.bitreverse.",
        "llvm.fshl.",
        "llvm.fshr.",
        "llvm.smax.",
        "llvm.smin.",
        "llvm.umax.",
        "llvm.umin.",
        "llvm.abs.",
        "llvm.fabs.",
        "llvm.copysign.",
        "llvm.minnum.",
        "llvm.maxnum.",
        "llvm.minimum.",
        "llvm.maximum.",
        "llvm.is.fpclass.",
        "llvm.sqrt.",
        "llvm.fma.",
        "llvm.fmuladd.",
        "llvm.floor.",
        "llvm.ceil.",
        "llvm.trunc.",
        "llvm.rint.",
        "llvm.round.",
        "llvm.roundeven.",
        "llvm.nearbyint.",
        "llvm.trap",
        "llvm.ubsantrap",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// One walk: the candidates, the accesses, the `noreturn` calls; `None` if the function is
/// not a leaf.
fn scan(
    func: LLVMValueRef,
    entry: LLVMBasicBlockRef,
    memory_free: &MemoryFreeFunctions,
    transient: &HashSet<LLVMValueRef>,
    transparent: &Transparent,
) -> Option<Scan> {
    let mut s = Scan {
        candidates: Vec::new(),
        other_retags: 0,
        accesses: Vec::new(),
        noreturn_calls: Vec::new(),
    };
    for bb in iter::blocks(func) {
        for i in iter::instructions(bb) {
            use LLVMOpcode::*;
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let op = unsafe { LLVMGetInstructionOpcode(i) };
            // SAFETY: as above; the operand indices are those of each opcode.
            unsafe {
                // No synchronization: see "Other threads" in the module docs.
                if matches!(op, LLVMLoad | LLVMStore) && LLVMIsAtomic(i) != 0 {
                    return None;
                }
                match op {
                    LLVMLoad => s.accesses.push(Access {
                        inst: i,
                        addr: LLVMGetOperand(i, 0),
                        write: false,
                        through_slot: false,
                    }),
                    LLVMStore => s.accesses.push(Access {
                        inst: i,
                        addr: LLVMGetOperand(i, 1),
                        write: true,
                        through_slot: false,
                    }),
                    LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMVAArg | LLVMInvoke
                    | LLVMCallBr => return None,
                    LLVMCall => {
                        if !LLVMIsAInlineAsm(LLVMGetCalledValue(i)).is_null() {
                            return None;
                        }
                        if transient.contains(&i) {
                            // Elided: only its implicit read through its parent is left.
                            s.accesses.push(Access {
                                inst: i,
                                addr: LLVMGetOperand(i, 0),
                                write: false,
                                through_slot: false,
                            });
                        } else if retag_kind(i).is_some() {
                            if bb == entry && is_candidate(i) {
                                s.candidates.push(i);
                            } else {
                                s.other_retags += 1;
                            }
                        } else if let Some(name) = intrinsic_name(i) {
                            if let Some(op) = crate::classify::mem_intrinsic(&name) {
                                s.accesses.extend(mem_intrinsic_accesses(i, op).map(
                                    |(addr, write)| Access {
                                        inst: i,
                                        addr,
                                        write,
                                        through_slot: false,
                                    },
                                ));
                            } else if !is_memory_free_intrinsic(&name) {
                                return None;
                            }
                        } else if never_returns(i) {
                            s.noreturn_calls.push(i);
                        } else if let Some(summary) =
                            transparent.get(&strip_constant_offsets(LLVMGetCalledValue(i)))
                        {
                            // Its accesses are this function's, through the arguments (or
                            // the pointers in the slots they address).
                            for a in summary.accesses(i) {
                                s.accesses.push(Access {
                                    inst: i,
                                    addr: a.arg,
                                    write: a.write,
                                    through_slot: a.indirect,
                                });
                            }
                        } else if !memory_free
                            .contains(strip_constant_offsets(LLVMGetCalledValue(i)))
                        {
                            return None;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Some(s)
}

/// A whole-pointer slot: an alloca whose every use is a load from it, a store *to* it, or
/// a debug/lifetime intrinsic. A pointer stored in it comes back only through its loads.
pub(crate) fn is_slot(v: LLVMValueRef) -> bool {
    is_slot_lending_to(v, |_| false)
}

/// A slot lent to transparent callees: an alloca whose every use is a load from it, a
/// store *to* it, a debug/lifetime intrinsic, or an argument of a call of a transparent
/// function (`transparent_callees.rs`) that neither writes through that parameter nor leaks
/// its pointee ([`Summary::borrows_slot`]: `a < b` on two `&T` passes `&a` and `&b` to
/// `<&T as PartialOrd>::lt`). A pointer stored in it comes back only through its loads and
/// the callees' indirect accesses ([`Summary::indirect_reads`]), which never let it escape;
/// nothing else changes what it holds.
pub(crate) fn is_slot_lent_to_transparent(v: LLVMValueRef, transparent: &Transparent) -> bool {
    is_slot_lending_to(v, |u| {
        // SAFETY: live LLVM handles of this module; a call's arguments are its first
        // operands, its callee the last.
        unsafe {
            if LLVMIsACallInst(u).is_null() || retag_kind(u).is_some() || LLVMGetCalledValue(u) == v
            {
                return false;
            }
            let Some(summary) = transparent.get(&strip_constant_offsets(LLVMGetCalledValue(u)))
            else {
                return false;
            };
            (0..LLVMGetNumArgOperands(u))
                .all(|k| LLVMGetOperand(u, k) != v || summary.borrows_slot(k))
        }
    })
}

/// Whether `v` is an alloca whose every use is a load from it, a store *to* it of anything
/// but its own address, a debug/lifetime intrinsic, or a call or invoke that `lends`
/// accepts (the slot's callers: [`is_slot`], [`is_slot_lent_to_transparent`],
/// `captures.rs`'s lent slots).
pub(crate) fn is_slot_lending_to(v: LLVMValueRef, lends: impl Fn(LLVMValueRef) -> bool) -> bool {
    use LLVMOpcode::*;
    // SAFETY: live LLVM handles of this module; a store's operands are (value, address).
    unsafe {
        if LLVMIsAAllocaInst(v).is_null() {
            return false;
        }
        iter::users(v).all(|u| match LLVMGetInstructionOpcode(u) {
            LLVMLoad => true,
            LLVMStore => LLVMGetOperand(u, 1) == v && LLVMGetOperand(u, 0) != v,
            LLVMCall | LLVMInvoke => {
                intrinsic_name(u)
                    .as_deref()
                    .is_some_and(crate::classify::is_annotation_intrinsic)
                    || lends(u)
            }
            _ => false,
        })
    }
}

/// What the store `store` does with the pointer `v`, one of its operands: `Some(vec![])`
/// if it writes to the memory `v` addresses, or stores `v` into a write-only slot (dead
/// there); `Some(loads)` if it spills `v` to a slot, from which it comes back only through
/// the slot's loads; `None` if it stores `v` anywhere else.
pub(crate) fn stored_pointer_reloads(
    store: LLVMValueRef,
    v: LLVMValueRef,
) -> Option<Vec<LLVMValueRef>> {
    // SAFETY: live LLVM handles of this module; a store's operands are (value, address).
    unsafe {
        let addr = LLVMGetOperand(store, 1);
        if LLVMGetOperand(store, 0) != v {
            Some(vec![])
        } else if addr != v && is_slot(addr) {
            Some(slot_loads(addr))
        } else if addr != v && is_write_only_slot(addr) {
            Some(vec![])
        } else {
            None
        }
    }
}

/// The loads from the alloca `slot`.
pub(crate) fn slot_loads(slot: LLVMValueRef) -> Vec<LLVMValueRef> {
    iter::users(slot)
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        .filter(|&u| unsafe { LLVMGetInstructionOpcode(u) } == LLVMOpcode::LLVMLoad)
        .collect()
}

/// A write-only slot: an alloca that is only stored to (at any offset, through GEPs) and
/// described to the debugger, never read or passed anywhere: `-O0` spills a slice's
/// pointer and length into one for the debugger. A pointer stored in it is dead.
pub(crate) fn is_write_only_slot(v: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    if unsafe { LLVMIsAAllocaInst(v) }.is_null() {
        return false;
    }
    let mut work = vec![v];
    while let Some(p) = work.pop() {
        for u in iter::users(p) {
            use LLVMOpcode::*;
            // SAFETY: as above; the operand indices are those of each opcode.
            unsafe {
                match LLVMGetInstructionOpcode(u) {
                    LLVMStore if LLVMGetOperand(u, 1) == p && LLVMGetOperand(u, 0) != p => {}
                    LLVMGetElementPtr if LLVMGetOperand(u, 0) == p => work.push(u),
                    LLVMCall
                        if intrinsic_name(u)
                            .as_deref()
                            .is_some_and(crate::classify::is_annotation_intrinsic) => {}
                    _ => return false,
                }
            }
        }
    }
    true
}

/// Whether the retag result `c` escapes (see the module docs). A transient retag of it
/// (elided: its result is `c`) passes it on to its own uses. A memory-free callee that
/// returns no pointer cannot hand it back (it stores only to its own allocas): passing it
/// to one is no escape (`copy_nonoverlapping`'s precondition check takes its pointers).
pub(crate) fn escapes(
    c: LLVMValueRef,
    transient: &HashSet<LLVMValueRef>,
    memory_free: &MemoryFreeFunctions,
    transparent: &Transparent,
) -> bool {
    let mut work = vec![c];
    let mut seen: HashSet<LLVMValueRef> = HashSet::from([c]);
    while let Some(v) = work.pop() {
        for user in iter::users(v) {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            if unsafe { LLVMIsAInstruction(user) }.is_null() {
                return true;
            }
            use LLVMOpcode::*;
            // SAFETY: as above; the operand indices are those of each opcode.
            let derived: Vec<LLVMValueRef> = unsafe {
                match LLVMGetInstructionOpcode(user) {
                    LLVMLoad | LLVMICmp => vec![],
                    LLVMStore => match stored_pointer_reloads(user, v) {
                        Some(reloads) => reloads,
                        None if LLVMGetOperand(user, 0) == v
                            && LLVMGetOperand(user, 1) != v
                            && is_slot_lent_to_transparent(
                                LLVMGetOperand(user, 1),
                                transparent,
                            ) =>
                        {
                            // The callees' indirect accesses do not let it escape.
                            slot_loads(LLVMGetOperand(user, 1))
                        }
                        None => return true,
                    },
                    LLVMAtomicRMW | LLVMAtomicCmpXchg => {
                        if (1..LLVMGetNumOperands(user) as u32)
                            .any(|i| LLVMGetOperand(user, i) == v)
                        {
                            return true;
                        }
                        vec![]
                    }
                    LLVMGetElementPtr => {
                        if (1..LLVMGetNumOperands(user) as u32)
                            .any(|i| LLVMGetOperand(user, i) == v)
                            || !crate::classify::is_ptr(LLVMTypeOf(user))
                        {
                            return true;
                        }
                        vec![user]
                    }
                    LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze | LLVMPHI => {
                        if !crate::classify::is_ptr(LLVMTypeOf(user)) {
                            return true;
                        }
                        vec![user]
                    }
                    LLVMSelect => {
                        if LLVMGetOperand(user, 0) == v
                            || !crate::classify::is_ptr(LLVMTypeOf(user))
                        {
                            return true;
                        }
                        vec![user]
                    }
                    LLVMCall if transient.contains(&user) => {
                        if LLVMGetOperand(user, 0) != v
                            || (1..LLVMGetNumArgOperands(user))
                                .any(|i| LLVMGetOperand(user, i) == v)
                        {
                            return true;
                        }
                        vec![user]
                    }
                    LLVMCall
                        if intrinsic_name(user).is_none()
                            && !never_returns(user)
                            && LLVMGetCalledValue(user) != v
                            && (memory_free
                                .contains(strip_constant_offsets(LLVMGetCalledValue(user)))
                                || transparent.contains_key(&strip_constant_offsets(
                                    LLVMGetCalledValue(user),
                                )))
                            && !holds_pointer(LLVMTypeOf(user)) =>
                    {
                        // Keeps nothing and hands nothing back (a transparent callee's
                        // parameters do not escape it either).
                        vec![]
                    }
                    LLVMCall => {
                        let Some(name) = intrinsic_name(user) else {
                            return true; // another retag, a noreturn call's argument
                        };
                        if crate::classify::is_annotation_intrinsic(&name) {
                            vec![]
                        } else if crate::classify::is_mem_intrinsic(&name) {
                            let n = LLVMGetNumArgOperands(user);
                            if (2..n).any(|i| LLVMGetOperand(user, i) == v) {
                                return true;
                            }
                            vec![]
                        } else {
                            return true;
                        }
                    }
                    _ => return true,
                }
            };
            for d in derived {
                if seen.insert(d) {
                    work.push(d);
                }
            }
        }
    }
    false
}

/// Whether a value of type `t` can carry a pointer (a pointer, or an aggregate or vector
/// with one). Integers can too, through `ptrtoint`, but a pointer made back from one has
/// wildcard provenance, which the bases of an access never count as the candidate's.
pub(crate) fn holds_pointer(t: LLVMTypeRef) -> bool {
    use inkwell::llvm_sys::LLVMTypeKind::*;
    // SAFETY: live LLVM types of this module (the bsan-ir contract).
    unsafe {
        match LLVMGetTypeKind(t) {
            LLVMVoidTypeKind
            | LLVMIntegerTypeKind
            | LLVMHalfTypeKind
            | LLVMBFloatTypeKind
            | LLVMFloatTypeKind
            | LLVMDoubleTypeKind
            | LLVMFP128TypeKind
            | LLVMX86_FP80TypeKind
            | LLVMPPC_FP128TypeKind => false,
            LLVMStructTypeKind => {
                let n = LLVMCountStructElementTypes(t);
                (0..n).any(|i| holds_pointer(LLVMStructGetTypeAtIndex(t, i)))
            }
            LLVMArrayTypeKind | LLVMVectorTypeKind => holds_pointer(LLVMGetElementType(t)),
            _ => true,
        }
    }
}

/// Which bases a pointer may be derived from, walking its definition backwards.
pub(crate) struct BaseFinder<'a> {
    candidates: &'a [LLVMValueRef],
    /// Elided retags, whose result is their operand.
    transparent: Option<&'a HashSet<LLVMValueRef>>,
    /// Slots lent to these transparent functions count as slots
    /// ([`is_slot_lent_to_transparent`]).
    lent_to: Option<&'a Transparent>,
    /// Whether a pointer loaded from the start of a candidate's pointee is an `indirect`
    /// base (the parameters of a transparent function) rather than anything.
    indirect: bool,
    memo: HashMap<LLVMValueRef, Bases>,
}

impl<'a> BaseFinder<'a> {
    pub(crate) fn new(candidates: &'a [LLVMValueRef]) -> BaseFinder<'a> {
        BaseFinder {
            candidates,
            transparent: None,
            lent_to: None,
            indirect: false,
            memo: HashMap::new(),
        }
    }

    /// Bases over a function's parameters, seeing through the elided retags in `elided` to
    /// their operands, which also knows the slots lent to the transparent functions `known`
    /// and the pointers loaded from the start of a parameter's pointee (`indirect` bases).
    pub(crate) fn parameters(
        params: &'a [LLVMValueRef],
        elided: &'a HashSet<LLVMValueRef>,
        known: &'a Transparent,
    ) -> BaseFinder<'a> {
        BaseFinder {
            candidates: params,
            transparent: Some(elided),
            lent_to: Some(known),
            indirect: true,
            memo: HashMap::new(),
        }
    }

    /// Whether `slot` is a slot for this finder: only loaded from and stored to, or lent to
    /// transparent callees.
    fn is_slot(&self, slot: LLVMValueRef) -> bool {
        is_slot(slot)
            || self
                .lent_to
                .is_some_and(|t| is_slot_lent_to_transparent(slot, t))
    }

    /// The bases of the pointers a transparent callee may load from the start of `slot`'s
    /// pointee: those stored into it, if it is a slot; anything otherwise.
    pub(crate) fn in_slot(&mut self, slot: LLVMValueRef) -> Bases {
        if !self.is_slot(slot) {
            return Bases::OTHER;
        }
        let mut b = Bases::default();
        for s in stored_values(slot) {
            b = b.union(self.of(s));
        }
        b
    }
}

/// The values stored into the alloca `slot` (its stores *to* it).
pub(crate) fn stored_values(slot: LLVMValueRef) -> Vec<LLVMValueRef> {
    iter::users(slot)
        // SAFETY: live LLVM handles of this module; a store's operands are (value, address).
        .filter(|&u| unsafe {
            LLVMGetInstructionOpcode(u) == LLVMOpcode::LLVMStore && LLVMGetOperand(u, 1) == slot
        })
        // SAFETY: as above.
        .map(|u| unsafe { LLVMGetOperand(u, 0) })
        .collect()
}

impl BaseFinder<'_> {
    pub(crate) fn of(&mut self, v: LLVMValueRef) -> Bases {
        if let Some(&b) = self.memo.get(&v) {
            return b;
        }
        // A cycle through phis: the value is what its entries make it, but the values on
        // the cycle would be memoized from a partial answer, so the cycle is `OTHER`.
        self.memo.insert(v, Bases::OTHER);
        let b = self.compute(v);
        self.memo.insert(v, b);
        b
    }

    fn compute(&mut self, v: LLVMValueRef) -> Bases {
        if let Some(i) = self.candidates.iter().position(|&c| c == v) {
            return Bases {
                candidates: 1 << i,
                ..Bases::default()
            };
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMIsAInstruction(v).is_null() {
                return Bases::OTHER;
            }
            use LLVMOpcode::*;
            match LLVMGetInstructionOpcode(v) {
                LLVMAlloca => Bases {
                    local: true,
                    ..Bases::default()
                },
                LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => {
                    self.of(LLVMGetOperand(v, 0))
                }
                LLVMCall if self.transparent.is_some_and(|t| t.contains(&v)) => {
                    self.of(LLVMGetOperand(v, 0))
                }
                LLVMSelect => {
                    let a = self.of(LLVMGetOperand(v, 1));
                    a.union(self.of(LLVMGetOperand(v, 2)))
                }
                LLVMPHI => {
                    let mut b = Bases::default();
                    for k in 0..LLVMCountIncoming(v) {
                        b = b.union(self.of(LLVMGetIncomingValue(v, k)));
                    }
                    b
                }
                LLVMLoad => {
                    let slot = LLVMGetOperand(v, 0);
                    if self.indirect && crate::classify::is_ptr(LLVMTypeOf(v)) {
                        // A pointer loaded from the very start of a candidate's pointee.
                        let mut a = slot;
                        while self.transparent.is_some_and(|t| t.contains(&a))
                            || !LLVMIsABitCastInst(a).is_null()
                        {
                            a = LLVMGetOperand(a, 0);
                        }
                        if let Some(k) = self.candidates.iter().position(|&c| c == a) {
                            return Bases {
                                indirect: 1 << k,
                                ..Bases::default()
                            };
                        }
                    }
                    if !self.is_slot(slot) {
                        return Bases::OTHER;
                    }
                    let mut b = Bases::default();
                    for s in stored_values(slot) {
                        b = b.union(self.of(s));
                    }
                    b
                }
                _ => Bases::OTHER,
            }
        }
    }
}

/// Whether one of `writes` may execute before the call `n`: it is earlier in `n`'s block,
/// or in a block from which `n`'s block can be reached.
fn may_precede_any(writes: &[LLVMValueRef], n: LLVMValueRef) -> bool {
    if writes.is_empty() {
        return false;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let (nb, func) = unsafe {
        let nb = LLVMGetInstructionParent(n);
        (nb, LLVMGetBasicBlockParent(nb))
    };
    let mut preds: HashMap<LLVMBasicBlockRef, Vec<LLVMBasicBlockRef>> = HashMap::new();
    for b in iter::blocks(func) {
        for s in iter::successors(b) {
            preds.entry(s).or_default().push(b);
        }
    }
    let mut reaching: HashSet<LLVMBasicBlockRef> = HashSet::new();
    let mut work: Vec<LLVMBasicBlockRef> = preds.get(&nb).cloned().unwrap_or_default();
    while let Some(b) = work.pop() {
        if reaching.insert(b) {
            work.extend(preds.get(&b).into_iter().flatten().copied());
        }
    }
    let earlier_in_block: HashSet<LLVMValueRef> =
        iter::instructions(nb).take_while(|&i| i != n).collect();
    writes.iter().any(|&w| {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let wb = unsafe { LLVMGetInstructionParent(w) };
        reaching.contains(&wb) || earlier_in_block.contains(&w)
    })
}
