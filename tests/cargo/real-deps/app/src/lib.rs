//! The user's crate: a derive, probed cfgs and C code, all used by a clean test suite.
pub use describe_derive::Describe;
use std::collections::BTreeMap;

pub trait Describe {
    fn describe() -> &'static str;
}

#[derive(Describe, Debug, Clone, PartialEq)]
pub struct GridPoint {
    pub x: i64,
    pub y: i64,
}

#[derive(Describe)]
pub enum Shape {
    Square,
}

/// Groups points by row and counts each row's points in C.
pub fn row_totals(points: &[GridPoint]) -> BTreeMap<i64, i64> {
    let mut rows: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for p in points {
        rows.entry(p.y).or_default().push(p.x);
    }
    rows.into_iter()
        .map(|(y, mut xs)| (y, sys_counter::add_all(&mut xs, 1)))
        .collect()
}

#[cfg(feature = "extra")]
pub fn extra_enabled() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_and_c_and_probes() {
        assert_eq!(GridPoint::describe(), "grid_point");
        assert_eq!(Shape::describe(), "shape");
        let pts: Vec<GridPoint> = (0..12).map(|i| GridPoint { x: i, y: i % 3 }).collect();
        let totals = row_totals(&pts);
        assert_eq!(totals.len(), 3);
        assert_eq!(totals[&0], (0 + 3 + 6 + 9) + 4);
        assert_eq!(target_probe::chunks_of_three(7), 3);
        assert_eq!(
            target_probe::PROBE_SAW_NIGHTLY,
            target_probe::RUSTC_IS_NIGHTLY,
            "a build-script probe saw another channel than the compiler has"
        );
    }

    #[cfg(feature = "extra")]
    #[test]
    fn feature_is_on() {
        assert!(extra_enabled());
    }
}
