//! Explicit retag intrinsics for bsan's conformance programs.
//!
//! Nightly rustc's `-Zcodegen-emit-retag` emits a call at every point where Tree Borrows
//! retags a reference:
//!
//! ```text
//! declare ptr  @__rust_retag_reg(ptr, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)
//! declare void @__rust_retag_mem(ptr place, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)
//! ```
//!
//! The toolchains bsan is tested with predate that flag, so without help bsan only
//! *synthesizes* the fn-entry and call-return retags it can recover from signatures and
//! debug info; a reborrow inside one function (`let y = &mut *x;`) is invisible. The
//! macros of this crate let a test program emit the same calls rustc would, so the
//! full-precision path (bsan's lowering of rustc's intrinsics) can be tested here.
//!
//! # Two modes, one source
//!
//! The crate is compiled twice:
//! * with `--cfg bsan_intrinsics` (**intrinsics mode**) every macro emits the call rustc
//!   would emit, with the same flags ([`flags`]), size and range arrays;
//! * without it (**synthesized mode**) every macro expands to the plain Rust expression
//!   (`reborrow_mut!(x)` is `&mut x`, `retag_ret!(f())` is `f()`) or to nothing
//!   (`fn_entry!`, `fn_entry_box!`, `retag_box!`, `retag_place!`): not a single extra
//!   instruction, so bsan's synthesis sees exactly the program a user would write.
//!
//! bsan's pass treats a module (codegen unit) that contains explicit retag calls like one
//! compiled by a rustc with `-Zcodegen-emit-retag`: **it synthesizes no retags in it at
//! all**, not even fn-entry retags. (Generic std code instantiated for the program usually
//! lands in other codegen units and, like precompiled std, keeps bsan's synthesized
//! retags.) So in intrinsics mode a program must emit *every* retag rustc would emit in its
//! own functions:
//! a `fn_entry!` for every reference parameter of every function, a `reborrow_mut!` for
//! every `&mut` it creates (including the implicit reborrow when a `&mut` variable is
//! passed to a function), a `retag_ret!` around every call returning a reference. Retags
//! rustc would make inside std (the protected entry retag of `Vec::push`'s `self`, say)
//! cannot be reproduced: write the function under test yourself.
//!
//! # When rustc emits each retag, and the macro for it
//!
//! | Rust code | retag rustc emits | macro |
//! |---|---|---|
//! | `&mut place`, `&mut *r`, a two-phase autoref `v.push(..)` | `reg`, `MUTABLE`(`\|FREEZE`) | [`reborrow_mut!`] |
//! | `&place`, `&*r` | `reg`, `FREEZE` unless `UnsafeCell` inside | [`reborrow!`] |
//! | entry of `fn f(x: &T)` / `fn f(x: &mut T)` | `reg`, `PROTECTED\|…` | [`fn_entry!`] |
//! | entry of `fn f(b: Box<T>)` | `reg`, `PROTECTED\|MUTABLE\|BOX\|…` (weak protector) | [`fn_entry_box!`] |
//! | `let b = Box::new(..)`, `let b2 = b;` | `reg`, `MUTABLE\|BOX\|…` | [`retag_box!`] |
//! | `let r = f(..)` with `f` returning `&T`/`&mut T` (also `index_mut`, `deref_mut`) | `reg`, unprotected | [`retag_ret!`] |
//! | a reference stored in memory: `s.r = ..`, fields of by-value aggregates | `mem` on the place | [`retag_place!`] |
//!
//! `im = [(OFFSET, LEN), ...]` lists the `UnsafeCell` bytes of the pointee (compute offsets
//! with [`core::mem::offset_of!`]); with it the `FREEZE` flag is dropped (the type is not
//! `Freeze`: bytes outside the range are Cell / ReservedIM, not Frozen / Reserved). Pass
//! `im = []` for a `!Freeze` type whose `UnsafeCell`s are zero-sized.
//!
//! Sizes are `size_of::<T>()` for sized pointees and `len * size_of::<T>()` for slices and
//! `str` (read from the pointer's metadata at run time). Range arrays are private constant
//! `static`s of `[usize; 2 * N]` whose address is passed directly; no ranges is `null`.
//!
//! Limits (as in rustc): `&mut T`/`Box<T>` of a `!Unpin` `T` is never retagged, so don't use
//! the macros for them; `dyn Trait` pointees are not supported; `fn_entry!` cannot shadow
//! `self`, so functions under test take their receiver as an ordinary parameter.
//!
//! In intrinsics mode the macros use small `#[inline(always)]` helpers (reading the
//! pointee size, rebuilding a fat pointer); rustc's always-inliner removes them before bsan
//! instruments the program, so what bsan sees is the call with constant flags, a constant
//! or computed size and a constant range array, exactly as rustc emits it.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::boxed::Box;

