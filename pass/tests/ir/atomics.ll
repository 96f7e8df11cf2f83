; Atomics are checked like plain accesses (rmw and cmpxchg as writes); pointers they
; return are untracked, the shadow of a pointer they store is recorded afterwards.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=1 {{.*}}loads=1 stores=3 {{.*}}atomics=4
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define ptr @atomics(ptr %a, ptr %new)
; CHECK: call void @__bsan_read(ptr %a, i64 8,
; CHECK-NEXT: %l = load atomic i64, ptr %a seq_cst
; CHECK: call void @__bsan_write(ptr %a, i64 8,
; CHECK-NEXT: %o = atomicrmw add ptr %a, i64 1 seq_cst
; CHECK: call void @__bsan_write(ptr %a, i64 8,
; CHECK-NEXT: %x = atomicrmw xchg ptr %a, ptr %new acq_rel
; CHECK-NEXT: call void @__bsan_store_prov(ptr %a, ptr %new,
; CHECK: call void @__bsan_write(ptr %a, i64 8,
; CHECK-NEXT: %c = cmpxchg ptr %a, ptr %x, ptr %new seq_cst seq_cst
; CHECK-NEXT: call void @__bsan_store_prov(ptr %a, ptr %new,
; CHECK-NEXT: %old = extractvalue { ptr, i1 } %c, 0
; The result of cmpxchg is untracked: the return slot gets zeros.
; CHECK: store i64 0, ptr
; CHECK-NEXT: store i64 0, ptr
; CHECK-NEXT: store ptr @atomics, ptr
; CHECK-NEXT: ret ptr %old
define ptr @atomics(ptr %a, ptr %new) {
  %l = load atomic i64, ptr %a seq_cst, align 8
  %o = atomicrmw add ptr %a, i64 1 seq_cst
  %x = atomicrmw xchg ptr %a, ptr %new acq_rel
  %c = cmpxchg ptr %a, ptr %x, ptr %new seq_cst seq_cst
  %old = extractvalue { ptr, i1 } %c, 0
  ret ptr %old
}
