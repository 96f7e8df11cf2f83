; Shadow phis, selects, extractvalue/insertvalue.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=3
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @phi(ptr %a, ptr %b, i1 %c)
; CHECK: join:
; CHECK-NEXT: [[PA:%[0-9]+]] = phi i64 [ %{{[0-9]+}}, %l ], [ %{{[0-9]+}}, %r ]
; CHECK-NEXT: [[PT:%[0-9]+]] = phi i64 [ %{{[0-9]+}}, %l ], [ %{{[0-9]+}}, %r ]
; CHECK-NEXT: %p = phi ptr [ %a, %l ], [ %gb, %r ]
; CHECK-NEXT: call void @__bsan_read(ptr %p, i64 4, i64 [[PA]], i64 [[PT]])
define i32 @phi(ptr %a, ptr %b, i1 %c) {
entry:
  br i1 %c, label %l, label %r
l:
  br label %join
r:
  %gb = getelementptr inbounds i8, ptr %b, i64 8
  br label %join
join:
  %p = phi ptr [ %a, %l ], [ %gb, %r ]
  %v = load i32, ptr %p
  ret i32 %v
}

; CHECK-LABEL: define i32 @sel(ptr %a, ptr %b, i1 %c)
; CHECK: [[SA:%[0-9]+]] = select i1 %c, i64 %{{[0-9]+}}, i64 %{{[0-9]+}}
; CHECK-NEXT: [[ST:%[0-9]+]] = select i1 %c, i64 %{{[0-9]+}}, i64 %{{[0-9]+}}
; CHECK-NEXT: %p = select i1 %c, ptr %a, ptr %b
; CHECK-NEXT: call void @__bsan_read(ptr %p, i64 4, i64 [[SA]], i64 [[ST]])
define i32 @sel(ptr %a, ptr %b, i1 %c) {
  %p = select i1 %c, ptr %a, ptr %b
  %v = load i32, ptr %p
  ret i32 %v
}

; A pointer put into a {i64, ptr} and taken out keeps its shadow; the shadow of an
; untouched leaf of a constant aggregate is untracked (no check through %u).
; CHECK-LABEL: define i32 @agg(ptr %a)
; CHECK: [[AA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[AT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: call void @__bsan_read(ptr %p, i64 4, i64 [[AA]], i64 [[AT]])
; CHECK-NOT: @__bsan_read(ptr %u
; CHECK: ret i32
define i32 @agg(ptr %a) {
  %s = insertvalue { i64, ptr } { i64 1, ptr null }, ptr %a, 1
  %p = extractvalue { i64, ptr } %s, 1
  %v = load i32, ptr %p
  %n = insertvalue { ptr, ptr } { ptr null, ptr null }, ptr %a, 1
  %u = extractvalue { ptr, ptr } %n, 0
  %w = load i32, ptr %u
  ret i32 %v
}
