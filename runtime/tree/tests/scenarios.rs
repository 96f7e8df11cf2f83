//! Scenario tests written from the spec (§10 and the rules they exercise). Each asserts the
//! exact outcome: Ok, or the violated rule, accessed/conflicting tags, offset, and where it
//! matters the exact title, help and history texts.
// `&[a..b]` is a list of one `UnsafeCell` range here, not a mistaken `Vec` of a range.
#![allow(clippy::single_range_in_vec_init)]

mod common;
use bsan_tree::*;
use common::*;
use Permission::*;

// ---------------------------------------------------------------- §10.1 - 10.3

#[test]
fn s01_aliasing_read_only_mut() {
    let mut t = T::new(4);
    let b = t.rb(1, mut_ref(0..4));
    let r1 = t.rb(b, mut_ref(0..4));
    let r2 = t.rb(b, mut_ref(0..4));
    t.rd(r1, 0..4).unwrap();
    t.rd(r2, 0..4).unwrap();
    assert_eq!(t.perm(r1, 0), (RES, true));
    assert_eq!(t.perm(r2, 0), (RES, true));
    assert_eq!(t.perm(b, 0), (RES, true));
}

#[test]
fn s02_write_parent_read_write() {
    let mut t = T::new(4);
    let m = t.rb(1, mut_ref(0..4));
    t.wr(m, 0..4).unwrap();
    assert_eq!(t.perm(m, 0), (Unique, true));
    t.rd(1, 0..4).unwrap();
    assert_eq!(t.perm(m, 0), (Frozen, true));
    let u = ub(t.wr(m, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!((u.accessed, u.conflicting, u.offset), (Some(m), Some(m), 0));
    assert_eq!(
        u.title("alloc7"),
        "write access through <2> at alloc7[0x0] is forbidden"
    );
    assert_eq!(
        u.help_lines(),
        vec!["the accessed tag <2> has state Frozen which forbids this child write access"]
    );
    assert_eq!(u.rule(), "child-access-forbidden");
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <2> was created here, in the initial state Reserved",
            "the accessed tag <2> later transitioned to Unique due to a child write access at offsets [0x0..0x4]",
            "the accessed tag <2> later transitioned to Frozen due to a foreign read access at offsets [0x0..0x4]",
        ]
    );
    assert_eq!(
        notes(&u),
        vec![
            None,
            Some("this transition corresponds to the first write to a 2-phase borrowed mutable reference".into()),
            Some("this transition corresponds to a loss of write permissions".into()),
        ]
    );
    assert_eq!(u.history[0].site, 200);
    assert_eq!(u.access_range, 0..4);
    assert_eq!(u.access_site, 7);
}

#[test]
fn s02b_shared_reborrow_freezes_with_reborrow_history() {
    let mut t = T::new(4);
    let m = t.rb(1, mut_ref(0..4));
    t.wr(m, 0..4).unwrap();
    let _s = t.rb(1, shr(0..4));
    let u = ub(t.wr(m, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!(
        texts(&u)[2],
        "the accessed tag <2> later transitioned to Frozen due to a reborrow (acting as a foreign read access) at offsets [0x0..0x4]"
    );
}

#[test]
fn s03_alternating_reads() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_ref(0..4));
    let y = t.rb(x, mut_ref(0..4));
    t.rd(x, 0..4).unwrap();
    assert_eq!(t.perm(y, 0).0, RES);
    t.wr(y, 0..4).unwrap();
    assert_eq!(t.perm(y, 0).0, Unique);
    t.rd(x, 0..4).unwrap();
    assert_eq!(t.perm(y, 0).0, Frozen);
    let u = ub(t.wr(y, 0..4));
    assert_eq!(
        (u.kind.clone(), u.conflicting),
        (UbKind::ChildAccessForbidden(Frozen), Some(y))
    );
}

// ---------------------------------------------------------------- two-phase borrows

#[test]
fn s04_two_phase_borrow_ok() {
    // v.push(v.len())
    let mut t = T::new(24);
    let tp = t.rb(1, mut_ref(0..24)); // 2-phase &mut v
    let s = t.rb(1, shr(0..24)); // &v for len
    t.rd(s, 0..8).unwrap();
    let slf = t.rb(tp, mut_prot(0..24)); // push's self
    t.wr(slf, 8..16).unwrap();
    t.t.release_protector(slf, 9).unwrap();
    assert_eq!(t.perm(slf, 8).0, Unique);
    assert_eq!(t.perm(tp, 8).0, Unique);
    assert_eq!(t.perm(s, 8).0, Disabled);
}

#[test]
fn s05_write_during_two_phase() {
    let mut t = T::new(8);
    let a = t.rb(1, mut_ref(0..4)); // &mut f.0 as *mut
    let tp = t.rb(1, mut_ref(0..8)); // 2-phase &mut f
    t.wr(a, 0..4).unwrap(); // *a = 42
    assert_eq!(t.perm(tp, 0).0, Disabled);
    let u = ub(t.try_rb(tp, mut_prot(0..8)));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    assert_eq!(
        (u.accessed, u.conflicting, u.offset),
        (Some(tp), Some(tp), 0)
    );
    assert_eq!(u.cause, AccessCause::Reborrow);
    assert_eq!(
        u.title("alloc3"),
        "reborrow through <3> at alloc3[0x0] is forbidden"
    );
    assert_eq!(
        u.help_lines(),
        vec!["the accessed tag <3> has state Disabled which forbids this reborrow (acting as a child read access)"]
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <3> was created here, in the initial state Reserved",
            "the accessed tag <3> later transitioned to Disabled due to a foreign write access at offsets [0x0..0x4]",
        ]
    );
    assert_eq!(
        notes(&u)[1].as_deref(),
        Some("this transition corresponds to a loss of read and write permissions")
    );
    // The failed retag created no node.
    assert!(!t.t.contains(4));
}

