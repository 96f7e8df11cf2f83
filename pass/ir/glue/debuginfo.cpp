// C++ glue for retag synthesis: the debug-info facts the LLVM C API cannot reach.
//
// This file only *reports* raw facts (DW tags, names, sizes, base types, members,
// which LLVM arguments hold which Rust parameter). Classifying a type as `&mut T`,
// `Box<T>`, slice, `!Unpin`, ... happens in Rust (pass/synthesize/src/debuginfo.rs). The only IR
// *mutation* here is `bsan_replace_uses_except`, because `Value::replaceUsesWithIf`
// has no C API equivalent.

#include "llvm-c/Core.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DebugProgramInstruction.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"

#include <cstddef>
#include <cstdint>

using namespace llvm;

namespace {

DINode *asNode(LLVMMetadataRef md) {
  return md ? dyn_cast<DINode>(unwrap(md)) : nullptr;
}

LLVMMetadataRef wrapMD(const Metadata *md) {
  return wrap(const_cast<Metadata *>(md));
}

// One Rust parameter as seen in IR, filled by `bsan_fn_di_params`.
struct BsanDiParam {
  unsigned argno;       // DILocalVariable arg number (1-based)
  LLVMMetadataRef type; // the variable's DIType
  LLVMValueRef ptr;     // the llvm::Argument stored at offset 0 (null if none)
  LLVMValueRef len;     // the llvm::Argument stored at offset pointer-size (null if none)
};

struct Slot {
  unsigned argno = 0;
  DIType *type = nullptr;
  Argument *ptr = nullptr;
  Argument *len = nullptr;
  bool ambiguous = false;
};

Slot *slotFor(SmallVectorImpl<Slot> &slots, unsigned argno, DIType *type) {
  for (Slot &s : slots)
    if (s.argno == argno)
      return &s;
  slots.emplace_back();
  slots.back().argno = argno;
  slots.back().type = type;
  return &slots.back();
}

void record(Slot *s, int64_t offset, unsigned ptrBytes, Argument *arg) {
  Argument **dst = nullptr;
  if (offset == 0)
    dst = &s->ptr;
  else if (offset == (int64_t)ptrBytes)
    dst = &s->len;
  else
    return;
  if (*dst && *dst != arg)
    s->ambiguous = true;
  else
    *dst = arg;
}

// The Arguments of `F` stored into `Alloca` at constant offsets.
void scanSpill(Function &F, AllocaInst *Alloca, Slot *s) {
  const DataLayout &DL = F.getParent()->getDataLayout();
  unsigned ptrBytes = DL.getPointerSize();
  for (User *U : Alloca->users()) {
    if (auto *SI = dyn_cast<StoreInst>(U)) {
      if (SI->getPointerOperand() != Alloca)
        continue;
      if (auto *A = dyn_cast<Argument>(SI->getValueOperand()))
        if (A->getParent() == &F)
          record(s, 0, ptrBytes, A);
      continue;
    }
    auto *GEP = dyn_cast<GEPOperator>(U);
    if (!GEP || GEP->getPointerOperand() != Alloca)
      continue;
    APInt off(DL.getIndexTypeSizeInBits(GEP->getType()), 0);
    if (!GEP->accumulateConstantOffset(DL, off))
      continue;
    for (User *GU : GEP->users()) {
      auto *SI = dyn_cast<StoreInst>(GU);
      if (!SI || SI->getPointerOperand() != GEP)
        continue;
      if (auto *A = dyn_cast<Argument>(SI->getValueOperand()))
        if (A->getParent() == &F)
          record(s, off.getSExtValue(), ptrBytes, A);
    }
  }
}

} // namespace

