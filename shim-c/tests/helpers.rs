//! The explicit-retag macros of `bsan.h` (`BSAN_REBORROW*`, `BSAN_FN_ENTRY*`) in C and C++.
//!
//! * Every macro the header defines is used by `helpers/all_helpers.c` and `.cpp`, which
//!   compile warning-free with clang-22 (`-Wall -Wextra -Werror -pedantic`, several standards).
//! * Bad range arguments (odd count, not `size_t`, a pointer) are compile errors.
//! * When bsan is installed (`cargo xtask build`: `target/bsan/bin/bsan-cc`), the programs are
//!   built and run instrumented: `all_helpers` exits 0, `reborrow_conflict` (two unique
//!   reborrows of one pointer, then a write through the first) is stopped with status 66.
//!   Without an install that part is skipped with a note.
//!
//! clang is `BSAN_CLANG` / `BSAN_CLANGXX`, else `clang-22` / `clang++-22`, as for bsan-cc.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INCLUDE_DIR: &str = bsan_shim::INCLUDE_DIR;

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helpers")
}

fn clang(cxx: bool) -> String {
    let (var, default) = if cxx {
        ("BSAN_CLANGXX", "clang++-22")
    } else {
        ("BSAN_CLANG", "clang-22")
    };
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (install clang-22 or set BSAN_CLANG)"))
}

fn syntax_check(file: &str, cxx: bool, std: &str) -> Output {
    run(Command::new(clang(cxx))
        .args(["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(format!("-std={std}"))
        .arg("-I")
        .arg(INCLUDE_DIR)
        .arg(sources().join(file)))
}

/// Names of the function-like public macros of `bsan.h` (not the `BSAN_PRIV_*` internals).
fn helper_macros() -> Vec<String> {
    let header = std::fs::read_to_string(Path::new(INCLUDE_DIR).join("bsan.h")).unwrap();
    let names: Vec<String> = header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| l.split_once('(').map(|(name, _)| name.to_string()))
        .filter(|name| !name.contains(' ') && !name.starts_with("BSAN_PRIV_"))
        .collect();
    assert!(
        names.len() >= 8,
        "expected the BSAN_REBORROW*/BSAN_FN_ENTRY* macros in bsan.h, found {names:?}"
    );
    names
}

#[test]
fn every_helper_is_exercised() {
    for file in ["all_helpers.c", "all_helpers.cpp"] {
        let src = std::fs::read_to_string(sources().join(file)).unwrap();
        for name in helper_macros() {
            assert!(
                src.contains(&format!("{name}(")),
                "{file} does not use {name}: add a use so it is compiled and run"
            );
        }
    }
}

#[test]
fn helpers_compile_as_c_and_cxx() {
    for (file, cxx, std) in [
        ("all_helpers.c", false, "c99"),
        ("all_helpers.c", false, "c11"),
        ("all_helpers.c", false, "gnu17"),
        ("all_helpers.cpp", true, "c++11"),
        ("all_helpers.cpp", true, "c++17"),
        ("all_helpers.cpp", true, "c++20"),
        ("reborrow_conflict.c", false, "c11"),
    ] {
        let out = syntax_check(file, cxx, std);
        assert!(
            out.status.success(),
            "{file} (-std={std}) does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn bad_range_arrays_are_compile_errors() {
    let src = std::fs::read_to_string(sources().join("misuse.c")).unwrap();
    let expected = src.matches("/* ERR */").count();
    assert_eq!(expected, 3);
    // The C file is valid C++ as well; each language has its own check.
    let cxx_copy = std::env::temp_dir().join(format!("bsan-misuse-{}.cpp", std::process::id()));
    std::fs::write(&cxx_copy, &src).unwrap();
    for (cxx, path, needle) in [
        (
            false,
            sources().join("misuse.c"),
            "bsan_ranges_must_be_a_static_const_size_t_array_of_offset_len_pairs",
        ),
        (true, cxx_copy.clone(), "check_ranges"),
    ] {
        let out = run(Command::new(clang(cxx))
            .args(["-fsyntax-only", "-ferror-limit=0", "-I"])
            .arg(INCLUDE_DIR)
            .arg(&path));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} compiled", path.display());
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("error:") && !l.contains("errors generated"))
            .collect();
        assert_eq!(errors.len(), expected, "cxx={cxx}:\n{stderr}");
        assert!(stderr.contains(needle), "cxx={cxx}:\n{stderr}");
        for line in src.lines().filter(|l| l.contains("/* ERR */")) {
            let line_no = src.lines().position(|l| l == line).unwrap() + 1;
            let file = path.file_name().unwrap().to_string_lossy();
            assert!(
                stderr.contains(&format!("{file}:{line_no}:")),
                "no error on line {line_no} (cxx={cxx}):\n{stderr}"
            );
        }
    }
    std::fs::remove_file(cxx_copy).unwrap();
}

/// `target/bsan` of this workspace (or of `CARGO_TARGET_DIR`), if `cargo xtask build` made it.
fn installed_bin(name: &str) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("bsan/bin").join(name);
    bin.is_file().then_some(bin)
}

/// Builds `file` with the installed driver and runs it; `None` without an install.
fn build_and_run(file: &str, cxx: bool) -> Option<Output> {
    let driver = if cxx { "bsan-c++" } else { "bsan-cc" };
    let Some(driver) = installed_bin(driver) else {
        eprintln!("note: no target/bsan install (run `cargo xtask build`): not running {file}");
        return None;
    };
    let dir = std::env::temp_dir().join(format!(
        "bsan-shim-helpers-{}-{}",
        std::process::id(),
        file.replace('.', "_")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("prog");
    // `-iquote` puts this crate's bsan.h before the installed copy the driver adds with -I,
    // so the header under test is the one compiled.
    let built = run(Command::new(&driver)
        .args(["-O0", "-iquote"])
        .arg(INCLUDE_DIR)
        .arg(sources().join(file))
        .arg("-o")
        .arg(&exe));
    assert!(
        built.status.success(),
        "{} {file} failed:\n{}",
        driver.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    let out = run(Command::new(&exe).env_remove("BSAN_OPTIONS"));
    let _ = std::fs::remove_file(&exe);
    let _ = std::fs::remove_dir(&dir);
    Some(out)
}

#[test]
fn instrumented_clean_programs_exit_0() {
    for (file, cxx) in [("all_helpers.c", false), ("all_helpers.cpp", true)] {
        let Some(out) = build_and_run(file, cxx) else {
            return;
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file} was stopped or failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn instrumented_reborrow_conflict_is_reported() {
    let Some(out) = build_and_run("reborrow_conflict.c", false) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(66), "{stderr}");
    assert!(
        stderr.contains("SUMMARY: BorrowSanitizer: child-access-forbidden")
            && stderr.contains("reborrow_conflict.c:14"),
        "{stderr}"
    );
}
