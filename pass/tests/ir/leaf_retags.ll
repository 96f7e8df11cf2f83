; Protected retags a leaf function needs no tag for (leaf_retags.rs): lowered to
; __bsan_retag_check, no frame; made late before a call that never returns; kept whenever
; a check could depend on the tag.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=18 {{.*}}retags_elided=10 late_retags=2
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @panic() noreturn
declare void @other(ptr)
declare i32 @rust_eh_personality(...)

; flags: 1 = PROTECTED, 3 = PROTECTED|MUTABLE, 9 = PROTECTED|FREEZE.

; Read-only, both arguments: both elided, no frame. The debug spill of the argument does
; not make it escape.
; CHECK-LABEL: define i1 @eq(ptr %a, ptr %b)
; CHECK-NOT: __bsan_func_entry
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %a, i64 4,
; CHECK: call void @__bsan_retag_check(ptr %b, i64 4,
; CHECK: call void @__bsan_read(ptr %a, i64 4,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret i1
define i1 @eq(ptr %a, ptr %b) {
start:
  %spill = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 4, i8 9, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 4, i8 9, ptr null, ptr null)
  store ptr %ra, ptr %spill
  %x = load i32, ptr %ra
  %y = load i32, ptr %rb
  %c = icmp eq i32 %x, %y
  ret i1 %c
}

; One `&mut` written, nothing else accessed: elided.
; CHECK-LABEL: define void @set(ptr %s, i64 %v)
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
; CHECK: call void @__bsan_write(
; CHECK-NOT: __bsan_func_exit
; CHECK: ret void
define void @set(ptr %s, i64 %v) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 3, ptr null, ptr null)
  %f = getelementptr inbounds i8, ptr %r, i64 8
  store i64 %v, ptr %f
  ret void
}

