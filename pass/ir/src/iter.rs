//! Iterators over the IR: functions of a module, parameters, basic blocks, instructions,
//! uses and users, successors, the reverse post-order of a function's CFG, and whether a
//! block lies on a cycle.
//!
//! Each iterator reads the next item as it yields the current one (see the crate's
//! safety argument: the yielded item may be erased or moved, the rest of its list must be
//! left alone).

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

/// An iterator over an intrusive LLVM list: `first`, then `next(item)` until null.
struct List<T: Copy, F: Fn(T) -> T> {
    cur: T,
    next: F,
    is_null: fn(T) -> bool,
}

impl<T: Copy, F: Fn(T) -> T> Iterator for List<T, F> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if (self.is_null)(self.cur) {
            return None;
        }
        let item = self.cur;
        self.cur = (self.next)(item);
        Some(item)
    }
}

fn list<T: Copy>(
    first: T,
    next: impl Fn(T) -> T,
    is_null: fn(T) -> bool,
) -> impl Iterator<Item = T> {
    List {
        cur: first,
        next,
        is_null,
    }
}

/// The functions of `module` (definitions and declarations), in module order.
pub fn functions(module: LLVMModuleRef) -> impl Iterator<Item = LLVMValueRef> {
    // SAFETY (all LLVM calls in this module): the crate's contract: live handles of the
    // named kinds; the `next` of a yielded item is read before the caller sees it.
    let first = unsafe { LLVMGetFirstFunction(module) };
    list(
        first,
        |f| unsafe { LLVMGetNextFunction(f) },
        |v| v.is_null(),
    )
}

/// The parameters of function `f`.
pub fn params(f: LLVMValueRef) -> impl Iterator<Item = LLVMValueRef> {
    let n = unsafe { LLVMCountParams(f) };
    (0..n).map(move |i| unsafe { LLVMGetParam(f, i) })
}

/// The basic blocks of function `f`, in layout order (the entry block first).
pub fn blocks(f: LLVMValueRef) -> impl Iterator<Item = LLVMBasicBlockRef> {
    let first = unsafe { LLVMGetFirstBasicBlock(f) };
    list(
        first,
        |b| unsafe { LLVMGetNextBasicBlock(b) },
        |b| b.is_null(),
    )
}

/// The instructions of block `bb`, in order.
pub fn instructions(bb: LLVMBasicBlockRef) -> impl Iterator<Item = LLVMValueRef> {
    let first = unsafe { LLVMGetFirstInstruction(bb) };
    instructions_from(first)
}

/// The instructions from `first` (included) to the end of its block; none for null.
pub fn instructions_from(first: LLVMValueRef) -> impl Iterator<Item = LLVMValueRef> {
    list(
        first,
        |i| unsafe { LLVMGetNextInstruction(i) },
        |v| v.is_null(),
    )
}

/// Every instruction of function `f`, block by block.
pub fn all_instructions(f: LLVMValueRef) -> impl Iterator<Item = LLVMValueRef> {
    blocks(f).flat_map(instructions)
}

/// The uses of `v` (`LLVMUseRef`s, for [`LLVMGetUser`] and operand positions).
pub fn uses(v: LLVMValueRef) -> impl Iterator<Item = LLVMUseRef> {
    let first = unsafe { LLVMGetFirstUse(v) };
    list(first, |u| unsafe { LLVMGetNextUse(u) }, |u| u.is_null())
}

/// The users of `v`, once per use (a user with two operands equal to `v` comes twice).
pub fn users(v: LLVMValueRef) -> impl Iterator<Item = LLVMValueRef> {
    uses(v).map(|u| unsafe { LLVMGetUser(u) })
}

/// The successors of block `bb` (none if it has no terminator yet).
pub fn successors(bb: LLVMBasicBlockRef) -> impl Iterator<Item = LLVMBasicBlockRef> {
    let term = unsafe { LLVMGetBasicBlockTerminator(bb) };
    let n = if term.is_null() {
        0
    } else {
        unsafe { LLVMGetNumSuccessors(term) }
    };
    (0..n).map(move |i| unsafe { LLVMGetSuccessor(term, i) })
}

/// The blocks of function `f` reachable from its entry, in reverse post-order (each block
/// after all its predecessors except along back edges).
pub fn reverse_post_order(f: LLVMValueRef) -> Vec<LLVMBasicBlockRef> {
    let mut post = Vec::new();
    let entry = unsafe { LLVMGetEntryBasicBlock(f) };
    let mut seen = HashSet::from([entry]);
    // Iterative DFS: (block, its successors not yet visited).
    let mut stack = vec![(entry, successors(entry).collect::<Vec<_>>().into_iter())];
    while let Some((bb, succs)) = stack.last_mut() {
        match succs.next() {
            Some(s) => {
                if seen.insert(s) {
                    stack.push((s, successors(s).collect::<Vec<_>>().into_iter()));
                }
            }
            None => {
                post.push(*bb);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

/// Whether `bb` lies on a cycle of its function's CFG (it can run again without the
/// function being called again: the body of a loop).
pub fn in_cycle(bb: LLVMBasicBlockRef) -> bool {
    let mut seen = HashSet::new();
    let mut work: Vec<LLVMBasicBlockRef> = successors(bb).collect();
    while let Some(b) = work.pop() {
        if b == bb {
            return true;
        }
        if seen.insert(b) {
            work.extend(successors(b));
        }
    }
    false
}
