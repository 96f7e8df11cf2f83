//! Benchmark of the optimized tree against the naive reference model.
//!
//! `cargo run --release -p bsan-tree --example bench`
//!
//! Prints ns per access (median of 7 repetitions) for: (a) an allocation without a tree
//! (`Option<Tree>` = None, i.e. a null check), (b) accesses through one Unique tag,
//! (c) `reborrow; write; drop` cycles with pruning every 64 cycles, (d) 64 sibling shared
//! reborrows read in turn, (e) a 4 KiB allocation accessed byte by byte through 8 tags.
//! The naive model runs fewer iterations where it is slow; everything is normalised per
//! access (per cycle for (c)). `BENCH_GC_EVERY=N` changes the GC period of (c) (default 64).

use bsan_tree::naive::NaiveTree;
use bsan_tree::*;
use std::hint::black_box;
use std::time::Instant;

const REPS: usize = 7;

fn median_ns(mut f: impl FnMut() -> u64) -> f64 {
    let mut v: Vec<f64> = (0..REPS)
        .map(|_| {
            let start = Instant::now();
            let n = f();
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[REPS / 2]
}

fn mut_ref(range: std::ops::Range<u64>) -> NewPermission<'static> {
    NewPermission {
        mutable: true,
        freeze: true,
        protector: None,
        range,
        cell_ranges: &[],
    }
}
fn shr(range: std::ops::Range<u64>) -> NewPermission<'static> {
    NewPermission {
        mutable: false,
        freeze: true,
        protector: None,
        range,
        cell_ranges: &[],
    }
}

fn row(name: &str, opt: f64, naive: f64, extra: &str) {
    println!(
        "{name:<44} {opt:>9.2} ns {naive:>11.2} ns {:>9.1}x  {extra}",
        naive / opt
    );
}

