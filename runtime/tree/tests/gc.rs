//! Pruning (model §8.1): what is removed, what is spliced, what is kept, and the node-count
//! bound of an endless `reborrow; write; drop` loop.

mod common;
use bsan_tree::*;
use common::*;
use Permission::*;

#[test]
fn dead_leaves_removed_live_protected_exposed_kept() {
    let mut t = T::new(4);
    let dead = t.rb(1, mut_ref(0..4));
    let live = t.rb(1, mut_ref(0..4));
    let prot = t.rb(1, mut_prot(0..0));
    let exp = t.rb(1, shr(0..4));
    t.t.expose(exp);
    t.t.gc(&|tag| tag == live);
    assert!(!t.t.contains(dead));
    assert!(t.t.contains(live) && t.t.contains(prot) && t.t.contains(exp) && t.t.contains(1));
    assert_eq!(t.t.node_count(), 4);
    // Removed tags are unknown afterwards.
    assert_eq!(t.rd(dead, 0..4), Err(TreeError::UnknownTag(dead)));
    // After the protector ends the tag may go too.
    t.t.release_protector(prot, 0).unwrap();
    t.t.gc(&|tag| tag == live);
    assert!(!t.t.contains(prot));
}

#[test]
fn dead_single_child_parent_is_spliced() {
    let mut t = T::new(4);
    let a = t.rb(1, mut_ref(0..4));
    let b = t.rb(a, mut_ref(0..4));
    t.t.gc(&|tag| tag == b);
    assert!(!t.t.contains(a));
    assert!(t.t.contains(b));
    t.wr(b, 0..4).unwrap();
    assert_eq!(t.perm(b, 0), (Unique, true));
    let dump = t.t.dump();
    assert!(dump.contains("└────<3>"), "{dump}");
}

#[test]
fn frozen_parent_of_reserved_is_not_spliced() {
    let mut t = T::new(4);
    let f = t.rb(1, shr(0..4));
    let r = t.rb(f, mut_ref(0..4));
    t.t.gc(&|tag| tag == r);
    assert!(t.t.contains(f), "Frozen above Reserved must stay");
    assert_eq!(ub(t.wr(r, 0..4)).conflicting, Some(f));
}

#[test]
fn recycled_slots_start_clean() {
    let mut t = T::new(8);
    let a = t.rb(1, mut_ref(0..8));
    t.wr(a, 0..8).unwrap();
    t.t.gc(&|_| false);
    assert!(!t.t.contains(a));
    let b = t.rb(1, mut_ref(2..4));
    assert_eq!(t.perm(b, 0), (RES, false));
    assert_eq!(t.perm(b, 2), (RES, true));
    let u = ub(t.wr(b, 2..4).and_then(|_| {
        t.rd(1, 2..4)?;
        t.wr(b, 2..4)
    }));
    // Only b's own events are in the history, none of the recycled slot's.
    assert_eq!(u.history.len(), 3);
}

#[test]
fn survivors_keep_their_history_after_gc() {
    let mut t = T::new(8);
    // A dead sibling with events of its own, logged before the survivor's.
    let dead = t.rb(1, mut_ref(0..8));
    t.wr(dead, 0..8).unwrap();
    let f = t.rb(1, shr(0..8));
    t.wr(1, 0..4).unwrap(); // f: Frozen -> Disabled on [0, 4)
    t.t.gc(&|tag| tag == f);
    assert!(!t.t.contains(dead));
    // The same transition on the adjacent bytes extends f's event: found through its
    // re-indexed position in the log, not the one the dead sibling's events moved.
    t.wr(1, 4..8).unwrap();
    let u = ub(t.rd(f, 0..8));
    assert_eq!(
        texts(&u)[1..],
        ["the accessed tag <3> later transitioned to Disabled due to a foreign write access at offsets [0x0..0x8]"],
        "{:#?}",
        u.history
    );
}

