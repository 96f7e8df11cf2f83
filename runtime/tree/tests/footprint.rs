//! Memory of trees whose tags each cover a small part of a large allocation: per-location
//! state must cost in proportion to the entries present, not chunks × nodes. And memory of
//! the many small trees a program keeps alive: a tree per live `Vec`.

mod common;
use bsan_tree::*;
use common::*;

/// A buffer of 8 Ki elements, each reborrowed on its own (`&buf[i]`) and then again below
/// that (`&*elem`), all tags kept alive, each element read through its innermost tag:
/// 16 Ki nodes over 8 Ki chunks. A dense per-chunk layout would need a state byte for every
/// node in every chunk (128 MiB) plus counts; the sparse one stays in the low megabytes.
/// (Reads only: a write through one element's tag is foreign to every sibling at that
/// element and must give each an entry there, Disabled; that is Tree Borrows' own cost.)
#[test]
fn per_element_tags_cost_per_entry() {
    const N: u64 = 8 * 1024;
    let mut t = T::new(N * 8);
    let mut inner = Vec::new();
    for i in 0..N {
        let r = i * 8..i * 8 + 8;
        let elem = t.rb(1, shr(r.clone()));
        let leaf = t.rb(elem, shr(r.clone()));
        t.rd(leaf, r).unwrap();
        inner.push(leaf);
    }
    assert_eq!(t.t.node_count() as u64, 2 * N + 1);
    assert!(t.t.chunk_count() as u64 >= N);
    let bytes = t.t.heap_bytes();
    assert!(bytes < 16 << 20, "{bytes} heap bytes for {N} elements");
    t.t.check_invariants().unwrap();
    // Each element is still readable through its own tag; a write through the root to
    // one element disables exactly the tags there.
    t.wr(1, 0..8).unwrap();
    assert!(matches!(t.rd(inner[0], 0..8), Err(TreeError::Ub(_))));
    for (i, &leaf) in inner.iter().enumerate().skip(1).step_by(997) {
        let i = i as u64;
        t.rd(leaf, i * 8..i * 8 + 8).unwrap();
        assert_eq!(t.perm(leaf, i * 8).0, Permission::Frozen);
    }
    t.t.check_invariants().unwrap();
}

/// The protected `&mut` of a `drop(&mut self)` per element, one after the other: once each
/// protector has ended, a later foreign read through the buffer skips the dead siblings
/// (their default learnt that unprotected Reserved ignores foreign reads) instead of
/// giving every one of them an entry in every chunk it reads.
#[test]
fn ended_protectors_let_foreign_reads_skip() {
    const N: u64 = 2 * 1024;
    let mut t = T::new(N * 8);
    for i in 0..N {
        let r = i * 8..i * 8 + 8;
        let elem = t.rb(1, mut_prot(r.clone()));
        t.rd(elem, r).unwrap();
        t.t.release_protector(elem, 0).unwrap();
    }
    let before = t.t.heap_bytes();
    // Each retag's implicit read is foreign to the earlier siblings too.
    assert!(before < 4 << 20, "{before} heap bytes for {N} elements");
    for i in 0..N {
        t.rd(1, i * 8..i * 8 + 8).unwrap();
    }
    let after = t.t.heap_bytes();
    assert!(
        after < before + (64 << 10),
        "reads grew the tree from {before} to {after} bytes"
    );
    // They are still there, and still checked: a foreign write disables each.
    t.wr(1, 0..N * 8).unwrap();
    t.t.check_invariants().unwrap();
}

/// The same loop with the protectors still active must keep visiting the siblings (a
/// foreign read makes a protected Reserved conflicted, which a later write through it
/// then reports).
#[test]
fn active_protectors_still_see_foreign_reads() {
    let mut t = T::new(16);
    let a = t.rb(1, mut_prot(0..8));
    let b = t.rb(1, mut_prot(8..16));
    t.t.release_protector(b, 0).unwrap();
    t.rd(1, 0..16).unwrap();
    // `a` is protected and now conflicted: a write through it is UB.
    assert!(matches!(t.wr(a, 0..8), Err(TreeError::Ub(_))));
    // `b`, released, just stays Reserved at its bytes: writing through it is fine.
    t.wr(b, 8..16).unwrap();
}

