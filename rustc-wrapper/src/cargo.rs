//! `cargo bsan <run|test|build> [cargo args]`.
//!
//! Phases ([`Phase`]): the user runs `cargo bsan ...` (phase `Cargo`): we run the real cargo
//! with ourselves as `RUSTC_WRAPPER`; cargo then calls us once per rustc invocation (phase
//! `Rustc`), and we decide there whether the crate is instrumented.
//!
//! What the `Cargo` phase changes, and why:
//! * `--target <host>` unless given: separates target crates from host crates (build scripts,
//!   proc-macros), see [`crate_role`]; build-script probes of the compiler see plain rustc.
//! * `CARGO_PROFILE_{DEV,RELEASE,TEST,BENCH}_LTO=fat`: cargo then embeds bitcode in every
//!   rlib and links final artifacts with fat LTO, the one module where std is instrumented.
//! * `CC_<target>` / `CXX_<target>` = `bsan-cc` / `bsan-c++`: C/C++ built by cc-rs or cmake for
//!   the target is instrumented too; host C builds are untouched.
//! * `cargo bsan test` without a target selection runs `--tests` (unit and integration tests):
//!   doctests are compiled by rustdoc, outside `RUSTC_WRAPPER`, and cannot be instrumented yet.
//!
//! The user's `RUSTFLAGS`/`CARGO_ENCODED_RUSTFLAGS` are left as they are.
//!
//! The Cargo phase also decides the retag source once ([`crate::retags`]: `BSAN_RETAGS`, the
//! cached `-Zcodegen-emit-retag` probe), so a bad setting fails before cargo starts; each
//! Rustc phase of a target crate then reads the cached answer and adds
//! `-Zcodegen-emit-retag` when retags come from rustc. Host crates never probe.
use crate::install::Install;
use crate::toolchain::{check_supported_target, Rustc};
use crate::DriverError;
use std::ffi::OsString;
use std::process::Command;

/// Env var marking our own `RUSTC_WRAPPER` invocations.
pub const WRAPPER_ENV: &str = "BSAN_CARGO_WRAPPER";