// ---------------------------------------------------------------- reserved conflicted

#[test]
fn s06_reserved_conflicted() {
    let mut t = T::new(1);
    let x = t.rb(1, mut_prot(0..1));
    t.rd(1, 0..1).unwrap(); // let _v = *p
    assert_eq!(t.perm(x, 0), (RESC, true));
    let u = ub(t.wr(x, 0..1));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(RESC));
    assert_eq!((u.accessed, u.conflicting), (Some(x), Some(x)));
    assert_eq!(
        u.help_lines(),
        vec!["the accessed tag <2> has state Reserved (conflicted) which forbids this child write access"]
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <2> was created here, in the initial state Reserved",
            "the accessed tag <2> later transitioned to Reserved (conflicted) due to a foreign read access at offsets [0x0..0x1]",
        ]
    );
    assert_eq!(
        notes(&u)[1].as_deref(),
        Some("this transition corresponds to a temporary loss of write permissions until function exit")
    );
}

#[test]
fn s07_conflicted_after_return() {
    let mut t = T::new(1);
    let x = t.rb(1, mut_prot(0..1));
    t.rd(1, 0..1).unwrap();
    t.t.release_protector(x, 5).unwrap();
    assert!(!t.t.is_protected(x));
    assert_eq!(t.perm(x, 0).0, RESC);
    t.wr(x, 0..1).unwrap();
    assert_eq!(t.perm(x, 0), (Unique, true));
}

// ---------------------------------------------------------------- protectors

#[test]
fn s08_protected_reserved_foreign_write() {
    let mut t = T::new(1);
    let y = t.rb(1, mut_ref(0..1));
    let x = t.rb(1, mut_prot(0..1));
    let u = ub(t.wr(y, 0..1));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(RES));
    assert_eq!((u.accessed, u.conflicting, u.offset), (Some(y), Some(x), 0));
    assert_eq!(u.rule(), "protected-disabled");
    assert_eq!(
        u.help_lines(),
        vec![
            "the accessed tag <2> is foreign to the protected tag <3> (i.e., it is not a child)",
            "this foreign write access would cause the protected tag <3> (currently Reserved) to become Disabled",
            "protected tags must never be Disabled",
        ]
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <2> was created here",
            "the protected tag <3> was created here, in the initial state Reserved",
        ]
    );
    assert_eq!(u.history[0].site, 200);
    assert_eq!(u.history[1].site, 300);
}

#[test]
fn s09_unsafe_cell_mut_protected_and_not() {
    // Protected &mut UnsafeCell<u8>: Reserved, not ReservedIM.
    let mut t = T::new(1);
    let y = t.rb(1, mut_ref(0..1));
    let x = t.rb(1, mut_cell(0..1, &[0..1], true));
    assert_eq!(t.perm(x, 0).0, RES);
    assert_eq!(ub(t.wr(y, 0..1)).kind, UbKind::ProtectedDisabled(RES));
    // Unprotected: ReservedIM survives the foreign write; a later write activates it.
    let mut t = T::new(1);
    let y = t.rb(1, mut_ref(0..1));
    let x = t.rb(1, mut_cell(0..1, &[0..1], false));
    assert_eq!(t.perm(x, 0), (ReservedIM, true));
    t.wr(y, 0..1).unwrap();
    assert_eq!(t.perm(x, 0).0, ReservedIM);
    t.wr(x, 0..1).unwrap();
    assert_eq!(t.perm(x, 0).0, Unique);
}

#[test]
fn s10_protected_unique_foreign_read() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..4));
    t.wr(x, 0..4).unwrap();
    let u = ub(t.rd(1, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(Unique));
    assert_eq!((u.accessed, u.conflicting), (Some(1), Some(x)));
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <1> was created here",
            "the protected tag <2> was created here, in the initial state Reserved",
            "the protected tag <2> later transitioned to Unique due to a child write access at offsets [0x0..0x4]",
        ]
    );
    // Unprotected: the read only freezes.
    let mut t = T::new(4);
    let x = t.rb(1, mut_ref(0..4));
    t.wr(x, 0..4).unwrap();
    t.rd(1, 0..4).unwrap();
    assert_eq!(t.perm(x, 0).0, Frozen);
}

// ---------------------------------------------------------------- interior mutability

#[test]
fn s11_precise_interior_mutability() {
    // struct Foo { a: u32, b: Cell<u32> }
    let mut t = T::new(8);
    let s = t.rb(1, shr_cell(0..8, &[4..8]));
    assert_eq!(t.perm(s, 0), (Frozen, true));
    assert_eq!(t.perm(s, 4), (Cell, false));
    let dump = t.t.dump();
    let expected = "\
────────────────────────────────────────────────
0..   4..   8
| Unq | Unq |    └─┬──<1=root of the allocation>
| Frz |?Cel |      └────<2>
────────────────────────────────────────────────
";
    assert_eq!(dump, expected);
    t.wr(s, 4..8).unwrap(); // write b
    let u = ub(t.wr(s, 0..4)); // write a
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!(
        texts(&u),
        vec!["the accessed tag <2> was created here, in the initial state Cell"]
    );
}

