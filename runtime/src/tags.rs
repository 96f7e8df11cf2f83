//! Tags: the global counter every Tree Borrows tag comes from.
//!
//! Tags start at 1 (0 is reserved in the ABI for "the allocation's root tag") and are never
//! reused, so a child is always younger (larger) than its parent and a stale tag can never
//! name a node of a recycled allocation record's new tree: it is simply unknown there.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use bsan_tree::Tag;

static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// A tag never handed out before.
#[inline]
pub fn fresh() -> Tag {
    // Relaxed: uniqueness only needs the atomicity of the increment. 2^64 tags do not run out.
    NEXT_TAG.fetch_add(1, Relaxed)
}

/// The tag the next [`fresh`] call will return at the earliest: every tag handed out so far
/// is smaller.
#[inline]
pub fn peek() -> Tag {
    NEXT_TAG.load(Relaxed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_are_nonzero_and_increasing() {
        let a = super::fresh();
        let b = super::fresh();
        assert!(a >= 1 && b > a);
    }
}
