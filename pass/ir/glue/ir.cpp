// IR edits and queries the LLVM C API cannot express: re-pointing a phi's incoming block
// when an invoke's normal edge is split, turning an invoke into a call and back, guarding
// a call by a condition, stripping constant offsets, lowering constant intrinsics,
// reporting an error through the context's diagnostic handler, and two debug-location
// queries. Declared once, in `src/glue.rs`.

#include <cstring>
#include <string>

#include "llvm/ADT/APInt.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Value.h"
#include "llvm/Transforms/Scalar/LowerConstantIntrinsics.h"
#include "llvm-c/Types.h"

using namespace llvm;

// Every phi in `Block` that names `Old` as an incoming block names `New` instead.
extern "C" void bsan_replace_phi_incoming_block(LLVMBasicBlockRef Block,
                                                LLVMBasicBlockRef Old,
                                                LLVMBasicBlockRef New) {
  BasicBlock *BB = reinterpret_cast<BasicBlock *>(Block);
  for (PHINode &Phi : BB->phis())
    Phi.replaceIncomingBlockWith(reinterpret_cast<BasicBlock *>(Old),
                                 reinterpret_cast<BasicBlock *>(New));
}

// Replace the invoke `V` by a call with the same callee, arguments, attributes, bundles,
// metadata and name, followed by a branch to its normal destination; the unwind
// destination forgets the edge (its phis drop the incoming value). Returns the call.
extern "C" LLVMValueRef bsan_invoke_to_call(LLVMValueRef V) {
  auto *II = cast<InvokeInst>(reinterpret_cast<Value *>(V));
  BasicBlock *BB = II->getParent();
  SmallVector<Value *, 8> Args(II->args());
  SmallVector<OperandBundleDef, 1> Bundles;
  II->getOperandBundlesAsDefs(Bundles);
  CallInst *Call = CallInst::Create(II->getFunctionType(), II->getCalledOperand(),
                                    Args, Bundles, "", II->getIterator());
  Call->takeName(II);
  Call->setCallingConv(II->getCallingConv());
  Call->setAttributes(II->getAttributes());
  Call->copyMetadata(*II);
  Call->setDebugLoc(II->getDebugLoc());
  BranchInst::Create(II->getNormalDest(), II->getIterator());
  II->getUnwindDest()->removePredecessor(BB);
  II->replaceAllUsesWith(Call);
  II->eraseFromParent();
  return reinterpret_cast<LLVMValueRef>(Call);
}

// The base object of the pointer `V` after stripping constant GEPs, casts and
// non-interposable aliases; `*Offset` receives the accumulated byte offset.
extern "C" LLVMValueRef bsan_strip_offsets(LLVMValueRef V, LLVMModuleRef M,
                                           int64_t *Offset) {
  Value *Val = reinterpret_cast<Value *>(V);
  const DataLayout &DL = reinterpret_cast<Module *>(M)->getDataLayout();
  APInt Off(DL.getIndexTypeSizeInBits(Val->getType()), 0);
  Value *Base = Val->stripAndAccumulateConstantOffsets(DL, Off,
                                                       /*AllowNonInbounds=*/true);
  *Offset = Off.getSExtValue();
  return reinterpret_cast<LLVMValueRef>(Base);
}

// Run LLVM's own `lower-constant-intrinsics` on every function of `M` that calls
// `llvm.is.constant.*` or `llvm.objectsize.*`: what codegen does to them anyway (it runs
// the same pass in its IR pipeline at every optimization level), done before
// instrumentation, which lets it remove the branches that can never be taken. Returns
// the number of functions changed.
extern "C" int bsan_lower_constant_intrinsics(LLVMModuleRef Mod) {
  Module &M = *reinterpret_cast<Module *>(Mod);
  SmallPtrSet<Function *, 16> Callers;
  for (Function &Decl : M) {
    Intrinsic::ID ID = Decl.getIntrinsicID();
    if (ID != Intrinsic::is_constant && ID != Intrinsic::objectsize)
      continue;
    for (User *U : Decl.users())
      if (auto *CI = dyn_cast<CallInst>(U))
        Callers.insert(CI->getFunction());
  }
  if (Callers.empty())
    return 0;
  FunctionAnalysisManager FAM;
  FAM.registerPass([] { return PassInstrumentationAnalysis(); });
  FAM.registerPass([] { return TargetLibraryAnalysis(); });
  FAM.registerPass([] { return DominatorTreeAnalysis(); });
  int Changed = 0;
  LowerConstantIntrinsicsPass Pass;
  for (Function &F : M) {
    if (!Callers.contains(&F) || F.isDeclaration())
      continue;
    if (!Pass.run(F, FAM).areAllPreserved())
      ++Changed;
    FAM.clear(F, F.getName());
  }
  return Changed;
}

