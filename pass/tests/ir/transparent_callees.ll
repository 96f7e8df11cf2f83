; Transparent callees (transparent_callees.rs): a function whose retags are all elided,
; that accesses only its own allocas and what its pointer parameters reach, keeps none of
; them and returns no pointer, is called by a leaf as if inlined: its accesses count as
; the caller's, through the arguments.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}retags_elided=4 {{.*}}transparent_functions=5
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

@keep = global ptr null

; flags: 9 = PROTECTED|FREEZE (`&T`), 11 = PROTECTED|MUTABLE|FREEZE (`&mut T`).

; SipHash's `c_rounds`: a single-writer leaf (its retag elided), hence transparent: reads
; and writes through parameter 0.
; CHECK-LABEL: define internal void @rounds(ptr %s)
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
define internal void @rounds(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 11, ptr null, ptr null)
  %a = load i64, ptr %r
  %f = getelementptr inbounds i8, ptr %r, i64 8
  %b = load i64, ptr %f
  %c = xor i64 %a, %b
  store i64 %c, ptr %r
  ret void
}

; `Hasher::finish`: copies the state out of `&self`, runs the rounds on the copy. A
; read-only leaf now: elided.
; CHECK-LABEL: define i64 @finish(ptr %self)
; CHECK-NOT: __bsan_func_entry
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %self, i64 24,
; CHECK: ret i64
define i64 @finish(ptr %self) {
start:
  %state = alloca [16 x i8]
  %r = call ptr @__rust_retag_reg(ptr %self, i64 24, i8 9, ptr null, ptr null)
  call void @llvm.memcpy.p0.p0.i64(ptr %state, ptr %r, i64 16, i1 false)
  call void @rounds(ptr %state)
  %v = load i64, ptr %state
  ret i64 %v
}

; Writes through its one `&mut` via the helper: a single-writer leaf, elided.
; CHECK-LABEL: define void @mix(ptr %s)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
; CHECK: ret void
define void @mix(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 11, ptr null, ptr null)
  call void @rounds(ptr %r)
  ret void
}

; The helper writes through the `&T` argument, next to a `&mut`: neither read-only nor a
; single writer, both kept.
; CHECK-LABEL: define void @two(ptr %m, ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret void
define void @two(ptr %m, ptr %s) {
start:
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 16, i8 11, ptr null, ptr null)
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 9, ptr null, ptr null)
  store i64 0, ptr %rm
  call void @rounds(ptr %rs)
  ret void
}

; Two levels: a transparent function calling a transparent function (found in a second
; round). Reads through its parameter only.
define internal void @peek(ptr %p) {
start:
  %tmp = alloca [16 x i8]
  call void @llvm.memcpy.p0.p0.i64(ptr %tmp, ptr %p, i64 16, i1 false)
  call void @rounds(ptr %tmp)
  ret void
}

; CHECK-LABEL: define void @peeks(ptr %s)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
; CHECK: ret void
define void @peeks(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 9, ptr null, ptr null)
  call void @peek(ptr %r)
  ret void
}

; Keeps its parameter (a global store): not transparent; the caller keeps its retag.
define internal void @keeps(ptr %p) {
start:
  store ptr %p, ptr @keep
  ret void
}

; CHECK-LABEL: define void @via_keeps(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret void
define void @via_keeps(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 9, ptr null, ptr null)
  call void @keeps(ptr %r)
  ret void
}

; Hands a pointer back: not transparent; the caller keeps its retag.
define internal ptr @back(ptr %p) {
start:
  %v = load i64, ptr %p
  ret ptr %p
}

; CHECK-LABEL: define i64 @via_back(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret i64
define i64 @via_back(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 9, ptr null, ptr null)
  %q = call ptr @back(ptr %r)
  %v = load i64, ptr %q
  ret i64 %v
}
