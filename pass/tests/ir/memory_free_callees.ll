; A leaf may call memory-free functions of the module (leaf_retags.rs, MemoryFreeFunctions):
; -O0 keeps `rotate_left`-style helpers as calls. A helper that touches any memory besides
; its own allocas, calls what is not known, or can be replaced at link time does not count.
; One that may abort (a call that neither returns nor unwinds: std's failed precondition
; checks) does; one that may panic and unwind does not.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}retags_elided=5 late_retags=0 memory_free_functions=8
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare i64 @unknown(i64)
declare i64 @llvm.fshl.i64(i64, i64, i64)
declare void @panic_nounwind(ptr) noreturn nounwind
declare void @panic(ptr) noreturn
declare void @panic_cannot_unwind() noreturn nounwind
declare i64 @llvm.ctpop.i64(i64)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare i32 @rust_eh_personality(...)

@counter = global i64 0

; flags: 3 = PROTECTED|MUTABLE.

; Memory-free: arithmetic on its arguments through its own debug spill slots.
define internal i64 @rotl(i64 %x, i64 %n) {
start:
  %slot = alloca i64
  store i64 %x, ptr %slot
  %y = load i64, ptr %slot
  %r = call i64 @llvm.fshl.i64(i64 %y, i64 %y, i64 %n)
  ret i64 %r
}

; Memory-free, and recursive through each other.
define linkonce_odr i1 @even(i64 %n) {
start:
  %z = icmp eq i64 %n, 0
  br i1 %z, label %yes, label %rec
yes:
  ret i1 true
rec:
  %m = sub i64 %n, 1
  %r = call i1 @odd(i64 %m)
  ret i1 %r
}

define linkonce_odr i1 @odd(i64 %n) {
start:
  %z = icmp eq i64 %n, 0
  br i1 %z, label %no, label %rec
no:
  ret i1 false
rec:
  %m = sub i64 %n, 1
  %r = call i1 @even(i64 %m)
  ret i1 %r
}

; Memory-free (it only hands its argument back), but a candidate passed to it escapes.
define internal ptr @id(ptr %p) {
start:
  ret ptr %p
}

; Not memory-free: it reads through its argument.
define internal i64 @reads_arg(ptr %p) {
start:
  %v = load i64, ptr %p
  ret i64 %v
}

; Not memory-free: it writes a global.
define internal i64 @bumps(i64 %x) {
start:
  store i64 %x, ptr @counter
  ret i64 %x
}

; Not memory-free: it calls a function without a body.
define internal i64 @calls_unknown(i64 %x) {
start:
  %r = call i64 @unknown(i64 %x)
  ret i64 %r
}

; `unchecked_add`'s precondition check and `forward_unchecked`, which calls it: memory-free
; (the check aborts).
define internal void @precondition_check(i64 %a, i64 %b) nounwind {
start:
  %s = add i64 %a, %b
  %o = icmp ult i64 %s, %a
  br i1 %o, label %fail, label %ok
ok:
  ret void
fail:
  call void @panic_nounwind(ptr @counter) noreturn nounwind
  unreachable
}

define internal i64 @forward_unchecked(i64 %a) {
start:
  call void @precondition_check(i64 %a, i64 1)
  %r = add nuw i64 %a, 1
  ret i64 %r
}

; Memory-free, takes a pointer and returns nothing: `copy_nonoverlapping`'s precondition
; check. A candidate passed to it does not escape.
define internal void @check_aligned(ptr %p) nounwind {
start:
  %a = ptrtoint ptr %p to i64
  %m = and i64 %a, 7
  %z = icmp eq i64 %m, 0
  br i1 %z, label %ok, label %fail
ok:
  ret void
fail:
  call void @panic_nounwind(ptr @counter) noreturn nounwind
  unreachable
}

; May panic and unwind into its caller: not memory-free on its own...
define internal i1 @is_aligned_to(ptr %p, i64 %a) {
start:
  %pow = call i64 @llvm.ctpop.i64(i64 %a)
  %one = icmp eq i64 %pow, 1
  br i1 %one, label %ok, label %bad
ok:
  %x = ptrtoint ptr %p to i64
  %m = sub i64 %a, 1
  %r = and i64 %x, %m
  %z = icmp eq i64 %r, 0
  ret i1 %z
bad:
  call void @panic(ptr @counter) noreturn
  unreachable
}