/// Which role this process plays.
#[derive(Debug, PartialEq, Eq)]
pub enum Phase {
    /// `cargo bsan <subcommand> args...`
    Cargo {
        subcommand: Subcommand,
        args: Vec<OsString>,
    },
    /// `cargo-bsan <rustc> args...` as `RUSTC_WRAPPER`
    Rustc {
        rustc: OsString,
        args: Vec<OsString>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subcommand {
    Run,
    Test,
    Build,
}

impl Subcommand {
    fn as_str(self) -> &'static str {
        match self {
            Subcommand::Run => "run",
            Subcommand::Test => "test",
            Subcommand::Build => "build",
        }
    }
}

pub const USAGE: &str = "usage: cargo bsan <run|test|build> [cargo options] [-- program args]

Builds the crate with the BorrowSanitizer pass and runtime (fat LTO, debug info) and runs it.

Environment:
  BSAN_OPTIONS    runtime options (BSAN_OPTIONS=help=1 lists them)
  BSAN_RETAGS     where retags come from:
                    auto (default)  rustc's -Zcodegen-emit-retag if the toolchain accepts it
                                    (a nightly from mid-2026 on), else synthesized
                    intrinsics      require -Zcodegen-emit-retag (error on older toolchains)
                    synthesized     the pass synthesizes fn-entry and call-return retags;
                                    reborrows inside a function are not seen
                  `bsan-rustc [+toolchain] --print-retag-source` shows the choice
  BSAN_CACHE_DIR  where the once-per-toolchain -Zcodegen-emit-retag probe is cached
                  (default $XDG_CACHE_HOME/bsan or ~/.cache/bsan)
  BSAN_IGNORELIST files of `fun:`/`src:` rules naming code to leave uninstrumented
                  (separated like PATH); BSAN_IGNORELIST_DEFAULT=0 drops the built-in list
                  of std's backtrace internals (a change rebuilds, like a new bsan)";

/// Decide the phase from `argv[1..]` and the environment.
pub fn phase(args: Vec<OsString>, in_wrapper: bool) -> Result<Phase, DriverError> {
    let mut args = args.into_iter();
    if in_wrapper {
        let rustc = args
            .next()
            .ok_or_else(|| DriverError::new("RUSTC_WRAPPER invoked without a rustc path"))?;
        return Ok(Phase::Rustc {
            rustc,
            args: args.collect(),
        });
    }
    // cargo runs `cargo-bsan bsan <subcommand> ...`; a direct `cargo-bsan <subcommand>` works too.
    let mut first = args.next();
    if first.as_deref() == Some("bsan".as_ref()) {
        first = args.next();
    }
    let sub = match first
        .as_ref()
        .map(|s| s.to_string_lossy().into_owned())
        .as_deref()
    {
        Some("run") => Subcommand::Run,
        Some("test") => Subcommand::Test,
        Some("build") => Subcommand::Build,
        Some("help" | "--help" | "-h") | None => {
            return Err(DriverError::new(USAGE));
        }
        Some(other) => {
            return Err(DriverError::new(format!(
                "unsupported subcommand `{other}`; supported: run, test, build\n{USAGE}"
            )))
        }
    };
    Ok(Phase::Cargo {
        subcommand: sub,
        args: args.collect(),
    })
}

/// What one `RUSTC_WRAPPER` invocation compiles, decided in one place ([`crate_role`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrateRole {
    /// A crate of the program under test: instrumented.
    Target,
    /// A build script or proc-macro, or one of their dependencies: it runs inside the build,
    /// never in the program under test, so rustc runs exactly as plain cargo would run it.
    Host,
    /// A build script asking the compiler a question (proc-macro2's `probe/*.rs`, autocfg,
    /// rustversion, `cargo:rustc-check-cfg` probes): build scripts run `$RUSTC_WRAPPER $RUSTC`
    /// when the wrapper is set, often with `--target $TARGET`. The answer decides the cfgs the
    /// real compile gets, so the probe must see what plain cargo gives it: the same channel
    /// (no `RUSTC_BOOTSTRAP`, which an instrumented compile needs on stable and which would
    /// make a stable probe succeed at `#![feature]`), no plugin, no flags of ours.
    Probe,
}

/// The environment variable cargo sets for each rustc process it runs itself and never for
/// a build script's run (build scripts get `TARGET`, `CARGO_CFG_*`, `OUT_DIR` instead).
pub const CARGO_CRATE_NAME_ENV: &str = "CARGO_CRATE_NAME";

/// Decide the role of a wrapper invocation from its arguments and whether cargo itself
/// launched it (`CARGO_CRATE_NAME` is set, see [`CARGO_CRATE_NAME_ENV`]).
///
/// * Not launched by cargo: a build script's probe, whatever its arguments (proc-macro2 passes
///   `--target`, so `--target` alone cannot tell).
/// * Launched by cargo with `--target`: a target crate. The Cargo phase always passes an
///   explicit `--target`, so cargo compiles build scripts and proc-macros *without* it (the
///   trick cargo-miri uses).
/// * Launched by cargo without `--target`: a host crate.
pub fn crate_role(args: &[OsString], launched_by_cargo: bool) -> CrateRole {
    if !launched_by_cargo {
        return CrateRole::Probe;
    }
    let has_target = args
        .iter()
        .any(|a| a == "--target" || a.to_string_lossy().starts_with("--target="));
    if has_target {
        CrateRole::Target
    } else {
        CrateRole::Host
    }
}

fn user_target(args: &[OsString]) -> Option<String> {
    let mut it = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--target" {
            return it.next();
        }
        if let Some(t) = a.strip_prefix("--target=") {
            return Some(t.to_string());
        }
    }
    None
}

