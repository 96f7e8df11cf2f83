//! Where the retags come from, and the once-per-toolchain `-Zcodegen-emit-retag` probe.
//!
//! # Sources
//!
//! * **intrinsics**: rustc compiles the crate with `-Zcodegen-emit-retag` and emits a
//!   `__rust_retag_reg` / `__rust_retag_mem` call for every retag Miri would do, including
//!   intra-function reborrows (`let y = &mut *x;`), with precise `UnsafeCell`/`UnsafePinned`
//!   ranges. Needs a nightly that has the flag with its `no-precise-im` / `no-precise-pin`
//!   options ([`NEEDED_TOOLCHAIN`]).
//! * **synthesized**: the pass derives fn-entry and call-return retags from debug info and
//!   parameter attributes; intra-function reborrows are invisible (missed, never reported).
//!
//! Either way the pass lowers the same calls (it only synthesizes for functions rustc did
//! not retag), and std, which is precompiled without the flag, always gets synthesized retags.
//!
//! # Choosing: `BSAN_RETAGS`
//!
//! | value            | effect                                                          |
//! |------------------|-----------------------------------------------------------------|
//! | `auto` (default) | intrinsics if the rustc accepts the flag, else synthesized      |
//! | `intrinsics`     | intrinsics; an error naming the toolchain if it lacks the flag  |
//! | `synthesized`    | never passes the flag (and never probes)                        |
//!
//! An empty value is `auto`; any other value is an error listing these. A
//! `-Zcodegen-emit-retag[=...]` the user already passes (e.g. in `RUSTFLAGS`) is left alone.
//! `bsan-rustc [+toolchain] --print-retag-source` prints the choice (`intrinsics` or
//! `synthesized`) on stdout and the reason on stderr, and compiles nothing.
//!
//! # The probe and its cache
//!
//! Whether a rustc accepts the flag is probed by compiling an empty library from stdin:
//! `rustc -Zcodegen-emit-retag=no-precise-im,no-precise-pin -Zcodegen-emit-retag
//! --crate-type lib --emit=metadata --out-dir <fresh temp dir> -` with `RUSTC_BOOTSTRAP=1`
//! (as instrumented compiles get on stable). Both spellings in one run: nightlies from
//! before the complete implementation (rust-lang/rust#159245) had a boolean flag that
//! emitted retags without interior-mutability ranges, which would turn every write
//! through a `&Cell` into a false report; they reject the option list. Success means
//! accepted; a failure that names `codegen-emit-retag` means rejected; any other failure
//! counts as "not accepted" for `auto` but is not cached.
//!
//! The answer is cached per toolchain build, keyed by the whole `rustc -vV` output, in
//! `$BSAN_CACHE_DIR`, else `$XDG_CACHE_HOME/bsan`, else `$HOME/.cache/bsan` (one place for
//! `bsan-rustc` and `cargo bsan`, whatever the project): file `retag-probe-<hash of -vV>`
//! holding a format line, the answer, and the `-vV` text itself (checked on read, so a hash
//! collision or a damaged file is just a miss). Writes go to a unique temporary file in the
//! same directory, renamed over the final name: concurrent rustc invocations under cargo
//! never see a partial file, and racing writers write the same answer. A file that cannot be
//! read back or parsed is re-probed and replaced; a cache that cannot be written only costs
//! a probe per compile. Toolchains whose `-vV` has no commit hash (local builds) are probed
//! every time. Deleting the directory is always safe.
//!
//! Only instrumented compiles decide: host crates (build scripts, proc-macros) and rustc
//! queries never probe. `cargo bsan` decides once before starting cargo, so an invalid
//! `BSAN_RETAGS` or `intrinsics` on an old toolchain fails before anything is built and the
//! per-crate invocations find the answer cached.
use crate::toolchain::Rustc;
use crate::DriverError;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};

/// Selects the retag source.
pub const RETAGS_ENV: &str = "BSAN_RETAGS";
/// Overrides the probe cache directory.
pub const CACHE_DIR_ENV: &str = "BSAN_CACHE_DIR";
/// The flag passed to instrumented target crates when retags come from rustc.
pub const EMIT_RETAG_FLAG: &str = "-Zcodegen-emit-retag";
/// `bsan-rustc` option printing the decision.
pub const PRINT_OPTION: &str = "--print-retag-source";
/// What a toolchain needs for [`Source::Intrinsics`], for messages.
pub const NEEDED_TOOLCHAIN: &str = "a nightly toolchain with `-Zcodegen-emit-retag` and its \
     `no-precise-im`/`no-precise-pin` options (rust-lang/rust#159245, nightlies from mid-2026 \
     on)";
/// The flags of a probe compile, before the crate options.
const PROBE_FLAGS: [&str; 2] = [
    "-Zcodegen-emit-retag=no-precise-im,no-precise-pin",
    EMIT_RETAG_FLAG,
];
/// First line of a cache file; part of the cache key, so changing the probe changes it.
const CACHE_FORMAT: &str = "bsan retag probe 1";