// Report `Msg` as an error of the compilation through the context's diagnostic handler
// (rustc and clang print it as `error: ...` and fail; opt prints it and exits with 1).
extern "C" void bsan_emit_error(LLVMModuleRef M, const char *Msg) {
  reinterpret_cast<Module *>(M)->getContext().emitError(Twine(Msg));
}

// Turn the call `C` into an invoke unwinding to `Pad`: the rest of its block moves to a
// new block (the normal destination, named `bsan.cont`; successors' phis follow it), and
// the invoke keeps the call's callee, arguments, bundles, attributes, calling convention,
// metadata, debug location and name. Returns the invoke.
extern "C" LLVMValueRef bsan_call_to_invoke(LLVMValueRef C, LLVMBasicBlockRef Pad) {
  auto *CI = cast<CallInst>(reinterpret_cast<Value *>(C));
  BasicBlock *BB = CI->getParent();
  BasicBlock *Cont = BB->splitBasicBlock(std::next(CI->getIterator()), "bsan.cont");
  // `splitBasicBlock` ended BB with a branch to Cont: the invoke replaces it.
  BB->getTerminator()->eraseFromParent();
  SmallVector<Value *, 8> Args(CI->args());
  SmallVector<OperandBundleDef, 1> Bundles;
  CI->getOperandBundlesAsDefs(Bundles);
  InvokeInst *II = InvokeInst::Create(CI->getFunctionType(), CI->getCalledOperand(), Cont,
                                      reinterpret_cast<BasicBlock *>(Pad), Args, Bundles,
                                      "", BB);
  II->takeName(CI);
  II->setCallingConv(CI->getCallingConv());
  II->setAttributes(CI->getAttributes());
  II->copyMetadata(*CI);
  II->setDebugLoc(CI->getDebugLoc());
  CI->replaceAllUsesWith(II);
  CI->eraseFromParent();
  return reinterpret_cast<LLVMValueRef>(II);
}

// Makes the call `C` run only when `Cond` (an i1 defined before it in its block) is
// true: the block splits into head / `bsan.slow` (the call alone) / `bsan.cont` (the
// rest), and the head branches on `Cond`, weighted as unlikely so the call is laid out
// off the straight-line path. Phis of the old block's successors name `bsan.cont`.
extern "C" void bsan_call_only_if(LLVMValueRef C, LLVMValueRef Cond) {
  auto *CI = cast<CallInst>(reinterpret_cast<Value *>(C));
  BasicBlock *Head = CI->getParent();
  BasicBlock *Cont = Head->splitBasicBlock(std::next(CI->getIterator()), "bsan.cont");
  BasicBlock *Slow = Head->splitBasicBlock(CI->getIterator(), "bsan.slow");
  Instruction *Old = Head->getTerminator();
  BranchInst *Br = BranchInst::Create(Slow, Cont, reinterpret_cast<Value *>(Cond), Head);
  Br->setDebugLoc(CI->getDebugLoc());
  Br->setMetadata(LLVMContext::MD_prof,
                  MDBuilder(CI->getContext()).createBranchWeights(1, 1 << 20));
  Old->eraseFromParent();
}

// Whether `F` is optimized code: not `optnone`, and its subprogram (if any) says
// `isOptimized` (rustc -Copt-level>0, clang -O1+); without debug info, anything that is
// not `optnone`.
extern "C" int bsan_function_is_optimized(LLVMValueRef F) {
  auto *Fn = cast<Function>(reinterpret_cast<Value *>(F));
  if (Fn->hasOptNone())
    return 0;
  if (DISubprogram *SP = Fn->getSubprogram())
    return SP->isOptimized() ? 1 : 0;
  return 1;
}

// The Rust path of the function whose code instruction `I` is, as its debug location says
// (the innermost inlined callee when `I` was inlined), built from the subprogram's name and
// its chain of namespace scopes: `core::ptr::mut_ptr::{impl#0}::addr<u8>`. Line-tables-only
// debug info (precompiled std) has no linkage names, but keeps these scopes. Writes at most
// `Cap` bytes to `Buf`; returns the full length (0: no location).
extern "C" size_t bsan_location_function_path(LLVMValueRef I, char *Buf, size_t Cap) {
  auto *Inst = cast<Instruction>(reinterpret_cast<Value *>(I));
  const DILocation *L = Inst->getDebugLoc().get();
  if (!L)
    return 0;
  DISubprogram *SP = L->getScope()->getSubprogram();
  if (!SP)
    return 0;
  std::string Path = SP->getName().str();
  for (DIScope *S = SP->getScope(); S; S = S->getScope()) {
    if (isa<DICompileUnit>(S) || isa<DIFile>(S))
      break;
    Path = S->getName().str() + "::" + Path;
  }
  size_t N = Path.size() < Cap ? Path.size() : Cap;
  memcpy(Buf, Path.data(), N);
  return Path.size();
}