; ...but inside a `nounwind` function, whose cleanup aborts, it is: `copy_nonoverlapping`'s
; precondition check.
define internal void @copy_check(ptr %src, ptr %dst) nounwind personality ptr @rust_eh_personality {
start:
  %a = invoke i1 @is_aligned_to(ptr %src, i64 8) to label %next unwind label %pad
next:
  br i1 %a, label %ok, label %fail
ok:
  ret void
fail:
  call void @panic_nounwind(ptr @counter) noreturn nounwind
  unreachable
pad:
  %lp = landingpad { ptr, i32 } cleanup
  call void @panic_cannot_unwind() noreturn nounwind
  unreachable
}

; Not memory-free: its panic may unwind (and a caller's protector would be live for the
; hook and the unwinding).
define internal i64 @checked_inc(i64 %a) {
start:
  %o = icmp eq i64 %a, -1
  br i1 %o, label %fail, label %ok
ok:
  %r = add i64 %a, 1
  ret i64 %r
fail:
  call void @panic(ptr @counter) noreturn
  unreachable
}

; Memory-free body, but another definition may replace it at link time.
define weak i64 @weak_rotl(i64 %x) {
start:
  ret i64 %x
}

; SipHash's shape: one `&mut` state, read and written, helpers called. Elided.
; CHECK-LABEL: define void @mix(ptr %s)
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
; CHECK: call i64 @rotl(
; CHECK-NOT: __bsan_func_exit
; CHECK: ret void
define void @mix(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @rotl(i64 %v, i64 13)
  %f = getelementptr inbounds i8, ptr %r, i64 8
  store i64 %w, ptr %f
  ret void
}

; Through the recursive pair: elided.
; CHECK-LABEL: define i1 @parity(ptr %p)
; CHECK: call void @__bsan_retag_check(ptr %p, i64 8,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret i1
define i1 @parity(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %e = call i1 @even(i64 %v)
  ret i1 %e
}

; `Range::spec_next`'s shape: the step is a call that may abort. Elided.
; CHECK-LABEL: define void @step(ptr %p)
; CHECK: call void @__bsan_retag_check(ptr %p, i64 8,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret void
define void @step(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @forward_unchecked(i64 %v)
  store i64 %w, ptr %r
  ret void
}

; CHECK-LABEL: define i64 @read_checked(ptr %p)
; CHECK: call void @__bsan_retag_check(ptr %p, i64 8,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret i64
define i64 @read_checked(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 9, ptr null, ptr null)
  call void @check_aligned(ptr %r)
  %v = load i64, ptr %r
  ret i64 %v
}

; `u8to64_le`'s shape: a read-only leaf copying out through the checked helper. Elided.
; CHECK-LABEL: define i64 @load_le(ptr %p)
; CHECK: call void @__bsan_retag_check(ptr %p, i64 8,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret i64
define i64 @load_le(ptr %p) {
start:
  %tmp = alloca i64
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 9, ptr null, ptr null)
  call void @copy_check(ptr %r, ptr %tmp)
  call void @llvm.memcpy.p0.p0.i64(ptr %tmp, ptr %r, i64 8, i1 false)
  %v = load i64, ptr %tmp
  ret i64 %v
}

; Each helper below is not memory-free, or (@id) takes the candidate and returns a
; pointer: the retag is kept.
; CHECK-LABEL: define i1 @via_may_unwind(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i1
define i1 @via_may_unwind(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 9, ptr null, ptr null)
  %v = load i64, ptr %r
  %a = call i1 @is_aligned_to(ptr %r, i64 %v)
  ret i1 %a
}

; CHECK-LABEL: define void @via_unwinding_panic(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @via_unwinding_panic(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @checked_inc(i64 %v)
  store i64 %w, ptr %r
  ret void
}

; CHECK-LABEL: define i64 @via_reader(ptr %p, ptr %q)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i64
define i64 @via_reader(ptr %p, ptr %q) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  store i64 1, ptr %r
  %v = call i64 @reads_arg(ptr %q)
  ret i64 %v
}

; CHECK-LABEL: define void @via_global(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @via_global(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @bumps(i64 %v)
  store i64 %w, ptr %r
  ret void
}

; CHECK-LABEL: define void @via_unknown(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @via_unknown(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @calls_unknown(i64 %v)
  store i64 %w, ptr %r
  ret void
}

; CHECK-LABEL: define void @via_weak(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @via_weak(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = call i64 @weak_rotl(i64 %v)
  store i64 %w, ptr %r
  ret void
}

; CHECK-LABEL: define void @via_id(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @via_id(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 3, ptr null, ptr null)
  %q = call ptr @id(ptr %r)
  store i64 1, ptr %q
  ret void
}
