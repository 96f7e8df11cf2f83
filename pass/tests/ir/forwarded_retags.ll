; Protected retags of a function that only passes its references on to one callee, which
; retags them the same way and keeps those retags (forwarded_retags.rs): lowered to
; __bsan_retag_check, no frame. Kept whenever the callee's retag could not stand in.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}retags_elided=7 {{.*}}retags_forwarded=5
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @other(ptr)

; flags: 1 = PROTECTED (a Cell &T), 3 = PROTECTED|MUTABLE, 9 = PROTECTED|FREEZE.

; The callee: keeps its retags (it calls @other, so it is no leaf).
define internal i64 @inner(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %v = load i64, ptr %r
  call void @other(ptr null)
  ret i64 %v
}

; CHECK-LABEL: define i64 @fwd_finish(ptr %s)
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 72,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret i64
define i64 @fwd_finish(ptr %s) {
start:
  %spill = alloca ptr
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  store ptr %r, ptr %spill
  %again = load ptr, ptr %spill
  %v = call i64 @inner(ptr %again)
  ret i64 %v
}

; A `&mut` and a slice whose length is passed on; the slice's debug spill (pointer and
; length in one alloca) is never read.
define internal void @inner_write(ptr %s, ptr %m, i64 %n) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 11, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 %n, i8 9, ptr null, ptr null)
  %b = load i8, ptr %rm
  store i8 %b, ptr %rs
  call void @other(ptr null)
  ret void
}

; CHECK-LABEL: define void @fwd_write(ptr %s, ptr %m, i64 %n)
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 72,
; CHECK: call void @__bsan_retag_check(ptr %m, i64 %n,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret void
define void @fwd_write(ptr %s, ptr %m, i64 %n) {
start:
  %dbg = alloca [16 x i8]
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 11, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 %n, i8 9, ptr null, ptr null)
  store ptr %rm, ptr %dbg
  %len = getelementptr inbounds i8, ptr %dbg, i64 8
  store i64 %n, ptr %len
  call void @inner_write(ptr %rs, ptr %rm, i64 %n)
  ret void
}

; A forwarder of a forwarder: its callee's retag is elided, and what stands in for it
; stands in for this one too. Elided.
; CHECK-LABEL: define i64 @fwd_fwd(ptr %s)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: call void @__bsan_retag_check(ptr %s, i64 72,
; CHECK: ret i64
define i64 @fwd_fwd(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %v = call i64 @fwd_finish(ptr %r)
  ret i64 %v
}

; Reads memory of its own besides the call: kept.
; CHECK-LABEL: define i64 @fwd_and_read(ptr %s, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @fwd_and_read(ptr %s, ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %x = load i64, ptr %q
  %v = call i64 @inner(ptr %r)
  %y = add i64 %x, %v
  ret i64 %y
}

; Accesses through the candidate itself: kept.
; CHECK-LABEL: define i64 @fwd_and_use(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @fwd_and_use(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %x = load i64, ptr %r
  %v = call i64 @inner(ptr %r)
  %y = add i64 %x, %v
  ret i64 %y
}

; The callee retags with other flags (`&mut` there, `&` here): kept.
; CHECK-LABEL: define void @fwd_other_flags(ptr %s, ptr %m, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @fwd_other_flags(ptr %s, ptr %m, i64 %n) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 %n, i8 9, ptr null, ptr null)
  call void @inner_write(ptr %rs, ptr %rm, i64 %n)
  ret void
}

; Passed in the other order than the callee retags them: kept.
; CHECK-LABEL: define void @fwd_swapped(ptr %s, ptr %m)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @fwd_swapped(ptr %s, ptr %m) {
start:
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 9, ptr null, ptr null)
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 11, ptr null, ptr null)
  call void @inner_write(ptr %rs, ptr %rm, i64 8)
  ret void
}

; A size the callee does not get: kept.
; CHECK-LABEL: define void @fwd_other_size(ptr %s, ptr %m, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @fwd_other_size(ptr %s, ptr %m, i64 %n) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 11, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 %n, i8 9, ptr null, ptr null)
  call void @inner_write(ptr %rs, ptr %rm, i64 4)
  ret void
}

; The callee's retag is elided (a read-only leaf), for reasons that hold for the
; forwarder's tag too: elided (as a leaf: the callee is transparent,
; transparent_callees.rs, so it is counted in retags_elided but not retags_forwarded).
define internal i64 @leaf_inner(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}

; CHECK-LABEL: define i64 @fwd_to_leaf(ptr %s)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: call void @__bsan_retag_check(ptr %s, i64 72,
; CHECK: ret i64
define i64 @fwd_to_leaf(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %v = call i64 @leaf_inner(ptr %r)
  ret i64 %v
}

; The callee uses its parameter besides the retag: kept.
define internal i64 @inner_raw_too(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  call void @other(ptr %s)
  %v = load i64, ptr %r
  ret i64 %v
}

; CHECK-LABEL: define i64 @fwd_raw_too(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @fwd_raw_too(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %v = call i64 @inner_raw_too(ptr %r)
  ret i64 %v
}

; A Cell `&T` next to a `&mut`: kept.
define internal void @inner_cell(ptr %s, ptr %c) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 3, ptr null, ptr null)
  %rc = call ptr @__rust_retag_reg(ptr %c, i64 8, i8 1, ptr null, ptr null)
  store i64 1, ptr %rs
  call void @other(ptr %rc)
  ret void
}

; CHECK-LABEL: define void @fwd_cell(ptr %s, ptr %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @fwd_cell(ptr %s, ptr %c) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 3, ptr null, ptr null)
  %rc = call ptr @__rust_retag_reg(ptr %c, i64 8, i8 1, ptr null, ptr null)
  call void @inner_cell(ptr %rs, ptr %rc)
  ret void
}

; Two calls: kept.
; CHECK-LABEL: define i64 @fwd_twice(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @fwd_twice(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 72, i8 9, ptr null, ptr null)
  %a = call i64 @inner(ptr %r)
  %b = call i64 @inner(ptr %r)
  %v = add i64 %a, %b
  ret i64 %v
}

; Hands back the `&mut` its callee returns (an unprotected call-return retag): elided.
define internal ptr @inner_get(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 32, i8 11, ptr null, ptr null)
  call void @other(ptr null)
  %f = getelementptr inbounds i8, ptr %r, i64 8
  ret ptr %f
}

; CHECK-LABEL: define ptr @fwd_get(ptr %s)
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 32,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %g, i64 8,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret ptr
define ptr @fwd_get(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 32, i8 11, ptr null, ptr null)
  %g = call ptr @inner_get(ptr %r)
  %rr = call ptr @__rust_retag_reg(ptr %g, i64 8, i8 10, ptr null, ptr null)
  ret ptr %rr
}
