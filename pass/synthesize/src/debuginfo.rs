//! Debug-info types: the classification of a Rust parameter or return type into the retag
//! it needs ([`RetagShape`]).
//!
//! `bsan-ir`'s glue (`pass/ir/glue/debuginfo.cpp`) reports raw facts (DWARF tag, name,
//! size, base type, members); everything Rust-specific lives here:
//!
//! * rustc names reference types after their source spelling: a thin `&T` / `&mut T` is a
//!   `DW_TAG_pointer_type` named `"&T"` / `"&mut T"` whose `baseType` is `T`; `Box<T>` is
//!   a pointer type named `"alloc::boxed::Box<T, alloc::alloc::Global>"`; raw pointers are
//!   named `"*const T"` / `"*mut T"` (or have no name). Fat pointers are
//!   `DW_TAG_structure_type`s with the same names and members `data_ptr` + `length`
//!   (slices, `str`) or `pointer` + `vtable` (`dyn Trait`).
//! * composite names are unqualified (`"UnsafeCell<u32>"`, `"PhantomPinned"`) with a
//!   `DINamespace` scope chain (`core::cell`, `core::marker`), so markers are matched on
//!   name and scope.
//! * Rust enums and coroutines are structures holding one `DW_TAG_variant_part`.

use std::collections::HashMap;

use bsan_abi::retag_flags;
use inkwell::llvm_sys::prelude::*;

use crate::ranges::{normalize, shifted, Range};

use bsan_ir::glue;
pub use bsan_ir::glue::{fn_entry_location, replace_uses_except, DiParam};

/// The Rust parameters of `f` (see `bsan_fn_di_params` in the glue).
pub fn fn_params(f: LLVMValueRef) -> Vec<DiParam> {
    glue::fn_di_params(f)
}

/// `types[0]` of a subprogram's subroutine type: its return type (None for `()`).
pub fn subprogram_return_type(sp: LLVMMetadataRef) -> Option<DiType> {
    DiType::new(glue::subprogram_return_type(sp))
}

// ---- DI type view --------------------------------------------------------------------

/// DWARF tags used below.
pub mod tag {
    pub const ARRAY: u32 = 0x01;
    pub const ENUMERATION: u32 = 0x04;
    pub const MEMBER: u32 = 0x0d;
    pub const POINTER: u32 = 0x0f;
    pub const REFERENCE: u32 = 0x10;
    pub const STRUCTURE: u32 = 0x13;
    pub const TYPEDEF: u32 = 0x16;
    pub const UNION: u32 = 0x17;
    pub const INHERITANCE: u32 = 0x1c;
    pub const VARIANT: u32 = 0x19;
    pub const CONST: u32 = 0x26;
    pub const VARIANT_PART: u32 = 0x33;
    pub const VOLATILE: u32 = 0x35;
    pub const RESTRICT: u32 = 0x37;
    pub const ATOMIC: u32 = 0x47;
    pub const CLASS: u32 = 0x02;
}

/// A non-null DI node (type, member, namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DiType(LLVMMetadataRef);

impl DiType {
    pub fn new(md: LLVMMetadataRef) -> Option<DiType> {
        (!md.is_null()).then_some(DiType(md))
    }
    pub fn raw(self) -> LLVMMetadataRef {
        self.0
    }
    pub fn tag(self) -> u32 {
        glue::di_tag(self.0)
    }
    pub fn name(self) -> String {
        glue::di_name(self.0)
    }
    pub fn size_bytes(self) -> u64 {
        glue::di_size_bits(self.0) / 8
    }
    pub fn offset_bytes(self) -> u64 {
        glue::di_offset_bits(self.0) / 8
    }
    pub fn is_fwd_decl(self) -> bool {
        glue::di_is_fwd_decl(self.0)
    }
    pub fn base(self) -> Option<DiType> {
        DiType::new(glue::di_base_type(self.0))
    }
    pub fn scope(self) -> Option<DiType> {
        DiType::new(glue::di_scope(self.0))
    }
    pub fn elements(self) -> impl Iterator<Item = DiType> {
        glue::di_elements(self.0).filter_map(DiType::new)
    }
    /// The name of the enclosing scope (`"cell"` for `core::cell::UnsafeCell`).
    pub fn scope_name(self) -> String {
        self.scope().map(DiType::name).unwrap_or_default()
    }
    /// Strip typedefs and cv-qualifiers (C types; rustc emits none of them).
    pub fn strip(self) -> DiType {
        let mut t = self;
        for _ in 0..16 {
            match t.tag() {
                tag::TYPEDEF | tag::CONST | tag::VOLATILE | tag::RESTRICT | tag::ATOMIC => {
                    match t.base() {
                        Some(b) => t = b,
                        None => return t,
                    }
                }
                _ => return t,
            }
        }
        t
    }
}

// ---- Classification ------------------------------------------------------------------

/// What a reference-like Rust type is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerKind {
    /// `&T`
    Shared,
    /// `&mut T`
    Mut,
    /// `Box<T>` (any allocator passed as a thin pointer)
    Box,
}

