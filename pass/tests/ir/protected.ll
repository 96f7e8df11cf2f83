; A function with a protected retag gets a frame: a one-byte alloca placed first,
; __bsan_func_entry in the prologue, __bsan_func_exit before every ret and resume, before
; the stack deregistrations.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=2 {{.*}}protected_frames=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @take(ptr)
declare i32 @rust_eh_personality(...)

; CHECK-LABEL: define void @prot(ptr %x)
; CHECK-NEXT: start:
; CHECK-NEXT: %bsan.frame = alloca i8
; CHECK: call void @__bsan_func_entry(ptr %bsan.frame)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 19,
; CHECK: ok:
; CHECK-NEXT: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: call i64 @__bsan_dealloc(ptr %local,
; CHECK-NEXT: ret void
; CHECK: lpad:
; CHECK: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: call i64 @__bsan_dealloc(ptr %local,
; CHECK-NEXT: resume
define void @prot(ptr %x) personality ptr @rust_eh_personality {
start:
  %local = alloca i32
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  invoke void @take(ptr %local)
          to label %ok unwind label %lpad
ok:
  ret void
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

; Unprotected retags need no frame.
; CHECK-LABEL: define void @unprot(ptr %x)
; CHECK-NOT: __bsan_func_entry
; CHECK: ret void
define void @unprot(ptr %x) {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 2, ptr null, ptr null)
  ret void
}
