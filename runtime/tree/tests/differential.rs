//! Differential test: the real `Tree` against the naive per-byte model (`bsan_tree::naive`)
//! on random operation sequences (retags of every kind, accesses, wildcard accesses,
//! protector releases, protectors forgotten without exit accesses, exposes, GC with random
//! live sets, deallocation). Accesses often repeat an earlier one, so the tree's no-op
//! access cache is exercised; after every operation the tree's internal invariants
//! (skipping counts, tag map, links) are checked too.
//!
//! After every operation both must agree on the outcome (Ok, or UB kind + accessed +
//! conflicting tag + offset) and on the permission and accessed bit of every tag still in
//! the real tree at every byte. After a UB both models are rolled back to the state before
//! the operation (the program would abort there; after a failure the models legitimately
//! differ in how much of the failing chunk was updated). A sequence ends at deallocation. Tags the generator declared dead at a GC are never used
//! again; the naive model never prunes, so only tags present in both are compared.
//!
//! Every other sequence reuses the previous one's tree through `Tree::reset`.
//!
//! `BSAN_TREE_DIFF_CASES` = number of operations (default 100 000);
//! `BSAN_TREE_DIFF_SEED` = base seed.

use bsan_tree::naive::{NaiveError, NaiveTree};
use bsan_tree::*;
use std::ops::Range;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
    fn range(&mut self, size: u64) -> Range<u64> {
        let a = self.below(size + 1);
        let b = self.below(size + 1);
        let (a, b) = (a.min(b), a.max(b));
        if self.chance(10) {
            a..a
        } else {
            a..b
        }
    }
}

#[derive(Debug)]
enum Op {
    Retag {
        parent: Provenance,
        new: Tag,
        mutable: bool,
        freeze: bool,
        prot: Option<ProtectorKind>,
        range: Range<u64>,
        cells: Vec<Range<u64>>,
    },
    Access {
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
    },
    Release(Tag),
    /// A protector release, then the tag dropped as dead (`NO_ESCAPE`): a leaf, or a
    /// link to its only child (`Tree::forget_dead`).
    ReleaseDead(Tag),
    /// An unprotected tag dropped as dead (`PARENT_DIES`), if `Tree::forget_dead` can.
    ForgetDead(Tag),
    Forget(Tag),
    Expose(Tag),
    Gc(Vec<Tag>),
    Dealloc(Provenance),
    /// The previous op was UB and has been undone.
    RolledBack,
}

struct Case {
    real: Tree,
    naive: NaiveTree,
    size: u64,
    usable: Vec<Tag>,
    protected: Vec<Tag>,
    next: Tag,
    log: Vec<Op>,
    last_access: Option<(Provenance, Range<u64>)>,
}

impl Case {
    fn prov(&self, rng: &mut Rng, wildcard_percent: u64) -> Provenance {
        if rng.chance(wildcard_percent) {
            Provenance::Wildcard
        } else {
            Provenance::Tag(rng.pick(&self.usable))
        }
    }

    /// Tags declared dead at a GC must not be used again.
    fn still_usable(&self, prov: Provenance) -> bool {
        match prov {
            Provenance::Tag(t) => self.usable.contains(&t),
            Provenance::Wildcard => true,
        }
    }