/// Retag flag bits (the `i8 flags` argument); identical to `bsan_abi::retag_flags` and to
/// rustc's `RetagFlags`.
pub mod flags {
    /// Function-entry retag: protected until the enclosing function returns.
    pub const PROTECTED: u8 = 1 << 0;
    /// `&mut T` or `Box<T>` (otherwise `&T`).
    pub const MUTABLE: u8 = 1 << 1;
    /// `Box<T>`: the protector is weak.
    pub const BOX: u8 = 1 << 2;
    /// The pointee is `Freeze`: no `UnsafeCell` outside indirection.
    pub const FREEZE: u8 = 1 << 3;
}

extern "C" {
    /// Retag the pointer `p` (a value in a register); returns it with its new tag.
    pub fn __rust_retag_reg(
        p: *mut u8,
        size: usize,
        flags: u8,
        im: *const u8,
        pin: *const u8,
    ) -> *mut u8;
    /// Retag the pointer stored at `place`, in place (the place's bytes are not written).
    pub fn __rust_retag_mem(place: *mut u8, size: usize, flags: u8, im: *const u8, pin: *const u8);
}

/// Implementation details of the macros (intrinsics mode). Not part of the API.
#[doc(hidden)]
pub mod __private {
    use super::flags::{BOX, MUTABLE};
    use super::Box;
    use core::mem::{size_of, transmute};

    /// The "no ranges" argument.
    pub const NULL: *const u8 = core::ptr::null();

