//! `(offset, len)` byte ranges of `UnsafeCell` / `UnsafePinned` data and the private
//! constant arrays `[N x [2 x iN]]` that carry them to `__rust_retag_reg`.
//!
//! The ABI passes a range array as a pointer to a private constant global; its element
//! count is the global's byte size / (2 * pointer size), so the lowering reads the count
//! off the global's type. An empty list is passed as `null`.

use std::collections::HashMap;
use std::ffi::CString;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMLinkage;

/// At most this many ranges are passed for one retag. Longer lists (arrays of structs with
/// a `Cell` field) collapse into one range spanning all of them: more bytes become
/// interior-mutable, which can hide a bug but never causes a false report.
pub const MAX_RANGES: usize = 64;

/// Bytes `[offset, offset + len)` relative to the start of the pointee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Range {
    pub offset: u64,
    pub len: u64,
}

impl Range {
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.len)
    }
}

/// Sort, drop empty ranges, merge overlapping and adjacent ones, and collapse lists longer
/// than [`MAX_RANGES`] into one covering range.
pub fn normalize(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.retain(|r| r.len > 0);
    ranges.sort();
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.offset <= last.end() => {
                let end = last.end().max(r.end());
                last.len = end - last.offset;
            }
            _ => out.push(r),
        }
    }
    if out.len() > MAX_RANGES {
        let start = out[0].offset;
        let end = out.iter().map(Range::end).max().unwrap_or(start);
        out = vec![Range {
            offset: start,
            len: end - start,
        }];
    }
    out
}

/// `ranges` shifted by `by` bytes.
pub fn shifted(ranges: &[Range], by: u64) -> impl Iterator<Item = Range> + '_ {
    ranges.iter().map(move |r| Range {
        offset: r.offset + by,
        len: r.len,
    })
}

/// Creates (and shares) the constant range arrays of one module.
pub struct RangeGlobals {
    module: LLVMModuleRef,
    intptr: LLVMTypeRef,
    cache: HashMap<Vec<Range>, LLVMValueRef>,
}

impl RangeGlobals {
    pub fn new(module: LLVMModuleRef, intptr: LLVMTypeRef) -> Self {
        RangeGlobals {
            module,
            intptr,
            cache: HashMap::new(),
        }
    }

    /// A pointer to a private constant `[N x [2 x iN]]` holding `ranges`, or a null pointer
    /// constant when `ranges` is empty.
    ///
    /// # Safety
    /// `self.module` must be a live module.
    pub unsafe fn get(&mut self, ranges: &[Range], name: &str) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let ctx = LLVMGetModuleContext(self.module);
            if ranges.is_empty() {
                return LLVMConstPointerNull(LLVMPointerTypeInContext(ctx, 0));
            }
            if let Some(&g) = self.cache.get(ranges) {
                return g;
            }
            let pair_ty = LLVMArrayType2(self.intptr, 2);
            let mut pairs: Vec<LLVMValueRef> = ranges
                .iter()
                .map(|r| {
                    let mut v = [
                        LLVMConstInt(self.intptr, r.offset, 0),
                        LLVMConstInt(self.intptr, r.len, 0),
                    ];
                    LLVMConstArray2(self.intptr, v.as_mut_ptr(), 2)
                })
                .collect();
            let init = LLVMConstArray2(pair_ty, pairs.as_mut_ptr(), pairs.len() as u64);
            let cname = CString::new(name).expect("range global name");
            let g = LLVMAddGlobal(self.module, LLVMTypeOf(init), cname.as_ptr());
            LLVMSetInitializer(g, init);
            LLVMSetGlobalConstant(g, 1);
            LLVMSetLinkage(g, LLVMLinkage::LLVMPrivateLinkage);
            LLVMSetUnnamedAddress(g, inkwell::llvm_sys::LLVMUnnamedAddr::LLVMGlobalUnnamedAddr);
            self.cache.insert(ranges.to_vec(), g);
            g
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: u64, len: u64) -> Range {
        Range { offset, len }
    }

    #[test]
    fn merges_adjacent_and_overlapping() {
        assert_eq!(
            normalize(vec![
                r(8, 4),
                r(0, 4),
                r(4, 4),
                r(20, 0),
                r(30, 2),
                r(31, 4)
            ]),
            vec![r(0, 12), r(30, 5)]
        );
    }

    #[test]
    fn collapses_long_lists() {
        let many: Vec<Range> = (0..100).map(|i| r(i * 8, 4)).collect();
        assert_eq!(normalize(many), vec![r(0, 99 * 8 + 4)]);
    }
}
