; DIES_ON_REPEAT (128) on an unprotected NO_ESCAPE (16) retag in a loop (captures.rs): every
; copy of its tag is made after it on every path, so the tag is dead when the retag runs
; again; the function gets a frame of its own for the runtime to key the previous tag by.
; Not when a copy crosses the back edge (a phi, a slot read before it is written again).
; RUN: env BSAN_PASS_ELIDE_LEAF_RETAGS=0 BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}retags_dies_on_repeat=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

; flags: 2 = MUTABLE (`&mut u64`, unprotected).

; `for b in s.iter_mut() { *b = i }`'s shape: retag, spill, reload, write. 2 | 16 | 128,
; in a function that gets a frame for it (no protected retag of its own).
; CHECK-LABEL: define void @each(ptr %p, i64 %n)
; CHECK: call void @__bsan_func_entry(
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 -110,
; CHECK: call void @__bsan_func_exit(
define void @each(ptr %p, i64 %n) {
start:
  %slot = alloca ptr
  br label %head
head:
  %i = phi i64 [ 0, %start ], [ %i1, %body ]
  %c = icmp ult i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 2, ptr null, ptr null)
  store ptr %r, ptr %slot
  %l = load ptr, ptr %slot
  store i64 %i, ptr %l
  %i1 = add i64 %i, 1
  br label %head
exit:
  ret void
}

; The previous iteration's tag is used through a phi: 2 | 16 only.
; CHECK-LABEL: define void @carried(ptr %p, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 18,
define void @carried(ptr %p, i64 %n) {
start:
  br label %head
head:
  %i = phi i64 [ 0, %start ], [ %i1, %body ]
  %prev = phi ptr [ %p, %start ], [ %r, %body ]
  %c = icmp ult i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  store i64 %i, ptr %prev
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 2, ptr null, ptr null)
  store i64 %i, ptr %r
  %i1 = add i64 %i, 1
  br label %head
exit:
  ret void
}

; The slot is read before this iteration writes it: 2 | 16 only.
; CHECK-LABEL: define void @stale_slot(ptr %p, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 18,
define void @stale_slot(ptr %p, i64 %n) {
start:
  %slot = alloca ptr
  store ptr %p, ptr %slot
  br label %head
head:
  %i = phi i64 [ 0, %start ], [ %i1, %body ]
  %c = icmp ult i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  %old = load ptr, ptr %slot
  store i64 %i, ptr %old
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 2, ptr null, ptr null)
  store ptr %r, ptr %slot
  %i1 = add i64 %i, 1
  br label %head
exit:
  ret void
}

; Not in a loop: nothing repeats, no frame for it.
; CHECK-LABEL: define void @once(ptr %p)
; CHECK-NOT: __bsan_func_entry
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 8, i8 18,
define void @once(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 2, ptr null, ptr null)
  store i64 1, ptr %r
  ret void
}
