//! The ignorelist: functions the pass leaves uninstrumented, chosen by name or by source file.
//!
//! # Syntax (the idea of clang's sanitizer special-case lists)
//!
//! ```text
//! # a comment; blank lines are ignored
//! [bsan]                         # an optional section header naming this tool
//! fun:mycrate::parser::*         # functions by demangled Rust path (hash dropped) or symbol
//! src:*/vendor/fast-hash/*       # functions whose definition is in a matching source file
//! ```
//!
//! Patterns are globs: `*` matches any run of characters (`/` and `::` included), `?` one
//! character, everything else itself. A `fun:` pattern is tried against the demangled name
//! without its hash (`std::backtrace_rs::symbolize::gimli::resolve`) and against the symbol
//! name itself (C functions, or a mangled name). A `src:` pattern is tried against the path of
//! the file of the function's `DISubprogram`: its directory joined with its file name, with
//! `.` and `..` components removed lexically (so std's
//! `/rustc/<hash>/library/std/src/../../backtrace/src/print.rs` is matched as
//! `/rustc/<hash>/library/backtrace/src/print.rs`). A function without debug info matches
//! only `fun:` rules. Sections other than `[bsan]` are skipped whole, so one file can serve
//! several sanitizers; other rule kinds (`global:`, `type:`, ...) are errors, since silently
//! ignoring a rule would leave code checked that the user meant to exclude.
//!
//! # Where the lists come from
//!
//! 1. The built-in default list ([`DEFAULT_LIST`], `pass/default-ignorelist.txt`): std's
//!    backtrace printing and symbolization and std's private copies of the crates it uses for
//!    that (gimli, addr2line, object, miniz_oxide, rustc-demangle, adler2). They are told apart
//!    from a user's copy of the same crate by their source paths: std's are compiled from
//!    `/rust/deps/<crate>-<version>/` and `/rustc/<hash>/library/`, a user's from cargo's
//!    registry or a path of their own, so `fun:gimli::*` is never needed and never used.
//!    `BSAN_IGNORELIST_DEFAULT=0` turns the default list off.
//! 2. Each file named in `BSAN_IGNORELIST` (several separated like `PATH`).
//!
//! # What "ignored" means, and why it cannot cause a false report
//!
//! An ignored function is compiled as if it were not instrumented: no access checks, no
//! retags (retag intrinsics in its body are erased, their result replaced by their operand),
//! no protectors, no provenance (its calls write no argument slots, its returns no return
//! slots, so an instrumented callee or caller sees untracked pointers from it, as from any
//! uninstrumented code). Missing checks and untracked pointers can only hide violations:
//! Tree Borrows permissions only ever become more restrictive through accesses, so an access
//! that is not performed in the model cannot make a later one fail. Allocation bookkeeping is
//! unaffected, because the allocator calls live in std's allocator functions, which are not
//! ignored.

use std::path::{Component, Path, PathBuf};

/// The built-in list, compiled into the plugin.
pub(crate) const DEFAULT_LIST: &str = include_str!("../default-ignorelist.txt");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RuleKind {
    Fun,
    Src,
}

#[derive(Debug)]
struct Rule {
    kind: RuleKind,
    pattern: String,
}

/// The rules of every list in force.
#[derive(Debug, Default)]
pub(crate) struct Ignorelist {
    rules: Vec<Rule>,
}

/// What a function is matched by.
pub(crate) struct FunctionIdentity {
    /// The symbol name (`_ZN...E`, `_R...`, or a C name).
    pub symbol: String,
    /// The `DISubprogram`'s file, `directory` and `filename` as in the debug info.
    pub file: Option<(String, String)>,
}

