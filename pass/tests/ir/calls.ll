; Argument and return provenance through the TLS slots.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=3 {{.*}}calls=4
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @callee(i64, ptr, { ptr, i64 })

; Leaves are numbered over all parameters: %p is leaf 0, the ptr in %pair is leaf 1.
; CHECK-LABEL: define ptr @caller(ptr %p, { ptr, i64 } %pair, ptr %fp)
; CHECK: [[ARGC:%[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__bsan_arg_callee)
; CHECK: %bsan.args.ok = icmp eq ptr %{{[0-9]+}}, @caller
; CHECK: [[ARGP:%[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__bsan_arg_prov)
; CHECK: [[PA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[PT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[QA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[QT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[RETC:%[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__bsan_ret_callee)
; CHECK: [[RETP:%[0-9]+]] = call ptr @llvm.threadlocal.address.p0(ptr @__bsan_ret_prov)
; CHECK: store i64 [[PA]], ptr [[ARGP]]
; CHECK-NEXT: store i64 [[PT]], ptr
; CHECK-NEXT: store i64 [[QA]], ptr
; CHECK-NEXT: store i64 [[QT]], ptr
; CHECK-NEXT: store ptr @callee, ptr [[ARGC]]
; CHECK-NEXT: %r = call ptr @callee(i64 7, ptr %p, { ptr, i64 } %pair)
; CHECK-NEXT: [[RC:%[0-9]+]] = load ptr, ptr [[RETC]]
; CHECK-NEXT: %bsan.ret.ok = icmp eq ptr [[RC]], @callee
; CHECK: [[RA:%[0-9]+]] = select i1 %bsan.ret.ok
; CHECK-NEXT: [[RT:%[0-9]+]] = select i1 %bsan.ret.ok
; Indirect: the called operand is the function pointer; %r's shadow is passed on.
; CHECK-NEXT: store i64 [[RA]], ptr [[ARGP]]
; CHECK-NEXT: store i64 [[RT]], ptr
; CHECK-NEXT: store ptr %fp, ptr [[ARGC]]
; CHECK-NEXT: %r2 = call ptr %fp(ptr %r)
; CHECK-NEXT: [[RC2:%[0-9]+]] = load ptr, ptr [[RETC]]
; CHECK-NEXT: %bsan.ret.ok{{[0-9]*}} = icmp eq ptr [[RC2]], %fp
; Before the return: the return slots, then our own address.
; CHECK: store i64 %{{[0-9]+}}, ptr [[RETP]]
; CHECK-NEXT: store i64 %{{[0-9]+}}, ptr %{{[0-9]+}}
; CHECK-NEXT: store ptr @caller, ptr [[RETC]]
; CHECK-NEXT: ret ptr %r2
define ptr @caller(ptr %p, { ptr, i64 } %pair, ptr %fp) {
  %r = call ptr @callee(i64 7, ptr %p, { ptr, i64 } %pair)
  %r2 = call ptr %fp(ptr %r)
  ret ptr %r2
}

; Calls without pointer arguments still name their callee (no stale slot survives).
; CHECK-LABEL: define void @no_ptr_args()
; CHECK: store ptr @no_ptr_args, ptr
; CHECK-NEXT: call void @no_ptr_args()
define void @no_ptr_args() {
  call void @no_ptr_args()
  ret void
}

; musttail: the return slots are written before the call, nothing between call and ret
; (the tail call itself still gets argument slots).
; CHECK-LABEL: define ptr @tail(ptr %p)
; CHECK: store ptr @tail, ptr
; CHECK: %r = musttail call ptr @tail(ptr %p)
; CHECK-NEXT: ret ptr %r
define ptr @tail(ptr %p) {
  %r = musttail call ptr @tail(ptr %p)
  ret ptr %r
}