/// Each collection removes a parent and its child: the parent's counts slot is left
/// unused (the GC corrects counts per removed node rather than rebuilding them), and the
/// unused slots are reclaimed once they outnumber the used ones, so they stay bounded.
#[test]
fn slots_of_removed_parents_are_reclaimed() {
    let mut t = T::new(64);
    let keep = t.rb(1, mut_ref(0..64));
    for i in 0..5_000u64 {
        let a = t.rb(1, mut_ref(0..64));
        let b = t.rb(a, mut_ref((i % 60)..(i % 60) + 4));
        t.wr(b, (i % 60)..(i % 60) + 4).unwrap();
        t.t.gc(&|tag| tag == keep);
        assert!(!t.t.contains(a) && !t.t.contains(b));
        t.t.check_invariants().unwrap();
    }
    let bytes = t.t.heap_bytes();
    assert!(bytes < 8 * 1024, "{bytes} bytes after 5,000 collections");
    // The survivor still sees foreign accesses: the counts are right, not merely small.
    t.wr(1, 0..64).unwrap();
    assert!(matches!(t.rd(keep, 0..8), Err(TreeError::Ub(_))));
}

#[test]
fn chunks_merge_after_gc() {
    let mut t = T::new(64);
    let a = t.rb(1, mut_ref(0..64));
    for i in 0..64 {
        t.rd(a, i..i + 1).unwrap();
    }
    let c = t.rb(a, mut_ref(3..5));
    t.rd(c, 10..11).unwrap();
    assert!(t.t.chunk_count() > 4);
    t.t.gc(&|tag| tag == a);
    assert_eq!(t.t.chunk_count(), 1);
}

#[test]
fn reborrow_write_drop_loop_is_bounded() {
    let mut t = Tree::new(1, 64, 0);
    let mut peak = 0;
    let mut peak_bytes = 0;
    for i in 0..20_000u64 {
        let tag = i + 2;
        t.retag(Provenance::Tag(1), tag, &mut_ref(0..64), 0)
            .unwrap();
        t.access(Provenance::Tag(tag), (i % 60)..(i % 60 + 4), W, 0)
            .unwrap();
        peak = peak.max(t.node_count());
        peak_bytes = peak_bytes.max(t.heap_bytes());
        if i % 64 == 63 {
            t.gc(&|_| false);
            assert_eq!(t.node_count(), 1);
            assert_eq!(t.chunk_count(), 1, "uniform again after pruning");
            assert!(
                t.heap_bytes() < 32 * 1024,
                "{} bytes after gc",
                t.heap_bytes()
            );
        }
    }
    assert!(peak <= 65, "peak {peak}");
    assert!(peak_bytes < 1024 * 1024, "peak {peak_bytes} bytes");
}

#[test]
fn nested_chain_collapses() {
    let mut t = T::new(4);
    let mut parent = 1;
    let mut tags = Vec::new();
    for _ in 0..1000 {
        parent = t.rb(parent, mut_ref(0..4));
        tags.push(parent);
    }
    let last = parent;
    t.wr(last, 0..4).unwrap();
    t.t.gc(&|tag| tag == last);
    assert_eq!(t.t.node_count(), 2);
    t.wr(last, 0..4).unwrap();
}

/// A tag the runtime knows is dead (`NO_ESCAPE`) leaves at once, if it is a leaf and
/// nothing else keeps it; its slot is reused only after its history left the log.
#[test]
fn forgotten_dead_leaves_leave_at_once() {
    let mut t = T::new(8);
    let a = t.rb(1, mut_prot(0..8));
    t.wr(a, 0..8).unwrap();
    t.t.release_protector(a, 0).unwrap();
    assert!(t.t.forget_dead_leaf(a));
    assert!(!t.t.contains(a));
    assert!(!t.t.forget_dead_leaf(a), "an unknown tag is ignored");
    assert_eq!(t.t.node_count(), 1);
    assert_eq!(t.rd(a, 0..8), Err(TreeError::UnknownTag(a)));
    // Kept: a parent, an exposed tag, a protected one, the root.
    let p = t.rb(1, mut_prot(0..8));
    let c = t.rb(p, shr(0..8));
    let e = t.rb(1, shr(0..8));
    t.t.expose(e);
    for tag in [p, e, 1] {
        assert!(!t.t.forget_dead_leaf(tag));
        assert!(t.t.contains(tag));
    }
    assert!(t.t.forget_dead_leaf(c));
    assert!(!t.t.contains(c));
    t.t.check_invariants().unwrap();
}

#[test]
fn forgotten_slots_start_clean() {
    let mut t = T::new(8);
    // Enough forgotten tags with events for the log to be purged, then a new node that
    // reuses one of their slots: its history is its own.
    for _ in 0..100 {
        let a = t.rb(1, mut_prot(0..8));
        t.wr(a, 0..8).unwrap();
        t.t.release_protector(a, 0).unwrap();
        t.t.forget_dead_leaf(a);
    }
    let b = t.rb(1, mut_ref(2..4));
    let u = ub(t.wr(b, 2..4).and_then(|_| {
        t.rd(1, 2..4)?;
        t.wr(b, 2..4)
    }));
    assert_eq!(u.history.len(), 3, "{:#?}", u.history);
    t.t.check_invariants().unwrap();
}

