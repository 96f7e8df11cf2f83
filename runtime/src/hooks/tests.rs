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
        __bsan_retag_check(Ptr, I64, I64, I64) -> Void;
        __bsan_read(Ptr, I64, I64, I64) -> Void;
        __bsan_write(Ptr, I64, I64, I64) -> Void;
        __bsan_load_prov(Ptr, Ptr) -> Prov;
        __bsan_store_prov(Ptr, Ptr, I64, I64) -> Void;
        __bsan_copy_prov(Ptr, Ptr, I64) -> Void;
        __bsan_clear_prov(Ptr, I64) -> Void;
        __bsan_alloc(Ptr, I64, I8) -> Prov;
        __bsan_dealloc(Ptr, I64, I64, I8) -> I64;
        __bsan_realloc_pre(Ptr, I64, I64) -> I64;
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
    assert_eq!(bsan_abi::VERSION_SYMBOL, "__bsan_abi_version_7");
    assert_eq!(super::__bsan_abi_version_7, 7);
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
fn a_tag_that_never_escapes_leaves_the_tree_with_its_protector() {
    let p = fake_block(41);
    let frame = 0x7fff_0000_2400usize as *const u8;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        __bsan_func_entry(frame);
        // Two disjoint halves.
        let kept = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        let dies = retag_hook(
            p.wrapping_add(4),
            4,
            rf::PROTECTED | rf::MUTABLE | rf::FREEZE | rf::NO_ESCAPE,
            root,
        );
        assert_ne!(dies, root, "NO_ESCAPE is a valid hook flag");
        write(p.wrapping_add(4), 4, dies).unwrap();
        assert_eq!(node_count(root), 3);
        __bsan_func_exit(frame);
        // The released NO_ESCAPE tag is gone at once; the other waits for the GC (a tree
        // this small is never collected).
        assert_eq!(node_count(root), 2);
        assert_ne!(kept, root);
        write(p, 8, root).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn an_unprotected_tag_that_never_escapes_leaves_with_its_frame() {
    let p = fake_block(42);
    let frame = 0x7fff_0000_2800usize as *const u8;
    let flags = rf::MUTABLE | rf::FREEZE | rf::NO_ESCAPE;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        // Without a frame there is nothing to remove it with: it stays (for the GC).
        let outside = retag_hook(p, 8, flags, root);
        assert_ne!(outside, root);
        assert_eq!(node_count(root), 2);
        __bsan_func_entry(frame);
        // Few enough that no collection takes any of them meanwhile (the cap on how many
        // a frame holds is `frames`' unit test).
        for _ in 0..20 {
            let r = retag_hook(p, 8, flags, root);
            write(p, 8, r).unwrap();
        }
        // A protected one with a dying child, and a chain: parents go once their children
        // have.
        let arg = retag_hook(p, 8, flags | rf::PROTECTED, root);
        let mut r = retag_hook(p, 8, flags, arg);
        for _ in 0..3 {
            r = retag_hook(p, 8, flags, r);
        }
        write(p, 8, r).unwrap();
        assert_eq!(node_count(root), 27);
        __bsan_func_exit(frame);
        assert_eq!(node_count(root), 2);
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

/// `cmp::max_by`: a function returns one of its two protected `&T`s; the other dies at its
/// exit (`DIES_UNLESS_RETURNED`), the returned one once its caller retagged it
/// (`PARENT_DIES`).
#[test]
fn a_returned_tag_dies_when_its_caller_retags_it() {
    let p = fake_block(43);
    let frame = 0x7fff_0000_2c00usize as *const u8;
    let arg = rf::PROTECTED | rf::FREEZE | rf::DIES_UNLESS_RETURNED;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses;
    // the return slots are this thread's, of at least two words.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let mut acc = root;
        for _ in 0..10 {
            __bsan_func_entry(frame);
            let a = retag_hook(p, 8, arg, acc);
            let b = retag_hook(p, 8, arg, root);
            assert!(a != acc && b != root);
            read(p, 8, a).unwrap();
            // `ret ptr a`: its provenance goes to the return slots before the exit hook.
            let ret = bsan_shim::tls_prov_slots()[1].0 as *mut u64;
            *ret = a.alloc;
            *ret.add(1) = a.tag;
            __bsan_func_exit(frame);
            let r = retag_hook(p, 8, rf::FREEZE | rf::PARENT_DIES, a);
            assert_ne!(r, a);
            read(p, 8, r).unwrap();
            acc = r;
        }
        // The `b`s died at the exits, the `a`s at the callers' retags. The `r`s stay, each
        // the parent of the next: nothing tells the runtime that the caller's accumulator
        // no longer holds the old one (the GC finds out).
        assert_eq!(node_count(root), 1 + 10);
        write(p, 8, root).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn freeing_under_a_strong_protector_is_ub_but_not_under_a_weak_one() {
    let frame = 0x7fff_0000_3000usize as *const u8;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(old, 8, alloc_kind::HEAP);
        let x = retag_hook(old, 8, rf::MUTABLE | rf::FREEZE, root);
        assert_eq!(__bsan_realloc_pre(old, x.alloc, x.tag), 8);
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
                    // SAFETY: no contract beyond the ABI: the runtime never dereferences program
                    // addresses.
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
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
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
            retag_source: 0,
        };
        let text = render(&input, &mut RawAddresses);
        assert!(
            text.starts_with("error: Undefined Behavior: write access through <"),
            "{text}"
        );
        assert!(
            text.contains("\n   = note: no retags were instrumented\n   = help: this indicates"),
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

// ---------------------------------------------------------------------------------------
// Wildcard provenance (model §7)

const WILDCARD: Prov = Prov::WILDCARD;

#[test]
fn expose_then_write_through_a_wildcard_is_fine() {
    let p = fake_block(5000);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let x = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        __bsan_expose(p, x.alloc, x.tag);
        write(p, 8, WILDCARD).unwrap();
        read(p.add(4), 4, WILDCARD).unwrap();
        // The only exposed tag wrote: x is still usable.
        write(p, 8, x).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn writing_through_a_wildcard_when_only_a_shared_reference_is_exposed_is_ub() {
    let p = fake_block(5001);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let s = retag_hook(p, 4, rf::FREEZE, root); // &i32: Frozen
        __bsan_expose(p, s.alloc, s.tag);
        read(p, 4, WILDCARD).unwrap();
        let v = write(p, 4, WILDCARD).expect_err("no exposed tag may write");
        assert_eq!(v.ub.rule(), "no-exposed-tag", "{:?}", v.ub);
        assert_eq!(
            v.ub.title(&format!("alloc{}", v.alloc_id)),
            format!(
                "write access through <wildcard> at alloc{}[0x0] is forbidden",
                v.alloc_id
            )
        );
        assert_eq!(
            v.ub.help_lines(),
            vec!["there are no exposed tags which may perform this access here"]
        );
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
    }
}

#[test]
fn wildcard_addresses_outside_exposed_allocations_are_unchecked() {
    let p = fake_block(5002);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let s = retag_hook(p, 4, rf::FREEZE, root);
        // s is Frozen and nothing is exposed: a checked wildcard write would be UB.
        write(p, 4, WILDCARD).unwrap();
        assert_eq!(
            retag_hook(p, 4, rf::MUTABLE | rf::FREEZE, WILDCARD),
            Prov::UNTRACKED
        );
        // Exposing something else changes nothing for this allocation.
        let q = fake_block(5003);
        let other = __bsan_alloc(q, 4, alloc_kind::HEAP);
        __bsan_expose(q, other.alloc, other.tag);
        write(p, 4, WILDCARD).unwrap();
        // Freeing through a wildcard pointer into no exposed allocation: found by address,
        // unchecked.
        read(p, 4, s).unwrap();
        assert_eq!(__bsan_dealloc(p, WILDCARD.alloc, 0, alloc_kind::HEAP), 4);
        assert_eq!(
            __bsan_dealloc(q, other.alloc, other.tag, alloc_kind::HEAP),
            4
        );
    }
}

#[test]
fn a_freed_exposed_allocation_is_not_resolved_after_its_address_is_reused() {
    let p = fake_block(5004);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let old = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let x = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, old);
        __bsan_expose(p, x.alloc, x.tag);
        assert!(crate::exposed::lookup(p as usize).is_some());
        assert_eq!(__bsan_dealloc(p, old.alloc, old.tag, alloc_kind::HEAP), 8);
        assert!(crate::exposed::lookup(p as usize).is_none());
        // The address is reused (maybe even the record); nothing is exposed in the new block.
        let new = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let s = retag_hook(p, 8, rf::FREEZE, new);
        write(p, 8, WILDCARD).unwrap();
        // Once a tag of the new block is exposed, wildcards resolve to it, and only to it.
        __bsan_expose(p, s.alloc, s.tag);
        let hit = crate::exposed::lookup(p as usize).unwrap();
        assert_eq!(hit.rec.addr(), new.alloc);
        assert_eq!(hit.id, hit.rec.lock().id);
        let v = write(p, 8, WILDCARD).expect_err("only the Frozen s is exposed");
        assert_eq!(v.ub.rule(), "no-exposed-tag");
        assert_eq!(__bsan_dealloc(p, new.alloc, new.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn an_exposed_allocation_freed_behind_the_runtimes_back_is_evicted() {
    let (p, q) = (fake_block(5005), fake_block(5005).wrapping_add(16));
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let old = __bsan_alloc(p, 64, alloc_kind::HEAP);
        let s = retag_hook(p, 64, rf::FREEZE, old);
        __bsan_expose(p, s.alloc, s.tag);
        // Uninstrumented code frees the block; malloc hands out memory inside it.
        let new = __bsan_alloc(q, 8, alloc_kind::HEAP);
        assert!(crate::exposed::lookup(p as usize).is_none());
        write(q, 8, WILDCARD).unwrap();
        write(p, 8, WILDCARD).unwrap();
        assert_eq!(__bsan_dealloc(q, new.alloc, new.tag, alloc_kind::HEAP), 8);
        assert_eq!(__bsan_dealloc(p, 0, 0, alloc_kind::HEAP), 64);
    }
}

#[test]
fn exposed_root_without_a_tree_then_wildcard_retag_and_dealloc() {
    let p = fake_block(5006);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        // ptr as usize on the allocation's root pointer, before any retag.
        __bsan_expose(p, root.alloc, root.tag);
        let rec = crate::alloc_info::AllocInfo::from_prov(root.alloc).unwrap();
        assert!(!rec.has_tree());
        // The root is the only tag: wildcard accesses are local to it and allowed.
        write(p, 8, WILDCARD).unwrap();
        assert!(!rec.has_tree());
        // A retag of the wildcard pointer creates the tree (root exposed) and a wildcard
        // subtree; the result is concrete provenance in the same allocation.
        let w = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, WILDCARD);
        assert_eq!(w.alloc, root.alloc);
        assert!(w.tag > root.tag);
        write(p, 8, w).unwrap();
        // A write through the root is foreign to the wildcard subtree: w is disabled.
        write(p, 8, root).unwrap();
        let v = read(p, 8, w).expect_err("w is Disabled");
        assert_eq!(v.ub.rule(), "child-access-forbidden");
        // Deallocation through a wildcard pointer: the exposed root may do it.
        assert_eq!(__bsan_dealloc(p, WILDCARD.alloc, 0, alloc_kind::HEAP), 8);
        assert!(crate::exposed::lookup(p as usize).is_none());
    }
}

#[test]
fn wildcard_retag_and_dealloc_are_checked_against_exposed_tags() {
    let p = fake_block(5007);
    let frame = 0x7fff_0000_7000usize as *const u8;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let s = retag_hook(p, 4, rf::FREEZE, root);
        __bsan_expose(p, s.alloc, s.tag);
        // Reborrowing a shared reference from the wildcard is a read: fine.
        let t = retag_hook(p, 4, rf::FREEZE, WILDCARD);
        assert_eq!(t.alloc, root.alloc);
        // A protected &mut elsewhere forbids deallocation through the wildcard.
        __bsan_func_entry(frame);
        let m = retag_hook(p, 4, rf::PROTECTED | rf::MUTABLE | rf::FREEZE, root);
        write(p, 4, m).unwrap();
        let v = crate::lifetime::dealloc(p as usize, WILDCARD, AllocKind::Heap, 0)
            .expect_err("the Frozen s cannot deallocate");
        assert_eq!(
            v.ub.title("a"),
            "deallocation through <wildcard> at a[0x0] is forbidden"
        );
        __bsan_func_exit(frame);
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
    }
}

#[test]
fn exposing_a_pruned_tag_stops_wildcard_checks_in_its_allocation() {
    let p = fake_block(5009);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let s = retag_hook(p, 4, rf::FREEZE, root);
        __bsan_expose(p, s.alloc, s.tag);
        let m = retag_hook(p, 4, rf::MUTABLE | rf::FREEZE, root);
        // The GC pruned m although the program still held it (say, in another thread's
        // register): only the exposed s survives.
        let rec = crate::alloc_info::AllocInfo::from_prov(root.alloc).unwrap();
        rec.lock().tree.as_mut().unwrap().gc(&|_| false);
        assert!(!rec.lock().tree.as_ref().unwrap().contains(m.tag));
        write(p, 4, WILDCARD).expect_err("only the Frozen s is exposed");
        // Now m is exposed: a wildcard write could be m's, which the tree cannot tell.
        __bsan_expose(p, m.alloc, m.tag);
        write(p, 4, WILDCARD).unwrap();
        assert_eq!(
            retag_hook(p, 4, rf::MUTABLE | rf::FREEZE, WILDCARD),
            Prov::UNTRACKED
        );
        // A stale tag (older than the allocation) does not count as a lost exposure.
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 4);
        let again = __bsan_alloc(p, 4, alloc_kind::HEAP);
        let s2 = retag_hook(p, 4, rf::FREEZE, again);
        __bsan_expose(p, s2.alloc, s2.tag);
        __bsan_expose(p, again.alloc, m.tag);
        write(p, 4, WILDCARD).expect_err("m is stale here, not lost");
        assert_eq!(
            __bsan_dealloc(p, again.alloc, again.tag, alloc_kind::HEAP),
            4
        );
    }
}