#[test]
fn s11b_implicit_read_only_over_non_cell_chunks() {
    let mut t = T::new(8);
    let m = t.rb(1, mut_ref(0..8));
    t.wr(m, 0..8).unwrap();
    // &Foo: only the frozen half is read through the parent.
    let _s = t.rb(1, shr_cell(0..8, &[4..8]));
    assert_eq!(t.perm(m, 0).0, Frozen);
    assert_eq!(t.perm(m, 4).0, Unique);
}

#[test]
fn s12_cell_outside_range() {
    let mut t = T::new(8);
    let x = t.rb(1, shr_cell(0..4, &[0..4]));
    assert_eq!(t.perm(x, 4), (Cell, false));
    t.wr(x, 4..8).unwrap();
    t.rd(x, 4..8).unwrap();
    assert_eq!(t.perm(x, 4), (Cell, true));
}

#[test]
fn s13_frozen_outside_range_zst() {
    let mut t = T::new(4);
    let x = t.rb(1, shr(0..0));
    assert_eq!(t.perm(x, 0), (Frozen, false));
    let u = ub(t.wr(x, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!(
        texts(&u),
        vec!["the accessed tag <2> was created here, in the initial state Frozen"]
    );
}

// ---------------------------------------------------------------- out of range

#[test]
fn s14_out_of_range_after_slicing_mut() {
    let mut t = T::new(4);
    let s = t.rb(1, mut_ref(1..3));
    assert_eq!(t.perm(s, 0), (RES, false));
    t.wr(s, 0..1).unwrap(); // p.sub(1).write(7)
    assert_eq!(t.perm(s, 0), (Unique, true));
    t.rd(1, 0..1).unwrap();
    assert_eq!(t.perm(s, 0), (Frozen, true));
    let u = ub(t.wr(s, 0..1));
    assert_eq!(
        (u.kind.clone(), u.offset),
        (UbKind::ChildAccessForbidden(Frozen), 0)
    );
}

#[test]
fn s15_out_of_range_shared_slice() {
    let mut t = T::new(4);
    let s = t.rb(1, shr(1..3));
    t.rd(s, 0..1).unwrap();
    let u = ub(t.wr(s, 0..1));
    assert_eq!(
        (u.kind.clone(), u.conflicting, u.offset),
        (UbKind::ChildAccessForbidden(Frozen), Some(s), 0)
    );
}

#[test]
fn s16_protector_covers_only_accessed_bytes() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..1));
    t.wr(1, 1..2).unwrap(); // *y.add(1) = ..
    assert_eq!(t.perm(x, 1), (Disabled, false));
    t.rd(x, 3..4).unwrap(); // (x as *mut u8).add(3) read
    assert_eq!(t.perm(x, 3), (RES, true));
    let u = ub(t.wr(1, 3..4));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(RES));
    assert_eq!((u.conflicting, u.offset), (Some(x), 3));
    assert_eq!(
        u.title("alloc1"),
        "write access through <1> at alloc1[0x3] is forbidden"
    );
}

#[test]
fn s17_two_protected_mut_same_alloc() {
    let mut t = T::new(2);
    let x = t.rb(1, mut_prot(0..1));
    let y = t.rb(1, mut_prot(1..2));
    t.wr(y, 1..2).unwrap();
    assert_eq!(t.perm(x, 1), (Disabled, false));
    t.wr(x, 0..1).unwrap();
    assert_eq!(t.perm(y, 0), (Disabled, false));
}

#[test]
fn s18_read_read_reordering() {
    for order in [true, false] {
        let mut t = T::new(4);
        let x = t.rb(1, mut_ref(0..4));
        t.wr(x, 0..4).unwrap();
        if order {
            t.rd(1, 0..4).unwrap();
            t.rd(x, 0..4).unwrap();
        } else {
            t.rd(x, 0..4).unwrap();
            t.rd(1, 0..4).unwrap();
        }
        assert_eq!(t.perm(x, 0), (Frozen, true));
    }
}

#[test]
fn s19_reborrow_is_a_read() {
    let mut t = T::new(1);
    let x = t.rb(1, mut_ref(0..1));
    t.wr(x, 0..1).unwrap();
    let _y = t.rb(1, mut_ref(0..1));
    assert_eq!(t.perm(x, 0).0, Frozen);
    assert_eq!(ub(t.wr(x, 0..1)).kind, UbKind::ChildAccessForbidden(Frozen));
}

// ---------------------------------------------------------------- protector end

#[test]
fn s20_protector_end_keeps_returned_child_usable() {
    let mut t = T::new(1);
    let x = t.rb(1, mut_prot(0..1));
    let y = t.rb(x, mut_ref(0..1));
    t.rd(y, 0..1).unwrap();
    t.wr(y, 0..1).unwrap();
    t.t.release_protector(x, 5).unwrap();
    assert_eq!(t.perm(y, 0).0, Unique);
    t.wr(y, 0..1).unwrap();
}

