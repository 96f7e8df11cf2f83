; Slots lent to transparent callees (transparent_callees.rs, leaf_retags.rs): `a < b` on two
; `&T` spills `a` and `b` into slots and passes their addresses to
; `<&T as PartialOrd>::lt`, which reads through the pointers it loads from them. Such a
; callee's summary lists those *indirect* accesses; a caller whose slots only it borrows
; (no write through the parameter, no copy of what the slot holds) counts them as accesses
; through what it stored there, and is a leaf.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}retags_elided=5 {{.*}}transparent_functions=7
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

@other = global i64 0

; flags: 9 = PROTECTED|FREEZE (`&T`), 11 = PROTECTED|MUTABLE|FREEZE (`&mut T`).

; `<&i8 as PartialOrd>::lt(&self, other: &&i8)`: a read-only leaf (both retags elided),
; transparent, reading indirectly through both parameters.
; CHECK-LABEL: define internal i1 @lt_ref(ptr %a, ptr %b)
; CHECK: call void @__bsan_retag_check(ptr %a, i64 8,
; CHECK: call void @__bsan_retag_check(ptr %b, i64 8,
define internal i1 @lt_ref(ptr %a, ptr %b) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 9, ptr null, ptr null)
  %pa = load ptr, ptr %ra
  %pb = load ptr, ptr %rb
  %x = load i8, ptr %pa
  %y = load i8, ptr %pb
  %lt = icmp slt i8 %x, %y
  ret i1 %lt
}

; `fn pred(a: &i8, b: &i8) -> bool { a < b }`: both spilled to slots lent to `lt_ref`, which
; only reads through them. A read-only leaf: elided.
; CHECK-LABEL: define i1 @pred(ptr %x, ptr %y)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %x, i64 1,
; CHECK: call void @__bsan_retag_check(ptr %y, i64 1,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret i1
define i1 @pred(ptr %x, ptr %y) {
start:
  %sa = alloca [8 x i8]
  %sb = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 1, i8 9, ptr null, ptr null)
  %ry = call ptr @__rust_retag_reg(ptr %y, i64 1, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %sa
  store ptr %ry, ptr %sb
  %r = call i1 @lt_ref(ptr %sa, ptr %sb)
  ret i1 %r
}

; Writes through the pointer in its slot parameter: transparent, an indirect write.
define internal void @bump_ref(ptr %s) {
start:
  %p = load ptr, ptr %s
  %v = load i64, ptr %p
  %w = add i64 %v, 1
  store i64 %w, ptr %p
  ret void
}

; A `&mut` lent through a slot to a writer: a single-writer leaf, elided.
; CHECK-LABEL: define void @bump_via_slot(ptr %x)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %x, i64 8,
; CHECK: ret void
define void @bump_via_slot(ptr %x) {
start:
  %s = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 11, ptr null, ptr null)
  store ptr %rx, ptr %s
  call void @bump_ref(ptr %s)
  ret void
}

; Two `&T`s, one lent to a writer through its slot: not read-only, and the write goes
; through a candidate that is not a `&mut`. Both kept.
; CHECK-LABEL: define void @write_via_shared(ptr %x, ptr %y)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: call { i64, i64 } @__bsan_retag(ptr %y
; CHECK: ret void
define void @write_via_shared(ptr %x, ptr %y) {
start:
  %s = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  %ry = call ptr @__rust_retag_reg(ptr %y, i64 8, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %s
  call void @bump_ref(ptr %s)
  %v = load i64, ptr %ry
  ret void
}

; Stores another pointer into its parameter's pointee: transparent (a direct write), but a
; slot passed to it does not keep what its caller stored there.
define internal void @overwrite(ptr %s) {
start:
  store ptr @other, ptr %s
  ret void
}

; CHECK-LABEL: define void @slot_overwritten(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret void
define void @slot_overwritten(ptr %x) {
start:
  %s = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %s
  call void @overwrite(ptr %s)
  %r = call i1 @lt_ref(ptr %s, ptr %s)
  ret void
}

; Copy the pointer in its first parameter's pointee into the second's: transparent, but it
; leaks the first parameter's pointee, by a load and store or by a memcpy.
define internal void @copy_out(ptr %s, ptr %out) {
start:
  %p = load ptr, ptr %s
  store ptr %p, ptr %out
  ret void
}

define internal void @memcpy_out(ptr %s, ptr %out) {
start:
  call void @llvm.memcpy.p0.p0.i64(ptr %out, ptr %s, i64 8, i1 false)
  ret void
}

; A `&T` lent to a callee that copies it into another local, and returned from there: it
; escapes (the caller's tag must be the one returned). Kept.
; CHECK-LABEL: define ptr @leaked(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define ptr @leaked(ptr %x) {
start:
  %s = alloca [8 x i8]
  %o = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %s
  call void @copy_out(ptr %s, ptr %o)
  %p = load ptr, ptr %o
  ret ptr %p
}

; CHECK-LABEL: define ptr @leaked_by_memcpy(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define ptr @leaked_by_memcpy(ptr %x) {
start:
  %s = alloca [8 x i8]
  %o = alloca [8 x i8]
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %s
  call void @memcpy_out(ptr %s, ptr %o)
  %p = load ptr, ptr %o
  ret ptr %p
}

; The slot's address passed on, not the slot: the callee reads through what `%p` points
; to, which is not a slot of this function. `%x` is stored into memory it does not own:
; kept.
; CHECK-LABEL: define i1 @not_a_slot(ptr %x, ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret i1
define i1 @not_a_slot(ptr %x, ptr %p) {
start:
  %rx = call ptr @__rust_retag_reg(ptr %x, i64 1, i8 9, ptr null, ptr null)
  store ptr %rx, ptr %p
  %r = call i1 @lt_ref(ptr %p, ptr %p)
  ret i1 %r
}
