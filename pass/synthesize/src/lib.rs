//! Retag synthesis (API skeleton; the implementation replaces the body, keeping signatures).
use inkwell::module::Module;

/// Where in which compiler's pipeline synthesis runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `PipelineStartEP` of one rustc crate (before the AlwaysInliner).
    RustCrate,
    /// rustc's fat-LTO module, before lowering: functions never synthesized per crate
    /// (precompiled std) get attribute-driven retags.
    RustLto,
    /// `PipelineStartEP` of a clang translation unit (`restrict` → `noalias`).
    Clang,
}

/// Counters of one synthesis run.
#[derive(Clone, Copy, Debug, Default)]
pub struct SynthesisStats {
    pub functions_seen: u64,
    pub fn_entry_retags: u64,
    pub call_return_retags: u64,
    /// The module already had rustc's retag intrinsics: synthesis did nothing.
    pub upstream_retags_present: bool,
}

/// Insert `__rust_retag_reg` calls into `module` for `stage`.
pub fn synthesize_module(module: &Module<'_>, stage: Stage) -> SynthesisStats {
    let _ = (module, stage);
    SynthesisStats::default()
}