    /// The two words of a pointer to a slice or `str`.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Parts {
        pub data: *mut u8,
        pub len: usize,
    }

    /// A pointer type rustc retags: `&T`, `&mut T`, `Box<T>` with `T` sized, a slice or `str`.
    ///
    /// # Safety
    /// `addr`/`size` must describe the pointee and `with_addr` must return `self` with only
    /// its address replaced.
    pub unsafe trait Retaggable: Sized {
        /// `MUTABLE` / `MUTABLE | BOX` / 0.
        const KIND: u8;
        /// The pointee's address.
        fn addr(&self) -> *mut u8;
        /// The pointee's size in bytes.
        fn size(&self) -> usize;
        /// `self` pointing at `p` (the retagged address, equal to `addr()`).
        ///
        /// # Safety
        /// `p` must be `self.addr()` (with new provenance).
        unsafe fn with_addr(self, p: *mut u8) -> Self;
    }

    macro_rules! sized {
        ($kind:expr, $ty:ty) => {
            unsafe impl<'a, T> Retaggable for $ty {
                const KIND: u8 = $kind;
                #[inline(always)]
                fn addr(&self) -> *mut u8 {
                    &raw const **self as *mut u8
                }
                #[inline(always)]
                fn size(&self) -> usize {
                    const { size_of::<T>() }
                }
                // Transmutes, not `&mut *p`: at -O0 a raw deref carries alignment and null
                // checks, and this must leave no code but the pointer itself.
                #[inline(always)]
                #[allow(clippy::transmute_ptr_to_ref, clippy::useless_transmute)]
                unsafe fn with_addr(self, p: *mut u8) -> Self {
                    let _old = unsafe { transmute::<Self, *const T>(self) };
                    unsafe { transmute::<*mut T, Self>(p as *mut T) }
                }
            }
        };
    }
    macro_rules! unsized_ {
        ($kind:expr, $ty:ty, $pointee:ty, $elem:ty, [$($g:tt)*]) => {
            unsafe impl<'a, $($g)*> Retaggable for $ty {
                const KIND: u8 = $kind;
                #[inline(always)]
                fn addr(&self) -> *mut u8 {
                    &raw const **self as *mut u8
                }
                #[inline(always)]
                fn size(&self) -> usize {
                    let parts = unsafe { transmute::<*const $pointee, Parts>(&raw const **self) };
                    parts.len.wrapping_mul(const { size_of::<$elem>() })
                }
                #[inline(always)]
                unsafe fn with_addr(self, p: *mut u8) -> Self {
                    let mut parts = unsafe { transmute::<Self, Parts>(self) };
                    parts.data = p;
                    unsafe { transmute::<Parts, Self>(parts) }
                }
            }
        };
    }
    sized!(0, &'a T);
    sized!(MUTABLE, &'a mut T);
    sized!(MUTABLE | BOX, Box<T>);
    unsized_!(0, &'a [T], [T], T, [T]);
    unsized_!(MUTABLE, &'a mut [T], [T], T, [T]);
    unsized_!(MUTABLE | BOX, Box<[T]>, [T], T, [T]);
    unsized_!(0, &'a str, str, u8, []);
    unsized_!(MUTABLE, &'a mut str, str, u8, []);
    unsized_!(MUTABLE | BOX, Box<str>, str, u8, []);

    /// `R::KIND | EXTRA`, a constant after inlining.
    #[inline(always)]
    pub fn flags<R: Retaggable, const EXTRA: u8>(_: &R) -> u8 {
        const { R::KIND | EXTRA }
    }

    /// [`flags`] for the pointer stored at `place`.
    #[inline(always)]
    pub fn place_flags<R: Retaggable, const EXTRA: u8>(_: *const R) -> u8 {
        const { R::KIND | EXTRA }
    }

    /// The size of the pointee of the pointer stored at `place`.
    ///
    /// # Safety
    /// `place` must point to a valid `R`.
    #[inline(always)]
    pub unsafe fn place_size<R: Retaggable>(place: *const R) -> usize {
        unsafe { (*place).size() }
    }
}

/// `1 + 1 + ...` for each argument (the pair count of a range list).
#[doc(hidden)]
#[macro_export]
macro_rules! __bsan_count {
    () => { 0usize };
    ($head:expr $(, $tail:expr)*) => { 1usize + $crate::__bsan_count!($($tail),*) };
}

/// The range-array argument and the `FREEZE` bit for a range list.
#[doc(hidden)]
#[macro_export]
macro_rules! __bsan_im {
    (freeze) => {
        $crate::flags::FREEZE
    };
    (freeze $(($off:expr, $len:expr))*) => {
        0u8
    };
    (ptr) => {
        $crate::__private::NULL
    };
    (ptr $(($off:expr, $len:expr))+) => {{
        static __BSAN_IM: [usize; 2 * $crate::__bsan_count!($($off),+)] = [$($off, $len),+];
        &raw const __BSAN_IM as *const u8
    }};
}

/// Retag a pointer value: `__rust_retag_reg`, the result rebuilt into the same type; in
/// synthesized mode, the value itself.
#[doc(hidden)]
#[cfg(bsan_intrinsics)]
#[macro_export]
macro_rules! __bsan_retag_reg {
    ($value:expr, $extra:expr, [$(($off:expr, $len:expr))*]) => {{
        let __bsan_r = $value;
        let __bsan_new = unsafe {
            $crate::__rust_retag_reg(
                $crate::__private::Retaggable::addr(&__bsan_r),
                $crate::__private::Retaggable::size(&__bsan_r),
                $crate::__private::flags::<
                    _,
                    { $extra | $crate::__bsan_im!(freeze $(($off, $len))*) },
                >(&__bsan_r),
                $crate::__bsan_im!(ptr $(($off, $len))*),
                $crate::__private::NULL,
            )
        };
        unsafe { $crate::__private::Retaggable::with_addr(__bsan_r, __bsan_new) }
    }};
}

/// Retag the pointer stored at a place: `__rust_retag_mem`; in synthesized mode, nothing.
#[doc(hidden)]
#[cfg(bsan_intrinsics)]
#[macro_export]
macro_rules! __bsan_retag_mem {
    ($place:expr, $extra:expr, [$(($off:expr, $len:expr))*]) => {{
        let __bsan_place = &raw const $place;
        unsafe {
            $crate::__rust_retag_mem(
                __bsan_place as *mut u8,
                $crate::__private::place_size(__bsan_place),
                $crate::__private::place_flags::<
                    _,
                    { $extra | $crate::__bsan_im!(freeze $(($off, $len))*) },
                >(__bsan_place),
                $crate::__bsan_im!(ptr $(($off, $len))*),
                $crate::__private::NULL,
            )
        }
    }};
}

#[doc(hidden)]
#[cfg(not(bsan_intrinsics))]
#[macro_export]
macro_rules! __bsan_retag_reg {
    ($value:expr, $extra:expr, [$(($off:expr, $len:expr))*]) => {
        $value
    };
}

#[doc(hidden)]
#[cfg(not(bsan_intrinsics))]
#[macro_export]
macro_rules! __bsan_retag_mem {
    ($place:expr, $extra:expr, [$(($off:expr, $len:expr))*]) => {
        ()
    };
}

/// A function-entry retag that shadows the parameter `x`; in synthesized mode, nothing
/// (bsan synthesizes this retag itself there).
#[doc(hidden)]
#[cfg(bsan_intrinsics)]
#[macro_export]
macro_rules! __bsan_fn_entry {
    ($x:ident, $extra:expr, [$(($off:expr, $len:expr))*]) => {
        let $x = $crate::__bsan_retag_reg!($x, $extra, [$(($off, $len))*]);
    };
}

#[doc(hidden)]
#[cfg(not(bsan_intrinsics))]
#[macro_export]
macro_rules! __bsan_fn_entry {
    ($x:ident, $extra:expr, [$(($off:expr, $len:expr))*]) => {};
}

// The macros below are the tests' vocabulary, one definition each: the mode (intrinsics or
// synthesized) is decided by the three helpers above.

/// `&mut PLACE`, retagged as rustc does when it creates a mutable reference
/// (`MUTABLE | FREEZE`; with `im = [(OFF, LEN), ...]`: `MUTABLE` and those
/// interior-mutable byte ranges). Also use it for implicit reborrows: passing a `&mut`
/// variable `x` to a function is `f(reborrow_mut!(*x))`.
#[macro_export]
macro_rules! reborrow_mut {
    ($place:expr, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_retag_reg!(&mut $place, 0u8, [$(($off, $len))*])
    };
    ($place:expr $(,)?) => {
        $crate::__bsan_retag_reg!(&mut $place, 0u8, [])
    };
}

/// `&PLACE`, retagged as rustc does when it creates a shared reference (`FREEZE`; with
/// `im = [(OFF, LEN), ...]`: no flags and those `UnsafeCell` byte ranges).
#[macro_export]
macro_rules! reborrow {
    ($place:expr, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_retag_reg!(&$place, 0u8, [$(($off, $len))*])
    };
    ($place:expr $(,)?) => {
        $crate::__bsan_retag_reg!(&$place, 0u8, [])
    };
}

/// The protected function-entry retag of the reference parameter `x` (`&T` or `&mut T`,
/// decided by its type): write `fn_entry!(x);` as the first statement of the function, once
/// per reference parameter. It shadows `x` with the retagged reference. Expands to nothing
/// in synthesized mode (bsan synthesizes this retag itself there).
#[macro_export]
macro_rules! fn_entry {
    ($x:ident, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_fn_entry!($x, $crate::flags::PROTECTED, [$(($off, $len))*]);
    };
    ($x:ident $(,)?) => {
        $crate::__bsan_fn_entry!($x, $crate::flags::PROTECTED, []);
    };
}

/// The function-entry retag of the `Box<T>` parameter `b` (`PROTECTED | MUTABLE | BOX`:
/// a weak protector); shadows `b`. Expands to nothing in synthesized mode.
#[macro_export]
macro_rules! fn_entry_box {
    ($b:ident, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_fn_entry!($b, $crate::flags::PROTECTED, [$(($off, $len))*]);
    };
    ($b:ident $(,)?) => {
        $crate::__bsan_fn_entry!($b, $crate::flags::PROTECTED, []);
    };
}

/// Retag the `Box` held in the place `b` (`MUTABLE | BOX`, unprotected), in place, as rustc
/// does after `Box::new` returns or a `Box` is moved: `let b = Box::new(1); retag_box!(b);`.
/// The place need not be `mut` (its bytes are not written). Nothing in synthesized mode.
#[macro_export]
macro_rules! retag_box {
    ($b:expr, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_retag_mem!($b, 0u8, [$(($off, $len))*])
    };
    ($b:expr $(,)?) => {
        $crate::__bsan_retag_mem!($b, 0u8, [])
    };
}

/// The value of `EXPR`, a call returning `&T`/`&mut T`, retagged (unprotected) as rustc
/// does after every call: `let r = retag_ret!(get(reborrow_mut!(x)));`.
#[macro_export]
macro_rules! retag_ret {
    ($call:expr, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_retag_reg!($call, 0u8, [$(($off, $len))*])
    };
    ($call:expr $(,)?) => {
        $crate::__bsan_retag_reg!($call, 0u8, [])
    };
}

/// Retag the reference stored in `PLACE` (a struct field `s.r`, an array element) in place,
/// unprotected: `__rust_retag_mem(&raw mut PLACE, ..)`, as rustc does for a reference that
/// lives in memory. The place need not be `mut`. Nothing in synthesized mode.
#[macro_export]
macro_rules! retag_place {
    ($place:expr, im = [$(($off:expr, $len:expr)),* $(,)?] $(,)?) => {
        $crate::__bsan_retag_mem!($place, 0u8, [$(($off, $len))*])
    };
    ($place:expr $(,)?) => {
        $crate::__bsan_retag_mem!($place, 0u8, [])
    };
}

#[cfg(test)]
mod tests {
    use super::flags;

    #[test]
    fn flags_match_the_abi() {
        use bsan_abi::retag_flags as abi;
        assert_eq!(flags::PROTECTED, abi::PROTECTED);
        assert_eq!(flags::MUTABLE, abi::MUTABLE);
        assert_eq!(flags::BOX, abi::BOX);
        assert_eq!(flags::FREEZE, abi::FREEZE);
    }
}
