; Retag intrinsics declared by hand (a Rust `extern "C"` block of a test support crate:
; `u8` flags are `i8 zeroext`, `usize` ranges are `i64`) or called through another function
; type are lowered like rustc's own; range arrays may be any constant global reached
; through constant GEPs and aliases; an `invoke` of the intrinsic becomes a call.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=1 retags_lowered=6 {{.*}}retags_untracked=0 {{.*}}protected_frames=1
; CHECK-NOT: call {{.*}}@__rust_retag
; CHECK-NOT: invoke {{.*}}@__rust_retag
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; Two pairs as a struct array; a 24-byte global holds one whole pair.
@ranges = private constant [2 x { i64, i64 }] [{ i64, i64 } { i64 0, i64 4 }, { i64, i64 } { i64 8, i64 4 }]
@odd = private constant [3 x i64] [i64 0, i64 1, i64 0]
@ranges.alias = private alias [2 x { i64, i64 }], ptr @ranges
@sink = global ptr null

; CHECK-LABEL: define void @ext(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 19, ptr @ranges, i64 2, ptr null, i64 0,
; i32 flags are truncated, `usize` ranges are accepted as `ptrtoint` / 0.
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 10, ptr @ranges, i64 2, ptr null, i64 0,
; A constant GEP to the second pair leaves one; an alias is looked through. Unused
; results die with the function, which has a frame (NO_ESCAPE, 16).
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 24, ptr getelementptr inbounds (i8, ptr @ranges, i64 16), i64 1, ptr @ranges.alias, i64 2,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 24, ptr @odd, i64 1, ptr null, i64 0,
; A 32-bit size is zero-extended. (Its result is kept in a global: an unused one would be
; transient, transient_retags.rs, and only checked.)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4294967295, i8 8,
; CHECK: [[R:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 18,
; CHECK-NEXT: [[CA:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 0
; CHECK-NEXT: [[CT:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 1
; CHECK-NEXT: br label %ok
; CHECK: ok:
; CHECK-NEXT: call void @__bsan_write(ptr %x, i64 4, i64 [[CA]], i64 [[CT]])
; CHECK-NEXT: store i32 1, ptr %x
define void @ext(ptr %x) personality ptr @rust_eh_personality {
start:
  %a = call noundef ptr @__rust_retag_reg(ptr noundef %x, i64 noundef 4, i8 noundef zeroext 3, ptr noundef @ranges, ptr noundef null)
  call void @__rust_retag_reg(ptr %x, i64 4, i32 10, i64 ptrtoint (ptr @ranges to i64), i64 0)
  %c = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 8, ptr getelementptr inbounds (i8, ptr @ranges, i64 16), ptr @ranges.alias)
  %d = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 8, ptr @odd, ptr null)
  %e = call ptr @__rust_retag_reg(ptr %x, i32 -1, i8 8, ptr null, ptr null)
  store ptr %e, ptr @sink
  %z = invoke ptr @__rust_retag_reg(ptr %x, i64 4, i8 signext 2, ptr null, ptr null)
          to label %ok unwind label %lp

ok:
  store i32 1, ptr %z, align 4
  ret void

lp:
  %l = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %l
}

declare i32 @rust_eh_personality(...)
declare noundef ptr @__rust_retag_reg(ptr noundef, i64 noundef, i8 noundef zeroext, ptr noundef, ptr noundef) unnamed_addr