#[test]
fn s21_protector_end_write_hits_lazy_sibling() {
    let mut t = T::new(8);
    let e = t.rb(1, mut_prot(0..4));
    t.wr(e, 0..4).unwrap(); // *e = 42
    let z = t.rb(1, mut_ref(4..8)); // &mut *base.add(1)
    assert_eq!(t.perm(z, 0), (RES, false));
    t.t.release_protector(e, 55).unwrap();
    assert_eq!(t.perm(z, 0), (Disabled, false));
    let u = ub(t.rd(z, 0..4)); // *ret with ret = z.sub(1)
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    assert_eq!((u.accessed, u.conflicting, u.offset), (Some(z), Some(z), 0));
    assert_eq!(
        u.title("alloc2"),
        "read access through <3> at alloc2[0x0] is forbidden"
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <3> was created here, in the initial state Reserved",
            "the accessed tag <3> later transitioned to Disabled due to a protector release (acting as a foreign write access) on every location previously accessed by this tag",
        ]
    );
    assert_eq!(u.history[1].site, 55);
}

/// s21 when `e`'s frame was skipped (longjmp, foreign unwinding): the runtime forgets the
/// protector instead of releasing it, so the exit write never happens and `z` stays usable.
#[test]
fn s21_forget_protector_skips_the_exit_write() {
    let mut t = T::new(8);
    let e = t.rb(1, mut_prot(0..4));
    t.wr(e, 0..4).unwrap();
    let z = t.rb(1, mut_ref(4..8));

    let mut released = t.t.clone();
    released.release_protector(e, 55).unwrap();
    assert_eq!(released.perm_at(z, 0), Some((Disabled, false)));
    let u = ub(released.access(Provenance::Tag(z), 0..4, R, 7));
    assert_eq!(u.kind, UbKind::ChildAccessForbidden(Disabled));

    t.t.forget_protector(e).unwrap();
    assert!(!t.t.is_protected(e));
    assert_eq!(t.perm(e, 0), (Unique, true));
    assert_eq!(t.perm(z, 0), (RES, false));
    t.rd(z, 0..4).unwrap();
    assert_eq!(t.perm(z, 0), (RES, true));
    // Forgetting an unprotected tag does nothing; unknown tags are reported.
    t.t.forget_protector(e).unwrap();
    assert_eq!(t.t.forget_protector(99), Err(TreeError::UnknownTag(99)));
}

/// A forgotten protector no longer protects: the foreign write that is UB while `x` is
/// protected just disables it, and the tag can be pruned.
#[test]
fn s21_forget_protector_ends_protection() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..4));
    t.wr(x, 0..4).unwrap();
    let mut kept = t.t.clone();
    let u = ub(kept.access(Provenance::Tag(1), 0..4, W, 7));
    assert_eq!(u.kind, UbKind::ProtectedDisabled(Unique));
    assert_eq!(u.conflicting, Some(x));

    t.t.forget_protector(x).unwrap();
    t.wr(1, 0..4).unwrap();
    assert_eq!(t.perm(x, 0), (Disabled, true));
    t.t.gc(&|_| false);
    assert!(!t.t.contains(x));
}

#[test]
fn s21b_protector_end_read_conflicts_foreign_protected_reserved() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..4));
    let y = t.rb(1, mut_prot(0..0)); // lazily Reserved, protected, not accessed
    t.t.release_protector(x, 66).unwrap();
    assert_eq!(t.perm(y, 0), (RESC, false));
    let u = ub(t.wr(y, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(RESC));
    assert_eq!(
        texts(&u)[1],
        "the accessed tag <3> later transitioned to Reserved (conflicted) due to a protector release (acting as a foreign read access) on every location previously accessed by this tag"
    );
}

#[test]
fn s21c_protector_end_read_on_accessed_reserved() {
    let mut t = T::new(4);
    let o = t.rb(1, mut_ref(0..4));
    t.wr(o, 0..4).unwrap(); // o Unique
    let x = t.rb(1, mut_prot(2..4)); // read through root freezes o on 2..4
    assert_eq!(t.perm(o, 2).0, Frozen);
    assert_eq!(t.perm(o, 0).0, Unique);
    t.rd(x, 0..2).unwrap(); // x accessed everywhere now: freezes o on 0..2
    assert_eq!(t.perm(o, 0).0, Frozen);
    let c = t.rb(x, mut_ref(0..4)); // a child of x: not touched by the release
    t.t.release_protector(x, 9).unwrap();
    assert_eq!(t.perm(c, 0), (RES, true));
    assert_eq!(t.perm(x, 0), (RES, true));
}

// ---------------------------------------------------------------- as_mut_ptr, dealloc, Box

#[test]
fn s22_as_mut_ptr_twice() {
    let mut t = T::new(4);
    let r1 = t.rb(1, mut_ref(0..4));
    let p1 = t.rb(r1, mut_prot(0..4));
    t.t.release_protector(p1, 1).unwrap();
    let r2 = t.rb(1, mut_ref(0..4));
    let p2 = t.rb(r2, mut_prot(0..4));
    t.t.release_protector(p2, 1).unwrap();
    t.wr(p1, 0..1).unwrap();
    assert_eq!(t.perm(p2, 0).0, Disabled);
    assert_eq!(t.perm(r2, 0).0, Disabled);
    let u = ub(t.wr(p2, 0..1));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    assert_eq!((u.accessed, u.conflicting), (Some(p2), Some(p2)));
    // Calling it once and using `.add()` is fine.
    let mut t = T::new(4);
    let r = t.rb(1, mut_ref(0..4));
    let p = t.rb(r, mut_prot(0..4));
    t.t.release_protector(p, 1).unwrap();
    t.wr(p, 0..1).unwrap();
    t.wr(p, 1..2).unwrap();
}

