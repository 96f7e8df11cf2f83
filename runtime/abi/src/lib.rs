//! The bsan runtime ABI, written once.
//!
//! This crate owns the contract between code instrumented by the pass (`pass/`) and the
//! runtime (`runtime/`): every `__bsan_*` hook with its parameters and return type, the
//! thread-local slots that carry provenance across calls, the encoding of retag flags and
//! allocation kinds, and the version symbol that makes a mismatched runtime fail at link
//! time. It has no dependencies and knows nothing about LLVM or Tree Borrows.
//!
//! * The runtime implements every entry of [`HOOKS`] as `#[no_mangle] extern "C"`; a unit test
//!   in the runtime checks that the Rust signatures match this table.
//! * The pass declares hooks only through [`HOOKS`] (by name), so the IR types come from here.
//! * `shim-c/include/bsan.h` is checked against [`c_header_prototypes`] by a test.
//!
//! # Provenance
//!
//! A pointer's provenance is a pair `(alloc, tag)` of two 64-bit words, passed as two `i64`
//! arguments and returned as the struct [`Prov`] (`{ i64, i64 }` in IR: two registers on both
//! x86_64 and aarch64).
//! * `alloc == 0`: the pointer is *untracked* (its allocation is unknown to the runtime, or its
//!   provenance was lost, e.g. through uninstrumented code). Accesses through it are not
//!   checked and retags of it produce untracked pointers. This is how bsan stays free of false
//!   reports where it cannot see.
//! * otherwise `alloc` is the address of the runtime's allocation record, and `tag` is the
//!   pointer's Tree Borrows tag; `tag == 0` means "the allocation's root tag" (used for globals,
//!   whose provenance is materialised from a per-global slot).
//! * `alloc == `[`WILDCARD_ALLOC`]: *wildcard* provenance (model §7), the provenance of a
//!   pointer cast from an integer (`inttoptr`). The runtime resolves the allocation from the
//!   address at each access or retag, among the allocations that had a pointer exposed
//!   (`__bsan_expose`); `tag` is ignored. An address in no exposed allocation is untracked.

/// Bumped whenever a hook signature, a TLS slot or an encoding below changes.
pub const ABI_VERSION: u32 = 7;

/// Instrumented modules reference this symbol, the runtime defines it: linking an
/// instrumented program against a runtime of another ABI version fails with an undefined
/// symbol naming the version instead of misbehaving at run time.
pub const VERSION_SYMBOL: &str = "__bsan_abi_version_7";

/// The exit status of a program stopped by a bsan report (overridable with
/// `BSAN_OPTIONS=exitcode=N`). Distinct from 1 (Rust panics in main) and 101 (test failures).
pub const DEFAULT_EXIT_CODE: i32 = 66;

