; Loads and stores through tracked pointers get checks; pointer values get shadow memory.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=3 {{.*}}loads=1 stores=4 {{.*}}untracked=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @scalar(ptr %p, ptr %q)
; CHECK: %bsan.args.ok = icmp eq ptr %{{[0-9]+}}, @scalar
; CHECK: [[PA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[PT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[QA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[QT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: call void @__bsan_read(ptr %p, i64 4, i64 [[PA]], i64 [[PT]])
; CHECK-NEXT: %v = load i32, ptr %p
; CHECK: call void @__bsan_write(ptr %q, i64 8, i64 [[QA]], i64 [[QT]])
; CHECK-NEXT: store i64 1, ptr %q
define i32 @scalar(ptr %p, ptr %q) {
  %v = load i32, ptr %p
  store i64 1, ptr %q
  ret i32 %v
}

; A pointer stored and loaded back: store_prov before the store, load_prov after the load
; (whose check the store's makes redundant: repeated_checks.rs).
; CHECK-LABEL: define ptr @pointer_values(ptr %slot, ptr %val)
; CHECK: call void @__bsan_write(ptr %slot, i64 8,
; CHECK: call void @__bsan_store_prov(ptr %slot, ptr %val, i64 [[VA:%[0-9]+]], i64 [[VT:%[0-9]+]])
; CHECK-NEXT: store ptr %val, ptr %slot
; CHECK-NOT: __bsan_read
; CHECK: %r = load ptr, ptr %slot
; CHECK-NEXT: [[LP:%[0-9]+]] = call { i64, i64 } @__bsan_load_prov(ptr %slot, ptr %r)
define ptr @pointer_values(ptr %slot, ptr %val) {
  store ptr %val, ptr %slot
  %r = load ptr, ptr %slot
  ret ptr %r
}

; Aggregates: one shadow per pointer leaf, at the leaf's byte offset; no check through
; an inttoptr pointer (untracked).
; CHECK-LABEL: define void @aggregates(ptr %d, i64 %i)
; CHECK: store {{.*}} ptr %d
; CHECK: %agg = load { i64, ptr }, ptr inttoptr (i64 4096 to ptr)
; CHECK-NEXT: [[LEAF:%[0-9]+]] = extractvalue { i64, ptr } %agg, 1
; CHECK-NEXT: call { i64, i64 } @__bsan_load_prov(ptr getelementptr inbounds (i8, ptr inttoptr (i64 4096 to ptr), i64 8), ptr [[LEAF]])
; CHECK: [[SLEAF:%[0-9]+]] = extractvalue { i64, ptr } %agg, 1
; CHECK-NEXT: [[SADDR:%[0-9]+]] = getelementptr inbounds i8, ptr %d, i64 8
; CHECK-NEXT: call void @__bsan_store_prov(ptr [[SADDR]], ptr [[SLEAF]]
; CHECK-NEXT: store { i64, ptr } %agg, ptr %d
define void @aggregates(ptr %d, i64 %i) {
  store i8 0, ptr %d
  %agg = load { i64, ptr }, ptr inttoptr (i64 4096 to ptr)
  store { i64, ptr } %agg, ptr %d
  ret void
}
