//! Drivers that put bsan into a build: `bsan-rustc`, `cargo-bsan` and `bsan-cc`/`bsan-c++`.
//!
//! # Who calls whom
//!
//! ```text
//! cargo bsan test ──► cargo-bsan (phase Cargo) ──► cargo test --target <host> --tests
//!                                                     │ RUSTC_WRAPPER=cargo-bsan
//!                                                     ▼
//!                      cargo-bsan (phase Rustc) ──► rustc  (+ plugin, debuginfo, runtime)
//!                                                     │ CC_<target>=bsan-cc (cc-rs builds)
//!                                                     ▼
//!                                  bsan-cc ──► clang-22 -fpass-plugin=libbsan_pass.so
//! bsan-rustc x.rs ──► rustc x.rs (+ plugin, debuginfo, fat LTO, runtime)
//! ```
//!
//! Every driver finds its libraries relative to its own executable ([`install::Install`]),
//! so the `target/bsan` directory can be copied or put on `PATH`.
//!
//! # Host and target crates
//!
//! Decided in one place, [`cargo::crate_role`]: `cargo-bsan` always passes an explicit
//! `--target`, so cargo compiles build scripts and proc-macros (which run inside the build,
//! never in the program under test) *without* `--target`; the wrapper instruments only
//! invocations that carry `--target`. This is the trick cargo-miri uses. Build scripts that
//! probe the compiler run `$RUSTC_WRAPPER $RUSTC ...` too, often with `--target`; cargo sets
//! `CARGO_CRATE_NAME` only for its own rustc processes, so a wrapper call without it is a
//! probe and runs plain rustc with the environment plain cargo gives it.
//!
//! # What each rustc invocation gets ([`rustc::instrument_args`])
//!
//! `-Zllvm-plugins=<lib>/libbsan_pass.so` (with `RUSTC_BOOTSTRAP=1` for that process only when
//! the toolchain is not nightly), `-Cdebuginfo=2` (retag synthesis reads reference types from
//! debug info), `-Copt-level=0` (inlining would stretch protectors past the callee), and for
//! final artifacts (bin, test harness, cdylib, staticlib) `-Clto=fat`, so that std's bitcode
//! is merged into one module the pass instruments, plus the runtime archive for artifacts that
//! are linked here (bin, test, cdylib). The pass learns it runs under rustc from
//! `BSAN_PASS_MODE=rustc`.
//!
//! # Where retags come from ([`retags`])
//!
//! `-Zcodegen-emit-retag` too when the toolchain accepts it (rustc then emits every retag,
//! intra-function reborrows included); otherwise the pass synthesizes fn-entry and
//! call-return retags. `BSAN_RETAGS=auto|intrinsics|synthesized` chooses (default `auto`),
//! `bsan-rustc --print-retag-source` shows the choice, and the answer of the one probe per
//! toolchain is cached in `$BSAN_CACHE_DIR` (default `~/.cache/bsan`).

pub mod cargo;
pub mod clang;
pub mod error;
pub mod install;
pub mod retags;
pub mod rustc;
pub mod toolchain;

pub use error::{exit_with, DriverError};