/// Retag flag bits, the `i8 flags` argument of `__rust_retag_reg`/`__rust_retag_mem` and
/// of [`__bsan_retag`](HOOKS).
pub mod retag_flags {
    /// Function-entry retag: the new tag is protected until the enclosing function returns.
    pub const PROTECTED: u8 = 1 << 0;
    /// `&mut T` or `Box<T>` (otherwise `&T`).
    pub const MUTABLE: u8 = 1 << 1;
    /// `Box<T>`: a protector is weak instead of strong.
    pub const BOX: u8 = 1 << 2;
    /// The pointee type is `Freeze` (has no `UnsafeCell` outside indirection); decides the
    /// permission outside the retagged range.
    pub const FREEZE: u8 = 1 << 3;
    /// All bits of the intrinsics' flags.
    pub const ALL: u8 = PROTECTED | MUTABLE | BOX | FREEZE;
    /// Only in `__bsan_retag`'s flags, where the pass sets it (it masks it out of the
    /// intrinsics' flags): the result of this retag never leaves its function (the pass's
    /// escape analysis), so once the function returned no pointer holds the new tag, and
    /// the runtime removes it from the tree then (at its protector's end; unprotected, at
    /// the exit of the innermost frame: the function's own or, in a function without one,
    /// its nearest caller's, which returns later) instead of leaving it to the GC.
    pub const NO_ESCAPE: u8 = 1 << 4;
    /// Only in `__bsan_retag`'s flags, where the pass sets it: the pointer being retagged
    /// was returned by a call of a function that returns only tags it made itself, or tags
    /// of arguments the caller made for that call alone (the pass's *fresh returns*), and
    /// nothing but this retag uses it, so once the new tag is made no pointer holds the
    /// parent's. The runtime then splices the parent out of
    /// the tree if the GC could (`bsan_tree::Tree::forget_dead`): every call of an
    /// accessor that returns a reference it made would otherwise leave a link in a chain
    /// of dead tags until the next collection.
    pub const PARENT_DIES: u8 = 1 << 5;
    /// Only in `__bsan_retag`'s flags of protected retags, where the pass sets it: the
    /// result leaves its function only as the function's return value, so at the
    /// function's exit no pointer holds the new tag unless it is the one returned. The
    /// runtime then removes it like a `NO_ESCAPE` tag unless it is the tag of the first
    /// pointer leaf in [`tls::RET_PROV`], which every instrumented `ret` of a pointer
    /// stores before `__bsan_func_exit` (`core::cmp::max_by` returns one of its two
    /// references: the other dies).
    pub const DIES_UNLESS_RETURNED: u8 = 1 << 6;
    /// Only in `__bsan_retag`'s flags, with `NO_ESCAPE` on an unprotected retag of a
    /// function that has its own protector frame, where the pass sets it: no pointer holds
    /// the new tag any more once the same retag (the same call site of the hook) runs again
    /// in the same call, so the runtime removes the previous tag then instead of keeping
    /// one per loop iteration until the frame's exit (beyond its cap, until the GC).
    pub const DIES_ON_REPEAT: u8 = 1 << 7;
    /// All bits `__bsan_retag` knows: the whole byte, so a new flag needs a wider
    /// argument (and a new [`ABI_VERSION`](crate::ABI_VERSION)). The runtime rejects the
    /// combinations the pass never emits.
    pub const HOOK_ALL: u8 = ALL | NO_ESCAPE | PARENT_DIES | DIES_UNLESS_RETURNED | DIES_ON_REPEAT;
}

/// Kinds of allocation, the `i8 kind` argument of `__bsan_alloc` / `__bsan_dealloc`.
pub mod alloc_kind {
    /// malloc family and Rust's global allocator (through malloc).
    pub const HEAP: u8 = 0;
    /// An `alloca` whose address escapes.
    pub const STACK: u8 = 1;
    /// A global variable (registered once by a module constructor).
    pub const GLOBAL: u8 = 2;
}

/// The `alloc` word of wildcard provenance (a pointer cast from an integer); see the crate docs.
pub const WILDCARD_ALLOC: u64 = u64::MAX;

/// Which retag source an instrumented module used, so that `stats=1` and reports can say
/// whether intra-function reborrows were visible.
///
/// Every module the pass instruments emits one `i32` bit set (a private constant kept with
/// `llvm.used`) into the ELF section [`SECTION`](retag_source::SECTION); the linker
/// concatenates them and the runtime ORs the words between `__start_<SECTION>` and
/// `__stop_<SECTION>`. A section instead of a named symbol because a program links several
/// instrumented modules (the Rust LTO module and each C translation unit).
pub mod retag_source {
    /// Section name (a C identifier, so the linker defines `__start_`/`__stop_` symbols).
    pub const SECTION: &str = "bsan_retag_source";
    /// Retags synthesized from signatures and debug info (no intra-function reborrows).
    pub const SYNTHESIZED: u32 = 1 << 0;
    /// Retags from `__rust_retag_*` calls rustc (`-Zcodegen-emit-retag`) or the program
    /// itself (test support crate, `bsan.h`) emitted.
    pub const INTRINSICS: u32 = 1 << 1;
}

