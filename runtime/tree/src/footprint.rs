//! How the tree's vectors grow.
//!
//! Most trees are small and live long: a program that keeps 46K three-element `Vec`s
//! alive keeps 46K trees of three tags and two location chunks (itertools' `quick` suite,
//! `correct_multi_product3`). `Vec`'s amortized growth goes from one element straight to
//! four, so such a tree paid for four nodes, four chunks and four events per history,
//! about a quarter of its metadata unused. Below [`SMALL`] elements the tree's vectors grow
//! one element at a time instead; from there on, amortized doubling as usual (the extra
//! reallocations are three per vector, at the start).

/// Vectors shorter than this grow by exactly one element.
const SMALL: usize = 4;

/// Makes room for one more element of `v`, exactly when `v` is small.
#[inline(always)]
pub(crate) fn reserve_one<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() && v.len() < SMALL {
        v.reserve_exact(1);
    }
}

/// `v.push(x)`, growing a small `v` by exactly one element.
#[inline(always)]
pub(crate) fn push<T>(v: &mut Vec<T>, x: T) {
    reserve_one(v);
    v.push(x);
}

/// `v.insert(i, x)`, growing a small `v` by exactly one element.
#[inline(always)]
pub(crate) fn insert<T>(v: &mut Vec<T>, i: usize, x: T) {
    reserve_one(v);
    v.insert(i, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_vectors_grow_one_by_one_then_double() {
        let mut v = Vec::new();
        let mut caps = Vec::new();
        for i in 0..9u64 {
            push(&mut v, i);
            caps.push(v.capacity());
        }
        assert_eq!(&caps[..4], &[1, 2, 3, 4]);
        assert!(caps[4] >= 8, "doubling from four: {caps:?}");
        let mut w = vec![1u64];
        insert(&mut w, 0, 0);
        assert_eq!((w, 2), (vec![0, 1], 2));
    }
}
