//! Wildcard provenance (model §7): accesses whose source is "some exposed tag", and the part
//! of every concrete access that reaches the other trees (wildcard subtrees).
//!
//! Relatedness of a wildcard access to node N of the tree rooted at R, for kind k, is
//! decided by counting exposed nodes whose access level allows k: in N's subtree (`local`)
//! and in the whole tree plus one virtual foreign exposed node for wildcard-subtree roots
//! (`total`). Miri keeps these counts incrementally per location; here they are computed
//! when a wildcard traversal of one chunk starts and updated along the parent chain whenever
//! an exposed node changes state during that traversal — the same values Miri would read,
//! at O(subtree) per (wildcard access, chunk); concrete accesses in a tree without wildcard
//! subtrees pay nothing.
//!
//! Traversal order (model §7: children before parents): post-order over the whole tree,
//! last-inserted child first, with the usual skipping at every node whose relatedness is
//! known and foreign. (Miri visits the tree root first and never skips below it; this only
//! changes which violation is reported first and, through the unconditional skips of §8.2,
//! recorded states below a skipped wildcard root.)

use crate::perms::WildcardLevel;
use crate::tree::{AccessCtx, Fail, FailInfo, Tree};
use crate::*;

/// Where a wildcard access comes from relative to a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WildcardRel {
    Local,
    Foreign,
    /// Unknown: the node gets no transition (an imprecision that may miss UB).
    Either,
}

/// Relatedness from counts (§7). `None` = no exposed tag may perform this access.
pub(crate) fn relatedness(local: u32, total: u32, only_foreign: bool) -> Option<WildcardRel> {
    if total == 0 {
        return None;
    }
    let rel = if local == total {
        WildcardRel::Local
    } else if local == 0 {
        WildcardRel::Foreign
    } else {
        WildcardRel::Either
    };
    if only_foreign {
        match rel {
            WildcardRel::Local => None,
            _ => Some(WildcardRel::Foreign),
        }
    } else {
        Some(rel)
    }
}

#[inline(always)]
fn level_bits(l: WildcardLevel) -> [u32; 2] {
    [
        (l >= WildcardLevel::Read) as u32,
        (l == WildcardLevel::Write) as u32,
    ]
}

impl Tree {
    /// Exposure level of node `n` at chunk `ci` (None if not exposed).
    fn exposed_level(&self, n: u32, ci: usize) -> WildcardLevel {
        let node = &self.nodes[n as usize];
        if !node.exposed {
            return WildcardLevel::None;
        }
        self.state(n, ci)
            .perm()
            .wildcard_level(node.protector.is_some())
    }

    /// Compute `counts` (per node: exposed tags below it able to read, to write) for the
    /// subtree of `r` at chunk `ci`. Scratch of the wildcard access, not kept in the tree:
    /// wildcard accesses are rare, trees are many.
    fn compute_counts(
        &mut self,
        r: u32,
        ci: usize,
        order: &mut Vec<u32>,
        counts: &mut Vec<[u32; 2]>,
    ) {
        order.clear();
        self.post_order_into(r, order);
        if counts.len() < self.nodes.len() {
            counts.resize(self.nodes.len(), [0, 0]);
        }
        for &n in order.iter() {
            let mut c = level_bits(self.exposed_level(n, ci));
            for &ch in &self.nodes[n as usize].children {
                c[0] += counts[ch as usize][0];
                c[1] += counts[ch as usize][1];
            }
            counts[n as usize] = c;
        }
    }

    fn rel_of(
        &self,
        counts: &[[u32; 2]],
        n: u32,
        r: u32,
        ctx: &AccessCtx,
        max_local: Option<Tag>,
    ) -> Option<WildcardRel> {
        let k = (ctx.kind == AccessKind::Write) as usize;
        let extra = (r != self.roots[0]) as u32;
        let total = counts[r as usize][k] + extra;
        let local = counts[n as usize][k];
        let only_foreign = max_local.is_some_and(|m| self.nodes[n as usize].tag > m);
        relatedness(local, total, only_foreign)
    }

    /// Wildcard access to the tree rooted at `r` on chunk `ci` (§7). `max_local`: tag of
    /// the root of the concretely accessed tree, if any (larger tags cannot be local).
    pub(crate) fn wildcard_access(
        &mut self,
        r: u32,
        ci: usize,
        ctx: &AccessCtx,
        max_local: Option<Tag>,
    ) -> Result<(), Fail> {
        let mut order = Vec::new();
        let mut counts = Vec::new();
        self.compute_counts(r, ci, &mut order, &mut counts);
        let mut stack = vec![(r, false)];
        while let Some((n, after)) = stack.pop() {
            let rel = self.rel_of(&counts, n, r, ctx, max_local);
            if !after {
                if rel == Some(WildcardRel::Foreign) && self.state(n, ci).skips_foreign(ctx.kind) {
                    continue;
                }
                stack.push((n, true));
                stack.extend(self.nodes[n as usize].children.iter().map(|&c| (c, false)));
                continue;
            }
            let local = match rel {
                None => {
                    let offset = self.locs.chunks[ci].start;
                    return Err(Box::new(FailInfo {
                        kind: UbKind::NoExposedTag,
                        node: None,
                        offset,
                    }));
                }
                Some(WildcardRel::Either) => continue,
                Some(WildcardRel::Local) => true,
                Some(WildcardRel::Foreign) => false,
            };
            let before = self.exposed_level(n, ci);
            self.apply(n, ci, ctx, local)?;
            let after_level = self.exposed_level(n, ci);
            if before != after_level {
                let (b, a) = (level_bits(before), level_bits(after_level));
                let mut m = n;
                while m != crate::tree::NONE {
                    let c = &mut counts[m as usize];
                    c[0] = c[0] + a[0] - b[0];
                    c[1] = c[1] + a[1] - b[1];
                    m = self.nodes[m as usize].parent;
                }
            }
        }
        Ok(())
    }
}