#[test]
fn s22b_from_raw_parts_free_whole_capacity() {
    // String::as_mut_ptr over len 4 of capacity 16, then freeing all 16 bytes through it.
    let mut t = T::new(16);
    let s = t.rb(1, mut_ref(0..4));
    t.wr(s, 0..4).unwrap();
    t.t.dealloc(Provenance::Tag(s), 3).unwrap();
}

#[test]
fn s24_dealloc_under_strong_protector() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..4));
    let raw = t.rb(x, mut_ref(0..4)); // the raw pointer the closure frees through
    let u = ub(t.t.dealloc(Provenance::Tag(raw), 9));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDealloc);
    assert_eq!(
        (u.accessed, u.conflicting, u.offset),
        (Some(raw), Some(x), 0)
    );
    assert_eq!(
        u.title("alloc5"),
        "deallocation through <3> at alloc5[0x0] is forbidden"
    );
    assert_eq!(
        u.help_lines(),
        vec![
            "the allocation of the accessed tag <3> also contains the strongly protected tag <2>",
            "the strongly protected tag <2> disallows deallocations",
        ]
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <3> was created here",
            "the strongly protected tag <2> was created here, in the initial state Reserved",
        ]
    );
    assert_eq!(u.rule(), "protected-dealloc");
    assert_eq!(u.access_range, 0..4);
}

#[test]
fn s24b_dealloc_through_foreign_pointer_disables_protected() {
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..4));
    let u = ub(t.t.dealloc(Provenance::Tag(1), 9));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(RES));
    assert_eq!(u.conflicting, Some(x));
    assert_eq!(
        u.help_lines()[1],
        "this deallocation (acting as a foreign write access) would cause the protected tag <2> (currently Reserved) to become Disabled"
    );
}

#[test]
fn s25_zst_strong_protector() {
    // Dealloc through a raw derived from x: the write makes x accessed.
    let mut t = T::new(4);
    let x = t.rb(1, mut_prot(0..0));
    let raw = t.rb(x, mut_ref(0..0));
    let u = ub(t.t.dealloc(Provenance::Tag(raw), 9));
    assert_eq!(
        (u.kind.clone(), u.conflicting),
        (UbKind::ProtectedDealloc, Some(x))
    );
    // Through an unrelated pointer, x never accessed anything: fine.
    let mut t = T::new(4);
    let _x = t.rb(1, mut_prot(0..0));
    t.t.dealloc(Provenance::Tag(1), 9).unwrap();
}

#[test]
fn s25b_cell_bytes_never_block_dealloc() {
    let mut t = T::new(4);
    let c = NewPermission {
        protector: Some(ProtectorKind::Strong),
        ..shr_cell(0..4, &[0..4])
    };
    let x = t.rb(1, c);
    t.wr(x, 0..4).unwrap();
    assert_eq!(t.perm(x, 0), (Cell, true));
    t.t.dealloc(Provenance::Tag(x), 9).unwrap();
}

/// Freeing without protectors takes a shortcut (only the path to the root is checked);
/// the violations it must still find, at the right chunk, next to the ones it may skip.
#[test]
fn s25c_dealloc_without_protectors_still_checks_the_path() {
    // A freed-through tag that is Frozen at its second chunk only, among many siblings
    // whose foreign write the shortcut skips.
    let mut t = T::new(8);
    let m = t.rb(1, mut_ref(0..8));
    for _ in 0..20 {
        let c = t.rb(m, mut_ref(0..8));
        t.wr(c, 0..8).unwrap();
    }
    let s = t.rb(m, mut_ref(0..8));
    t.wr(s, 0..8).unwrap();
    t.rd(m, 4..8).unwrap();
    assert_eq!((t.perm(s, 0).0, t.perm(s, 4).0), (Unique, Frozen));
    let u = ub(t.t.dealloc(Provenance::Tag(s), 9));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!((u.accessed, u.conflicting, u.offset), (Some(s), Some(s), 4));

    // The rejecting state on an ancestor: the parent was disabled at the first chunk by a
    // write through its sibling; the freed-through tag is Cell there, which allows it.
    let mut t = T::new(8);
    let a = t.rb(1, mut_ref(0..8));
    let b = t.rb(1, mut_ref(0..8));
    let c = t.rb(a, shr_cell(0..8, &[0..4]));
    t.wr(b, 0..4).unwrap();
    let u = ub(t.t.dealloc(Provenance::Tag(c), 9));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    assert_eq!((u.accessed, u.conflicting, u.offset), (Some(c), Some(a), 0));

    // Through a healthy tag, with the same siblings: fine, and so is freeing through the
    // root once a released protector is gone.
    let mut t = T::new(8);
    let m = t.rb(1, mut_ref(0..8));
    for _ in 0..20 {
        let c = t.rb(m, mut_prot(0..8));
        t.wr(c, 0..8).unwrap();
        t.t.release_protector(c, 1).unwrap();
    }
    t.t.dealloc(Provenance::Tag(m), 9).unwrap();
}

#[test]
fn s26_box_weak_protector() {
    let mut t = T::new(4);
    let b = t.rb(1, box_prot(0..4));
    t.t.dealloc(Provenance::Tag(b), 9).unwrap(); // drop(b) inside g
    let mut t = T::new(4);
    let b = t.rb(1, box_prot(0..4));
    let u = ub(t.t.dealloc(Provenance::Tag(1), 9));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(RES));
    assert_eq!((u.accessed, u.conflicting), (Some(1), Some(b)));
    assert_eq!(
        u.help_lines()[1],
        "this deallocation (acting as a foreign write access) would cause the protected tag <2> (currently Reserved) to become Disabled"
    );
}

