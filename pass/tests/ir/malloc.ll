; The malloc family registers and deregisters heap allocations.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=1 {{.*}}allocator_calls=5
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @malloc(i64)
declare ptr @calloc(i64, i64)
declare ptr @realloc(ptr, i64)
declare void @free(ptr)
declare i32 @posix_memalign(ptr, i64, i64)

; CHECK-LABEL: define void @heap(ptr %out)
; CHECK: %m = call ptr @malloc(i64 32)
; CHECK-NEXT: [[M:%[0-9]+]] = call { i64, i64 } @__bsan_alloc(ptr %m, i64 32, i8 0)
; CHECK-NEXT: [[MA:%[0-9]+]] = extractvalue { i64, i64 } [[M]], 0
; CHECK-NEXT: [[MT:%[0-9]+]] = extractvalue { i64, i64 } [[M]], 1
; CHECK-NEXT: call void @__bsan_write(ptr %m, i64 4, i64 [[MA]], i64 [[MT]])
; CHECK: %c = call ptr @calloc(i64 4, i64 %n)
; CHECK-NEXT: [[SZ:%[0-9]+]] = mul i64 4, %n
; CHECK-NEXT: call { i64, i64 } @__bsan_alloc(ptr %c, i64 [[SZ]], i8 0)
; CHECK: [[OLD:%[0-9]+]] = call i64 @__bsan_realloc_pre(ptr %m, i64 [[MA]], i64 [[MT]])
; CHECK-NEXT: %r = call ptr @realloc(ptr %m, i64 64)
; CHECK-NEXT: call { i64, i64 } @__bsan_realloc_post(ptr %r, ptr %m, i64 [[OLD]], i64 64)
; CHECK: call i64 @__bsan_dealloc(ptr %r,
; CHECK-NEXT: call void @free(ptr %r)
; CHECK: %st = call i32 @posix_memalign(ptr %out, i64 64, i64 128)
; CHECK-NEXT: [[ST:%[0-9]+]] = sext i32 %st to i64
; CHECK-NEXT: call void @__bsan_pass.posix_memalign_post(i64 [[ST]], ptr %out, i64 128)
; CHECK-LABEL: define internal void @__bsan_pass.posix_memalign_post(i64 %0, ptr %1, i64 %2)
; CHECK: icmp eq i64 %0, 0
; CHECK: [[P:%[0-9]+]] = load ptr, ptr %1
; CHECK: call { i64, i64 } @__bsan_alloc(ptr [[P]], i64 %2, i8 0)
; CHECK: call void @__bsan_store_prov(ptr %1, ptr [[P]],
define void @heap(ptr %out) {
  %n = add i64 0, 3
  %m = call ptr @malloc(i64 32)
  store i32 1, ptr %m
  %c = call ptr @calloc(i64 4, i64 %n)
  %r = call ptr @realloc(ptr %m, i64 64)
  call void @free(ptr %r)
  %st = call i32 @posix_memalign(ptr %out, i64 64, i64 128)
  ret void
}
