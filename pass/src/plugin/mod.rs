//! Plugin entry and modes: which stage runs at which extension point.
//!
//! `bsan-ir`'s `glue/registration.cpp` registers the callbacks and forwards each module here
//! with an [`EntryPoint`]. The mode comes from `BSAN_PASS_MODE`, set by our drivers:
//!
//! | mode   | PipelineStartEP        | OptimizerLastEP       | FullLinkTimeOptimizationLastEP |
//! |--------|------------------------|-----------------------|--------------------------------|
//! | rustc  | synthesize (RustCrate) | —                     | synthesize (RustLto), instrument |
//! | clang  | synthesize (Clang)     | instrument            | —                              |
//! | unset  | warning, nothing       | nothing               | nothing                        |
//!
//! In rustc mode code is instrumented once, on the fat-LTO module of the final artifact
//! (which includes std); the per-crate `OptimizerLastEP` module would be instrumented a
//! second time otherwise. The `opt` pipeline names (`bsan-synthesize<stage>`,
//! `bsan-instrument`) run their stage regardless of the environment.
//!
//! Other knobs: `BSAN_PASS_STATS=1` prints the counters (of synthesis and of
//! instrumentation, one line each), `BSAN_PASS_VERIFY=1` runs the
//! LLVM verifier after instrumentation and aborts with its message on failure,
//! `BSAN_PASS_ELIDE_LEAF_RETAGS=0` keeps every protected retag of leaf functions
//! (`leaf_retags.rs`; for A/B measurements and IR tests of the retag lowering itself),
//! `BSAN_PASS_FAST_PATH=0` calls every access check unconditionally (`fast_path.rs`; for
//! IR tests of what is checked, which read better without the guards).

use std::ffi::c_char;
use std::mem::ManuallyDrop;
use std::sync::Once;

use bsan_ir::glue::PassPluginLibraryInfo;
use bsan_synthesize::{synthesize_module, Stage};
use inkwell::llvm_sys::analysis::{LLVMVerifierFailureAction, LLVMVerifyModule};
use inkwell::llvm_sys::prelude::LLVMModuleRef;
use inkwell::module::Module;

/// Must match `BsanEntryPoint` in `pass/ir/glue/registration.cpp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryPoint {
    PipelineStart,
    OptimizerLast,
    FullLtoLast,
    OptSynthesize(Stage),
    OptInstrument,
}

impl EntryPoint {
    fn from_raw(raw: i32) -> Option<EntryPoint> {
        Some(match raw {
            0 => EntryPoint::PipelineStart,
            1 => EntryPoint::OptimizerLast,
            2 => EntryPoint::FullLtoLast,
            3 => EntryPoint::OptSynthesize(Stage::RustCrate),
            4 => EntryPoint::OptSynthesize(Stage::RustLto),
            5 => EntryPoint::OptSynthesize(Stage::Clang),
            6 => EntryPoint::OptInstrument,
            _ => return None,
        })
    }
}

/// Which compiler drives the plugin (`BSAN_PASS_MODE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Rustc,
    Clang,
}

impl Mode {
    fn from_env() -> Option<Mode> {
        match std::env::var("BSAN_PASS_MODE").as_deref() {
            Ok("rustc") => Some(Mode::Rustc),
            Ok("clang") => Some(Mode::Clang),
            _ => None,
        }
    }
}

/// What to do with one module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Nothing,
    Synthesize(Stage),
    SynthesizeThenInstrument(Stage),
    Instrument,
}

fn action(ep: EntryPoint, mode: Option<Mode>) -> Action {
    use EntryPoint::*;
    match (ep, mode) {
        (OptSynthesize(stage), _) => Action::Synthesize(stage),
        (OptInstrument, _) => Action::Instrument,
        (PipelineStart, Some(Mode::Rustc)) => Action::Synthesize(Stage::RustCrate),
        (FullLtoLast, Some(Mode::Rustc)) => Action::SynthesizeThenInstrument(Stage::RustLto),
        (PipelineStart, Some(Mode::Clang)) => Action::Synthesize(Stage::Clang),
        (OptimizerLast, Some(Mode::Clang)) => Action::Instrument,
        _ => Action::Nothing,
    }
}

fn env_flag(name: &str) -> bool {
    matches!(
        std::env::var(name).as_deref(),
        Ok("1") | Ok("true") | Ok("yes")
    )
}

static WARN_NO_MODE: Once = Once::new();