#[test]
fn s27_box_retag_outside_calls() {
    let mut t = T::new(4);
    let b = t.rb(1, mut_ref(0..4)); // Box::from_raw(raw)
    t.wr(1, 0..4).unwrap(); // *raw = 6
    assert_eq!(t.perm(b, 0).0, Disabled);
    let u = ub(t.try_rb(b, box_prot(0..4))); // drop(b)
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    assert_eq!(
        u.title("alloc1"),
        "reborrow through <2> at alloc1[0x0] is forbidden"
    );
}

// ---------------------------------------------------------------- skipping

#[test]
fn s28_frozen_ancestor() {
    let mut t = T::new(1);
    let r = t.rb(1, shr(0..1));
    let m = t.rb(r, mut_ref(0..1));
    let u = ub(t.wr(m, 0..1));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!((u.accessed, u.conflicting), (Some(m), Some(r)));
    assert_eq!(
        u.help_lines(),
        vec![
            "the accessed tag <3> is a child of the conflicting tag <2>",
            "the conflicting tag <2> has state Frozen which forbids this child write access",
        ]
    );
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <3> was created here",
            "the conflicting tag <2> was created here, in the initial state Frozen",
        ]
    );
    // m was visited (and activated) before r rejected the access, as in Miri.
    assert_eq!(t.perm(m, 0).0, Unique);
}

#[test]
fn s29_skipping_changes_the_report() {
    let mut t = T::new(1);
    let r = t.rb(1, shr(0..1));
    let m = t.rb(r, mut_prot(0..1));
    let o = t.rb(1, mut_ref(0..1));
    t.rd(o, 0..1).unwrap(); // foreign read, skipped below Frozen r
    assert_eq!(t.perm(m, 0).0, RES);
    let u = ub(t.wr(m, 0..1));
    assert_eq!(
        (u.kind.clone(), u.conflicting),
        (UbKind::ChildAccessForbidden(Frozen), Some(r))
    );
}

#[test]
fn s29b_disabled_subtree_skipped() {
    let mut t = T::new(1);
    let a = t.rb(1, mut_ref(0..1));
    let c = t.rb(a, mut_ref(0..1));
    let o = t.rb(1, mut_ref(0..1));
    // Disable a only: write through a sibling of its child? a foreign write disables both.
    t.wr(o, 0..1).unwrap();
    assert_eq!(t.perm(a, 0).0, Disabled);
    assert_eq!(t.perm(c, 0).0, Disabled);
    // A zero-size child of the disabled a stays lazily Reserved under later foreign writes.
    let z = NewPermission { ..mut_ref(0..0) };
    let tag = t.next;
    t.next += 1;
    t.t.retag(Provenance::Tag(a), tag, &z, 1).unwrap();
    t.wr(o, 0..1).unwrap();
    assert_eq!(t.perm(tag, 0), (RES, false), "skipped below Disabled a");
    let u = ub(t.wr(tag, 0..1));
    assert_eq!(
        (u.kind.clone(), u.conflicting),
        (UbKind::ChildAccessForbidden(Disabled), Some(a))
    );
}

#[test]
fn s30_sifa_weakened_by_protected_retag() {
    let mut t = T::new(1);
    let p = t.rb(1, mut_ref(0..1));
    let o = t.rb(1, mut_ref(0..1));
    t.rd(o, 0..1).unwrap(); // p: foreign read recorded (SIFA Read)
    let c = t.rb(p, mut_prot(0..1)); // protected Reserved: SIFA None, weakens p
    t.rd(o, 0..1).unwrap(); // must reach c
    assert_eq!(t.perm(c, 0).0, RESC);
}

// ---------------------------------------------------------------- wildcard

#[test]
fn s31_wildcard_read_only_exposure() {
    let mut t = T::new(4);
    let s = t.rb(1, shr(0..4));
    t.t.expose(s);
    t.t.access(Provenance::Wildcard, 0..4, R, 1).unwrap();
    let u = ub(t.t.access(Provenance::Wildcard, 0..4, W, 1));
    assert_eq!(
        (u.kind.clone(), u.accessed, u.conflicting, u.offset),
        (UbKind::NoExposedTag, None, None, 0)
    );
    assert_eq!(
        u.title("alloc4"),
        "write access through <wildcard> at alloc4[0x0] is forbidden"
    );
    assert_eq!(
        u.help_lines(),
        vec!["there are no exposed tags which may perform this access here"]
    );
    assert!(u.history.is_empty());
    assert_eq!(u.rule(), "no-exposed-tag");
}

#[test]
fn s31b_wildcard_nothing_exposed() {
    let mut t = T::new(4);
    let u = ub(t.t.access(Provenance::Wildcard, 2..4, R, 1));
    assert_eq!((u.kind.clone(), u.offset), (UbKind::NoExposedTag, 2));
}

#[test]
fn s32_wildcard_two_exposed_siblings() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    let b = t.rb(1, mut_ref(0..4));
    t.t.expose(a);
    t.t.expose(b);
    t.t.access(Provenance::Wildcard, 0..4, W, 1).unwrap();
    assert_eq!(t.perm(a, 0).0, RES);
    assert_eq!(t.perm(b, 0).0, RES);
    assert_eq!(t.perm(1, 0).0, Unique);
    t.rd(a, 0..4).unwrap();
    t.rd(b, 0..4).unwrap();
}