impl Ignorelist {
    /// The lists chosen by the environment: the default list unless
    /// `BSAN_IGNORELIST_DEFAULT=0`, then each file of `BSAN_IGNORELIST`.
    pub(crate) fn from_env() -> Result<Ignorelist, String> {
        let mut list = Ignorelist::default();
        let default_off = matches!(
            std::env::var("BSAN_IGNORELIST_DEFAULT").as_deref(),
            Ok("0") | Ok("false") | Ok("no")
        );
        if !default_off {
            list.add(DEFAULT_LIST, "<built-in default ignorelist>")?;
        }
        if let Some(paths) = std::env::var_os("BSAN_IGNORELIST") {
            for path in std::env::split_paths(&paths).filter(|p| !p.as_os_str().is_empty()) {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    format!(
                        "cannot read ignorelist {} (BSAN_IGNORELIST): {e}",
                        path.display()
                    )
                })?;
                list.add(&text, &path.display().to_string())?;
            }
        }
        Ok(list)
    }

    /// Parse `text` (named `origin` in errors) and add its rules.
    pub(crate) fn add(&mut self, text: &str, origin: &str) -> Result<(), String> {
        let mut in_bsan_section = true;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = || format!("{origin}:{}", n + 1);
            if let Some(section) = line.strip_prefix('[') {
                let name = section
                    .strip_suffix(']')
                    .ok_or_else(|| format!("{}: malformed section header `{line}`", at()))?;
                in_bsan_section = name.split('|').any(|s| s.trim() == "bsan");
                continue;
            }
            if !in_bsan_section {
                continue;
            }
            let (kind, pattern) = line.split_once(':').ok_or_else(|| {
                format!(
                    "{}: expected `fun:PATTERN` or `src:PATTERN`, found `{line}`",
                    at()
                )
            })?;
            let kind = match kind.trim() {
                "fun" => RuleKind::Fun,
                "src" => RuleKind::Src,
                other => {
                    return Err(format!(
                        "{}: unsupported rule kind `{other}:` (bsan supports `fun:` and `src:`)",
                        at()
                    ))
                }
            };
            // A `=category` suffix (clang's `fun:f=init`) has no meaning here.
            let pattern = pattern.trim();
            if pattern.is_empty() {
                return Err(format!("{}: empty pattern", at()));
            }
            self.rules.push(Rule {
                kind,
                pattern: pattern.to_string(),
            });
        }
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether `f` is ignored.
    pub(crate) fn ignores(&self, f: &FunctionIdentity) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let mut demangled: Option<String> = None;
        let mut path: Option<Option<String>> = None;
        self.rules.iter().any(|r| match r.kind {
            RuleKind::Fun => {
                let d = demangled
                    .get_or_insert_with(|| format!("{:#}", rustc_demangle::demangle(&f.symbol)));
                glob_match(&r.pattern, d) || glob_match(&r.pattern, &f.symbol)
            }
            RuleKind::Src => path
                .get_or_insert_with(|| f.file.as_ref().map(|(dir, name)| normalize(dir, name)))
                .as_deref()
                .is_some_and(|p| glob_match(&r.pattern, p)),
        })
    }
}

impl FunctionIdentity {
    /// Whether the function's source is the toolchain's own: std and its crates.io
    /// dependencies, whose debug info rustc remaps to `/rustc/<hash>/library/...` and
    /// `/rust/deps/...`. A crate compiled by the user (a path, git or registry dependency)
    /// never has such paths.
    pub(crate) fn is_toolchain_source(&self) -> bool {
        self.file.as_ref().is_some_and(|(dir, name)| {
            let p = normalize(dir, name);
            p.starts_with("/rustc/") || p.starts_with("/rust/deps/")
        })
    }
}

/// `directory` joined with `filename` (unless that is absolute), `.`/`..` removed lexically.
fn normalize(directory: &str, filename: &str) -> String {
    let joined = Path::new(directory).join(filename);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().into_owned()
}

