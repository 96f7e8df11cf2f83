//! Pruning of dead tags (spec §8.1).
//!
//! A tag is kept when the runtime says it is live, when it is protected (it still owes a
//! protector-end access), exposed (a wildcard access may come through it), or a root. For
//! each root, post-order: a dead leaf child is removed; a dead non-root child with exactly
//! one child G is spliced out (G takes its place) when `can_replace` holds at every
//! location. Removed slots are cleared from every chunk and recycled; finally equal
//! adjacent chunks are merged.

use crate::perms::can_replace;
use crate::tree::Tree;
use crate::*;

impl Tree {
    /// Prune dead tags (spec §8.1). `is_live` answers for tags held by live pointers;
    /// protected tags, roots and exposed tags are kept regardless.
    pub fn gc(&mut self, is_live: &dyn Fn(Tag) -> bool) {
        let roots = self.roots.clone();
        for r in roots {
            self.prune_below(r, is_live);
        }
        self.locs.merge_adjacent();
    }

    fn keeps(&self, n: u32, is_live: &dyn Fn(Tag) -> bool) -> bool {
        let node = &self.nodes[n as usize];
        node.protector.is_some() || node.exposed || self.roots.contains(&n) || is_live(node.tag)
    }

    fn prune_below(&mut self, root: u32, is_live: &dyn Fn(Tag) -> bool) {
        // (node, next child to visit)
        let mut stack: Vec<(u32, usize)> = vec![(root, 0)];
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            let children = &self.nodes[n as usize].children;
            if *next < children.len() {
                let c = children[*next];
                *next += 1;
                stack.push((c, 0));
                continue;
            }
            stack.pop();
            let mut children = std::mem::take(&mut self.nodes[n as usize].children);
            children.retain_mut(|c| {
                let child = *c;
                if self.nodes[child as usize].children.is_empty() && !self.keeps(child, is_live) {
                    self.remove_node(child);
                    return false;
                }
                if let Some(g) = self.single_replaceable_child(child, is_live) {
                    self.remove_node(child);
                    self.nodes[g as usize].parent = n;
                    *c = g;
                }
                true
            });
            self.nodes[n as usize].children = children;
        }
    }

    fn single_replaceable_child(&self, n: u32, is_live: &dyn Fn(Tag) -> bool) -> Option<u32> {
        let node = &self.nodes[n as usize];
        let &[g] = node.children.as_slice() else {
            return None;
        };
        if self.keeps(n, is_live) || node.parent == crate::tree::NONE {
            return None;
        }
        for ci in 0..self.locs.chunks.len() {
            if !can_replace(self.state(n, ci).perm(), self.state(g, ci).perm()) {
                return None;
            }
        }
        // With no chunk at all (empty allocation) the defaults decide.
        if self.locs.chunks.is_empty()
            && !can_replace(node.default_perm(), self.nodes[g as usize].default_perm())
        {
            return None;
        }
        Some(g)
    }

    /// Remove a node everywhere (its children list must already be moved or empty).
    fn remove_node(&mut self, n: u32) {
        for c in &mut self.locs.chunks {
            c.clear(n);
        }
        let node = &mut self.nodes[n as usize];
        self.tags.remove(&node.tag);
        if self.cache.0 == node.tag {
            self.cache = (0, 0);
        }
        node.tag = 0;
        node.children.clear();
        node.events.clear();
        node.events.shrink_to(4);
        self.free.push(n);
    }
}