/// Called by `glue/registration.cpp` (in `bsan-ir`) for every module at every registered
/// point. Returns 1 if the module may have changed. Never unwinds into C++: an internal
/// error aborts with a message.
#[no_mangle]
pub extern "C" fn bsan_pass_run(module: LLVMModuleRef, entry_point: i32) -> i32 {
    let result = std::panic::catch_unwind(|| run(module, entry_point));
    match result {
        Ok(changed) => changed as i32,
        Err(_) => {
            eprintln!("bsan-pass: internal error (panic above); aborting");
            std::process::abort();
        }
    }
}

fn run(raw: LLVMModuleRef, entry_point: i32) -> bool {
    let Some(ep) = EntryPoint::from_raw(entry_point) else {
        eprintln!("bsan-pass: internal error: unknown entry point {entry_point}");
        return false;
    };
    let mode = Mode::from_env();
    if mode.is_none()
        && matches!(
            ep,
            EntryPoint::PipelineStart | EntryPoint::OptimizerLast | EntryPoint::FullLtoLast
        )
    {
        WARN_NO_MODE.call_once(|| {
            eprintln!(
                "bsan: warning: pass plugin loaded without BSAN_PASS_MODE=rustc|clang \
                 (use bsan-rustc / bsan-cc); not instrumenting"
            );
        });
    }
    // The module belongs to the pass manager: never dispose of it.
    // SAFETY: `raw` is the module LLVM handed this callback, live for its duration; the
    // wrapper is never dropped (LLVM owns the module).
    let module = ManuallyDrop::new(unsafe { Module::new(raw) });
    match action(ep, mode) {
        Action::Nothing => false,
        Action::Synthesize(stage) => {
            synthesize(&module, stage);
            true
        }
        Action::SynthesizeThenInstrument(stage) => {
            synthesize(&module, stage);
            instrument(raw);
            true
        }
        Action::Instrument => {
            instrument(raw);
            true
        }
    }
}

fn synthesize(module: &Module<'_>, stage: Stage) {
    let stats = synthesize_module(module, stage);
    if env_flag("BSAN_PASS_STATS") {
        eprintln!("bsan-synthesize: stats: stage={stage:?} {stats}");
    }
}

fn instrument(module: LLVMModuleRef) {
    let start = std::time::Instant::now();
    let off = |name| std::env::var(name).as_deref() == Ok("0");
    let options = crate::instrument::Options {
        elide_leaf_retags: !off("BSAN_PASS_ELIDE_LEAF_RETAGS"),
        fast_path: !off("BSAN_PASS_FAST_PATH"),
    };
    let outcome = crate::instrument::instrument_module(module, options);
    if env_flag("BSAN_PASS_STATS") {
        eprintln!("{} time_ms={}", outcome.stats, start.elapsed().as_millis());
    }
    if !outcome.errors.is_empty() {
        // One diagnostic with every error: rustc and clang report it and fail the
        // compilation, opt prints it and exits with status 1 right away.
        let text = outcome
            .errors
            .iter()
            .map(|e| format!("bsan: {e}"))
            .collect::<Vec<_>>()
            .join("\n");
        let msg = std::ffi::CString::new(text.replace('\0', " ")).unwrap_or_default();
        bsan_ir::glue::emit_error(module, &msg);
    }
    if env_flag("BSAN_PASS_VERIFY") {
        let mut msg: *mut c_char = std::ptr::null_mut();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let broken = unsafe {
            LLVMVerifyModule(
                module,
                LLVMVerifierFailureAction::LLVMReturnStatusAction,
                &mut msg,
            )
        };
        if broken != 0 {
            let text = if msg.is_null() {
                String::new()
            } else {
                // SAFETY: a non-null message from the verifier is a NUL-terminated string.
                unsafe { std::ffi::CStr::from_ptr(msg) }
                    .to_string_lossy()
                    .into_owned()
            };
            eprintln!("bsan-pass: verifier: instrumented module is broken:\n{text}");
            std::process::abort();
        }
        if !msg.is_null() {
            // SAFETY: the verifier's message, disposed of once.
            unsafe { inkwell::llvm_sys::core::LLVMDisposeMessage(msg) };
        }
    }
}

/// The plugin entry point LLVM looks up. Exported from Rust because a cdylib does not
/// export C symbols that come from static archives (the glue).
#[no_mangle]
pub extern "C" fn llvmGetPassPluginInfo() -> PassPluginLibraryInfo {
    bsan_ir::glue::plugin_info()
}