/// The value of `BSAN_RETAGS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    Auto,
    Intrinsics,
    Synthesized,
}

impl Request {
    /// Parses `BSAN_RETAGS` (unset or empty: `auto`).
    pub fn parse(value: Option<&OsStr>) -> Result<Request, DriverError> {
        let value = value.map(OsStr::to_string_lossy).unwrap_or_default();
        match value.trim() {
            "" | "auto" => Ok(Request::Auto),
            "intrinsics" => Ok(Request::Intrinsics),
            "synthesized" => Ok(Request::Synthesized),
            other => Err(DriverError::new(format!(
                "{RETAGS_ENV}=`{other}` is not a valid value; use one of: auto (the default: \
                 intrinsics if rustc accepts {EMIT_RETAG_FLAG}, else synthesized), intrinsics \
                 (require rustc's retag intrinsics), synthesized (retags synthesized by the \
                 pass, no intra-function reborrows)"
            ))),
        }
    }

    pub fn from_env() -> Result<Request, DriverError> {
        Request::parse(std::env::var_os(RETAGS_ENV).as_deref())
    }
}

/// Where an instrumented crate's retags come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// rustc emits them (`-Zcodegen-emit-retag`).
    Intrinsics,
    /// The pass synthesizes them.
    Synthesized,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Intrinsics => "intrinsics",
            Source::Synthesized => "synthesized",
        }
    }
}

/// The outcome of one probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Accepted,
    /// rustc named the flag in its error: it lacks it (or its options).
    Rejected,
    /// The probe failed for another reason (message); never cached.
    Failed(String),
}

/// A decision and why, for `--print-retag-source` and errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub source: Source,
    pub reason: String,
}

/// The probe cache directory; `None` disables caching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeCache {
    pub dir: Option<PathBuf>,
}

impl ProbeCache {
    /// `$BSAN_CACHE_DIR`, `$XDG_CACHE_HOME/bsan` or `$HOME/.cache/bsan`.
    pub fn from_env() -> ProbeCache {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = var(CACHE_DIR_ENV)
            .map(PathBuf::from)
            .or_else(|| {
                var("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|p| p.join("bsan"))
            })
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache/bsan")));
        ProbeCache { dir }
    }

    pub fn at(dir: impl Into<PathBuf>) -> ProbeCache {
        ProbeCache {
            dir: Some(dir.into()),
        }
    }

    /// The cache file for a toolchain with this `rustc -vV` output.
    pub fn file_for(&self, version: &str) -> Option<PathBuf> {
        let key = fnv1a64(format!("{CACHE_FORMAT}\n{version}").as_bytes());
        Some(self.dir.as_ref()?.join(format!("retag-probe-{key:016x}")))
    }

    /// The cached answer (`Some(accepted)`), or `None` if absent, unreadable or not for
    /// exactly this `version`.
    pub fn load(&self, version: &str) -> Option<bool> {
        let text = std::fs::read_to_string(self.file_for(version)?).ok()?;
        parse_entry(&text, version)
    }

    /// Caches `accepted` for `version`, atomically (temporary file + rename).
    pub fn store(&self, version: &str, accepted: bool) -> std::io::Result<PathBuf> {
        let path = self
            .file_for(version)
            .ok_or_else(|| std::io::Error::other("no cache directory (set BSAN_CACHE_DIR)"))?;
        let dir = path.parent().expect("cache file has a directory");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}",
            path.file_name().unwrap().to_string_lossy(),
            unique_suffix()
        ));
        let written = std::fs::write(&tmp, format_entry(version, accepted))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map(|()| path)
    }
}

fn format_entry(version: &str, accepted: bool) -> String {
    let answer = if accepted { "accepted" } else { "rejected" };
    format!("{CACHE_FORMAT}\ncodegen-emit-retag: {answer}\n{version}")
}

fn parse_entry(text: &str, version: &str) -> Option<bool> {
    let (format, rest) = text.split_once('\n')?;
    let (answer, cached_version) = rest.split_once('\n')?;
    if format != CACHE_FORMAT || cached_version != version {
        return None;
    }
    match answer {
        "codegen-emit-retag: accepted" => Some(true),
        "codegen-emit-retag: rejected" => Some(false),
        _ => None,
    }
}

/// FNV-1a: a stable hash (std's hashers may change between releases) for file names only;
/// the file's content is the real key.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Unique within the machine for this process's lifetime: pid, time, counter.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{}-{nanos}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs the probe compile (see the module docs).
pub fn run_probe(rustc: &Rustc) -> Probe {
    let out_dir = std::env::temp_dir().join(format!("bsan-retag-probe-{}", unique_suffix()));
    if let Err(e) = std::fs::create_dir_all(&out_dir) {
        return Probe::Failed(format!("cannot create {}: {e}", out_dir.display()));
    }
    let output = rustc
        .command()
        .args(PROBE_FLAGS)
        .args(["--crate-type", "lib", "--crate-name", "bsan_retag_probe"])
        .arg("--emit=metadata")
        .arg("--out-dir")
        .arg(&out_dir)
        .arg("-")
        .env("RUSTC_BOOTSTRAP", "1")
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_dir_all(&out_dir);
    classify(output, &rustc.path)
}