fn has_target_selection(args: &[OsString]) -> bool {
    let selectors = [
        "--lib",
        "--bins",
        "--bin",
        "--tests",
        "--test",
        "--examples",
        "--example",
        "--benches",
        "--bench",
        "--all-targets",
        "--doc",
    ];
    args.iter().take_while(|a| *a != "--").any(|a| {
        selectors
            .iter()
            .any(|s| a == s || a.to_string_lossy().starts_with(&format!("{s}=")))
    })
}

/// What cargo's fingerprints must change with, besides the compiler: the plugin and the
/// runtime (a new bsan must rebuild and relink everything it instrumented), the
/// ignorelists in force (their files' contents and `BSAN_IGNORELIST_DEFAULT`), and the
/// pass's `BSAN_PASS_ELIDE_LEAF_RETAGS` switch. Cargo asks
/// `$RUSTC_WRAPPER $RUSTC -vV` for the compiler's identity and hashes the answer into every
/// unit's fingerprint; the wrapper appends a `bsan-fingerprint:` line to that answer (cargo
/// reads only the lines it knows). The Cargo phase sets `CARGO_CACHE_RUSTC_INFO=0` so cargo
/// asks each time instead of caching the answer by the wrapper's path and mtime.
pub fn fingerprint(install: &Install) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    use std::hash::{Hash, Hasher};
    for file in [install.plugin(), install.runtime()] {
        file.hash(&mut h);
        if let Ok(meta) = std::fs::metadata(&file) {
            meta.len().hash(&mut h);
            meta.modified().ok().hash(&mut h);
        }
    }
    std::env::var_os("BSAN_IGNORELIST_DEFAULT").hash(&mut h);
    // Read by the pass plugin (`pass/src/plugin/mod.rs`): it changes the instrumented code.
    std::env::var_os("BSAN_PASS_ELIDE_LEAF_RETAGS").hash(&mut h);
    if let Some(lists) = std::env::var_os(IGNORELIST_ENV) {
        for path in std::env::split_paths(&lists) {
            path.hash(&mut h);
            std::fs::read(&path).ok().hash(&mut h);
        }
    }
    format!("{:016x}", h.finish())
}

/// Whether `args` is cargo's question for the compiler's identity: `-vV`, asked by cargo
/// itself and not by a build script (which cargo runs with `CARGO_CFG_*` set; a build script
/// parsing `rustc -vV` gets the plain answer, like any other probe).
pub fn is_version_query(args: &[OsString], from_build_script: bool) -> bool {
    !from_build_script && args.len() == 1 && args[0] == "-vV"
}

/// Set by cargo for build scripts' runs only (see [`is_version_query`]).
pub const BUILD_SCRIPT_ENV: &str = "CARGO_CFG_TARGET_ARCH";

/// The user's ignorelists (`pass/src/ignorelist.rs`), read by the pass inside rustc.
pub const IGNORELIST_ENV: &str = "BSAN_IGNORELIST";

/// `BSAN_IGNORELIST` with every file made absolute: cargo runs rustc in each package's own
/// directory, where a path relative to the user's shell would name nothing, or another file.
/// A list that does not exist is an error here, before cargo starts.
pub fn absolute_ignorelists(lists: &std::ffi::OsStr) -> Result<OsString, DriverError> {
    let mut out = Vec::new();
    for path in std::env::split_paths(lists).filter(|p| !p.as_os_str().is_empty()) {
        let abs = std::fs::canonicalize(&path).map_err(|e| {
            DriverError::new(format!(
                "{IGNORELIST_ENV}: cannot read ignorelist {}: {e}",
                path.display()
            ))
        })?;
        out.push(abs);
    }
    std::env::join_paths(out).map_err(|e| DriverError::new(format!("{IGNORELIST_ENV}: {e}")))
}