#[test]
fn s33_wildcard_single_exposed_is_local() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    let b = t.rb(1, mut_ref(0..4));
    t.t.expose(a);
    t.t.access(Provenance::Wildcard, 0..4, W, 1).unwrap();
    assert_eq!(t.perm(a, 0), (Unique, true));
    assert_eq!(t.perm(b, 0).0, Disabled);
    // a is now the only writer; b (not exposed) is foreign.
    let u = ub(t.wr(b, 0..4));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
}

#[test]
fn s34_wildcard_subtree_retag() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    t.t.expose(a);
    let w = t.rb_wild(mut_ref(0..4)); // e.g. &mut *(addr as *mut T)
    assert!(t.t.contains(w));
    assert_eq!(t.perm(w, 0), (RES, true));
    // The retag read through the wildcard was local to a.
    assert_eq!(t.perm(a, 0), (RES, true));
    t.wr(w, 0..4).unwrap();
    assert_eq!(t.perm(w, 0).0, Unique);
    // Writing through w: the main tree sees a wildcard write whose only candidate is a.
    assert_eq!(t.perm(a, 0).0, Unique);
    // An access from the main tree is foreign to the wildcard subtree.
    t.rd(1, 0..4).unwrap();
    assert_eq!(t.perm(w, 0).0, Frozen);
    let dump = t.t.dump();
    assert!(dump.contains("*─"), "{dump}");
    assert!(dump.contains("(exposed)"), "{dump}");
}

#[test]
fn s35_wildcard_either_gets_no_transition() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    let c = t.rb(a, mut_ref(0..4));
    let d = t.rb(1, mut_ref(0..4));
    t.t.expose(c);
    t.t.expose(d);
    // Root is local; a and c are "either" (c or d might be the source), as is d.
    t.t.access(Provenance::Wildcard, 0..4, W, 1).unwrap();
    assert_eq!(t.perm(a, 0).0, RES);
    assert_eq!(t.perm(c, 0).0, RES);
    assert_eq!(t.perm(d, 0).0, RES);
}

// ---------------------------------------------------------------- misc API rules

#[test]
fn s36_unknown_tags_change_nothing() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    let before = t.t.dump();
    assert_eq!(t.rd(99, 0..4), Err(TreeError::UnknownTag(99)));
    assert_eq!(t.rd(99, 0..0), Err(TreeError::UnknownTag(99)));
    assert_eq!(
        t.t.retag(Provenance::Tag(99), 50, &mut_ref(0..4), 0),
        Err(TreeError::UnknownTag(99))
    );
    assert_eq!(t.t.release_protector(99, 0), Err(TreeError::UnknownTag(99)));
    assert_eq!(
        t.t.dealloc(Provenance::Tag(99), 0),
        Err(TreeError::UnknownTag(99))
    );
    t.t.expose(99);
    assert_eq!(
        t.t.retag(Provenance::Tag(1), a, &mut_ref(0..4), 0),
        Err(TreeError::UnknownTag(a))
    );
    assert_eq!(t.t.dump(), before);
    assert!(!t.t.contains(50));
    assert_eq!(t.t.node_count(), 2);
}

#[test]
fn s37_zero_sized_retag_and_access() {
    let mut t = T::new(8);
    let m = t.rb(1, mut_ref(0..8));
    t.wr(m, 0..8).unwrap();
    let z = t.rb(1, mut_ref(3..3));
    assert_eq!(t.perm(m, 0).0, Unique, "a zero-sized retag reads nothing");
    assert_eq!(t.perm(z, 3), (RES, false));
    t.wr(m, 0..0).unwrap();
    t.rd(z, 5..5).unwrap();
    assert_eq!(t.perm(z, 5), (RES, false));
}

#[test]
fn s38_protected_mut_never_reserved_im() {
    let mut t = T::new(8);
    let x = t.rb(1, mut_cell(0..4, &[0..4], true));
    assert_eq!(t.perm(x, 0), (RES, true));
    assert_eq!(t.perm(x, 6), (RES, false));
    let y = t.rb(1, mut_cell(0..4, &[2..4], false));
    assert_eq!(t.perm(y, 0).0, RES);
    assert_eq!(t.perm(y, 2).0, ReservedIM);
    assert_eq!(
        t.perm(y, 6).0,
        ReservedIM,
        "outside a !Freeze &mut: ReservedIM"
    );
}

#[test]
fn s39_release_unprotected_is_noop_and_state_stays() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    t.t.release_protector(a, 0).unwrap();
    let x = t.rb(1, box_prot(0..4));
    assert!(t.t.is_protected(x));
    t.t.release_protector(x, 0).unwrap();
    assert!(!t.t.is_protected(x));
}

#[test]
fn s40_first_failing_chunk_is_reported() {
    let mut t = T::new(16);
    let m = t.rb(1, mut_ref(0..16));
    t.wr(m, 0..16).unwrap();
    t.rd(1, 8..12).unwrap(); // m Frozen only on 8..12
    let u = ub(t.wr(m, 0..16));
    assert_eq!(u.offset, 8);
    assert_eq!(u.access_range, 0..16);
    // Earlier chunks were already updated.
    assert_eq!(t.perm(m, 0), (Unique, true));
    // Relevant history: only events whose chunk contains 8.
    assert_eq!(
        texts(&u)[2],
        "the accessed tag <2> later transitioned to Frozen due to a foreign read access at offsets [0x8..0xc]"
    );
    assert_eq!(texts(&u).len(), 3);
}

