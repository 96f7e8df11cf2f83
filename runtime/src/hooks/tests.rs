//! Hook-level tests: the ABI table, and scenarios driven through the `extern "C"` hooks
//! with the violating step checked through its core function (which returns the violation
//! instead of reporting and exiting).

use bsan_abi::{AbiTy, Prov, HOOKS};

macro_rules! rust_ty {
    (Ptr) => { *const u8 };
    (I64) => { u64 };
    (I8) => { u8 };
    (Prov) => { Prov };
    (Void) => { () };
}

/// The hooks this runtime defines, with the ABI types it claims for them. The
/// `let _: unsafe extern "C" fn(..) -> .. = hook;` line makes the compiler check the
/// claim against the real definition; the test checks the claims against `HOOKS`.
macro_rules! defined_hooks {
    ($( $name:ident ( $($t:ident),* ) -> $r:ident; )*) => {{
        $( let _: unsafe extern "C" fn($(rust_ty!($t)),*) -> rust_ty!($r) = $name; )*
        vec![ $( (stringify!($name), vec![$(AbiTy::$t),*], AbiTy::$r) ),* ]
    }};
}

use super::access::*;
use super::alloc::*;
use super::frames::*;
use super::provenance::*;
use super::retag::*;

#[test]
fn every_abi_hook_is_defined_with_its_signature() {
    let defined: Vec<(&str, Vec<AbiTy>, AbiTy)> = defined_hooks! {
        __bsan_retag(Ptr, I64, I8, Ptr, I64, Ptr, I64, I64, I64) -> Prov;
        __bsan_read(Ptr, I64, I64, I64) -> Void;
        __bsan_write(Ptr, I64, I64, I64) -> Void;
        __bsan_load_prov(Ptr, Ptr) -> Prov;
        __bsan_store_prov(Ptr, Ptr, I64, I64) -> Void;
        __bsan_copy_prov(Ptr, Ptr, I64) -> Void;
        __bsan_clear_prov(Ptr, I64) -> Void;
        __bsan_alloc(Ptr, I64, I8) -> Prov;
        __bsan_dealloc(Ptr, I64, I64, I8) -> I64;
        __bsan_realloc_post(Ptr, Ptr, I64, I64) -> Prov;
        __bsan_func_entry(Ptr) -> Void;
        __bsan_func_exit(Ptr) -> Void;
        __bsan_expose(Ptr, I64, I64) -> Void;
    };
    let mut missing = Vec::new();
    for hook in HOOKS {
        let params: Vec<AbiTy> = hook.params.iter().map(|(_, t)| *t).collect();
        match defined.iter().find(|(n, _, _)| *n == hook.name) {
            Some((_, p, r)) => assert_eq!(
                (p, *r),
                (&params, hook.ret),
                "signature of {} differs from bsan_abi::HOOKS",
                hook.name
            ),
            None => missing.push(hook.name),
        }
    }
    assert!(
        missing.is_empty(),
        "hooks in the ABI but not in the runtime: {missing:?}"
    );
    assert_eq!(
        defined.len(),
        HOOKS.len(),
        "hooks defined but not in the ABI"
    );
}

#[test]
fn version_symbol_matches_the_abi() {
    assert_eq!(bsan_abi::VERSION_SYMBOL, "__bsan_abi_version_2");
    assert_eq!(super::__bsan_abi_version_2, 2);
}

#[test]
fn rust_retag_fallbacks_are_identity_and_noop() {
    let x = 5u32;
    let p = &x as *const u32 as *const u8;
    // SAFETY: the fallbacks do not dereference anything.
    unsafe {
        assert_eq!(
            __rust_retag_reg(p, 4, 0, std::ptr::null(), std::ptr::null()),
            p
        );
        __rust_retag_mem(p, 4, 0, std::ptr::null(), std::ptr::null());
    }
}

// ---------------------------------------------------------------------------------------
// Scenarios

use bsan_abi::{alloc_kind, retag_flags as rf};
use bsan_tree::AccessKind;

use crate::alloc_info::AllocKind;
use crate::report::Violation;

/// A fake address range per scenario (the runtime never dereferences program memory).
fn fake_block(n: usize) -> *const u8 {
    (0x6600_0000_0000usize + n * 0x1_0000) as *const u8
}

/// `__bsan_retag` of `p` with provenance `prov`, no cell or pin ranges.
unsafe fn retag_hook(p: *const u8, size: u64, flags: u8, prov: Prov) -> Prov {
    unsafe {
        __bsan_retag(
            p,
            size,
            flags,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            prov.alloc,
            prov.tag,
        )
    }
}

fn write(p: *const u8, size: u64, prov: Prov) -> Result<(), Violation> {
    crate::access::before_access(p as usize, size, prov, AccessKind::Write, 0)
}