; A write through one argument and a read through another: a protector could report, so
; both retags stay, with their frame.
; CHECK-LABEL: define void @copy(ptr %dst, ptr %src)
; CHECK: call void @__bsan_func_entry(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %dst
; CHECK: call { i64, i64 } @__bsan_retag(ptr %src
; CHECK-NOT: __bsan_retag_check
; CHECK: call void @__bsan_func_exit(
; CHECK: ret void
define void @copy(ptr %dst, ptr %src) {
start:
  %rd = call ptr @__rust_retag_reg(ptr %dst, i64 4, i8 3, ptr null, ptr null)
  %rs = call ptr @__rust_retag_reg(ptr %src, i64 4, i8 9, ptr null, ptr null)
  %v = load i32, ptr %rs
  store i32 %v, ptr %rd
  ret void
}

; A write through a shared reference: its Frozen tag must report it. Kept.
; CHECK-LABEL: define void @write_through_shared(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @write_through_shared(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 9, ptr null, ptr null)
  store i32 1, ptr %r
  ret void
}

; Not a leaf: the callee could access anything. Kept.
; CHECK-LABEL: define i32 @calls(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i32
define i32 @calls(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 9, ptr null, ptr null)
  call void @other(ptr null)
  %v = load i32, ptr %r
  ret i32 %v
}

; The reference is returned: its tag outlives the call. Kept.
; CHECK-LABEL: define ptr @escapes(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret ptr
define ptr @escapes(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 9, ptr null, ptr null)
  %v = load i32, ptr %r
  ret ptr %r
}

; A panic path (overflow check): elided on the normal path; on the panic path the frame is
; entered and the retags made before the call that never returns, which unwinds to a
; cleanup that leaves the frame. The normal return leaves no frame.
; CHECK-LABEL: define i64 @getb(ptr %s)
; CHECK: %bsan.frame = alloca i8
; CHECK-NOT: __bsan_func_entry
; CHECK: call void @__bsan_retag_check(ptr %s, i64 16,
; CHECK: bb1:
; CHECK-NOT: __bsan_func_exit
; CHECK: ret i64
; CHECK: panic:
; CHECK: call void @__bsan_func_entry(ptr %bsan.frame)
; CHECK-NEXT: call { i64, i64 } @__bsan_retag(ptr %s, i64 16, i8 25,
; CHECK: invoke void @panic()
; CHECK: bsan.unwind:
; CHECK: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: resume
define i64 @getb(ptr %s) personality ptr @rust_eh_personality {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 9, ptr null, ptr null)
  %f = getelementptr inbounds i8, ptr %r, i64 8
  %b = load i64, ptr %f
  %sum = call { i64, i1 } @llvm.uadd.with.overflow.i64(i64 %b, i64 1)
  %o = extractvalue { i64, i1 } %sum, 1
  br i1 %o, label %panic, label %bb1
bb1:
  %v = extractvalue { i64, i1 } %sum, 0
  ret i64 %v
panic:
  call void @panic()
  unreachable
}

; A single writer that may have written before a panic: the late tag would not be in the
; state the elided one had (Active). Kept.
; CHECK-LABEL: define void @write_then_panic(ptr %s, i1 %c)
; CHECK: call void @__bsan_func_entry(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @write_then_panic(ptr %s, i1 %c) personality ptr @rust_eh_personality {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 4, i8 3, ptr null, ptr null)
  store i32 1, ptr %r
  br i1 %c, label %panic, label %done
done:
  ret void
panic:
  call void @panic()
  unreachable
}

; A single writer that panics before any write: elided, made late on the panic path in a
; frame only that path enters.
; CHECK-LABEL: define void @check_then_write(ptr %s, i1 %c)
; CHECK: call void @__bsan_retag_check(ptr %s, i64 4,
; CHECK: panic:
; CHECK: call void @__bsan_func_entry(
; CHECK-NEXT: call { i64, i64 } @__bsan_retag(ptr %s, i64 4, i8 19,
define void @check_then_write(ptr %s, i1 %c) personality ptr @rust_eh_personality {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 4, i8 3, ptr null, ptr null)
  br i1 %c, label %panic, label %write
write:
  store i32 1, ptr %r
  ret void
panic:
  call void @panic()
  unreachable
}

; A write to the function's own stack slot is no write the argument's tag could see: the
; function still counts as read-only.
; CHECK-LABEL: define i32 @local_write(ptr %p)
; CHECK: call void @__bsan_retag_check(ptr %p, i64 4,
; CHECK: ret i32
define i32 @local_write(ptr %p) {
start:
  %tmp = alloca i32
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 9, ptr null, ptr null)
  %v = load i32, ptr %r
  store i32 %v, ptr %tmp
  %w = load i32, ptr %tmp
  ret i32 %w
}

; An atomic access could synchronize with another thread, whose accesses during the call
; the protector must then judge. Kept.
; CHECK-LABEL: define i32 @atomic_read(ptr %p)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret i32
define i32 @atomic_read(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 9, ptr null, ptr null)
  %v = load atomic i32, ptr %r acquire, align 4
  ret i32 %v
}

; A write through a shared reference, reached through a loop's phi: the phi is derived from
; the reference too. Kept.
; CHECK-LABEL: define void @write_in_loop(ptr %p, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @write_in_loop(ptr %p, i64 %n) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 64, i8 9, ptr null, ptr null)
  br label %loop
loop:
  %cur = phi ptr [ %r, %start ], [ %next, %loop ]
  %i = phi i64 [ 0, %start ], [ %j, %loop ]
  %v = load i8, ptr %cur
  %next = getelementptr inbounds i8, ptr %cur, i64 1
  store i8 %v, ptr %next
  %j = add i64 %i, 1
  %c = icmp ult i64 %j, %n
  br i1 %c, label %loop, label %done
done:
  ret void
}

declare { i64, i1 } @llvm.uadd.with.overflow.i64(i64, i64)
declare i8 @llvm.ucmp.i8.i64(i64, i64)

; `<u64 as Ord>::cmp`: `three_way_compare` is `llvm.ucmp`, which touches no memory.
; A read-only leaf: both elided.
; CHECK-LABEL: define i8 @cmp_u64(ptr %a, ptr %b)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %a, i64 8,
; CHECK: call void @__bsan_retag_check(ptr %b, i64 8,
; CHECK: ret i8
define i8 @cmp_u64(ptr %a, ptr %b) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 9, ptr null, ptr null)
  %x = load i64, ptr %ra
  %y = load i64, ptr %rb
  %c = call i8 @llvm.ucmp.i8.i64(i64 %x, i64 %y)
  ret i8 %c
}

; A slice read through its `&[u8]`, whose pointer and length -O0 spills into one alloca for
; the debugger only (a write-only slot, not an escape): elided.
; CHECK-LABEL: define i8 @first(ptr %s, i64 %n)
; CHECK: call void @__bsan_retag_check(ptr %s, i64 %n,
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: ret i8
define i8 @first(ptr %s, i64 %n) {
start:
  %dbg = alloca [16 x i8]
  %r = call ptr @__rust_retag_reg(ptr %s, i64 %n, i8 9, ptr null, ptr null)
  store ptr %r, ptr %dbg
  %len = getelementptr inbounds i8, ptr %dbg, i64 8
  store i64 %n, ptr %len
  %b = load i8, ptr %r
  ret i8 %b
}

; The same spill, read back: the pointer escapes through it. Kept.
; CHECK-LABEL: define ptr @first_back(ptr %s, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret ptr
define ptr @first_back(ptr %s, i64 %n) {
start:
  %dbg = alloca [16 x i8]
  %r = call ptr @__rust_retag_reg(ptr %s, i64 %n, i8 9, ptr null, ptr null)
  store ptr %r, ptr %dbg
  %len = getelementptr inbounds i8, ptr %dbg, i64 8
  store i64 %n, ptr %len
  %b = load i8, ptr %r
  %back = load ptr, ptr %dbg
  ret ptr %back
}

; Writer and readers: SipHash's `write(&mut self, msg: &[u8])`. The `&mut` (to `Freeze`
; memory, 11) is retagged first and kept; the `&[u8]` (9), only read, is elided.
; CHECK-LABEL: define void @write_msg(ptr %s, ptr %m, i64 %n)
; CHECK: call void @__bsan_func_entry(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: call void @__bsan_retag_check(ptr %m,
; CHECK: call void @__bsan_func_exit(
define void @write_msg(ptr %s, ptr %m, i64 %n) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 11, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 %n, i8 9, ptr null, ptr null)
  %b = load i8, ptr %rm
  %w = zext i8 %b to i64
  store i64 %w, ptr %rs
  ret void
}

; The reader retagged before the writer: its implicit read would not conflict the writer.
; Both kept.
; CHECK-LABEL: define void @reader_first(ptr %m, ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @reader_first(ptr %m, ptr %s) {
start:
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 9, ptr null, ptr null)
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 11, ptr null, ptr null)
  %b = load i64, ptr %rm
  store i64 %b, ptr %rs
  ret void
}

; A writer to interior-mutable memory (3: no FREEZE) is not conflicted by a foreign read:
; both kept.
; CHECK-LABEL: define void @writer_not_freeze(ptr %s, ptr %m)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m
; CHECK-NOT: __bsan_retag_check
; CHECK: ret void
define void @writer_not_freeze(ptr %s, ptr %m) {
start:
  %rs = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 3, ptr null, ptr null)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 9, ptr null, ptr null)
  %b = load i64, ptr %rm
  store i64 %b, ptr %rs
  ret void
}
