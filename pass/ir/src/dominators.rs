//! Dominance between the blocks and instructions of one function: the immediate
//! dominators by Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast
//! Dominance Algorithm") over the reverse post-order of [`iter::reverse_post_order`].
//!
//! Blocks unreachable from the entry have no dominator and dominate nothing: queries about
//! them answer `false`, which callers treat as "not proven".

use std::collections::HashMap;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::iter;

/// The dominator tree of one function, as immediate dominators by reverse post-order
/// index.
pub struct Dominators {
    index: HashMap<LLVMBasicBlockRef, usize>,
    /// `idom[i]` = the reverse post-order index of block `i`'s immediate dominator; the
    /// entry (index 0) is its own.
    idom: Vec<usize>,
}

impl Dominators {
    /// The dominators of `f`'s blocks (`f` a function with a body).
    pub fn new(f: LLVMValueRef) -> Dominators {
        let order = iter::reverse_post_order(f);
        let index: HashMap<LLVMBasicBlockRef, usize> =
            order.iter().enumerate().map(|(i, &b)| (b, i)).collect();
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); order.len()];
        for (i, &b) in order.iter().enumerate() {
            for s in iter::successors(b) {
                if let Some(&j) = index.get(&s) {
                    preds[j].push(i);
                }
            }
        }
        const UNDEF: usize = usize::MAX;
        let mut idom = vec![UNDEF; order.len()];
        if !order.is_empty() {
            idom[0] = 0;
        }
        let intersect = |idom: &[usize], mut a: usize, mut b: usize| {
            while a != b {
                while a > b {
                    a = idom[a];
                }
                while b > a {
                    b = idom[b];
                }
            }
            a
        };
        let mut changed = true;
        while changed {
            changed = false;
            for i in 1..order.len() {
                let mut new = UNDEF;
                for &p in &preds[i] {
                    if idom[p] == UNDEF {
                        continue;
                    }
                    new = if new == UNDEF {
                        p
                    } else {
                        intersect(&idom, p, new)
                    };
                }
                if new != UNDEF && idom[i] != new {
                    idom[i] = new;
                    changed = true;
                }
            }
        }
        Dominators { index, idom }
    }

    /// Whether block `a` dominates block `b` (every path from the entry to `b` passes
    /// `a`; a block dominates itself).
    pub fn block_dominates(&self, a: LLVMBasicBlockRef, b: LLVMBasicBlockRef) -> bool {
        let (Some(&a), Some(&b)) = (self.index.get(&a), self.index.get(&b)) else {
            return false;
        };
        let mut n = b;
        // Immediate dominators come earlier in reverse post-order.
        while n > a {
            n = self.idom[n];
        }
        n == a
    }

    /// Whether instruction `a` runs before `b` on every path from the entry to `b`:
    /// `a`'s block strictly dominates `b`'s, or both are in one block with `a` first.
    pub fn dominates(&self, a: LLVMValueRef, b: LLVMValueRef) -> bool {
        let (ba, bb) = unsafe { (LLVMGetInstructionParent(a), LLVMGetInstructionParent(b)) };
        if ba != bb {
            return self.block_dominates(ba, bb);
        }
        if !self.index.contains_key(&ba) {
            return false;
        }
        let mut n = unsafe { LLVMGetNextInstruction(a) };
        while !n.is_null() {
            if n == b {
                return true;
            }
            n = unsafe { LLVMGetNextInstruction(n) };
        }
        false
    }
}
