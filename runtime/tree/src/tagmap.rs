//! The tag -> node index map of one tree (spec §1.1 `tag_of`).
//!
//! A `HashMap` with a multiplicative hasher: tags are small sequential integers, so SipHash's
//! DoS resistance buys nothing and costs most of the per-access budget.

use crate::Tag;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fibonacci hashing of one `u64`.
#[derive(Default, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl Hasher for TagHasher {
    #[inline(always)]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    #[inline(always)]
    fn write_u64(&mut self, n: u64) {
        // High bits of the product are the well-mixed ones; hashbrown uses the top 7 bits
        // for its control bytes and the low bits for the bucket, so fold them together.
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

pub(crate) type TagMap = HashMap<Tag, u32, BuildHasherDefault<TagHasher>>;
