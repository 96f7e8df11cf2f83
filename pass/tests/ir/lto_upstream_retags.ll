; The fat-LTO stage synthesizes attribute-driven retags per function: only for functions
; that are neither marked "bsan-retags" (by the per-crate stage: "rustc" for crates built
; with -Zcodegen-emit-retag, "synthesized" otherwise) nor call the retag intrinsics
; themselves. Precompiled std (@std_fn) still gets its retag; nothing is retagged twice.
; RUN: env BSAN_PASS_MODE=rustc BSAN_PASS_ELIDE_LEAF_RETAGS=0 opt-22 -load-pass-plugin=%plugin -passes='lto<O0>' -S %s 2>&1 | FileCheck-22 %s
; RUN: opt-22 -load-pass-plugin=%plugin -passes='bsan-synthesize<rust-lto>' -S %s 2>&1 | FileCheck-22 %s --check-prefix=SYN
; CHECK: bsan-synthesize: stats: stage=RustLto functions=1 fn_entry=1 (attributes=1, {{.*}} upstream=true upstream_functions=1
; CHECK: bsan-pass: stats: functions=4 retags_lowered=3 {{.*}}protected_frames=3
; Both sources were lowered in this module.
; CHECK: @__bsan_pass.retag_source = private constant i32 3, section "bsan_retag_source", align 4
; CHECK: @llvm.used = appending global [1 x ptr] [ptr @__bsan_pass.retag_source], section "llvm.metadata"

; SYN-LABEL: define void @user_marked(
; SYN-NOT: __rust_retag_reg
; SYN: ret void
; SYN-LABEL: define void @user_with_call(
; SYN-NEXT: start:
; SYN-NEXT: %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 11, ptr null, ptr null)
; SYN-NEXT: store
; SYN-LABEL: define void @std_fn(
; SYN-NEXT: start:
; SYN-NEXT: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 7, ptr null, ptr null), !bsan.synthesized
; SYN-LABEL: define i32 @synth_marked(
; SYN-NEXT: start:
; SYN-NEXT: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 9, ptr null, ptr null), !bsan.synthesized
; SYN-NEXT: load
; SYN: attributes #0 = { "bsan-retags"="rustc" }
; SYN: attributes #1 = { "bsan-retags"="synthesized" }
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @user_marked(
; CHECK-NOT: __bsan_retag
; CHECK: ret void
define void @user_marked(ptr noalias align 4 dereferenceable(4) %x) #0 {
start:
  store i32 1, ptr %x, align 4
  ret void
}

; CHECK-LABEL: define void @user_with_call(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 27,
; CHECK-NOT: __bsan_retag
; CHECK: ret void
define void @user_with_call(ptr noalias align 4 dereferenceable(4) %x) {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 11, ptr null, ptr null)
  store i32 1, ptr %y, align 4
  ret void
}

; CHECK-LABEL: define void @std_fn(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 23,
; CHECK-NOT: __bsan_retag
; CHECK: ret void
define void @std_fn(ptr noalias align 4 dereferenceable(4) %x) {
start:
  store i32 2, ptr %x, align 4
  ret void
}

; CHECK-LABEL: define i32 @synth_marked(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 25,
; CHECK-NOT: __bsan_retag
; CHECK: ret i32
define i32 @synth_marked(ptr noalias readonly align 4 dereferenceable(4) %x) #1 {
start:
  %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 9, ptr null, ptr null), !bsan.synthesized !0
  %v = load i32, ptr %x.new, align 4
  ret i32 %v
}

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

attributes #0 = { "bsan-retags"="rustc" }
attributes #1 = { "bsan-retags"="synthesized" }

!0 = !{}
