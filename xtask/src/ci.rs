//! `cargo xtask ci`: everything CI checks, in the order a failure is cheapest to find —
//! formatting, lints, the tidy rules below, then the whole test suite (`cargo xtask test`).
//!
//! Lints are `clippy --workspace --all-targets -D warnings`; the runtime and the pass crates
//! additionally deny `clippy::undocumented_unsafe_blocks` in their crate roots (`bsan-ir`
//! states one safety argument for its whole layer instead).
//!
//! Tidy rules (checked here because no tool checks them):
//! * every tracked `.rs` file says what it is in its first lines: a `//!` module doc (after
//!   any `//@` test directives), or, for the conformance programs (which the conformance
//!   runner `include!`s into batch crates, where inner docs are not allowed), a `//` comment;
//! * `pass/src` has no import cycle between its modules (the layering of
//!   `pass/src/lib.rs`: a stage never imports another stage).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::{build, process, workspace_root};

/// Runs every check; the first failure stops it.
pub fn run() -> Result<(), String> {
    let root = workspace_root();
    process::run(
        process::cargo()
            .current_dir(&root)
            .args(["fmt", "--all", "--", "--check"]),
        "cargo fmt --check (run `cargo fmt --all`)",
    )?;
    process::run(
        process::cargo().current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        "cargo clippy",
    )?;
    tidy(&root)?;
    eprintln!("xtask: fmt, clippy and tidy are clean");
    let install = build::build()?;
    crate::run_tests(&install, false, None)
}

/// The tidy rules of the module documentation.
fn tidy(root: &Path) -> Result<(), String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "*.rs"])
        .output()
        .map_err(|e| format!("running git ls-files: {e}"))?;
    if !out.status.success() {
        return Err("git ls-files failed (tidy needs a git checkout)".into());
    }
    let mut problems = Vec::new();
    for file in String::from_utf8_lossy(&out.stdout).lines() {
        let text =
            std::fs::read_to_string(root.join(file)).map_err(|e| format!("reading {file}: {e}"))?;
        if let Err(e) = header_ok(file, &text) {
            problems.push(format!("{file}: {e}"));
        }
    }
    let pass_src = root.join("pass/src");
    if let Some(cycle) = import_cycle(&module_imports(&pass_src)?) {
        problems.push(format!(
            "pass/src: import cycle {} (see the layers in pass/src/lib.rs)",
            cycle.join(" -> ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("tidy:\n  {}", problems.join("\n  ")))
    }
}

/// Whether `text` (the file `path`) starts with the documentation it needs.
fn header_ok(path: &str, text: &str) -> Result<(), String> {
    let first = text
        .lines()
        .find(|l| !l.starts_with("//@"))
        .unwrap_or_default();
    if first.starts_with("//!") {
        return Ok(());
    }
    if path.starts_with("tests/conformance/") && first.starts_with("// ") {
        return Ok(());
    }
    Err("does not start with a `//!` doc saying what it is".into())
}

/// The `crate::module` imports of each module file of a crate's `src` directory (a
/// module's name is its file name; `x/mod.rs` is `x`).
fn module_imports(src: &Path) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut files = Vec::new();
    collect_rs(src, &mut files)?;
    let mut names = BTreeSet::new();
    let mut texts = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap_or(&f);
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = parts.pop().unwrap_or_default();
        let name = match (parts.first(), last.as_str()) {
            (None, "lib.rs" | "main.rs") => continue,
            (Some(dir), _) => dir.clone(),
            (None, file) => file.trim_end_matches(".rs").to_string(),
        };
        names.insert(name.clone());
        texts.push((
            name,
            std::fs::read_to_string(&f).map_err(|e| e.to_string())?,
        ));
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in texts {
        let deps = imports.entry(name.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let rest = &line[i + "crate::".len()..];
                let dep: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if dep != name && names.contains(&dep) {
                    deps.insert(dep);
                }
            }
        }
    }
    Ok(imports)
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// A cycle in the import graph, as the modules along it (the first repeated at the end).
fn import_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(n.to_string(), Mark::Open);
        path.push(n.to_string());
        for d in graph.get(n).into_iter().flatten() {
            match marks.get(d.as_str()) {
                Some(Mark::Open) => {
                    let start = path.iter().position(|p| p == d).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(c) = visit(d, graph, marks, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for n in graph.keys() {
        if !marks.contains_key(n.as_str()) {
            if let Some(c) = visit(n, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|d| d.to_string()).collect()))
            .collect()
    }

    #[test]
    fn an_import_cycle_is_found_and_a_layering_is_not_one() {
        let layered = graph(&[
            ("cx", &["classify"]),
            ("access", &["cx", "classify"]),
            ("classify", &[]),
        ]);
        assert_eq!(import_cycle(&layered), None);
        let cyclic = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            import_cycle(&cyclic).map(|c| c.join(" -> ")),
            Some("a -> b -> c -> a".to_string())
        );
    }

    #[test]
    fn headers_need_a_module_doc_after_directives() {
        assert!(header_ok("runtime/src/x.rs", "//! Owns x.\nfn f() {}").is_ok());
        assert!(header_ok(
            "tests/rust/pass/x.rs",
            "//@ exit: 66\n//! A bug.\nfn main() {}"
        )
        .is_ok());
        assert!(header_ok("runtime/src/x.rs", "// Owns x.\nfn f() {}").is_err());
        assert!(header_ok("runtime/src/x.rs", "use std::io;\n").is_err());
        assert!(header_ok("tests/conformance/x.rs", "// Two reads.\nfn main() {}").is_ok());
    }

    #[test]
    fn the_pass_has_no_import_cycle() {
        let imports = module_imports(&workspace_root().join("pass/src")).unwrap();
        assert!(imports.contains_key("cx") && imports.contains_key("instrument"));
        assert_eq!(import_cycle(&imports), None);
    }
}