fn main() {
    let (node_size, per_loc) = Tree::node_footprint();
    println!("bsan-tree benchmark (median of {REPS} runs)");
    println!(
        "bytes per node: {node_size} (node struct) + {per_loc} per location chunk (packed state) + ~13 (tag map entry)"
    );
    println!(
        "{:<44} {:>12} {:>14} {:>10}",
        "case", "optimized", "naive", "naive/opt"
    );

    // (a) no tree: the runtime keeps `Option<Tree>` per allocation; None = a null check.
    {
        const N: u64 = 10_000_000;
        let opt = median_ns(|| {
            let mut t: Option<Tree> = black_box(None);
            for i in 0..N {
                if let Some(t) = black_box(&mut t) {
                    let _ = t.access(Provenance::Tag(1), i % 8..i % 8 + 1, AccessKind::Read, 0);
                }
            }
            N
        });
        let naive = median_ns(|| {
            let mut t: Option<NaiveTree> = black_box(None);
            for i in 0..N {
                if let Some(t) = black_box(&mut t) {
                    let _ = t.access(Provenance::Tag(1), i % 8..i % 8 + 1, AccessKind::Read);
                }
            }
            N
        });
        row("(a) allocation without a tree", opt, naive, "");
    }

    // (b) 1,000,000 accesses through one Unique tag (8-byte allocation).
    {
        const N: u64 = 1_000_000;
        let mut t = Tree::new(1, 8, 0);
        t.retag(Provenance::Tag(1), 2, &mut_ref(0..8), 0).unwrap();
        t.access(Provenance::Tag(2), 0..8, AccessKind::Write, 0)
            .unwrap();
        let opt = median_ns(|| {
            for i in 0..N {
                let kind = if i & 1 == 0 {
                    AccessKind::Read
                } else {
                    AccessKind::Write
                };
                black_box(t.access(Provenance::Tag(black_box(2)), 0..8, kind, 0)).unwrap();
            }
            N
        });
        let mut n = NaiveTree::new(1, 8);
        n.retag(Provenance::Tag(1), 2, &mut_ref(0..8)).unwrap();
        n.access(Provenance::Tag(2), 0..8, AccessKind::Write)
            .unwrap();
        let naive = median_ns(|| {
            for i in 0..N / 10 {
                let kind = if i & 1 == 0 {
                    AccessKind::Read
                } else {
                    AccessKind::Write
                };
                black_box(n.access(Provenance::Tag(black_box(2)), 0..8, kind)).unwrap();
            }
            N / 10
        });
        row("(b) access through one Unique tag", opt, naive, "");
    }

    // (c) 1,000,000 `reborrow; write; drop` cycles, GC every 64 cycles.
    {
        const N: u64 = 1_000_000;
        let gc_every: u64 = std::env::var("BENCH_GC_EVERY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64);
        let mut peak_nodes = 0;
        let mut peak_bytes = 0;
        let opt = median_ns(|| {
            let mut t = Tree::new(1, 64, 0);
            for i in 0..N {
                let tag = i + 2;
                t.retag(Provenance::Tag(1), tag, &mut_ref(0..64), 0)
                    .unwrap();
                black_box(t.access(Provenance::Tag(tag), 0..8, AccessKind::Write, 0)).unwrap();
                if i % gc_every == gc_every - 1 {
                    peak_nodes = peak_nodes.max(t.node_count());
                    peak_bytes = peak_bytes.max(t.heap_bytes());
                    t.gc(&|t| t == 1);
                }
            }
            N
        });
        // The naive model cannot prune: it grows, so it runs few cycles.
        const M: u64 = 2_000;
        let naive = median_ns(|| {
            let mut n = NaiveTree::new(1, 64);
            for i in 0..M {
                n.retag(Provenance::Tag(1), i + 2, &mut_ref(0..64)).unwrap();
                black_box(n.access(Provenance::Tag(i + 2), 0..8, AccessKind::Write)).unwrap();
            }
            M
        });
        row(
            "(c) reborrow; write; drop (per cycle)",
            opt,
            naive,
            &format!(
                "peak {peak_nodes} nodes, {peak_bytes} heap bytes (naive: {M} cycles, no pruning)"
            ),
        );
    }

    // (d) 64 sibling shared reborrows read in turn.
    {
        const N: u64 = 1_000_000;
        let mut t = Tree::new(1, 8, 0);
        let mut n = NaiveTree::new(1, 8);
        for k in 0..64 {
            t.retag(Provenance::Tag(1), 2 + k, &shr(0..8), 0).unwrap();
            n.retag(Provenance::Tag(1), 2 + k, &shr(0..8)).unwrap();
        }
        let opt = median_ns(|| {
            for i in 0..N {
                black_box(t.access(Provenance::Tag(2 + i % 64), 0..8, AccessKind::Read, 0))
                    .unwrap();
            }
            N
        });
        let naive = median_ns(|| {
            for i in 0..N / 100 {
                black_box(n.access(Provenance::Tag(2 + i % 64), 0..8, AccessKind::Read)).unwrap();
            }
            N / 100
        });
        row("(d) 64 sibling shared reborrows, reads", opt, naive, "");
    }

    // (e) a 4 KiB allocation accessed byte by byte through 8 tags.
    {
        const SIZE: u64 = 4096;
        let tags: Vec<Tag> = (2..10).collect();
        let mut t = Tree::new(1, SIZE, 0);
        let mut n = NaiveTree::new(1, SIZE);
        for (k, &tag) in tags.iter().enumerate() {
            let p = if k % 2 == 0 {
                shr(0..SIZE)
            } else {
                mut_ref(0..SIZE)
            };
            t.retag(Provenance::Tag(1), tag, &p, 0).unwrap();
            n.retag(Provenance::Tag(1), tag, &p).unwrap();
        }
        let opt = median_ns(|| {
            for b in 0..SIZE {
                for &tag in &tags {
                    black_box(t.access(Provenance::Tag(tag), b..b + 1, AccessKind::Read, 0))
                        .unwrap();
                }
            }
            SIZE * tags.len() as u64
        });
        let naive = median_ns(|| {
            for b in 0..SIZE {
                for &tag in &tags {
                    black_box(n.access(Provenance::Tag(tag), b..b + 1, AccessKind::Read)).unwrap();
                }
            }
            SIZE * tags.len() as u64
        });
        row(
            "(e) 4 KiB byte by byte through 8 tags",
            opt,
            naive,
            &format!("{} chunks afterwards", t.chunk_count()),
        );
    }
}