    fn gen(&mut self, rng: &mut Rng) -> Op {
        let r = rng.below(100);
        if r < 35 {
            let mutable = rng.chance(60);
            let freeze = rng.chance(65);
            let prot = match rng.below(10) {
                0..=5 => None,
                6..=8 => Some(ProtectorKind::Strong),
                _ => Some(ProtectorKind::Weak),
            };
            let range = rng.range(self.size);
            let mut cells = Vec::new();
            if !freeze && range.start < range.end {
                let mut pos = range.start;
                while pos < range.end && cells.len() < 3 {
                    let s = pos + rng.below(range.end - pos);
                    let e = s + 1 + rng.below(range.end - s);
                    if rng.chance(70) {
                        cells.push(s..e);
                    }
                    pos = e;
                }
            }
            let new = self.next;
            self.next += 1;
            Op::Retag {
                parent: self.prov(rng, 8),
                new,
                mutable,
                freeze,
                prot,
                range,
                cells,
            }
        } else if r < 80 {
            let kind = if rng.chance(50) {
                AccessKind::Read
            } else {
                AccessKind::Write
            };
            // Often repeat an earlier access (same pointer and range): loops do, and it
            // exercises the tree's no-op access cache, also across other operations.
            let (prov, range) = match &self.last_access {
                Some(last) if rng.chance(40) && self.still_usable(last.0) => last.clone(),
                _ => (self.prov(rng, 10), rng.range(self.size)),
            };
            self.last_access = Some((prov, range.clone()));
            Op::Access { prov, range, kind }
        } else if r < 87 && !self.protected.is_empty() {
            let t = rng.pick(&self.protected);
            match rng.below(10) {
                0..=2 => Op::Forget(t),
                3..=5 => Op::ReleaseDead(t),
                _ => Op::Release(t),
            }
        } else if r < 90 {
            Op::Expose(rng.pick(&self.usable))
        } else if r < 92 {
            Op::ForgetDead(rng.pick(&self.usable))
        } else if r < 98 {
            let keep: Vec<Tag> = self
                .usable
                .iter()
                .copied()
                .filter(|t| *t == 1 || self.protected.contains(t) || rng.chance(60))
                .collect();
            Op::Gc(keep)
        } else {
            Op::Dealloc(self.prov(rng, 10))
        }
    }

    /// Run one op on both models; returns false when the sequence must end. After UB both
    /// models are rolled back to their state before the op (the program would have
    /// aborted; the models legitimately differ in how much of the failing chunk they had
    /// updated), so sequences can go on.
    fn run(&mut self, op: Op) -> (bool, bool) {
        let snapshot = (
            self.real.clone(),
            self.naive.clone(),
            self.usable.clone(),
            self.protected.clone(),
        );
        let (real, naive, end) = match &op {
            Op::Retag {
                parent,
                new,
                mutable,
                freeze,
                prot,
                range,
                cells,
            } => {
                let p = NewPermission {
                    mutable: *mutable,
                    freeze: *freeze,
                    protector: *prot,
                    range: range.clone(),
                    cell_ranges: cells,
                };
                let a = self.real.retag(*parent, *new, &p, 0);
                let b = self.naive.retag(*parent, *new, &p);
                if a.is_ok() {
                    self.usable.push(*new);
                    if prot.is_some() {
                        self.protected.push(*new);
                    }
                }
                (a, b, false)
            }
            Op::Access { prov, range, kind } => (
                self.real.access(*prov, range.clone(), *kind, 0),
                self.naive.access(*prov, range.clone(), *kind),
                false,
            ),
            Op::Release(t) => {
                self.protected.retain(|p| p != t);
                (
                    self.real.release_protector(*t, 0),
                    self.naive.release_protector(*t),
                    false,
                )
            }
            Op::ReleaseDead(t) => {
                self.protected.retain(|p| p != t);
                let a = self.real.release_protector(*t, 0);
                let b = self.naive.release_protector(*t);
                if a.is_ok() {
                    // Dead either way: removed now, or marked and removed with its last
                    // descendant.
                    self.real.forget_dead(*t);
                    self.usable.retain(|u| u != t);
                }
                (a, b, false)
            }
            Op::ForgetDead(t) => {
                // Never used again (removed now, or marked dead and removed later), unless
                // it is protected or the root, which stay as they are.
                self.real.forget_dead(*t);
                if !self.protected.contains(t) && *t != 1 {
                    self.usable.retain(|u| u != t);
                }
                (Ok(()), Ok(()), false)
            }
            Op::Forget(t) => {
                self.protected.retain(|p| p != t);
                (
                    self.real.forget_protector(*t),
                    self.naive.forget_protector(*t),
                    false,
                )
            }
            Op::Expose(t) => {
                self.real.expose(*t);
                self.naive.expose(*t);
                (Ok(()), Ok(()), false)
            }
            Op::Gc(keep) => {
                self.real.gc(&|t| keep.contains(&t));
                self.usable = keep.clone();
                (Ok(()), Ok(()), false)
            }
            Op::Dealloc(prov) => (self.real.dealloc(*prov, 0), self.naive.dealloc(*prov), true),
            Op::RolledBack => (Ok(()), Ok(()), false),
        };
        self.log.push(op);
        if let Err(e) = self.real.check_invariants() {
            panic!("{e}\n{}", self.report());
        }
        let real = real.map_err(|e| NaiveError::of(&e));
        assert_eq!(real, naive, "outcome mismatch\n{}", self.report());
        if real.is_err() {
            (self.real, self.naive, self.usable, self.protected) = snapshot;
            self.log.push(Op::RolledBack);
            return (!end, true);
        }
        if end {
            return (false, false);
        }
        self.compare_states();
        (true, false)
    }