#[test]
fn wildcard_provenance_survives_shadow_memory() {
    let slot = fake_block(5008);
    let value = 0x1234_5678 as *const u8;
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        __bsan_store_prov(slot, value, WILDCARD.alloc, WILDCARD.tag);
        assert_eq!(__bsan_load_prov(slot, value), WILDCARD);
        __bsan_copy_prov(slot.add(8), slot, 8);
        assert_eq!(__bsan_load_prov(slot.add(8), value), WILDCARD);
        // Exposing a wildcard pointer does nothing (its candidates are exposed already).
        __bsan_expose(value, WILDCARD.alloc, WILDCARD.tag);
        assert!(crate::exposed::lookup(value as usize).is_none());
    }
}

// ---------------------------------------------------------------------------------------
// Garbage collection

/// Held by each collection test: one collection runs at a time, and a test's bound on how far
/// a tree grows between collections assumes none of the others' collections (a few ms each
/// in a debug build: thousands of retags) holds it up.
fn gc_test_serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn node_count(prov: Prov) -> usize {
    let rec = crate::alloc_info::AllocInfo::from_prov(prov.alloc).unwrap();
    let st = rec.lock();
    st.tree.as_ref().map_or(0, |t| t.node_count())
}

/// Collects the allocation of `prov` until fewer than `below` nodes are left (other tests'
/// collections may be running, take the request, or keep tags made while they run); false
/// if that does not happen within 10 s.
fn collect_until(prov: Prov, below: usize) -> bool {
    collect_with_until(crate::gc::collect, prov, below)
}

