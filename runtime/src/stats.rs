//! Counters of what the runtime did, printed at exit with `BSAN_OPTIONS=stats=1` (and before
//! a report exits) as one line:
//!
//! ```text
//! bsan: stats: retags=N accesses=N accesses_untracked=N accesses_no_tree=N accesses_checked=N ... retag_source=synthesized
//! ```
//!
//! The last field is not a counter: where the program's retags come from
//! ([`crate::retag_source`]): `intrinsics`, `synthesized`, `intrinsics+synthesized` or `none`.
//!
//! Counters are relaxed atomics and only counted when the flag is on, so a program that does
//! not ask for statistics does not share a cache line between threads on every access. The
//! end-to-end tests grep these names to prove that instrumentation actually ran.
//!
//! Access and elided-retag counters count the checks that reached the runtime: the inline
//! fast path ([`bsan_abi::fast_path`]) decides most checks on allocations without a tree
//! in instrumented code, uncounted. `fast_path=0` sends every check here, so that
//! `accesses_no_tree` and `retags_elided` count them all.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// One counter.
pub struct Counter(AtomicU64);

impl Counter {
    const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    /// Adds one (if statistics are enabled).
    #[inline]
    pub fn bump(&self) {
        if ENABLED.load(Relaxed) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    /// Adds `n` (if statistics are enabled).
    #[inline]
    pub fn add(&self, n: u64) {
        if ENABLED.load(Relaxed) {
            self.0.fetch_add(n, Relaxed);
        }
    }

    /// Raises the counter to `n` if it is lower (if statistics are enabled): a high-water mark.
    #[inline]
    pub fn raise_to(&self, n: u64) {
        if ENABLED.load(Relaxed) {
            self.0.fetch_max(n, Relaxed);
        }
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);

macro_rules! counters {
    ($( $(#[doc = $doc:literal])* $name:ident => $label:literal, )*) => {
        $( $(#[doc = $doc])* pub static $name: Counter = Counter::new(); )*
        /// Every counter with its printed name, in print order.
        const ALL: &[(&str, &Counter)] = &[ $( ($label, &$name), )* ];
    };
}

counters! {
    /// Retags requested (`__bsan_retag`), including ones that did nothing.
    RETAGS => "retags",
    /// Retags that created a tag.
    RETAGS_DONE => "retags_done",
    /// Implicit reads of retags the pass elided (`__bsan_retag_check`; not in `retags`).
    RETAGS_ELIDED => "retags_elided",
    /// Accesses through untracked pointers.
    ACCESSES_UNTRACKED => "accesses_untracked",
    /// Accesses to allocations without a tree (never retagged).
    ACCESSES_NO_TREE => "accesses_no_tree",
    /// Accesses checked by a tree.
    ACCESSES_CHECKED => "accesses_checked",
    /// Heap allocations registered.
    ALLOCS_HEAP => "allocations_heap",
    /// Escaping stack slots registered.
    ALLOCS_STACK => "allocations_stack",
    /// Globals registered.
    ALLOCS_GLOBAL => "allocations_global",
    /// Deallocations of tracked allocations.
    DEALLOCS => "deallocations",
    /// Trees created (first retag of an allocation).
    TREES => "trees",
    /// Operations through a tag the tree did not know (stale provenance), ignored.
    UNKNOWN_TAGS => "unknown_tags",
    /// Protectors registered in a frame.
    PROTECTORS => "protectors",
    /// Frames dropped because they were left by unwinding.
    UNWOUND_FRAMES => "unwound_frames",
    /// Provenance naming no allocation record (a bug upstream), ignored.
    INVALID_PROVENANCE => "invalid_provenance",
    /// Accesses through wildcard provenance (also counted as untracked, no-tree or checked).
    ACCESSES_WILDCARD => "accesses_wildcard",
    /// Retags of pointers with wildcard provenance (also counted in `retags`).
    RETAGS_WILDCARD => "retags_wildcard",
    /// Allocations entered in the index of exposed allocations.
    EXPOSED_ALLOCS => "exposed_allocations",
    /// Exposed allocations dropped from the index because new memory overlapped them.
    EXPOSED_EVICTED => "exposed_evicted",
    /// Provenance garbage collections.
    GC_RUNS => "gc_runs",
    /// Of those, young collections (tags made since the previous one only).
    GC_YOUNG_RUNS => "gc_young_runs",
    /// Tags removed from trees by garbage collection.
    TAGS_PRUNED => "tags_pruned",
    /// Retags whose tag dies with its function (`NO_ESCAPE`).
    RETAGS_NO_ESCAPE => "retags_no_escape",
    /// Of those, tags removed when their protector or frame ended (the rest had several
    /// children then, or were beyond a frame's cap, and are left to the GC).
    TAGS_DIED => "tags_died",
    /// Dead tags spliced out of their tree when a retag made their only child
    /// (`PARENT_DIES`).
    TAGS_SPLICED => "tags_spliced",
    /// Words of thread stacks, TLS slots and registers read by collections.
    GC_STACK_WORDS => "gc_stack_words",
    /// Shadow memory entries read by collections.
    GC_SHADOW_ENTRIES => "gc_shadow_entries",
    /// The most nodes one tree had after a retag (high-water mark).
    TREE_NODES_MAX => "tree_nodes_max",
    /// The most location chunks one tree had after a retag (high-water mark).
    TREE_CHUNKS_MAX => "tree_chunks_max",
}

/// Enables counting (and printing at exit) if `enabled`; called once at initialisation.
pub fn init(enabled: bool) {
    if enabled {
        ENABLED.store(true, Relaxed);
        crate::sys::at_exit(print_at_exit);
    }
}

/// Whether counters are being counted.
pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// The stats line, with the totals `accesses=` and `allocations=` first.
pub fn render() -> String {
    let accesses = ACCESSES_UNTRACKED.get() + ACCESSES_NO_TREE.get() + ACCESSES_CHECKED.get();
    let allocations = ALLOCS_HEAP.get() + ALLOCS_STACK.get() + ALLOCS_GLOBAL.get();
    let mut line = format!(
        "bsan: stats: retags={} accesses={accesses} allocations={allocations}",
        RETAGS.get()
    );
    for (label, counter) in ALL.iter().filter(|(l, _)| *l != "retags") {
        line.push_str(&format!(" {label}={}", counter.get()));
    }
    line.push_str(&format!(
        " metadata_peak_kb={}",
        crate::metadata::usage().1 / 1024
    ));
    line.push_str(&format!(
        " shadow_resident_kb={} records_kb={}",
        crate::shadow::resident_bytes() / 1024,
        crate::alloc_info::arena_bytes() / 1024
    ));
    line.push_str(" retag_source=");
    line.push_str(crate::retag_source::label(crate::retag_source::bits()));
    line.push('\n');
    line
}

/// Prints the stats line to stderr if counting is enabled.
pub fn print_if_enabled() {
    if enabled() {
        crate::sys::write_stderr(render().as_bytes());
    }
}

extern "C" fn print_at_exit() {
    print_if_enabled();
}

#[cfg(test)]
mod tests {
    #[test]
    fn stats_line_has_the_names_tests_grep_for() {
        let line = super::render();
        for key in [
            "retags=",
            "accesses=",
            "allocations=",
            "trees=",
            "accesses_checked=",
            "gc_runs=",
            "tags_pruned=",
            " retag_source=none\n",
        ] {
            assert!(line.contains(key), "{line}");
        }
        assert!(line.starts_with("bsan: stats: ") && line.ends_with('\n'));
    }
}