fn read(p: *const u8, size: u64, prov: Prov) -> Result<(), Violation> {
    crate::access::before_access(p as usize, size, prov, AccessKind::Read, 0)
}

#[test]
fn two_protected_mutable_siblings_then_a_write_is_ub() {
    let p = fake_block(1);
    let frame = 0x7fff_0000_1000usize as *const u8;
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        assert_ne!(root, Prov::UNTRACKED);
        __bsan_func_entry(frame);
        let x = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        let y = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        assert_ne!(x.tag, y.tag);
        assert!(x.tag > root.tag && y.tag > x.tag, "fresh tags are younger");
        // `*y = 1` is a foreign write for the protected, accessed `x`.
        let v = write(p, 4, y).expect_err("writing through y disables protected x");
        assert_eq!(v.ub.rule(), "protected-disabled", "{:?}", v.ub);
        assert_eq!(v.ub.accessed, Some(y.tag));
        assert_eq!(v.ub.conflicting, Some(x.tag));
        let title = v.ub.title("alloc1");
        assert!(title.starts_with("write access through <"), "{title}");
        // A real program stops here; the test thread's frames are dropped with it.
    }
}

#[test]
fn without_protectors_the_same_writes_are_fine_and_disable_the_sibling() {
    let p = fake_block(2);
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let x = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        let y = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        write(p, 8, y).unwrap();
        // x was disabled by the foreign write: using it now is UB (child access forbidden).
        let v = read(p, 4, x).expect_err("x is Disabled");
        assert_eq!(v.ub.rule(), "child-access-forbidden", "{:?}", v.ub);
        // Root, untracked and out-of-bounds accesses are not reported.
        write(p, 8, root).unwrap();
        write(p, 8, Prov::UNTRACKED).unwrap();
        read(fake_block(3), 8, x).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
        // After free, the stale provenance is ignored.
        write(p, 8, y).unwrap();
    }
}

#[test]
fn function_exit_releases_protectors() {
    let p = fake_block(4);
    let frame = 0x7fff_0000_2000usize as *const u8;
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        __bsan_func_entry(frame);
        let x = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        write(p, 4, x).unwrap();
        __bsan_func_exit(frame);
        // The caller now writes through the root: fine (x is no longer protected).
        write(p, 4, root).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
    }
}

#[test]
fn freeing_under_a_strong_protector_is_ub_but_not_under_a_weak_one() {
    let frame = 0x7fff_0000_3000usize as *const u8;
    unsafe {
        let (p, q) = (fake_block(5), fake_block(6));
        let root_p = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let root_q = __bsan_alloc(q, 4, alloc_kind::HEAP);
        __bsan_func_entry(frame);
        let r = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root_p);
        let b = retag_hook(
            q,
            4,
            rf::PROTECTED | rf::MUTABLE | rf::BOX | rf::FREEZE,
            root_q,
        );
        // Freeing through the root is a foreign write that would disable r...
        let v = crate::lifetime::dealloc(p as usize, root_p, AllocKind::Heap, 0)
            .expect_err("foreign write to a protected &mut");
        assert_eq!(v.ub.rule(), "protected-disabled", "{:?}", v.ub);
        // ...and freeing through r itself is forbidden by its strong protector.
        let v = crate::lifetime::dealloc(p as usize, r, AllocKind::Heap, 0)
            .expect_err("strongly protected &mut forbids deallocation");
        assert_eq!(v.ub.rule(), "protected-dealloc", "{:?}", v.ub);
        // `mem::drop(b)`: freeing through the Box itself is allowed under a weak protector.
        assert_eq!(__bsan_dealloc(q, b.alloc, b.tag, alloc_kind::HEAP), 4);
        // (A real program stops at the first violation; this thread's frames are dropped
        // with it.)
    }
}

#[test]
fn unwound_frames_release_their_protectors_silently() {
    let p = fake_block(7);
    let caller = 0x7fff_0000_5000usize as *const u8;
    let callee = 0x7fff_0000_4000usize as *const u8;
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        __bsan_func_entry(caller);
        __bsan_func_entry(callee);
        let x = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        write(p, 4, x).unwrap();
        // The callee panics; the caller catches it and calls another function at the same
        // depth: the callee's frame is dropped and its protector released.
        __bsan_func_entry(callee);
        __bsan_func_exit(callee);
        // Freeing is no longer blocked by the strong protector of x.
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
        __bsan_func_exit(caller);
    }
}

#[test]
fn protected_retag_without_a_frame_is_unprotected() {
    let p = fake_block(8);
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let x = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        let rec = crate::alloc_info::AllocInfo::from_prov(x.alloc).unwrap();
        assert!(!rec.lock().tree.as_ref().unwrap().is_protected(x.tag));
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
    }
}