/// Provenance as returned by hooks: `{ i64, i64 }`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Prov {
    /// Address of the runtime's allocation record; 0 = untracked.
    pub alloc: u64,
    /// Tree Borrows tag; 0 = root of `alloc`.
    pub tag: u64,
}

impl Prov {
    /// The provenance of a pointer the runtime knows nothing about.
    pub const UNTRACKED: Prov = Prov { alloc: 0, tag: 0 };
    /// The provenance of a pointer cast from an integer.
    pub const WILDCARD: Prov = Prov {
        alloc: WILDCARD_ALLOC,
        tag: 0,
    };
}

/// The IR-level types used in hook signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiTy {
    Void,
    I8,
    I64,
    /// An address (`ptr` in IR).
    Ptr,
    /// [`Prov`], `{ i64, i64 }` in IR.
    Prov,
}

impl AbiTy {
    /// The C spelling, used for `bsan.h`.
    pub fn c_name(self) -> &'static str {
        match self {
            AbiTy::Void => "void",
            AbiTy::I8 => "uint8_t",
            AbiTy::I64 => "uint64_t",
            AbiTy::Ptr => "const void *",
            AbiTy::Prov => "bsan_prov_t",
        }
    }
}

/// One runtime hook.
#[derive(Clone, Copy, Debug)]
pub struct Hook {
    pub name: &'static str,
    pub params: &'static [(&'static str, AbiTy)],
    pub ret: AbiTy,
    pub doc: &'static str,
}

use AbiTy::*;