    fn compare_states(&self) {
        for tag in self.real.tags() {
            assert!(
                self.naive.contains(tag),
                "tag {tag} only in the real tree\n{}",
                self.report()
            );
            for b in 0..self.size {
                let r = self.real.perm_at(tag, b);
                let n = self.naive.perm_at(tag, b);
                assert_eq!(r, n, "state of <{tag}> at byte {b}\n{}", self.report());
            }
        }
    }

    fn report(&self) -> String {
        let mut s = format!("size {}\n", self.size);
        for op in &self.log {
            s.push_str(&format!("  {op:?}\n"));
        }
        s.push_str(&self.real.dump());
        s
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs at least `total` operations in sequences of `lengths` operations on allocations of
/// at most `max_size` bytes.
fn run_sequences(total: u64, seed: u64, max_size: u64, lengths: Range<u64>) {
    let mut ops = 0u64;
    let mut cases = 0u64;
    let mut ubs = 0u64;
    let mut max_nodes = 0;
    // Every other sequence runs on the previous sequence's tree, reset (`Tree::reset`, as
    // the runtime recycles trees): it must be indistinguishable from a new one.
    let mut previous: Option<Tree> = None;
    while ops < total {
        let mut rng = Rng(seed ^ cases.wrapping_mul(0xA24B_AED4_963E_E407));
        let size = if rng.chance(3) {
            0
        } else {
            1 + rng.below(max_size)
        };
        let real = match previous.take() {
            Some(mut t) if cases % 2 == 1 => {
                t.reset(1, size, 0);
                t
            }
            _ => Tree::new(1, size, 0),
        };
        let mut case = Case {
            real,
            naive: NaiveTree::new(1, size),
            size,
            usable: vec![1],
            protected: Vec::new(),
            next: 2,
            log: Vec::new(),
            last_access: None,
        };
        let len = lengths.start + rng.below(lengths.end - lengths.start);
        for _ in 0..len {
            let op = case.gen(&mut rng);
            ops += 1;
            let (go_on, was_ub) = case.run(op);
            max_nodes = max_nodes.max(case.real.node_count());
            ubs += was_ub as u64;
            if !go_on {
                break;
            }
        }
        previous = Some(case.real);
        cases += 1;
    }
    eprintln!(
        "differential: {ops} operations in {cases} sequences, {ubs} were UB, max {max_nodes} nodes"
    );
    assert!(ops >= total);
}

#[test]
fn differential_against_naive_model() {
    let total = env_u64("BSAN_TREE_DIFF_CASES", 100_000);
    let seed = env_u64("BSAN_TREE_DIFF_SEED", 0x5EED_0B5A_u64);
    run_sequences(total, seed, 16, 20..120);
}

/// Long sequences on larger allocations: trees of hundreds of nodes over many chunks, where
/// most chunks hold entries of only a few of them (the per-chunk sparse layout of
/// `locations`, and the node spans that bound protector releases and SIFA updates).
#[test]
fn differential_large_sparse_trees() {
    let total = env_u64("BSAN_TREE_DIFF_CASES", 100_000) / 4;
    let seed = env_u64("BSAN_TREE_DIFF_SEED", 0x5EED_0B5A_u64) ^ 0x1A96E;
    run_sequences(total, seed, 96, 300..1200);
}