#[test]
fn shared_reference_with_cell_ranges_and_shadow_round_trip() {
    let p = fake_block(9);
    unsafe {
        let root = __bsan_alloc(p, 16, alloc_kind::HEAP);
        // &(u64, Cell<u64>): the second field is interior mutable.
        let cells: [[u64; 2]; 1] = [[8, 8]];
        let s = __bsan_retag(
            p,
            16,
            0,
            cells.as_ptr().cast(),
            1,
            std::ptr::null(),
            0,
            root.alloc,
            root.tag,
        );
        write(p.add(8), 8, s).unwrap();
        let v = write(p, 8, s).expect_err("the frozen field is read-only");
        assert_eq!(v.ub.rule(), "child-access-forbidden");
        // Provenance survives a trip through memory, and memcpy.
        let slot = fake_block(10);
        __bsan_store_prov(slot, p, s.alloc, s.tag);
        assert_eq!(__bsan_load_prov(slot, p), s);
        __bsan_copy_prov(slot.add(64), slot, 8);
        assert_eq!(__bsan_load_prov(slot.add(64), p), s);
        __bsan_clear_prov(slot, 72);
        assert_eq!(__bsan_load_prov(slot.add(64), p), Prov::UNTRACKED);
        __bsan_expose(p, s.alloc, s.tag);
        assert_eq!(
            __bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP),
            16
        );
    }
}

#[test]
fn pinned_mutable_retags_and_zero_sized_retags() {
    let p = fake_block(11);
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let pins: [[u64; 2]; 1] = [[0, 8]];
        let same = __bsan_retag(
            p,
            8,
            rf::MUTABLE,
            std::ptr::null(),
            0,
            pins.as_ptr().cast(),
            1,
            root.alloc,
            root.tag,
        );
        assert_eq!(same, root, "!Unpin &mut keeps its tag");
        let z = retag_hook(p.add(8), 0, rf::MUTABLE | rf::FREEZE, root);
        assert!(
            z.tag > root.tag,
            "a zero-sized retag at the end still creates a tag"
        );
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn realloc_keeps_tracking_and_frees_by_address() {
    let (old, new) = (fake_block(12), fake_block(13));
    unsafe {
        let root = __bsan_alloc(old, 8, alloc_kind::HEAP);
        let x = retag_hook(old, 8, rf::MUTABLE | rf::FREEZE, root);
        assert_eq!(__bsan_dealloc(old, x.alloc, x.tag, alloc_kind::HEAP), 8);
        let moved = __bsan_realloc_post(new, old, 8, 32);
        assert_ne!(moved, Prov::UNTRACKED);
        // Freed without provenance (e.g. by uninstrumented code): found by address.
        assert_eq!(__bsan_dealloc(new, 0, 0, alloc_kind::HEAP), 32);
    }
}

#[test]
fn threads_work_on_their_own_allocations_concurrently() {
    std::thread::scope(|s| {
        for t in 0..4usize {
            s.spawn(move || {
                let frame = (0x7ffe_0000_0000usize + t * 0x10_0000) as *const u8;
                for i in 0..200usize {
                    let p = fake_block(100 + t * 1000 + i);
                    unsafe {
                        let root = __bsan_alloc(p, 16, alloc_kind::HEAP);
                        __bsan_func_entry(frame);
                        let x = retag_hook(p, 16, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
                        write(p, 16, x).unwrap();
                        read(p, 8, x).unwrap();
                        __bsan_store_prov(p, p, x.alloc, x.tag);
                        assert_eq!(__bsan_load_prov(p, p), x);
                        __bsan_func_exit(frame);
                        assert_eq!(
                            __bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP),
                            16
                        );
                    }
                }
            });
        }
    });
}

#[test]
fn a_real_violation_renders_as_a_report() {
    use crate::report::render::{render, ReportInput};
    use crate::report::symbolize::RawAddresses;
    let p = fake_block(14);
    let frame = 0x7fff_0000_6000usize as *const u8;
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        __bsan_func_entry(frame);
        let _x = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        let y = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        let v = write(p, 4, y).unwrap_err();
        let input = ReportInput {
            ub: &v.ub,
            alloc_name: format!("alloc{}", v.alloc_id),
            backtrace: vec![0x1234],
            max_frames: 8,
            thread: None,
        };
        let text = render(&input, &mut RawAddresses);
        assert!(
            text.starts_with("error: Undefined Behavior: write access through <"),
            "{text}"
        );
        assert!(text.contains("   = help: the accessed tag <"), "{text}");
        assert!(
            text.contains("   = note: stack backtrace:\n       0: <unknown> (0x1234)\n"),
            "{text}"
        );
        assert!(
            text.contains("SUMMARY: BorrowSanitizer: protected-disabled <unknown>"),
            "{text}"
        );
    }
}
