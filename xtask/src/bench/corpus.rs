//! The real-crate corpus of `cargo xtask bench crates`: the twelve crates of Table 1 of
//! "Optimizing Tree Borrows with Lazy Allocation in Miri", each pinned to one published
//! version, with smallvec twice (13 suites).
//!
//! Versions: where the issue that introduced this benchmark measured a version, that one;
//! otherwise the newest release of the series current when the paper's corpus was chosen.
//! Changing a version changes every number measured with it: do it in its own commit.

/// One crate of the corpus.
pub struct Crate {
    /// The row's name (unique; smallvec appears twice).
    pub suite: &'static str,
    /// The crates.io package.
    pub package: &'static str,
    pub version: &'static str,
    /// Yanked on crates.io: resolved with `cargo update --precise`, which accepts yanked
    /// versions, from a compatible requirement.
    pub yanked: bool,
    /// Tests left out in every mode (`--skip`), each with the reason.
    pub skip: &'static [Skip],
}

/// A test excluded by name (libtest's `--skip` substring match) in every mode.
pub struct Skip {
    pub test: &'static str,
    pub reason: &'static str,
}

pub const CORPUS: &[Crate] = &[
    Crate {
        suite: "bytes",
        package: "bytes",
        version: "1.11.1",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "chacha20",
        package: "chacha20",
        version: "0.10.0",
        yanked: true,
        skip: &[],
    },
    Crate {
        suite: "clap_builder",
        package: "clap_builder",
        version: "4.5.53",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "encoding_rs",
        package: "encoding_rs",
        version: "0.8.35",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "gimli",
        package: "gimli",
        version: "0.32.3",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "indexmap",
        package: "indexmap",
        version: "2.12.1",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "itertools",
        package: "itertools",
        version: "0.14.0",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "rand",
        package: "rand",
        version: "0.9.2",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "smallvec-1",
        package: "smallvec",
        version: "1.16.6",
        yanked: false,
        skip: &[],
    },
    // smallvec 2.0.0 is not on crates.io; its beta ships no tests, so this row measures that
    // the crate builds and its (empty) suite runs.
    Crate {
        suite: "smallvec-2",
        package: "smallvec",
        version: "2.0.0-beta.4",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "typenum",
        package: "typenum",
        version: "1.19.0",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "unicode-normalization",
        package: "unicode-normalization",
        version: "0.1.25",
        yanked: false,
        skip: &[],
    },
    Crate {
        suite: "zerocopy",
        package: "zerocopy",
        version: "0.8.31",
        yanked: false,
        skip: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_unique_and_thirteen() {
        let mut names: Vec<_> = CORPUS.iter().map(|c| c.suite).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 13);
        assert_eq!(CORPUS.len(), 13);
    }
}