/// [`collect_until`] with young collections.
fn young_collect_until(prov: Prov, below: usize) -> bool {
    collect_with_until(crate::gc::collect_young, prov, below)
}

fn collect_with_until(collect: fn(&[bsan_tree::Tag]) -> bool, prov: Prov, below: usize) -> bool {
    let rec = crate::alloc_info::AllocInfo::from_prov(prov.alloc).unwrap();
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(10) {
        crate::gc::request(rec, &mut rec.lock());
        collect(&[]);
        if node_count(prov) < below {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// `loop { let r = &mut *p; *r = 1; }` through the hooks, `n` times; returns the largest
/// node count seen.
fn reborrow_loop(p: *const u8, root: Prov, n: usize) -> usize {
    let mut max = 0;
    for i in 0..n {
        // SAFETY: fake addresses are never dereferenced.
        let r = unsafe { retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root) };
        write(p, 8, r).unwrap();
        if i % 64 == 0 {
            max = max.max(node_count(root));
        }
    }
    max.max(node_count(root))
}

#[test]
fn gc_keeps_a_reborrow_loop_bounded() {
    let _serial = gc_test_serial();
    let p = fake_block(5100);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let max = reborrow_loop(p, root, 100_000);
        // The bound is threshold + budget (about 1,000 nodes) + the tags made while a
        // collection runs, which a preempted collector on a loaded machine can stretch; the
        // check is that growth is far from linear.
        assert!(max < 50_000, "the tree grew to {max} nodes");
        assert!(collect_until(root, 100), "{} nodes left", node_count(root));
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn gc_runs_for_an_overdue_tree_whatever_the_budget() {
    let _serial = gc_test_serial();
    // Budgets that allow no collection for 2^62 more tags (as with huge shadow memory, only
    // much more so): a tree 8 times over its threshold gets its collection anyway.
    crate::gc::postpone_budget(1 << 62);
    let p = fake_block(5103);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let max = reborrow_loop(p, root, 100_000);
        crate::gc::postpone_budget(0);
        // 8 x 256 nodes, plus the tags made while another thread's collection runs (any
        // test's tree may ask for one, and it takes milliseconds in a debug build: thousands
        // of retags here); the check is that growth is far from linear.
        assert!(max < 50_000, "the tree grew to {max} nodes");
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

/// The tag stored at `slot` (a child of `root` over `p`) is still in the tree: a write
/// through `root` disables it, and a read through it is reported (a pruned tag would be
/// ignored). Frees the allocation.
unsafe fn assert_stored_tag_is_checked(p: *const u8, slot: *const u8, root: Prov) {
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let x = __bsan_load_prov(slot, p);
        write(p, 8, root).unwrap();
        let v = read(p, 8, x).expect_err("x is known");
        assert_eq!(
            v.ub.kind,
            bsan_tree::UbKind::ChildAccessForbidden(bsan_tree::Permission::Disabled)
        );
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn young_collections_prune_young_tags_and_keep_those_stored_since() {
    let _serial = gc_test_serial();
    let (pa, slota) = (fake_block(5104) as usize, fake_block(5105) as usize);
    let (p, slot) = (pa as *const u8, slota as *const u8);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        // Tags far from the small integers a stack is full of (the stack scan is
        // conservative: a word equal to a tag keeps it).
        while crate::tags::peek() < 1 << 20 {
            crate::tags::fresh();
        }
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        // A full collection first, finished before the tags below are made: x, stored
        // after it, is found only by reading the groups flagged since.
        let rec = crate::alloc_info::AllocInfo::from_prov(root.alloc).unwrap();
        assert!(full_collection_ran(rec), "no full collection ran");
        // Made by a thread that exits: x left only in shadow memory (a group flagged
        // since), d nowhere.
        std::thread::spawn(move || {
            let (p, slot) = (pa as *const u8, slota as *const u8);
            // (Tag numbers no word of the test's stack is likely to hold.)
            (0..54_321).for_each(|_| _ = crate::tags::fresh());
            let x = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
            __bsan_store_prov(slot, p, x.alloc, x.tag);
            (0..12_345).for_each(|_| _ = crate::tags::fresh());
            retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        })
        .join()
        .unwrap();
        assert_eq!(node_count(root), 3);
        young_collect_until(root, 3);
        assert_eq!(node_count(root), 2, "d is pruned");
        // x is kept, so an access through it is checked (a pruned tag would be ignored).
        assert_stored_tag_is_checked(p, slot, root);
    }
}

/// Requests a full collection of `rec` and waits until one has run for it (10 s at most).
fn full_collection_ran(rec: &'static crate::alloc_info::AllocInfo) -> bool {
    crate::gc::request(rec, &mut rec.lock());
    let start = std::time::Instant::now();
    while rec.lock().gc.pending && start.elapsed() < std::time::Duration::from_secs(10) {
        crate::gc::collect(&[]);
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    !rec.lock().gc.pending
}

#[test]
fn young_collections_prune_old_tags_that_died_and_keep_those_still_in_shadow_memory() {
    let _serial = gc_test_serial();
    use std::sync::mpsc::channel;
    let (pa, slota) = (fake_block(5106) as usize, fake_block(5107) as usize);
    let (p, slot) = (pa as *const u8, slota as *const u8);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        while crate::tags::peek() < 1 << 21 {
            crate::tags::fresh();
        }
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let rec = crate::alloc_info::AllocInfo::from_prov(root.alloc).unwrap();
        // Before the full collection: x stored in shadow memory by a thread that exits, y
        // held on a thread's stack until after it.
        std::thread::spawn(move || {
            (0..43_210).for_each(|_| _ = crate::tags::fresh());
            let x = retag_hook(pa as *const u8, 8, rf::MUTABLE | rf::FREEZE, root);
            __bsan_store_prov(slota as *const u8, pa as *const u8, x.alloc, x.tag);
        })
        .join()
        .unwrap();
        let (ready_tx, ready_rx) = channel();
        let (go_tx, go_rx) = channel::<()>();
        let holder = std::thread::spawn(move || {
            (0..23_456).for_each(|_| _ = crate::tags::fresh());
            let y = retag_hook(pa as *const u8, 8, rf::MUTABLE | rf::FREEZE, root);
            let pair = std::hint::black_box([y.alloc, y.tag]);
            ready_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            std::hint::black_box(pair);
        });
        ready_rx.recv().unwrap();
        assert!(full_collection_ran(rec), "no full collection ran");
        assert_eq!(
            node_count(root),
            3,
            "x and y are live at the full collection"
        );
        go_tx.send(()).unwrap();
        holder.join().unwrap();
        // y is old and dead now: a young collection prunes it without a full scan; x, old
        // too, is still where the full collection found it.
        young_collect_until(root, 3);
        assert_eq!(node_count(root), 2, "y is pruned");
        assert!(!rec.lock().gc.remembered.is_empty());
        assert_stored_tag_is_checked(p, slot, root);
    }
}

#[test]
fn gc_keeps_tags_held_in_shadow_memory_or_on_another_threads_stack() {
    let _serial = gc_test_serial();
    use std::sync::mpsc::channel;
    // Addresses as integers, so that the threads can share them.
    let (pa, slota) = (fake_block(5101) as usize, fake_block(5102) as usize);
    let (p, slot) = (pa as *const u8, slota as *const u8);
    // SAFETY: fake addresses are never dereferenced.
    let root = unsafe { __bsan_alloc(p, 8, alloc_kind::HEAP) };
    // A thread makes x and leaves it only in shadow memory, then exits (its stack is no
    // longer scanned).
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    std::thread::spawn(move || unsafe {
        let (p, slot) = (pa as *const u8, slota as *const u8);
        let x = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        __bsan_store_prov(slot, p, x.alloc, x.tag);
    })
    .join()
    .unwrap();
    // Another thread makes y and holds it as an (alloc, tag) pair on its stack while the
    // main test thread reborrows.
    let (ready_tx, ready_rx) = channel();
    let (go_tx, go_rx) = channel::<()>();
    let holder = std::thread::spawn(move || {
        let p = pa as *const u8;
        // SAFETY: fake addresses are never dereferenced.
        let y = unsafe { retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root) };
        let pair = std::hint::black_box([y.alloc, y.tag]);
        ready_tx.send(()).unwrap();
        go_rx.recv().unwrap();
        let pair = std::hint::black_box(pair);
        read(
            p,
            8,
            Prov {
                alloc: pair[0],
                tag: pair[1],
            },
        )
    });
    ready_rx.recv().unwrap();
    reborrow_loop(p, root, 2_000);
    assert!(collect_until(root, 100), "{} nodes left", node_count(root));
    // Both were disabled by the loop's foreign writes; both are still known to the tree, so
    // using them is reported (a pruned tag would be ignored).
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    let x = unsafe { __bsan_load_prov(slot, p) };
    assert_ne!(x, Prov::UNTRACKED);
    let v = read(p, 8, x).expect_err("x survived in shadow memory");
    assert_eq!(
        v.ub.kind,
        bsan_tree::UbKind::ChildAccessForbidden(bsan_tree::Permission::Disabled)
    );
    go_tx.send(()).unwrap();
    let v = holder
        .join()
        .unwrap()
        .expect_err("y survived on the holder's stack");
    assert_eq!(v.ub.rule(), "child-access-forbidden");
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}

#[test]
fn gc_is_requested_past_the_threshold_and_prunes() {
    let _serial = gc_test_serial();
    let p = fake_block(5103);
    // SAFETY: no contract beyond the ABI: the runtime never dereferences program addresses.
    unsafe {
        let root = __bsan_alloc(p, 8, alloc_kind::HEAP);
        let rec = crate::alloc_info::AllocInfo::from_prov(root.alloc).unwrap();
        for _ in 0..crate::gc::MIN_THRESHOLD {
            let r = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
            write(p, 8, r).unwrap();
        }
        // Root + 256 tags: not above the threshold yet, unless a collection already ran.
        let st = rec.lock();
        assert!(!st.gc.pending || st.tree.as_ref().unwrap().node_count() > 256);
        drop(st);
        let r = retag_hook(p, 8, rf::MUTABLE | rf::FREEZE, root);
        write(p, 8, r).unwrap();
        let st = rec.lock();
        assert!(
            st.gc.pending || st.tree.as_ref().unwrap().node_count() < 257,
            "requested, or already collected"
        );
        drop(st);
        assert!(collect_until(root, 64), "{} nodes left", node_count(root));
        // The root stays; the allocation still works, and so does the latest reborrow (it
        // is in this frame).
        write(p, 8, r).unwrap();
        write(p, 8, root).unwrap();
        assert_eq!(__bsan_dealloc(p, root.alloc, root.tag, alloc_kind::HEAP), 8);
    }
}