/// The tree of a long-lived three-element `Vec<i32>`: root, a `&mut [i32]` whose pointer
/// was kept (Unique after the writes), and one below it. Its elements were written in two
/// pieces, which split the one chunk; the second write makes the pieces equal again, and
/// they merge at once (no GC comes for a tree this small). Its vectors have no room to
/// spare: 72K such trees were most of itertools' `correct_multi_product3` peak memory.
#[test]
fn a_small_long_lived_tree_stays_small() {
    let mut t = T::new(12);
    let a = t.rb(1, mut_ref(0..12));
    t.wr(a, 0..8).unwrap();
    assert_eq!(t.t.chunk_count(), 2, "split by the first write");
    t.wr(a, 8..12).unwrap();
    assert_eq!(t.t.chunk_count(), 1, "merged again by the second");
    let b = t.rb(a, mut_ref(0..12));
    t.t.check_invariants().unwrap();
    let bytes = t.t.heap_bytes();
    // 3 nodes (80 B), one chunk (72 B) with its entries, 2 events (56 B), a 4-slot tag
    // map (48 B): about 490 B. It used to be about 1.2 KB.
    assert!(bytes <= 640, "{bytes} heap bytes for a 3-tag, 12-byte tree");
    assert_eq!(t.perm(b, 4), (RES, true));
    assert_eq!(t.perm(a, 8), (Permission::Unique, true));
}

/// `Range::next` in a loop: each iteration borrows the iterator (`&mut self`) and, below
/// that tag, one of its fields, and both tags die at once (removed as dead leaves, no
/// GC). The tree must stay as small as the handful of tags it holds at any time: the
/// skipping slot of each iteration's parent tag is reused, not a new one per iteration
/// growing every chunk's count corrections.
#[test]
fn a_loop_of_dying_parent_and_child_tags_stays_small() {
    let mut t = T::new(16);
    let mut after_warmup = 0;
    for i in 0..100_000u64 {
        let this = t.rb(1, mut_ref(0..16));
        let field = t.rb(this, mut_ref(0..8));
        t.wr(field, 0..8).unwrap();
        t.rd(this, 8..16).unwrap();
        assert!(t.t.forget_dead_leaf(field));
        assert!(t.t.forget_dead_leaf(this));
        if i == 1_000 {
            after_warmup = t.t.heap_bytes();
        }
    }
    t.t.check_invariants().unwrap();
    let bytes = t.t.heap_bytes();
    assert!(
        bytes <= after_warmup,
        "{bytes} heap bytes after 100k iterations, {after_warmup} after 1k"
    );
}

/// Dropping a `Vec` of `Vec`s in a tree with other live tags (more than the few for which
/// every access merges the chunks it touched): a protected `&mut` per element, written
/// whole, released and removed as its call returns, leaves the element's bytes in the
/// same state as its neighbours'. The chunks its retag split must merge back long before
/// a GC (this tree never reaches the GC's threshold): their count stays a small multiple
/// of what the live tags need, not one per element ever visited.
#[test]
fn chunks_split_by_dead_tags_merge_back() {
    const N: u64 = 20_000;
    let mut t = T::new(N * 24);
    let slice = t.rb(1, mut_ref(0..N * 24));
    let others: Vec<Tag> = (0..32).map(|_| t.rb(1, shr(0..8))).collect();
    for i in 0..N {
        let r = i * 24..i * 24 + 24;
        let elem = t.rb(slice, mut_prot(r.clone()));
        t.wr(elem, r).unwrap();
        t.t.release_protector(elem, 0).unwrap();
        assert!(t.t.forget_dead_leaf(elem));
    }
    t.t.check_invariants().unwrap();
    let chunks = t.t.chunk_count();
    assert!(chunks <= 200, "{chunks} chunks left for {N} elements");
    // The merged chunks still hold what the live tags saw.
    assert_eq!(t.perm(slice, 5 * 24 + 8), (Permission::Unique, true));
    assert_eq!(t.perm(others[3], 0).0, Permission::Disabled);
    t.rd(slice, 0..N * 24).unwrap();
    t.t.check_invariants().unwrap();
}
