; NO_ESCAPE (16) on `__bsan_retag`: set for a retag whose result never leaves the
; function (captures.rs), so the runtime removes the tag when its protector ends (or,
; unprotected, its function's frame); never for one that escapes, and never taken from the
; intrinsic.
; RUN: env BSAN_PASS_ELIDE_LEAF_RETAGS=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=21
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @other(ptr)

; flags: 3 = PROTECTED|MUTABLE, 2 = MUTABLE.

; Only accessed, spilled and compared: 3 | 16.
; CHECK-LABEL: define i1 @accessed(ptr %p, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 19,
define i1 @accessed(ptr %p, ptr %q) {
start:
  %spill = alloca ptr
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  store ptr %r, ptr %spill
  %back = load ptr, ptr %spill
  store i64 1, ptr %back
  %c = icmp eq ptr %r, %q
  call void @other(ptr %q)
  ret i1 %c
}

; Passed to a call: the callee may keep it.
; CHECK-LABEL: define void @passed(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 3,
define void @passed(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  call void @other(ptr %r)
  ret void
}

; Returned: not NO_ESCAPE, but DIES_UNLESS_RETURNED (64; fresh_returns.ll): 3 | 64.
; CHECK-LABEL: define ptr @returned(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 67,
define ptr @returned(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %f = getelementptr inbounds i8, ptr %r, i64 4
  ret ptr %f
}

; Stored to memory someone else can read.
; CHECK-LABEL: define void @stored(ptr %p, ptr %out)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 3,
define void @stored(ptr %p, ptr %out) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  store ptr %r, ptr %out
  ret void
}

; Reborrowed: the child is a pointer with a new tag, which escapes (an integer cast); the
; parent's does not.
; CHECK-LABEL: define i64 @reborrowed(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 19,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 2,
define i64 @reborrowed(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %c = call ptr @__rust_retag_reg(ptr %r, i64 8, i8 2, ptr null, ptr null)
  %i = ptrtoint ptr %c to i64
  ret i64 %i
}

; The intrinsic cannot claim it: 16 is cleared (here the result escapes).
; CHECK-LABEL: define void @claimed(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 3,
define void @claimed(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 19, ptr null, ptr null)
  call void @other(ptr %r)
  ret void
}

; A callee that only retags its parameter does not keep the caller's tag; one that stores
; it does, and so does one that passes it on to such a function.
define internal void @retags_it(ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %q, i64 8, i8 3, ptr null, ptr null)
  call void @other(ptr %r)
  ret void
}

@keep = global ptr null

define internal void @keeps_it(ptr %q) {
start:
  store ptr %q, ptr @keep
  ret void
}

define internal void @passes_it_on(ptr %q) {
start:
  call void @keeps_it(ptr %q)
  ret void
}

; CHECK-LABEL: define void @to_callees(ptr %a, ptr %b, ptr %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 19,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %b, i64 8, i8 3,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %c, i64 8, i8 3,
define void @to_callees(ptr %a, ptr %b, ptr %c) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 3, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 3, ptr null, ptr null)
  %rc = call ptr @__rust_retag_reg(ptr %c, i64 8, i8 3, ptr null, ptr null)
  call void @retags_it(ptr %ra)
  call void @keeps_it(ptr %rb)
  call void @passes_it_on(ptr %rc)
  ret void
}

; Unprotected (a call-return retag, 2 = MUTABLE): also marked, with or without a frame of
; the function's own (the runtime removes it at the innermost frame's exit).
; CHECK-LABEL: define void @unprotected_in_frame(ptr %p, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 19,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %q, i64 8, i8 18,
define void @unprotected_in_frame(ptr %p, ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  store i64 1, ptr %r
  %u = call ptr @__rust_retag_reg(ptr %q, i64 8, i8 2, ptr null, ptr null)
  store i64 2, ptr %u
  ret void
}

; CHECK-LABEL: define void @unprotected_no_frame(ptr %q)
; CHECK-NOT: __bsan_func_entry
; CHECK: call { i64, i64 } @__bsan_retag(ptr %q, i64 8, i8 18,
define void @unprotected_no_frame(ptr %q) {
start:
  %u = call ptr @__rust_retag_reg(ptr %q, i64 8, i8 2, ptr null, ptr null)
  store i64 2, ptr %u
  ret void
}

; A slot holding the tag whose address is lent (`&a` passed on, as `a < b` does with
; `<&T as PartialOrd>::lt`): the tag dies with the function if the callee neither keeps the
; slot's address nor a pointer it loads through it; a callee that stores the loaded
; pointer, copies the slot or passes it to a function doing so leaks it.
define internal i1 @deref_lt(ptr %x, ptr %y) {
start:
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 1, ptr null, ptr null)
  %ry = call ptr @__rust_retag_reg(ptr %y, i64 8, i8 1, ptr null, ptr null)
  %px = load ptr, ptr %rx
  %py = load ptr, ptr %ry
  %ix = call ptr @__rust_retag_reg(ptr %px, i64 1, i8 1, ptr null, ptr null)
  %iy = call ptr @__rust_retag_reg(ptr %py, i64 1, i8 1, ptr null, ptr null)
  %vx = load i8, ptr %ix
  %vy = load i8, ptr %iy
  %c = icmp slt i8 %vx, %vy
  ret i1 %c
}

define internal void @deref_keep(ptr %x) {
start:
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 1, ptr null, ptr null)
  %px = load ptr, ptr %rx
  store ptr %px, ptr @keep
  ret void
}

define internal void @deref_copy(ptr %x) {
start:
  call void @llvm.memcpy.p0.p0.i64(ptr @keep, ptr %x, i64 8, i1 false)
  ret void
}

@keep2 = global { ptr, i64 } zeroinitializer

; Reads the pointer as part of an aggregate, and keeps it; reads it as an integer only.
define internal void @deref_keep_pair(ptr %x) {
start:
  %pair = load { ptr, i64 }, ptr %x
  store { ptr, i64 } %pair, ptr @keep2
  ret void
}

define internal i64 @deref_bits(ptr %x) {
start:
  %bits = load i64, ptr %x
  ret i64 %bits
}

define internal void @deref_pass_on(ptr %x) {
start:
  %g = getelementptr inbounds i8, ptr %x, i64 0
  call void @deref_keep(ptr %g)
  ret void
}

declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

; CHECK-LABEL: define i1 @lent(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 1, i8 17,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %b, i64 1, i8 17,
define i1 @lent(ptr %a, ptr %b) {
start:
  %sa = alloca ptr
  %sb = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 1, i8 1, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 1, i8 1, ptr null, ptr null)
  store ptr %ra, ptr %sa
  store ptr %rb, ptr %sb
  %c = call i1 @deref_lt(ptr %sa, ptr %sb)
  ret i1 %c
}

; CHECK-LABEL: define void @lent_and_leaked(ptr %a, ptr %b, ptr %c, ptr %d, ptr %e)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 1, i8 1,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %b, i64 1, i8 1,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %c, i64 1, i8 1,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %d, i64 1, i8 1,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %e, i64 1, i8 17,
define void @lent_and_leaked(ptr %a, ptr %b, ptr %c, ptr %d, ptr %e) {
start:
  %sa = alloca ptr
  %sb = alloca ptr
  %sc = alloca ptr
  %sd = alloca ptr
  %se = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 1, i8 1, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 1, i8 1, ptr null, ptr null)
  %rc = call ptr @__rust_retag_reg(ptr %c, i64 1, i8 1, ptr null, ptr null)
  %rd = call ptr @__rust_retag_reg(ptr %d, i64 1, i8 1, ptr null, ptr null)
  %re = call ptr @__rust_retag_reg(ptr %e, i64 1, i8 1, ptr null, ptr null)
  store ptr %ra, ptr %sa
  store ptr %rb, ptr %sb
  store ptr %rc, ptr %sc
  store ptr %rd, ptr %sd
  store ptr %re, ptr %se
  call void @deref_keep(ptr %sa)
  call void @deref_copy(ptr %sb)
  call void @deref_pass_on(ptr %sc)
  call void @deref_keep_pair(ptr %sd)
  %bits = call i64 @deref_bits(ptr %se)
  ret void
}

; The slot's address itself stored: whoever reads it later finds the tag.
; CHECK-LABEL: define void @slot_address_stored(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 1, i8 1,
define void @slot_address_stored(ptr %a) {
start:
  %sa = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 1, i8 1, ptr null, ptr null)
  store ptr %ra, ptr %sa
  store ptr %sa, ptr @keep
  ret void
}