/// A dead tag with one child (a callee's returned tag once its caller retagged the result)
/// is spliced out at once, its child taking its place; the GC's condition decides, and
/// several children, a protector or a root keep it.
#[test]
fn forgotten_dead_links_are_spliced() {
    let mut t = T::new(8);
    let p = t.rb(1, mut_ref(0..8));
    let callee = t.rb(p, mut_prot(0..8));
    t.rd(callee, 0..4).unwrap();
    assert!(!t.t.forget_dead(callee), "protected");
    t.t.release_protector(callee, 0).unwrap();
    let r = t.rb(callee, mut_ref(0..8));
    assert!(t.t.forget_dead(callee));
    assert!(!t.t.contains(callee) && t.t.contains(r));
    t.t.check_invariants().unwrap();
    // The child hangs under `p` now: a write through it is local to `p`, a write through
    // `p` disables it, as before.
    t.wr(r, 0..8).unwrap();
    assert_eq!(t.perm(r, 0), (Unique, true));
    t.wr(p, 0..8).unwrap();
    assert_eq!(ub(t.rd(r, 0..8)).conflicting, Some(r));
    // Two children, or a Frozen parent of a Reserved child (whose write it would forbid),
    // stay.
    let q = t.rb(p, mut_ref(0..8));
    let (c1, _c2) = (t.rb(q, shr(0..8)), t.rb(q, shr(0..8)));
    assert!(!t.t.forget_dead(q));
    let f = t.rb(c1, shr(0..8));
    let m = t.rb(f, mut_ref(0..8));
    assert!(!t.t.forget_dead(f));
    assert_eq!(ub(t.wr(m, 0..8)).conflicting, Some(f));
    assert!(!t.t.forget_dead(1), "the root");
    // A written (Unique) parent above a Reserved child stays: a foreign read would freeze
    // it, and then forbid the child's write.
    let w = t.rb(p, mut_ref(0..8));
    t.wr(w, 0..8).unwrap();
    let wr = t.rb(w, mut_ref(0..8));
    assert!(!t.t.forget_dead(w));
    t.rd(p, 0..8).unwrap();
    assert_eq!(ub(t.wr(wr, 0..8)).conflicting, Some(w));
    t.t.check_invariants().unwrap();
}

/// A dead tag that cannot go yet (its children still live, or a written parent above a
/// Reserved child) is marked, and goes as soon as a removal below lets it; the GC takes it
/// whatever its liveness answer says.
#[test]
fn dead_tags_go_with_their_descendants() {
    let mut t = T::new(8);
    let a = t.rb(1, mut_ref(0..8));
    t.wr(a, 0..8).unwrap();
    let b = t.rb(a, mut_ref(0..8));
    let c = t.rb(b, shr(0..8));
    let d = t.rb(b, shr(0..8));
    // `a` is Unique above a Reserved `b`; `b` has two children.
    assert!(!t.t.forget_dead(a));
    assert!(!t.t.forget_dead(b));
    assert!(t.t.contains(a) && t.t.contains(b));
    // Without `c`, `b` is a Reserved link above a Frozen `d`: spliced out, and then `a`,
    // Unique above Frozen, too.
    assert!(t.t.forget_dead(c));
    assert!(!t.t.contains(b) && !t.t.contains(a) && t.t.contains(d));
    t.t.check_invariants().unwrap();
    assert_eq!(
        ub(t.wr(d, 0..8)).conflicting,
        Some(d),
        "`d` is still Frozen"
    );
    assert!(t.t.forget_dead(d));
    assert_eq!(t.t.node_count(), 1);
    t.t.check_invariants().unwrap();
    // A marked tag that cannot be spliced stays for the GC as long as its child lives, and
    // goes with it even if the scan still finds it.
    let e = t.rb(1, mut_ref(0..8));
    t.wr(e, 0..8).unwrap();
    let f = t.rb(e, mut_ref(0..8));
    assert!(!t.t.forget_dead(e));
    t.t.gc(&|tag| tag == e || tag == f);
    assert!(t.t.contains(e) && t.t.contains(f));
    t.t.gc(&|tag| tag == e);
    assert!(!t.t.contains(e) && !t.t.contains(f));
}
