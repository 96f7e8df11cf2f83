; Access checks an identical earlier check in the block makes redundant
; (repeated_checks.rs): same canonical base (through constant GEPs and the reloads of a
; parameter's spill slot), same offset, size and kind, nothing in between that could change
; the tree at those bytes; or a read of what a write through the same pointer just wrote.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}checks_repeated=6
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @other(ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

define internal i64 @rotl(i64 %x) {
start:
  %r = shl i64 %x, 13
  ret i64 %r
}

; A SipHash round's shape: the state is reloaded from its spill slot for every access, a
; memory-free helper in between. The read of `v0` after its write, the second read of
; `v1` and the second write of `v0` (after only that read in between) are skipped (3);
; the write of `v1` follows a read of it.
; CHECK-LABEL: define void @round(ptr %s)
; CHECK: call void @__bsan_read(ptr %v0a,
; CHECK: call void @__bsan_read(ptr %v1a,
; CHECK: call void @__bsan_write(ptr %s1,
; CHECK-NOT: __bsan_read
; CHECK: load i64, ptr %s3
; CHECK-NEXT: getelementptr
; CHECK-NEXT: load i64, ptr %v1c
; CHECK: call void @__bsan_write(ptr %v1c,
; CHECK-NOT: call void @__bsan_write(ptr %s3,
; CHECK: ret void
define void @round(ptr %s) {
start:
  %slot = alloca ptr
  store ptr %s, ptr %slot
  %s1 = load ptr, ptr %slot
  %v0a = getelementptr inbounds i8, ptr %s1, i64 0
  %a = load i64, ptr %v0a
  %s2 = load ptr, ptr %slot
  %v1a = getelementptr inbounds i8, ptr %s2, i64 8
  %b = load i64, ptr %v1a
  %c = add i64 %a, %b
  store i64 %c, ptr %s1
  %r = call i64 @rotl(i64 %b)
  %s3 = load ptr, ptr %slot
  %x = load i64, ptr %s3
  %v1c = getelementptr inbounds i8, ptr %s3, i64 8
  %y = load i64, ptr %v1c
  store i64 %r, ptr %v1c
  %z = add i64 %x, %y
  store i64 %z, ptr %s3
  ret void
}

; Anything that may change the tree at those bytes in between: nothing skipped. A call;
; a write through another pointer; for two writes, a read through another pointer.
; CHECK-LABEL: define void @interfering(ptr %p, ptr %q)
; CHECK-COUNT-2: call void @__bsan_read(ptr %p,
; CHECK: call void @__bsan_write(ptr %q,
; CHECK: call void @__bsan_read(ptr %p,
; CHECK: call void @__bsan_write(ptr %p,
; CHECK: call void @__bsan_read(ptr %q,
; CHECK: call void @__bsan_write(ptr %p,
; CHECK: ret void
define void @interfering(ptr %p, ptr %q) {
start:
  %a = load i64, ptr %p
  call void @other(ptr null)
  %b = load i64, ptr %p
  store i64 1, ptr %q
  %c = load i64, ptr %p
  store i64 %c, ptr %p
  %d = load i64, ptr %q
  store i64 %d, ptr %p
  ret void
}

; A read through another pointer does not stop a repeated read (1); a write to a private
; alloca changes nothing; a read of another size is checked; a read after a write of the
; same bytes is not (1), nor is its repeat (1).
; CHECK-LABEL: define void @harmless(ptr %p, ptr %q)
; CHECK: call void @__bsan_read(ptr %p, i64 8,
; CHECK: call void @__bsan_read(ptr %q, i64 8,
; CHECK-NEXT: load i64, ptr %q
; CHECK-NEXT: load i64, ptr %p
; CHECK: call void @__bsan_read(ptr %p, i64 4,
; CHECK: call void @__bsan_write(ptr %p, i64 8,
; CHECK-NOT: call void @__bsan_read(
; CHECK: ret void
define void @harmless(ptr %p, ptr %q) {
start:
  %tmp = alloca i64
  %a = load i64, ptr %p
  %b = load i64, ptr %q
  %c = load i64, ptr %p
  store i64 %c, ptr %tmp
  %d = load i32, ptr %p
  store i64 %b, ptr %p
  %e = load i64, ptr %p
  %f = load i64, ptr %p
  ret void
}

; A read through another pointer between a write and a read of the same bytes (it may
; freeze the writer's tag): the read is checked.
; CHECK-LABEL: define i64 @read_between(ptr %p, ptr %q)
; CHECK: call void @__bsan_write(ptr %p, i64 8,
; CHECK: call void @__bsan_read(ptr %q, i64 8,
; CHECK: call void @__bsan_read(ptr %p, i64 8,
; CHECK: ret i64
define i64 @read_between(ptr %p, ptr %q) {
start:
  store i64 1, ptr %p
  %x = load i64, ptr %q
  %y = load i64, ptr %p
  %z = add i64 %x, %y
  ret i64 %z
}

; Another block: checked again.
; CHECK-LABEL: define i64 @blocks(ptr %p)
; CHECK: call void @__bsan_read(ptr %p,
; CHECK: next:
; CHECK: call void @__bsan_read(ptr %p,
; CHECK: ret i64
define i64 @blocks(ptr %p) {
start:
  %a = load i64, ptr %p
  br label %next
next:
  %b = load i64, ptr %p
  %c = add i64 %a, %b
  ret i64 %c
}

; A read of part of the same bytes between two writes through the same pointer: the second
; write is checked (an access of the other kind to those bytes came between).
; CHECK-LABEL: define void @overlap(ptr %p)
; CHECK: call void @__bsan_write(ptr %p, i64 8,
; CHECK: call void @__bsan_read(ptr %p, i64 4,
; CHECK: call void @__bsan_write(ptr %p, i64 8,
; CHECK: ret void
define void @overlap(ptr %p) {
start:
  store i64 1, ptr %p
  %a = load i32, ptr %p
  store i64 2, ptr %p
  ret void
}