#[test]
fn s41_history_relevance_filter() {
    // ProtectedDisabled(Reserved): no events at all, even if some exist.
    let mut t = T::new(2);
    let x = t.rb(1, mut_prot(0..2));
    t.rd(1, 1..2).unwrap(); // x -> Reserved (conflicted) at 1
    let u = ub(t.wr(1, 0..2));
    assert_eq!(u.kind.clone(), UbKind::ProtectedDisabled(RES));
    assert_eq!(u.conflicting, Some(x));
    assert_eq!(texts(&u).len(), 2);
    // ChildAccessForbidden(Disabled): only ->Disabled events.
    let mut t = T::new(1);
    let m = t.rb(1, mut_ref(0..1));
    t.wr(m, 0..1).unwrap(); // ->Unique (not relevant)
    t.rd(1, 0..1).unwrap(); // ->Frozen (not relevant)
    t.wr(1, 0..1).unwrap(); // ->Disabled
    let u = ub(t.rd(m, 0..1));
    assert_eq!(
        texts(&u),
        vec![
            "the accessed tag <2> was created here, in the initial state Reserved",
            "the accessed tag <2> later transitioned to Disabled due to a foreign write access at offsets [0x0..0x1]",
        ]
    );
    assert_eq!(
        notes(&u)[1].as_deref(),
        Some("this transition corresponds to a loss of read permissions")
    );
}

#[test]
fn s42_dump_layout() {
    let mut t = T::new(8);
    let a = t.rb(1, mut_prot(0..1));
    let _b = t.rb(a, shr(0..8));
    let c = t.rb(1, box_prot(0..0));
    t.t.expose(c);
    // The retag of <3> read through <2> on all 8 bytes, so <2> is accessed everywhere.
    let expected = "\
──────────────────────────────────────────────────────
0..   1..   8
| Unq | Unq |    └─┬──<1=root of the allocation>
| Res | Res |      ├─┬──<2> Strongly protected
| Frz | Frz |      │ └────<3>
|-----|-----|      └────<4> Weakly protected (exposed)
──────────────────────────────────────────────────────
";
    assert_eq!(t.t.dump(), expected);
}

#[test]
fn s43_ranges_clamped_and_size() {
    let mut t = T::new(4);
    assert_eq!(t.t.size(), 4);
    assert_eq!(t.t.root(), 1);
    t.rd(1, 2..10).unwrap();
    assert_eq!(t.t.perm_at(1, 3), Some((Unique, true)));
    assert_eq!(t.t.perm_at(42, 3), None);
}

#[test]
fn s44_tree_is_send_and_sync() {
    fn check<X: Send + Sync + Clone>() {}
    check::<Tree>();
}

/// A buffer written byte by byte through one long-lived tag: the history of that tag stays
/// one event (its transitions on adjacent bytes are merged), the tree's memory stays small,
/// and a violation afterwards still names the transition, over the whole written range.
#[test]
fn s60_sequential_writes_keep_history_bounded() {
    const N: u64 = 20_000;
    let mut t = T::new(N);
    let m = t.rb(1, mut_ref(0..N));
    let before = t.t.heap_bytes();
    for i in 0..N {
        t.wr(m, i..i + 1).unwrap();
    }
    // A foreign read freezes `m`; writing through it is then refused, with its history.
    t.rd(1, 0..N).unwrap();
    let u = ub(t.wr(m, 5000..5001));
    let lines = texts(&u);
    assert!(
        lines.iter().any(|l| l.contains(
            "later transitioned to Unique due to a child write access at offsets [0x0..0x4e20]"
        )),
        "{lines:#?}"
    );
    // Bounded: far less than one event (tens of bytes) per written byte.
    assert!(
        t.t.heap_bytes() < before + 64 * 1024,
        "{} -> {}",
        before,
        t.t.heap_bytes()
    );
}

/// Accesses to part of a chunk that change nothing there are skipped before the chunk is
/// split (`Tree::unsplit_access_is_noop`): the chunks stay as they were, and violations on
/// the very same bytes, or on bytes beside them, are still reported.
#[test]
fn s61_noop_access_to_part_of_a_chunk_does_not_split_it() {
    let mut t = T::new(16);
    let m = t.rb(1, mut_ref(0..16));
    let s = t.rb(m, shr(0..16));
    t.rd(s, 0..16).unwrap();
    let chunks = t.t.chunk_count();
    // A field read through `s` in a loop: a no-op on the whole chunk each time.
    for _ in 0..3 {
        t.rd(s, 4..8).unwrap();
        t.rd(m, 8..12).unwrap();
    }
    assert_eq!(
        t.t.chunk_count(),
        chunks,
        "no-op partial reads leave the chunks as they were"
    );
    // Writing those bytes through the shared reference is still refused.
    let u = ub(t.wr(s, 4..8));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Frozen));
    assert_eq!(u.offset, 4);
    // A write through the parent beside them is allowed and disables `s` only there.
    t.wr(m, 12..16).unwrap();
    assert_eq!(t.perm(s, 12), (Disabled, true));
    assert_eq!(t.perm(s, 4), (Frozen, true));
    // The next partial read through `s` there is no no-op any more: it is refused.
    let u = ub(t.rd(s, 13..14));
    assert_eq!(u.kind.clone(), UbKind::ChildAccessForbidden(Disabled));
    t.rd(s, 4..8).unwrap();
}