/// The cargo command of the Cargo phase.
pub fn cargo_command(
    sub: Subcommand,
    args: &[OsString],
    rustc: &Rustc,
    install: &Install,
    self_exe: &std::path::Path,
) -> Result<Command, DriverError> {
    let target = user_target(args).unwrap_or_else(|| rustc.host.clone());
    check_supported_target(&target)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg(sub.as_str());
    let (before, after) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, &[][..]),
    };
    if sub == Subcommand::Test && !has_target_selection(before) {
        cmd.arg("--tests");
    }
    if user_target(args).is_none() {
        cmd.arg("--target").arg(&target);
    }
    cmd.args(before).args(after);
    cmd.env("RUSTC_WRAPPER", self_exe);
    cmd.env(WRAPPER_ENV, "1");
    // See [`fingerprint`]: cargo must ask the wrapper for the compiler's identity every time.
    cmd.env("CARGO_CACHE_RUSTC_INFO", "0");
    for profile in ["DEV", "RELEASE", "TEST", "BENCH"] {
        cmd.env(format!("CARGO_PROFILE_{profile}_LTO"), "fat");
    }
    if let Some(lists) = std::env::var_os(IGNORELIST_ENV) {
        cmd.env(IGNORELIST_ENV, absolute_ignorelists(&lists)?);
    }
    let triple_var = target.replace('-', "_");
    cmd.env(format!("CC_{triple_var}"), install.bin("bsan-cc"));
    cmd.env(format!("CXX_{triple_var}"), install.bin("bsan-c++"));
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn phases() {
        assert_eq!(
            phase(os("bsan test --release"), false).unwrap(),
            Phase::Cargo {
                subcommand: Subcommand::Test,
                args: os("--release")
            }
        );
        assert!(matches!(
            phase(os("/usr/bin/rustc -vV"), true).unwrap(),
            Phase::Rustc { .. }
        ));
        let err = phase(os("bsan miri"), false).unwrap_err().to_string();
        assert!(err.contains("unsupported subcommand `miri`"), "{err}");
    }

    #[test]
    fn host_crates_have_no_target() {
        assert_eq!(
            crate_role(
                &os("--crate-name a --target x86_64-unknown-linux-gnu"),
                true
            ),
            CrateRole::Target
        );
        assert_eq!(
            crate_role(&os("--crate-name build_script_build build.rs"), true),
            CrateRole::Host
        );
    }

    #[test]
    fn build_script_probes_are_never_instrumented() {
        // proc-macro2's build script, compiling its probe for `$TARGET`.
        let probe = os("--cfg=procmacro2_build_probe --crate-name=proc_macro2 \
             --crate-type=lib --emit=dep-info,metadata src/probe/proc_macro_span.rs \
             --target x86_64-unknown-linux-gnu");
        assert_eq!(crate_role(&probe, false), CrateRole::Probe);
        // autocfg reads its probe from stdin.
        let autocfg = os("--crate-name probe0 --crate-type lib --emit=llvm-ir - --target x");
        assert_eq!(crate_role(&autocfg, false), CrateRole::Probe);
    }

    #[test]
    fn only_cargos_own_version_query_is_answered_with_a_fingerprint() {
        assert!(is_version_query(&os("-vV"), false));
        assert!(!is_version_query(&os("-vV"), true));
        assert!(!is_version_query(&os("-vV --target x"), false));
    }

    #[test]
    fn ignorelists_become_absolute() {
        let dir = std::env::temp_dir().join(format!("bsan-ignorelist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("list.txt"), "fun:x\n").unwrap();
        let joined = std::env::join_paths([dir.join("list.txt"), dir.join("./list.txt")]).unwrap();
        let abs = absolute_ignorelists(&joined).unwrap();
        for p in std::env::split_paths(&abs) {
            assert!(
                p.is_absolute() && p.ends_with("list.txt"),
                "{}",
                p.display()
            );
        }
        let err = absolute_ignorelists(dir.join("missing.txt").as_os_str()).unwrap_err();
        assert!(err.to_string().contains("cannot read ignorelist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn target_selection_stops_at_double_dash() {
        assert!(has_target_selection(&os("--lib")));
        assert!(!has_target_selection(&os("-- --lib")));
        assert_eq!(
            user_target(&os("--target=aarch64-unknown-linux-gnu")).as_deref(),
            Some("aarch64-unknown-linux-gnu")
        );
        assert_eq!(user_target(&os("-- --target x")), None);
    }
}
