//! The access traversal of spec §2.4 on one chunk: the local phase (accessed node up to its
//! root), the foreign phase ("nearest first" groups, post-order, last-inserted child first,
//! with SIFA and the two unconditional skips of §8.2), then the wildcard subtrees.
//!
//! `apply` is the per-node step: materialise, transition, the two UB rules of §2.2, SIFA
//! and accessed-bit maintenance, event recording. Traversal order only decides which
//! violation is reported and which no-op-equivalent transitions are recorded.

use crate::diagnostics::Event;
use crate::perms::{LocState, Sifa};
use crate::tree::{AccessCtx, Fail, Tree, NONE};
use crate::*;

impl Tree {
    /// One access on chunk `ci` from `src` (None = wildcard). `skip_children`: protector
    /// release, which leaves the subtree below `src` untouched (§4.1).
    #[inline]
    pub(crate) fn access_chunk(
        &mut self,
        src: Option<u32>,
        ci: usize,
        ctx: &AccessCtx,
        skip_children: bool,
    ) -> Result<(), Fail> {
        let mut src_root = NONE;
        if let Some(s) = src {
            // Phase A: local access on s and its ancestors.
            let mut n = s;
            loop {
                self.apply(n, ci, ctx, true)?;
                let p = self.nodes[n as usize].parent;
                if p == NONE {
                    src_root = n;
                    break;
                }
                n = p;
            }
            // Phase B: foreign subtrees, nearest first.
            if !skip_children {
                self.visit_children_foreign(s, NONE, ci, ctx)?;
            }
            let (mut prev, mut n) = (s, self.nodes[s as usize].parent);
            while n != NONE {
                self.visit_children_foreign(n, prev, ci, ctx)?;
                prev = n;
                n = self.nodes[n as usize].parent;
            }
        }
        if self.roots.len() == 1 && src.is_some() {
            return Ok(());
        }
        // The other trees: wildcard accesses.
        let max_local = if src_root == NONE {
            None
        } else {
            Some(self.nodes[src_root as usize].tag)
        };
        let min_exposed = match (skip_children, src) {
            (true, Some(s)) => self.min_exposed_in_subtree(s),
            _ => None,
        };
        let mut i = 0;
        while i < self.roots.len() {
            let r = self.roots[i];
            i += 1;
            if let Some(m) = min_exposed {
                if self.nodes[r as usize].tag > m {
                    break;
                }
            }
            if r == src_root {
                continue;
            }
            self.wildcard_access(r, ci, ctx, max_local)?;
        }
        Ok(())
    }

    /// Foreign access to every child subtree of `n` except `except`, last-inserted first.
    #[inline(always)]
    fn visit_children_foreign(
        &mut self,
        n: u32,
        except: u32,
        ci: usize,
        ctx: &AccessCtx,
    ) -> Result<(), Fail> {
        // `n` itself is never visited below, so its children list can be lent out; this
        // keeps the hot sibling scan free of repeated node lookups.
        let len = self.nodes[n as usize].children.len();
        if len == 0 || (len == 1 && self.nodes[n as usize].children[0] == except) {
            return Ok(());
        }
        let kids = std::mem::take(&mut self.nodes[n as usize].children);
        let mut result = Ok(());
        let mut i = kids.len();
        loop {
            // Scan (read-only, tight) for the next child, last-inserted first, that the
            // access does not skip; the check only touches that child's state byte.
            let found = {
                let states = &self.locs.chunks[ci].states;
                let nodes = &self.nodes;
                let mut found = None;
                while i > 0 {
                    i -= 1;
                    let c = kids[i];
                    let raw = states.get(c as usize).copied().unwrap_or(LocState::ABSENT);
                    let st = if raw.is_present() {
                        raw
                    } else {
                        nodes[c as usize].default
                    };
                    if c != except && !st.skips_foreign(ctx.kind) {
                        found = Some(c);
                        break;
                    }
                }
                found
            };
            let Some(c) = found else { break };
            if let Err(e) = self.visit_foreign(c, ci, ctx) {
                result = Err(e);
                break;
            }
        }
        self.nodes[n as usize].children = kids;
        result
    }

    /// Foreign access to the subtree of `f` (not skipped itself), children before parents
    /// (§2.4 `visit_foreign`).
    #[inline]
    fn visit_foreign(&mut self, f: u32, ci: usize, ctx: &AccessCtx) -> Result<(), Fail> {
        // Fast path: a leaf needs no stack.
        if self.nodes[f as usize].children.is_empty() {
            return self.apply(f, ci, ctx, false);
        }
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push((f, false));
        let mut result = Ok(());
        while let Some((n, after)) = stack.pop() {
            if after {
                if let Err(e) = self.apply(n, ci, ctx, false) {
                    result = Err(e);
                    break;
                }
                continue;
            }
            if self.state(n, ci).skips_foreign(ctx.kind) {
                continue;
            }
            stack.push((n, true));
            stack.extend(self.nodes[n as usize].children.iter().map(|&c| (c, false)));
        }
        self.stack = stack;
        result
    }

    /// Apply the access to node `n` at chunk `ci` (§2.4 `apply`).
    #[inline(always)]
    pub(crate) fn apply(
        &mut self,
        n: u32,
        ci: usize,
        ctx: &AccessCtx,
        local: bool,
    ) -> Result<(), Fail> {
        let chunk = &mut self.locs.chunks[ci];
        let node = &mut self.nodes[n as usize];
        let raw = chunk.get(n);
        let st = if raw.is_present() { raw } else { node.default };
        let protected = node.protector.is_some();
        let old = st.perm();
        let Some(new) = st.step_perm(ctx.kind, local, protected) else {
            return Err(Fail {
                kind: UbKind::ChildAccessForbidden(old),
                node: Some(n),
                offset: chunk.start,
            });
        };
        let accessed = st.accessed() || local;
        if protected && accessed && new == Permission::Disabled && old != Permission::Disabled {
            return Err(Fail {
                kind: UbKind::ProtectedDisabled(old),
                node: Some(n),
                offset: chunk.start,
            });
        }
        let sifa = if local {
            Sifa::None
        } else {
            st.sifa().max(Sifa::of_kind(ctx.kind))
        };
        let new_st = LocState::new(new, accessed, sifa);
        if new_st != raw {
            chunk.set(n, new_st);
        }
        if new != old {
            let start = chunk.start;
            let end = match self.locs.chunks.get(ci + 1) {
                Some(c) => c.start,
                None => self.locs.size,
            };
            node.events.push(Event {
                from: old,
                to: new,
                cause: ctx.cause,
                foreign: !local,
                access_range: ctx.range.clone(),
                chunk: start..end,
                site: ctx.site,
            });
        }
        Ok(())
    }

    /// Smallest exposed tag in the subtree of `s` (itself included), §7 protector release.
    fn min_exposed_in_subtree(&self, s: u32) -> Option<Tag> {
        let mut stack = vec![s];
        let mut min: Option<Tag> = None;
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            if node.exposed {
                min = Some(min.map_or(node.tag, |m| m.min(node.tag)));
            }
            stack.extend_from_slice(&node.children);
        }
        min
    }
}
