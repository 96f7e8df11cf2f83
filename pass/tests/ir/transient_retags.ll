; Unprotected retags used only right where they are made (transient_retags.rs): lowered
; to __bsan_retag_check when nothing between the retag and its last use could change the
; new tag's state; kept otherwise. A protected `&mut` whose only other retags are
; transient ones of itself is then a single-writer leaf (leaf_retags.rs).
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=11 {{.*}}retags_elided=7 {{.*}}retags_transient=6
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @other(ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

; flags: 8 = FREEZE (a `&T`, T: Freeze), 10 = MUTABLE|FREEZE (a `&mut`),
; 0 = neither (a `&T` to interior-mutable memory), 11 = PROTECTED|MUTABLE|FREEZE.

; An inlined `lt`: two shared reborrows, each loaded once, a read-only slot spill between.
; CHECK-LABEL: define i1 @lt(ptr %a, ptr %b)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %a, i64 8,
; CHECK: call void @__bsan_retag_check(ptr %b, i64 8,
; CHECK: call void @__bsan_read(ptr %a, i64 8,
; CHECK: call void @__bsan_read(ptr %b, i64 8,
; CHECK: ret i1
define i1 @lt(ptr %a, ptr %b) {
start:
  %spill = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 8, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 8, ptr null, ptr null)
  store ptr %ra, ptr %spill
  %x = load i64, ptr %ra
  %y = load i64, ptr %rb
  %c = icmp ult i64 %x, %y
  ret i1 %c
}

; A write through the parent between the shared reborrow and its read: the read through
; the reborrow is UB, so the tag must exist.
; CHECK-LABEL: define i64 @write_between(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @write_between(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 8, ptr null, ptr null)
  store i64 1, ptr %p
  %x = load i64, ptr %r
  ret i64 %x
}

; A call between them may write anything: kept.
; CHECK-LABEL: define i64 @call_between(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @call_between(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 8, ptr null, ptr null)
  call void @other(ptr null)
  %x = load i64, ptr %r
  ret i64 %x
}

; Used in another block: kept.
; CHECK-LABEL: define i64 @other_block(ptr %p, i1 %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @other_block(ptr %p, i1 %c) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 8, ptr null, ptr null)
  br i1 %c, label %a, label %b
a:
  %x = load i64, ptr %r
  ret i64 %x
b:
  ret i64 0
}

; Passed to a call: the tag is held beyond its block, kept. A `&T` to interior-mutable
; memory (no FREEZE) and a store through a `&T` are never transient either.
; CHECK-LABEL: define void @not_transient(ptr %p, ptr %q, ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK: call { i64, i64 } @__bsan_retag(ptr %q
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @not_transient(ptr %p, ptr %q, ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 8, ptr null, ptr null)
  call void @other(ptr %r)
  %rq = call ptr @__rust_retag_reg(ptr %q, i64 8, i8 0, ptr null, ptr null)
  %y = load i64, ptr %rq
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 8, ptr null, ptr null)
  store i64 %y, ptr %rs
  ret void
}

; A `&mut` read and written with only a private slot touched in between: elided; its
; field copied out to a private alloca too.
; CHECK-LABEL: define void @bump(ptr %p)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %p, i64 16,
; CHECK: call void @__bsan_read(
; CHECK: call void @__bsan_write(
; CHECK: ret void
define void @bump(ptr %p) {
start:
  %tmp = alloca i64
  %copy = alloca [16 x i8]
  %r = call ptr @__rust_retag_reg(ptr %p, i64 16, i8 10, ptr null, ptr null)
  %x = load i64, ptr %r
  store i64 %x, ptr %tmp
  %y = add i64 %x, 1
  store i64 %y, ptr %r
  call void @llvm.memcpy.p0.p0.i64(ptr %copy, ptr %r, i64 16, i1 false)
  ret void
}

; A `&mut` with a read through another pointer between its write and its read: the
; foreign read freezes the Active tag, and a later write would be UB. Kept.
; CHECK-LABEL: define void @mut_foreign_read(ptr %p, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @mut_foreign_read(ptr %p, ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 10, ptr null, ptr null)
  store i64 1, ptr %r
  %z = load i64, ptr %q
  store i64 %z, ptr %r
  ret void
}

; A `&mut` with a shared retag (an implicit read) in between: kept (the shared one, used
; at once, is transient itself).
; CHECK-LABEL: define void @mut_retag_between(ptr %p, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK: call void @__bsan_retag_check(ptr %q, i64 8,
; CHECK: ret void
define void @mut_retag_between(ptr %p, ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 10, ptr null, ptr null)
  store i64 1, ptr %r
  %rq = call ptr @__rust_retag_reg(ptr %q, i64 8, i8 8, ptr null, ptr null)
  %z = load i64, ptr %rq
  store i64 %z, ptr %r
  ret void
}

; `Range::<u64>::spec_next` as std's MIR has it: its protected `&mut self`, the inlined
; `lt`'s two transient shared reborrows of its fields, a write through `self`. All three
; elided: the function is a single-writer leaf once the transient ones are seen through.
; CHECK-LABEL: define i64 @spec_next(ptr %self)
; CHECK-NOT: __bsan_func_entry
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %self, i64 16,
; CHECK: call void @__bsan_retag_check(
; CHECK: call void @__bsan_retag_check(
; CHECK: call void @__bsan_write(
; CHECK-NOT: __bsan_func_exit
; CHECK: ret i64
define i64 @spec_next(ptr %self) {
start:
  %s = call ptr @__rust_retag_reg(ptr %self, i64 16, i8 11, ptr null, ptr null)
  %endp = getelementptr inbounds i8, ptr %s, i64 8
  %ra = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 8, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %endp, i64 8, i8 8, ptr null, ptr null)
  %a = load i64, ptr %ra
  %b = load i64, ptr %rb
  %lt = icmp ult i64 %a, %b
  br i1 %lt, label %more, label %done
more:
  %n = add i64 %a, 1
  store i64 %n, ptr %s
  ret i64 %a
done:
  ret i64 -1
}

; The same with a write to the parent *between* the transient retag and its read: the
; reborrow is kept, and so is the protected one (the function is no leaf any more).
; CHECK-LABEL: define i64 @spec_next_bad(ptr %self)
; CHECK: call void @__bsan_func_entry(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %self
; CHECK: call { i64, i64 } @__bsan_retag(
; CHECK: ret i64
define i64 @spec_next_bad(ptr %self) {
start:
  %s = call ptr @__rust_retag_reg(ptr %self, i64 16, i8 11, ptr null, ptr null)
  %ra = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 8, ptr null, ptr null)
  store i64 7, ptr %s
  %a = load i64, ptr %ra
  ret i64 %a
}

; A write to a stack slot that escapes (its address reached a retag) between a shared
; reborrow *of that slot* and its read: kept.
; CHECK-LABEL: define i64 @escaping_slot()
; CHECK: call { i64, i64 } @__bsan_retag(
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @escaping_slot() {
start:
  %x = alloca i64
  store i64 5, ptr %x
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 8, ptr null, ptr null)
  store i64 6, ptr %x
  %v = load i64, ptr %r
  ret i64 %v
}