/// How many bytes a retag covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// `size_of::<T>()` of a sized pointee.
    Const(u64),
    /// A slice or `str`: `len * elem` bytes, `len` taken from the fat pointer at run time.
    FromLen { elem: u64 },
}

/// Everything needed to emit one `__rust_retag_reg` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetagShape {
    pub kind: PointerKind,
    pub size: Size,
    /// [`retag_flags`] bits.
    pub flags: u8,
    /// `UnsafeCell` bytes relative to the pointee start (sorted, merged).
    pub im_ranges: Vec<Range>,
    /// `UnsafePinned` bytes relative to the pointee start.
    pub pin_ranges: Vec<Range>,
}

/// Why a type gets no retag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not a reference or `Box` (raw pointer, by-value aggregate, integer, ...).
    NotAReference,
    /// `&dyn Trait`, `Box<dyn Trait>`, other fat pointers with a vtable.
    Dyn,
    /// `&mut T` / `Box<T>` with `T: !Unpin` (`PhantomPinned`, `UnsafePinned`, coroutines).
    NotUnpin,
    /// Pointee layout unknown (forward declaration, missing base type).
    UnknownSize,
}

/// Facts about a pointee type, computed once per `DIType`.
#[derive(Clone, Debug, Default)]
struct TypeFacts {
    im: Vec<Range>,
    pin: Vec<Range>,
    not_unpin: bool,
}

/// Classifies DI types; caches per-type facts for one module.
#[derive(Default)]
pub struct Classifier {
    facts: HashMap<DiType, TypeFacts>,
}

const MAX_DEPTH: u32 = 48;

impl Classifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// The retag a value of DI type `ty` needs, `protected` for fn-entry retags.
    pub fn classify(&mut self, ty: DiType, protected: bool) -> Result<RetagShape, Skip> {
        let ty = ty.strip();
        let name = ty.name();
        let kind = pointer_kind(&name).ok_or(Skip::NotAReference)?;
        let (pointee, size) = match ty.tag() {
            tag::POINTER | tag::REFERENCE => {
                let base = ty.base().ok_or(Skip::UnknownSize)?.strip();
                if base.is_fwd_decl() {
                    return Err(Skip::UnknownSize);
                }
                (base, Size::Const(base.size_bytes()))
            }
            tag::STRUCTURE => {
                let members: Vec<(String, DiType)> = ty.elements().map(|m| (m.name(), m)).collect();
                let has = |n: &str| members.iter().any(|(m, _)| m == n);
                if has("vtable") {
                    return Err(Skip::Dyn);
                }
                if !(has("data_ptr") && has("length")) {
                    return Err(Skip::NotAReference);
                }
                let data_ptr = members
                    .iter()
                    .find(|(m, _)| m == "data_ptr")
                    .and_then(|(_, m)| m.base())
                    .ok_or(Skip::UnknownSize)?;
                let elem = data_ptr.strip().base().ok_or(Skip::UnknownSize)?.strip();
                if elem.is_fwd_decl() {
                    return Err(Skip::UnknownSize);
                }
                (
                    elem,
                    Size::FromLen {
                        elem: elem.size_bytes(),
                    },
                )
            }
            _ => return Err(Skip::NotAReference),
        };
        let facts = self.facts(pointee, 0).clone();
        if kind != PointerKind::Shared && facts.not_unpin {
            return Err(Skip::NotUnpin);
        }
        Ok(make_shape(kind, size, facts, protected))
    }

    fn facts(&mut self, ty: DiType, depth: u32) -> &TypeFacts {
        if !self.facts.contains_key(&ty) {
            let f = self.compute(ty, depth);
            self.facts.insert(ty, f);
        }
        &self.facts[&ty]
    }

    fn compute(&mut self, ty: DiType, depth: u32) -> TypeFacts {
        let ty = ty.strip();
        let mut out = TypeFacts::default();
        if depth > MAX_DEPTH {
            // Pathologically deep: assume the worst in the permissive direction.
            out.im.push(Range {
                offset: 0,
                len: ty.size_bytes(),
            });
            out.not_unpin = true;
            return out;
        }
        let size = ty.size_bytes();
        let whole = Range {
            offset: 0,
            len: size,
        };
        match ty.tag() {
            tag::STRUCTURE | tag::CLASS => {
                let name = ty.name();
                if is_marker(ty, &name, "UnsafeCell<", "cell") {
                    out.im.push(whole);
                    return out;
                }
                if is_marker(ty, &name, "UnsafePinned<", "unsafe_pinned")
                    || is_marker(ty, &name, "UnsafePinned<", "pin")
                {
                    out.pin.push(whole);
                    out.not_unpin = true;
                    // Its value is interior mutable too.
                    out.im.push(whole);
                    return out;
                }
                if name == "PhantomPinned" || is_coroutine(&name) {
                    out.not_unpin = true;
                }
                let members: Vec<DiType> = ty.elements().collect();
                if let Some(vp) = members.iter().find(|m| m.tag() == tag::VARIANT_PART) {
                    let variants: Vec<DiType> = vp.elements().collect();
                    let mut any_cell = false;
                    for v in &variants {
                        let Some(vt) = v.base() else { continue };
                        let f = self.facts(vt, depth + 1).clone();
                        any_cell |= !f.im.is_empty();
                        out.not_unpin |= f.not_unpin;
                        if variants.len() == 1 {
                            let off = v.offset_bytes();
                            out.im.extend(shifted(&f.im, off));
                            out.pin.extend(shifted(&f.pin, off));
                        }
                    }
                    if variants.len() > 1 && any_cell {
                        // A non-Freeze multi-variant enum is one big UnsafeCell.
                        out.im = vec![whole];
                    }
                }
                for m in members {
                    if !matches!(m.tag(), tag::MEMBER | tag::INHERITANCE) {
                        continue;
                    }
                    let Some(mt) = m.base() else { continue };
                    let off = m.offset_bytes();
                    let f = self.facts(mt, depth + 1).clone();
                    out.im.extend(shifted(&f.im, off));
                    out.pin.extend(shifted(&f.pin, off));
                    out.not_unpin |= f.not_unpin;
                }
            }
            tag::UNION => {
                for m in ty.elements() {
                    let Some(mt) = m.base() else { continue };
                    let f = self.facts(mt, depth + 1).clone();
                    if !f.im.is_empty() {
                        out.im = vec![whole];
                    }
                    out.not_unpin |= f.not_unpin;
                }
            }
            tag::ARRAY => {
                if let Some(elem) = ty.base() {
                    let f = self.facts(elem, depth + 1).clone();
                    let esize = elem.strip().size_bytes();
                    out.not_unpin = f.not_unpin;
                    if !f.im.is_empty() || !f.pin.is_empty() {
                        let count = size.checked_div(esize).unwrap_or(0);
                        if count as usize * f.im.len().max(f.pin.len())
                            > 4 * crate::ranges::MAX_RANGES
                        {
                            // Too many to enumerate: everything from the first to the last.
                            if !f.im.is_empty() {
                                out.im.push(whole);
                            }
                            if !f.pin.is_empty() {
                                out.pin.push(whole);
                            }
                        } else {
                            for i in 0..count {
                                out.im.extend(shifted(&f.im, i * esize));
                                out.pin.extend(shifted(&f.pin, i * esize));
                            }
                        }
                    }
                }
            }
            // Pointers are not followed; scalars, C-like enums, ZSTs hold no cells.
            _ => {}
        }
        out.im = normalize(out.im);
        out.pin = normalize(out.pin);
        out
    }
}