macro_rules! hooks {
    ($( $(#[doc = $doc:literal])* fn $name:ident ( $($p:ident : $t:ident),* ) -> $r:ident ; )*) => {
        /// Every hook instrumented code may call, in one table.
        pub const HOOKS: &[Hook] = &[ $( Hook {
            name: stringify!($name),
            params: &[ $( (stringify!($p), $t) ),* ],
            ret: $r,
            doc: concat!($($doc, "\n"),*),
        } ),* ];
        /// Hook names as constants, so the pass and the runtime never spell them by hand.
        #[allow(non_upper_case_globals)]
        pub mod hook_names { $( pub const $name: &str = stringify!($name); )* }
    };
}

hooks! {
    /// Retag `addr` (with provenance `alloc`/`tag`) for a pointee of `size` bytes; `flags` are
    /// [`retag_flags`]; `im_ranges`/`pin_ranges` point to `count` pairs of u64 (offset, len) of
    /// `UnsafeCell` / `UnsafePinned` bytes (null when count is 0). Returns the new provenance.
    fn __bsan_retag(addr: Ptr, size: I64, flags: I8, im_ranges: Ptr, im_count: I64,
                    pin_ranges: Ptr, pin_count: I64, alloc: I64, tag: I64) -> Prov;
    /// The implicit read of a protected retag that the pass elided (a leaf function's
    /// argument that needs no tag of its own): checked exactly as `__bsan_retag` checks
    /// it for a pointee of `size` bytes at `addr` with parent provenance `alloc`/`tag`;
    /// nothing is created, and the pointer keeps its provenance.
    fn __bsan_retag_check(addr: Ptr, size: I64, alloc: I64, tag: I64) -> Void;
    /// Check a read of `size` bytes at `addr` through provenance `alloc`/`tag`.
    fn __bsan_read(addr: Ptr, size: I64, alloc: I64, tag: I64) -> Void;
    /// Check a write of `size` bytes at `addr` through provenance `alloc`/`tag`.
    fn __bsan_write(addr: Ptr, size: I64, alloc: I64, tag: I64) -> Void;
    /// The provenance of the pointer `value` just loaded from `addr` (shadow memory);
    /// untracked if the shadow was written for another value.
    fn __bsan_load_prov(addr: Ptr, value: Ptr) -> Prov;
    /// Record in shadow memory that the pointer `value` with provenance `alloc`/`tag` was
    /// stored at `addr`.
    fn __bsan_store_prov(addr: Ptr, value: Ptr, alloc: I64, tag: I64) -> Void;
    /// Copy shadow provenance for `len` bytes (memcpy/memmove semantics).
    fn __bsan_copy_prov(dst: Ptr, src: Ptr, len: I64) -> Void;
    /// Forget shadow provenance for `len` bytes (memset).
    fn __bsan_clear_prov(dst: Ptr, len: I64) -> Void;
    /// Register a new allocation of `size` bytes at `addr` of [`alloc_kind`] `kind`;
    /// returns the provenance of its root pointer.
    fn __bsan_alloc(addr: Ptr, size: I64, kind: I8) -> Prov;
    /// An allocation is about to be freed through `addr` with provenance `alloc`/`tag`
    /// (`free`, end of a stack slot). Checks the deallocation, forgets the record and the
    /// provenance stored in the block, returns the allocation's size (0 if untracked).
    fn __bsan_dealloc(addr: Ptr, alloc: I64, tag: I64, kind: I8) -> I64;
    /// The heap block at `addr` is about to be passed to `realloc` through provenance
    /// `alloc`/`tag`: checks the deallocation and forgets the record like
    /// `__bsan_dealloc`, but keeps the provenance stored in the block for
    /// `__bsan_realloc_post` to move. Returns its size (0 if untracked).
    fn __bsan_realloc_pre(addr: Ptr, alloc: I64, tag: I64) -> I64;
    /// After `realloc(old) == new`: move shadow provenance (forgetting it where the old block
    /// was freed) and register `new`.
    fn __bsan_realloc_post(new_addr: Ptr, old_addr: Ptr, old_size: I64, new_size: I64) -> Prov;
    /// Entry of a function that makes protected retags; `frame` identifies the activation
    /// (its frame address). Stale frames left by unwinding are released here.
    fn __bsan_func_entry(frame: Ptr) -> Void;
    /// Exit of such a function: release the protectors made since the matching entry.
    fn __bsan_func_exit(frame: Ptr) -> Void;
    /// The pointer `addr` with provenance `alloc`/`tag` escaped into an integer.
    fn __bsan_expose(addr: Ptr, alloc: I64, tag: I64) -> Void;
}

/// Thread-local slots (defined in `shim-c`, initial-exec TLS) that carry provenance of
/// pointer arguments and return values across calls between instrumented functions.
///
/// Caller: stores `(alloc, tag)` of its i-th pointer argument leaf in `ARG_PROV[2i..2i+2]`
/// and the called function's address in `ARG_CALLEE`. Callee: reads the slots only if
/// `ARG_CALLEE` equals its own address (otherwise its caller was not instrumented and every
/// argument is untracked). Returns work the same way with `RET_PROV` / `RET_CALLEE`.
pub mod tls {
    pub const ARG_PROV: &str = "__bsan_arg_prov";
    pub const ARG_CALLEE: &str = "__bsan_arg_callee";
    pub const RET_PROV: &str = "__bsan_ret_prov";
    pub const RET_CALLEE: &str = "__bsan_ret_callee";
    /// Pointer leaves of arguments that get a slot; further ones are untracked.
    pub const MAX_ARG_PROVS: usize = 16;
    /// Pointer leaves of a return value that get a slot.
    pub const MAX_RET_PROVS: usize = 4;
}

/// The inline fast path of access checks: instrumented code skips `__bsan_read`,
/// `__bsan_write` and `__bsan_retag_check` when the allocation has no tree, the common
/// case (a stack slot or heap block that was never retagged has only its root tag, and an
/// access through the root of a tree-less allocation, or an elided retag's implicit read
/// through it, changes nothing and can never be refused). The runtime does the same test
/// first, so the outcome is the same with or without the call; only the counters of
/// `stats=1` see fewer accesses and elided retags, and the stack pointer the GC reads for
/// this thread ([`__bsan_retag_check`](HOOKS) publishes it) is refreshed less often.
///
/// The runtime defines [`SYMBOL`](fast_path::SYMBOL) as a [`RecordArena`](fast_path::RecordArena). The pass emits, before each access
/// check (`alloc` the provenance's record word):
///
/// ```text
/// len   = load acquire  arena.len      ; 0 until published: then every check calls
/// start = load relaxed  arena.start
/// in    = (alloc - start) <u len       ; a record address (0 and WILDCARD_ALLOC are not)
/// probe = in ? alloc : &arena.zero     ; so the load below never faults
/// call the hook if  in ? (load relaxed i8 probe) != 0 : alloc != 0
/// ```
///
/// The byte at a record's address is its `has_tree` flag (offset 0 of the runtime's
/// `AllocInfo`, a `const` assertion there). An address in the arena that is no record
/// (garbage provenance) reads some byte of one or the zero page of the unused tail:
/// nonzero calls the hook, which ignores it as it always did; zero skips it, which is what
/// the hook would do too (untracked).
pub mod fast_path {
    use core::sync::atomic::AtomicU64;

    /// The symbol of the runtime's [`RecordArena`].
    pub const SYMBOL: &str = "__bsan_record_arena";

    /// Where allocation records live, published by the runtime once the arena exists
    /// (`start` first, then `len` with release ordering, so a reader that loads `len`
    /// with acquire ordering and sees it nonzero sees `start`). `len` stays 0, so every
    /// check calls the runtime, with `BSAN_OPTIONS=fast_path=0`.
    #[repr(C)]
    pub struct RecordArena {
        /// Address of the first record.
        pub start: AtomicU64,
        /// Bytes of the arena's mapping (readable in full).
        pub len: AtomicU64,
        /// Always 0: the byte the fast path loads when `alloc` is no record address.
        pub zero: AtomicU64,
    }

    /// Field offsets, for the pass's GEPs.
    pub const START_OFFSET: u64 = 0;
    pub const LEN_OFFSET: u64 = 8;
    pub const ZERO_OFFSET: u64 = 16;
    /// Size of [`RecordArena`] in bytes.
    pub const SIZE: u64 = 24;
}

/// The intrinsics rustc's `-Zcodegen-emit-retag` emits (and the pass synthesizes).
pub mod rust_retag {
    /// `ptr @__rust_retag_reg(ptr, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)`
    pub const REG: &str = "__rust_retag_reg";
    /// `void @__rust_retag_mem(ptr place, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)`
    pub const MEM: &str = "__rust_retag_mem";
}

/// C prototypes of every hook, in table order, as `bsan.h` spells them.
pub fn c_header_prototypes() -> Vec<String> {
    HOOKS
        .iter()
        .map(|h| {
            let params: Vec<String> = h
                .params
                .iter()
                .map(|(n, t)| format!("{} {}", t.c_name(), n))
                .collect();
            format!("{} {}({});", h.ret.c_name(), h.name, params.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_names_are_unique_and_prefixed() {
        let mut names: Vec<_> = HOOKS.iter().map(|h| h.name).collect();
        assert!(names.iter().all(|n| n.starts_with("__bsan_")));
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn version_symbol_names_the_version() {
        assert!(VERSION_SYMBOL.ends_with(&format!("_{ABI_VERSION}")));
    }

    #[test]
    fn record_arena_layout_matches_the_offsets() {
        use fast_path::*;
        assert_eq!(
            core::mem::offset_of!(RecordArena, start) as u64,
            START_OFFSET
        );
        assert_eq!(core::mem::offset_of!(RecordArena, len) as u64, LEN_OFFSET);
        assert_eq!(core::mem::offset_of!(RecordArena, zero) as u64, ZERO_OFFSET);
        assert_eq!(core::mem::size_of::<RecordArena>() as u64, SIZE);
    }

    #[test]
    fn prov_is_two_words() {
        assert_eq!(std::mem::size_of::<Prov>(), 16);
    }

    #[test]
    fn c_prototypes_render() {
        let p = c_header_prototypes();
        assert_eq!(p.len(), HOOKS.len());
        assert!(p[0].starts_with("bsan_prov_t __bsan_retag(const void * addr, uint64_t size"));
    }
}