fn classify(output: std::io::Result<std::process::Output>, path: &OsStr) -> Probe {
    match output {
        Err(e) => Probe::Failed(format!("cannot run {}: {e}", path.to_string_lossy())),
        Ok(out) if out.status.success() => Probe::Accepted,
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("codegen-emit-retag") {
                Probe::Rejected
            } else {
                Probe::Failed(format!(
                    "the probe compile failed ({}): {}",
                    out.status,
                    stderr.trim()
                ))
            }
        }
    }
}

/// `BSAN_RETAGS` and the cache: everything a driver needs to decide.
#[derive(Clone, Debug)]
pub struct Retags {
    pub request: Request,
    pub cache: ProbeCache,
}

impl Retags {
    pub fn from_env() -> Result<Retags, DriverError> {
        Ok(Retags {
            request: Request::from_env()?,
            cache: ProbeCache::from_env(),
        })
    }

    /// The retag source for target crates compiled by `rustc`; probes at most once per
    /// toolchain build (see the module docs).
    pub fn decide(&self, rustc: &Rustc) -> Result<Decision, DriverError> {
        if self.request == Request::Synthesized {
            return Ok(Decision {
                source: Source::Synthesized,
                reason: format!("{RETAGS_ENV}=synthesized: {EMIT_RETAG_FLAG} is not passed"),
            });
        }
        let toolchain = rustc.describe();
        let cached = if rustc.identifies_build() {
            self.cache.load(&rustc.version)
        } else {
            None
        };
        let (probe, whence) = match cached {
            Some(accepted) => {
                let probe = if accepted {
                    Probe::Accepted
                } else {
                    Probe::Rejected
                };
                let file = self.cache.file_for(&rustc.version).unwrap_or_default();
                (probe, format!("cached in {}", file.display()))
            }
            None => {
                let probe = run_probe(rustc);
                let whence = match &probe {
                    Probe::Failed(_) => "not cached".to_string(),
                    _ if !rustc.identifies_build() => {
                        "not cached: `rustc -vV` has no commit hash".to_string()
                    }
                    p => match self.cache.store(&rustc.version, *p == Probe::Accepted) {
                        Ok(file) => format!("probed, cached in {}", file.display()),
                        Err(e) => format!("probed, not cached: {e}"),
                    },
                };
                (probe, whence)
            }
        };
        let requested = match self.request {
            Request::Auto => format!("{RETAGS_ENV}=auto"),
            _ => format!("{RETAGS_ENV}=intrinsics"),
        };
        match (probe, self.request) {
            (Probe::Accepted, _) => Ok(Decision {
                source: Source::Intrinsics,
                reason: format!(
                    "{requested}: {toolchain} accepts {EMIT_RETAG_FLAG} ({whence}); \
                     target crates get it"
                ),
            }),
            (Probe::Rejected, Request::Auto) => Ok(Decision {
                source: Source::Synthesized,
                reason: format!(
                    "{requested}: {toolchain} does not accept {EMIT_RETAG_FLAG} ({whence}); \
                     the pass synthesizes retags (no intra-function reborrows); \
                     full precision needs {NEEDED_TOOLCHAIN}"
                ),
            }),
            (Probe::Failed(why), Request::Auto) => Ok(Decision {
                source: Source::Synthesized,
                reason: format!(
                    "{requested}: could not tell whether {toolchain} accepts \
                     {EMIT_RETAG_FLAG} ({whence}): {why}; the pass synthesizes retags"
                ),
            }),
            (Probe::Rejected, _) => Err(DriverError::new(format!(
                "{requested}, but {toolchain} does not accept {EMIT_RETAG_FLAG} \
                 ({whence}); use {NEEDED_TOOLCHAIN} (`rustup toolchain install nightly`, then \
                 `cargo +nightly bsan ...` or `bsan-rustc +nightly ...`), or unset \
                 {RETAGS_ENV} to let the pass synthesize retags"
            ))),
            (Probe::Failed(why), _) => Err(DriverError::new(format!(
                "{requested}, but probing whether {toolchain} accepts {EMIT_RETAG_FLAG} \
                 failed: {why}"
            ))),
        }
    }
}

/// Whether `args` already carry `-Zcodegen-emit-retag` (any spelling), which is then kept.
pub fn has_emit_retag_flag(args: &[std::ffi::OsString]) -> bool {
    let mut prev_z = false;
    args.iter().any(|a| {
        let a = a.to_string_lossy();
        let hit =
            a.starts_with(EMIT_RETAG_FLAG) || (prev_z && a.starts_with(&EMIT_RETAG_FLAG[2..]));
        prev_z = a == "-Z";
        hit
    })
}

/// Is `path` a cache file name (for tests and tools)?
pub fn is_cache_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("retag-probe-"))
}

#[cfg(test)]
mod tests;