/// Glob match: `*` any run of characters, `?` one character.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with backtracking to the last `*`: linear in practice.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Ignorelist {
        let mut l = Ignorelist::default();
        l.add(text, "test").unwrap();
        l
    }

    fn at(symbol: &str, dir: &str, name: &str) -> FunctionIdentity {
        FunctionIdentity {
            symbol: symbol.to_string(),
            file: Some((dir.to_string(), name.to_string())),
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match(
            "*/gimli-*/*",
            "/rust/deps/gimli-0.32.3/src/read/unit.rs"
        ));
        assert!(!glob_match("abc", "abcd"));
        assert!(glob_match("*a*a*a", "aaaa"));
        assert!(!glob_match("*a*b", "aaaa"));
    }

    #[test]
    fn paths_are_normalized() {
        assert_eq!(
            normalize("/rustc/h", "library/std/src/../../backtrace/src/print.rs"),
            "/rustc/h/library/backtrace/src/print.rs"
        );
        assert_eq!(normalize("/work", "/abs/x.rs"), "/abs/x.rs");
        assert_eq!(normalize("/w", "./a/./b.rs"), "/w/a/b.rs");
    }

    #[test]
    fn fun_rules_match_demangled_paths_and_symbols() {
        let l = list("fun:mycrate::parse::*\nfun:c_helper");
        // `mycrate::parse::run`, legacy mangling with a hash.
        let f = at(
            "_ZN7mycrate5parse3run17h0123456789abcdefE",
            "/w",
            "src/lib.rs",
        );
        assert!(l.ignores(&f));
        assert!(l.ignores(&at("c_helper", "/w", "x.c")));
        assert!(!l.ignores(&at(
            "_ZN7mycrate4main17h0123456789abcdefE",
            "/w",
            "src/main.rs"
        )));
    }

    #[test]
    fn sections_comments_and_errors() {
        let l = list("# c\n[asan]\nfun:*\n[bsan]\nsrc:*/x.rs # trailing\n");
        assert!(!l.ignores(&at("anything", "/w", "y.rs")));
        assert!(l.ignores(&at("anything", "/w", "x.rs")));
        let mut l = Ignorelist::default();
        let e = l.add("global:foo", "f.txt").unwrap_err();
        assert!(e.contains("f.txt:1") && e.contains("global:"), "{e}");
        assert!(l
            .add("fun", "f.txt")
            .unwrap_err()
            .contains("expected `fun:"));
        assert!(l
            .add("[bsan", "f.txt")
            .unwrap_err()
            .contains("section header"));
        assert!(l
            .add("src:", "f.txt")
            .unwrap_err()
            .contains("empty pattern"));
    }

    #[test]
    fn default_list_hides_std_internals_not_user_crates() {
        let l = list(DEFAULT_LIST);
        let h = "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860";
        // std's backtrace and its private gimli / addr2line / miniz_oxide.
        assert!(l.ignores(&at(
            "x",
            h,
            "library/std/src/../../backtrace/src/symbolize/gimli.rs"
        )));
        assert!(l.ignores(&at("x", "/rust/deps/gimli-0.32.3", "src/read/unit.rs")));
        assert!(l.ignores(&at("x", "/rust/deps/addr2line-0.25.1", "src/lib.rs")));
        assert!(l.ignores(&at(
            "x",
            "/rust/deps/miniz_oxide-0.8.9",
            "src/inflate/core.rs"
        )));
        assert!(l.ignores(&at("x", h, "library/std/src/sys/backtrace.rs")));
        // A user's gimli, from cargo's registry or a path, by the same function name.
        let user = "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/gimli-0.32.3";
        let sym = "_ZN5gimli4read4unit8UnitHeader4size17h0123456789abcdefE";
        assert!(!l.ignores(&at(sym, user, "src/read/unit.rs")));
        assert!(!l.ignores(&at(sym, "/home/me/gimli", "src/read/unit.rs")));
        // std's collections and the rest of std stay checked: user data goes through them.
        assert!(!l.ignores(&at("x", "/rust/deps/hashbrown-0.16.1", "src/raw/mod.rs")));
        assert!(!l.ignores(&at("x", h, "library/alloc/src/vec/mod.rs")));
        assert!(!l.ignores(&at("x", h, "library/std/src/panicking.rs")));
        // No debug info: only `fun:` rules apply.
        let bare = FunctionIdentity {
            symbol: "gimli_thing".to_string(),
            file: None,
        };
        assert!(!l.ignores(&bare));
    }

    #[test]
    fn toolchain_sources() {
        let std_fn = at("f", "/rustc/abc123", "library/std/src/sys/backtrace.rs");
        assert!(std_fn.is_toolchain_source());
        assert!(at("f", "/rust/deps/gimli-0.32.3", "src/read/dwarf.rs").is_toolchain_source());
        assert!(!at("f", "/home/u/app", "src/main.rs").is_toolchain_source());
        assert!(!at(
            "f",
            "/home/u/.cargo/registry/src/index.crates.io-0/gimli-0.32.3",
            "src/read/dwarf.rs"
        )
        .is_toolchain_source());
        assert!(!at("f", "/rustc/../home/u", "main.rs").is_toolchain_source());
        let bare = FunctionIdentity {
            symbol: "f".to_string(),
            file: None,
        };
        assert!(!bare.is_toolchain_source());
    }
}
