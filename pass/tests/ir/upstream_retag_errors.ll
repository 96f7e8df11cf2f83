; Retag calls that break the ABI are pass errors naming the function, reported through
; the diagnostic handler (opt: `error: ...`, exit status 1), never a crash.
; RUN: { opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -disable-output %s 2>&1; echo "exit=$?"; } | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=4 retags_lowered=1
; CHECK: error: bsan: in function `bad_ranges`: `__rust_retag_reg`: argument 3 (im_ranges) `ptr %r` is not a constant; the ABI wants null or a constant global of (offset, len) usize pairs
; CHECK-NEXT: bsan: in function `bad_global`: `__rust_retag_mem`: argument 4 (pin_ranges) `ptr @f` does not point into a global variable;
; CHECK-NEXT: bsan: in function `bad_arity`: `__rust_retag_reg` called with 2 arguments; the ABI has 5 (ptr, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)
; CHECK-NEXT: bsan: in function `bad_arity`: `__rust_retag_reg`: argument 0 (pointer) has type `i64`, expected `ptr`
; CHECK-NEXT: bsan: in function `bad_arity`: `__rust_retag_reg` returns `i64`, expected `ptr`
; CHECK: exit=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @__rust_retag_mem(ptr, i64, i8, ptr, ptr)

define void @bad_ranges(ptr %x, ptr %r) {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr %r, ptr null)
  store i32 1, ptr %y
  ret void
}

define void @bad_global(ptr %x) {
  call void @__rust_retag_mem(ptr %x, i64 4, i8 3, ptr null, ptr @f)
  ret void
}

define void @bad_arity(ptr %x) {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4)
  %z = call ptr @__rust_retag_reg(i64 1, i64 4, i8 3, ptr null, ptr null)
  %w = call i64 @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  %v = add i64 %w, 1
  ret void
}

define void @f(ptr %x) {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 2, ptr null, ptr null)
  ret void
}