extern "C" {

// ---- DI node facts -------------------------------------------------------

// The DWARF tag of a DI node (DW_TAG_*), 0 if `md` is not a DINode.
unsigned bsan_di_tag(LLVMMetadataRef md) {
  DINode *N = asNode(md);
  return N ? N->getTag() : 0;
}

// The name of a DIType / DINamespace / DISubprogram (empty if none).
const char *bsan_di_name(LLVMMetadataRef md, size_t *len) {
  StringRef name;
  if (DINode *N = asNode(md)) {
    if (auto *T = dyn_cast<DIType>(N))
      name = T->getName();
    else if (auto *S = dyn_cast<DIScope>(N))
      name = S->getName();
  }
  *len = name.size();
  return name.data();
}

uint64_t bsan_di_size_bits(LLVMMetadataRef md) {
  if (auto *T = dyn_cast_or_null<DIType>(asNode(md)))
    return T->getSizeInBits();
  return 0;
}

uint64_t bsan_di_offset_bits(LLVMMetadataRef md) {
  if (auto *T = dyn_cast_or_null<DIType>(asNode(md)))
    return T->getOffsetInBits();
  return 0;
}

// DIFlagFwdDecl: the type's layout is unknown.
int bsan_di_is_fwd_decl(LLVMMetadataRef md) {
  if (auto *T = dyn_cast_or_null<DIType>(asNode(md)))
    return T->isForwardDecl();
  return 0;
}

// baseType of a DIDerivedType (pointers, members, typedefs) or a DICompositeType
// (arrays: the element type); null otherwise.
LLVMMetadataRef bsan_di_base_type(LLVMMetadataRef md) {
  DINode *N = asNode(md);
  if (auto *D = dyn_cast_or_null<DIDerivedType>(N))
    return wrapMD(D->getBaseType());
  if (auto *C = dyn_cast_or_null<DICompositeType>(N))
    return wrapMD(C->getBaseType());
  return nullptr;
}

// The scope of a type or namespace (a DINamespace, DICompositeType, ...), or null.
LLVMMetadataRef bsan_di_scope(LLVMMetadataRef md) {
  DINode *N = asNode(md);
  if (auto *T = dyn_cast_or_null<DIType>(N))
    return wrapMD(T->getScope());
  if (auto *NS = dyn_cast_or_null<DINamespace>(N))
    return wrapMD(NS->getScope());
  return nullptr;
}

// Elements of a DICompositeType (members, variants, subranges).
unsigned bsan_di_num_elements(LLVMMetadataRef md) {
  if (auto *C = dyn_cast_or_null<DICompositeType>(asNode(md)))
    return C->getElements().size();
  return 0;
}

LLVMMetadataRef bsan_di_element(LLVMMetadataRef md, unsigned i) {
  if (auto *C = dyn_cast_or_null<DICompositeType>(asNode(md))) {
    DINodeArray elems = C->getElements();
    if (i < elems.size())
      return wrapMD(elems[i]);
  }
  return nullptr;
}

// ---- Subprograms -----------------------------------------------------------

// types[0] of the DISubroutineType of `sp`: the return type; null for `()`/unknown.
LLVMMetadataRef bsan_subprogram_return_type(LLVMMetadataRef sp) {
  auto *SP = dyn_cast_or_null<DISubprogram>(sp ? unwrap(sp) : nullptr);
  if (!SP || !SP->getType())
    return nullptr;
  DITypeRefArray types = SP->getType()->getTypeArray();
  if (types.size() == 0)
    return nullptr;
  return wrapMD(types[0]);
}

// A DILocation at the function's opening line (scopeLine, else line) in its own
// subprogram, for instructions synthesized at function entry; null without a subprogram.
LLVMMetadataRef bsan_fn_entry_location(LLVMValueRef fn) {
  auto *F = dyn_cast<Function>(unwrap(fn));
  DISubprogram *SP = F ? F->getSubprogram() : nullptr;
  if (!SP)
    return nullptr;
  unsigned line = SP->getScopeLine() ? SP->getScopeLine() : SP->getLine();
  return wrapMD(DILocation::get(F->getContext(), line, 0, SP));
}

// The Rust parameters of `fn` found through debug records: for every
// DILocalVariable with `arg: N` of the function's own subprogram (not inlined),
// either a `#dbg_declare` of an alloca into which Arguments are stored at offset 0
// (pointer) and pointer-size (slice length), or `#dbg_value`s of Arguments
// directly (fragments at bit 0 / pointer-size*8). Writes up to `cap` entries,
// returns how many there are (may exceed `cap`: call again with a larger buffer).
// Parameters whose spill slot receives two different Arguments at one offset are
// dropped (ambiguous).
size_t bsan_fn_di_params(LLVMValueRef fn, BsanDiParam *out, size_t cap) {
  auto *F = dyn_cast<Function>(unwrap(fn));
  if (!F || F->isDeclaration() || !F->getSubprogram())
    return 0;
  DISubprogram *SP = F->getSubprogram();
  unsigned ptrBits = F->getParent()->getDataLayout().getPointerSizeInBits();
  SmallVector<Slot, 8> slots;

  for (BasicBlock &BB : *F) {
    for (Instruction &I : BB) {
      for (DbgVariableRecord &DVR : filterDbgVars(I.getDbgRecordRange())) {
        DILocalVariable *Var = DVR.getVariable();
        if (!Var || Var->getArg() == 0 || Var->getScope()->getSubprogram() != SP)
          continue;
        if (DILocation *DL = DVR.getDebugLoc().get())
          if (DL->getInlinedAt())
            continue;
        if (DVR.hasArgList())
          continue;
        Value *V = DVR.getVariableLocationOp(0);
        if (!V)
          continue;
        DIExpression *E = DVR.getExpression();
        if (DVR.isDbgDeclare()) {
          if (E && E->getNumElements() != 0)
            continue;
          auto *A = dyn_cast<AllocaInst>(V->stripPointerCasts());
          if (!A)
            continue;
          Slot *s = slotFor(slots, Var->getArg(), Var->getType());
          if (s)
            scanSpill(*F, A, s);
        } else if (DVR.isDbgValue()) {
          auto *Arg = dyn_cast<Argument>(V);
          if (!Arg || Arg->getParent() != F)
            continue;
          int64_t bit = 0;
          if (E && E->getNumElements() != 0) {
            auto frag = E->getFragmentInfo();
            if (!frag || E->getNumElements() != 3)
              continue;
            bit = frag->OffsetInBits;
          }
          Slot *s = slotFor(slots, Var->getArg(), Var->getType());
          if (s && bit % 8 == 0)
            record(s, bit / 8, ptrBits / 8, Arg);
        }
      }
    }
  }

  size_t total = 0;
  for (Slot &s : slots) {
    if (s.ambiguous)
      continue;
    if (total < cap) {
      out[total].argno = s.argno;
      out[total].type = wrapMD(s.type);
      out[total].ptr = wrap(static_cast<Value *>(s.ptr));
      out[total].len = wrap(static_cast<Value *>(s.len));
    }
    ++total;
  }
  return total;
}

// ---- IR mutation ------------------------------------------------------------

// Replace every use of `old` by `replacement`, except the uses by the `n_except`
// instructions in `except` and by PHI nodes in `skip_phis_in` (may be null).
// Debug-record uses keep `old`.
void bsan_replace_uses_except(LLVMValueRef old, LLVMValueRef replacement,
                              const LLVMValueRef *except, size_t n_except,
                              LLVMBasicBlockRef skip_phis_in) {
  Value *Old = unwrap(old);
  Value *New = unwrap(replacement);
  BasicBlock *SkipBB = skip_phis_in ? unwrap(skip_phis_in) : nullptr;
  Old->replaceUsesWithIf(New, [&](Use &U) {
    for (size_t i = 0; i < n_except; ++i)
      if (U.getUser() == unwrap(except[i]))
        return false;
    if (auto *Phi = dyn_cast<PHINode>(U.getUser()))
      if (SkipBB && Phi->getParent() == SkipBB)
        return false;
    return true;
  });
}

} // extern "C"
