//! bsan-ir: the one layer between bsan's pass crates (`bsan-pass`, `bsan-synthesize`) and
//! LLVM's C API.
//!
//! It owns what every stage of the pass needs from LLVM and would otherwise write again:
//! iteration over functions, parameters, blocks, instructions and uses ([`iter`]), names as owned
//! strings ([`value`]), attributes ([`attrs`]), calls ([`call`]), dominance
//! ([`dominators`]), and the C++ glue for
//! what the C API cannot express, declared once ([`glue`], sources in `glue/*.cpp`).
//!
//! # Safety argument for the layer
//!
//! LLVM hands the pass a module as a raw handle, and every IR object is reached through
//! raw handles (`LLVMValueRef`, `LLVMBasicBlockRef`, ...) that LLVM owns. The functions
//! here are safe to call under one contract, which the pass keeps everywhere and which this
//! crate cannot check:
//!
//! * **Liveness.** Every handle passed in was obtained from LLVM during the current run of
//!   the pass (one module callback, on one thread), from the module being processed or its
//!   context, and the object it names has not been erased or disposed since. A pass never
//!   keeps handles across modules, and it erases an instruction only after its last use of
//!   the handle (instrumentation erases at the end of a function).
//! * **Kind.** A handle is of the kind the function's documentation names (a function, a
//!   basic block, a call or invoke, ...). Most entry points check the kind themselves with
//!   LLVM's `LLVMIsA*` and return `None`/an empty iterator otherwise.
//! * **Mutation during iteration.** The iterators read the next item when they yield the
//!   current one, so erasing or moving the *yielded* item is allowed; inserting or erasing
//!   other items of the same list while iterating is not (collect first).
//!
//! Under this contract every call into LLVM made here is sound: LLVM's C API has no
//! preconditions beyond live handles of the right kind and in-bounds indices, which the
//! functions here derive from LLVM itself (operand counts, attribute indices). Strings LLVM
//! returns are copied into owned `String`s before anything else runs, because they point
//! into LLVM-owned memory that a rename or erase frees.

// The safety argument above covers every `unsafe` block of the crate; blocks that rely on
// more than it (a buffer length from the glue, say) say so where they are. For the same
// reason the functions taking LLVM handles are safe: the handles are opaque references
// into LLVM, never dereferenced here, and their validity is the one contract above rather
// than a precondition repeated on every function of the pass.
#![allow(clippy::undocumented_unsafe_blocks, clippy::not_unsafe_ptr_arg_deref)]

pub mod attrs;
pub mod call;
pub mod dominators;
pub mod glue;
pub mod iter;
pub mod value;

pub use inkwell::llvm_sys;
