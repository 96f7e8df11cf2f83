; BSAN_PASS_MODE decides what the default pipelines run (see src/plugin/mod.rs).
; RUN: env -u BSAN_PASS_MODE opt-22 -load-pass-plugin=%plugin -passes='default<O0>' -S %s 2>&1 | FileCheck-22 %s --check-prefix=NOMODE
; RUN: env BSAN_PASS_MODE=clang opt-22 -load-pass-plugin=%plugin -passes='default<O0>' -S %s 2>&1 | FileCheck-22 %s --check-prefix=CLANG
; RUN: env BSAN_PASS_MODE=rustc opt-22 -load-pass-plugin=%plugin -passes='default<O0>' -S %s 2>&1 | FileCheck-22 %s --check-prefix=RUSTC-CRATE
; RUN: env BSAN_PASS_MODE=rustc opt-22 -load-pass-plugin=%plugin -passes='lto<O0>' -S %s 2>&1 | FileCheck-22 %s --check-prefix=RUSTC-LTO
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; NOMODE: bsan: warning: pass plugin loaded without BSAN_PASS_MODE=rustc|clang (use bsan-rustc / bsan-cc); not instrumenting
; NOMODE-NOT: __bsan_read
; NOMODE-LABEL: define i32 @f(ptr %p)
; NOMODE-NOT: __bsan_read

; CLANG: bsan-pass: stats: functions=1
; CLANG-LABEL: define i32 @f(ptr %p)
; CLANG: call void @__bsan_read(ptr %p

; The per-crate pipeline of rustc mode does not instrument (the LTO module will).
; RUSTC-CRATE-NOT: bsan-pass: stats
; RUSTC-CRATE-LABEL: define i32 @f(ptr %p)
; RUSTC-CRATE-NOT: __bsan_read

; RUSTC-LTO: bsan-pass: stats: functions=1
; RUSTC-LTO-LABEL: define i32 @f(ptr %p)
; RUSTC-LTO: call void @__bsan_read(ptr %p
define i32 @f(ptr %p) {
  %v = load i32, ptr %p
  ret i32 %v
}
