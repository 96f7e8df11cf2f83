; Every instrumented module records which retag source it used: a private i32 in section
; "bsan_retag_source" (SYNTHESIZED=1, INTRINSICS=2, 0 without retags), appended to
; llvm.used so neither LLVM nor the linker's --gc-sections drops it.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s --check-prefix=NONE
; RUN: opt-22 -load-pass-plugin=%plugin -passes='bsan-synthesize<clang>,bsan-instrument' -S %s 2>&1 | FileCheck-22 %s --check-prefix=SYNTH
; NONE: bsan-pass: stats: functions=1 retags_lowered=0
; NONE: @__bsan_pass.retag_source = private constant i32 0, section "bsan_retag_source", align 4
; NONE: @llvm.used = appending global [2 x ptr] [ptr @keep, ptr @__bsan_pass.retag_source], section "llvm.metadata"
; SYNTH: bsan-pass: stats: functions=1 retags_lowered=1
; SYNTH: @__bsan_pass.retag_source = private constant i32 1, section "bsan_retag_source", align 4
; SYNTH: @llvm.used = appending global [2 x ptr] [ptr @keep, ptr @__bsan_pass.retag_source], section "llvm.metadata"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@keep = internal global i32 0
@llvm.used = appending global [1 x ptr] [ptr @keep], section "llvm.metadata"

; void set(int *restrict p) { *p = 1; }
define void @set(ptr noalias noundef %p) {
entry:
  store i32 1, ptr %p, align 4
  ret void
}