/// The kind of a reference-like type, from rustc's DI name.
pub fn pointer_kind(name: &str) -> Option<PointerKind> {
    if name.starts_with("&mut ") {
        Some(PointerKind::Mut)
    } else if name.starts_with('&') {
        Some(PointerKind::Shared)
    } else if name.starts_with("alloc::boxed::Box<") || name.starts_with("Box<") {
        Some(PointerKind::Box)
    } else {
        None
    }
}

fn is_marker(ty: DiType, name: &str, prefix: &str, scope: &str) -> bool {
    (name.starts_with(prefix) && ty.scope_name() == scope)
        || name.starts_with(&format!("core::{scope}::{prefix}"))
}

/// rustc's DI names of coroutine state types (closures are `{closure_env#N}` and Unpin).
fn is_coroutine(name: &str) -> bool {
    [
        "{async_fn_env",
        "{async_block_env",
        "{async_closure_env",
        "{coroutine_env",
        "{gen_block_env",
        "{gen_fn_env",
        "{async_gen",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

fn make_shape(kind: PointerKind, size: Size, facts: TypeFacts, protected: bool) -> RetagShape {
    let freeze = facts.im.is_empty();
    let mut flags = match kind {
        PointerKind::Shared => 0,
        PointerKind::Mut => retag_flags::MUTABLE,
        PointerKind::Box => retag_flags::MUTABLE | retag_flags::BOX,
    };
    if freeze {
        flags |= retag_flags::FREEZE;
    }
    if protected {
        flags |= retag_flags::PROTECTED;
    }
    let mut shape = RetagShape {
        kind,
        size,
        flags,
        im_ranges: facts.im,
        pin_ranges: facts.pin,
    };
    if let Size::FromLen { .. } = size {
        if !shape.im_ranges.is_empty() || !shape.pin_ranges.is_empty() {
            // Per-element ranges of a run-time length cannot be a constant array. A
            // zero-sized, non-FREEZE retag makes every byte lazily "outside the range":
            // Cell for `&`, ReservedIM for `&mut` -- never stricter than the truth. A
            // protected `&mut`/Box ignores ranges (Reserved everywhere), so it keeps its size.
            let protected_mut = protected && kind != PointerKind::Shared;
            if !protected_mut {
                shape.size = Size::Const(0);
            }
            shape.im_ranges.clear();
            shape.pin_ranges.clear();
        }
    }
    shape
}
