// Plugin registration, in C++ because the new pass manager's registration API
// (PassBuilder callbacks, PassInfoMixin) has no C binding. Everything it does is forward
// the module to `bsan_pass_run` in Rust (pass/src/plugin/mod.rs) with the extension point
// it came from; Rust decides, from BSAN_PASS_MODE, what to run.
//
// The plugin entry `llvmGetPassPluginInfo` itself is exported from Rust: a cdylib hides C
// symbols that come from static archives, so Rust calls `bsan_plugin_info` below and
// returns the struct. This file is its own object in the glue archive: only the plugin,
// which defines `bsan_pass_run`, references it.

#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/OptimizationLevel.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Plugins/PassPlugin.h"
#include "llvm-c/Types.h"

using namespace llvm;

// Must match `plugin::EntryPoint` in pass/src/plugin/mod.rs.
enum BsanEntryPoint : int {
  BSAN_EP_PIPELINE_START = 0,
  BSAN_EP_OPTIMIZER_LAST = 1,
  BSAN_EP_FULL_LTO_LAST = 2,
  BSAN_EP_OPT_SYNTHESIZE_RUST_CRATE = 3,
  BSAN_EP_OPT_SYNTHESIZE_RUST_LTO = 4,
  BSAN_EP_OPT_SYNTHESIZE_CLANG = 5,
  BSAN_EP_OPT_INSTRUMENT = 6,
};

// Implemented in Rust (pass/src/plugin/mod.rs). Returns nonzero if the module changed.
extern "C" int bsan_pass_run(LLVMModuleRef M, int EntryPoint);

namespace {

struct BsanPass : PassInfoMixin<BsanPass> {
  int EntryPoint;
  explicit BsanPass(int EP) : EntryPoint(EP) {}

  PreservedAnalyses run(Module &M, ModuleAnalysisManager &) {
    if (bsan_pass_run(reinterpret_cast<LLVMModuleRef>(&M), EntryPoint))
      return PreservedAnalyses::none();
    return PreservedAnalyses::all();
  }

  // Instrumentation must run at -O0 and on optnone functions.
  static bool isRequired() { return true; }
};

bool parsePipelineName(StringRef Name, ModulePassManager &MPM) {
  int EP;
  if (Name == "bsan-instrument")
    EP = BSAN_EP_OPT_INSTRUMENT;
  else if (Name == "bsan-synthesize" || Name == "bsan-synthesize<rust-crate>")
    EP = BSAN_EP_OPT_SYNTHESIZE_RUST_CRATE;
  else if (Name == "bsan-synthesize<rust-lto>")
    EP = BSAN_EP_OPT_SYNTHESIZE_RUST_LTO;
  else if (Name == "bsan-synthesize<clang>")
    EP = BSAN_EP_OPT_SYNTHESIZE_CLANG;
  else
    return false;
  MPM.addPass(BsanPass(EP));
  return true;
}

void registerCallbacks(PassBuilder &PB) {
  PB.registerPipelineStartEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(BsanPass(BSAN_EP_PIPELINE_START));
      });
  PB.registerOptimizerLastEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel, ThinOrFullLTOPhase) {
        MPM.addPass(BsanPass(BSAN_EP_OPTIMIZER_LAST));
      });
  PB.registerFullLinkTimeOptimizationLastEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(BsanPass(BSAN_EP_FULL_LTO_LAST));
      });
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        return parsePipelineName(Name, MPM);
      });
}

} // namespace

extern "C" PassPluginLibraryInfo bsan_plugin_info() {
  PassPluginLibraryInfo Info;
  Info.APIVersion = LLVM_PLUGIN_API_VERSION;
  Info.PluginName = "bsan";
  Info.PluginVersion = "0.1.0";
  Info.RegisterPassBuilderCallbacks = registerCallbacks;
  Info.PreCodeGenCallback = nullptr;
  return Info;
}
