//! A user crate tested with `cargo bsan test`: one correct test, one with an aliasing bug.

/// Adds one to both integers. Sound only if `x` and `y` do not alias, which `&mut` promises.
pub fn increment_both(x: &mut i32, y: &mut i32) {
    *x += 1;
    *y += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn clean_collections() {
        let mut a = 1;
        let mut b = 2;
        increment_both(&mut a, &mut b);
        let mut m = HashMap::new();
        m.insert("a", a);
        m.insert("b", b);
        assert_eq!(m["a"] + m["b"], 5);
    }

    #[test]
    fn ub_aliasing_mut_refs() {
        let mut v = 0;
        let p = &mut v as *mut i32;
        unsafe { increment_both(&mut *p, &mut *p) };
        assert_eq!(v, 2);
    }
}
