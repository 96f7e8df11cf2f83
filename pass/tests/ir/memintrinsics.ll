; memcpy/memmove/memset as intrinsics and libc calls.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=2 {{.*}}memintrinsics=4
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare ptr @memmove(ptr, ptr, i64)

; CHECK-LABEL: define void @intrinsics(ptr %d, ptr %s, i64 %n)
; CHECK: call void @__bsan_read(ptr %s, i64 %n,
; CHECK-NEXT: call void @__bsan_write(ptr %d, i64 %n,
; CHECK-NEXT: call void @__bsan_copy_prov(ptr %d, ptr %s, i64 %n)
; CHECK-NEXT: call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
; CHECK: call void @__bsan_write(ptr %d, i64 16,
; CHECK-NEXT: call void @__bsan_clear_prov(ptr %d, i64 16)
; CHECK-NEXT: call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 16, i1 false)
define void @intrinsics(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 16, i1 false)
  ret void
}

; A local buffer on one side: only the other side is checked; provenance still copied.
; The libc function's result has the destination's shadow (checked load through %r).
; CHECK-LABEL: define i32 @local_and_libc(ptr %s, ptr %d)
; CHECK: call void @__bsan_read(ptr %s, i64 8,
; CHECK-NOT: @__bsan_write(ptr %buf
; CHECK: call void @__bsan_copy_prov(ptr %buf, ptr %s, i64 8)
; CHECK: call void @__bsan_read(ptr %s, i64 4,
; CHECK-NEXT: call void @__bsan_write(ptr %d, i64 4, i64 [[DA:%[0-9]+]], i64 [[DT:%[0-9]+]])
; CHECK-NEXT: call void @__bsan_copy_prov(ptr %d, ptr %s, i64 4)
; CHECK-NEXT: %r = call ptr @memmove(ptr %d, ptr %s, i64 4)
; CHECK-NEXT: call void @__bsan_read(ptr %r, i64 4, i64 [[DA]], i64 [[DT]])
define i32 @local_and_libc(ptr %s, ptr %d) {
  %buf = alloca [8 x i8]
  call void @llvm.memcpy.p0.p0.i64(ptr %buf, ptr %s, i64 8, i1 false)
  %r = call ptr @memmove(ptr %d, ptr %s, i64 4)
  %v = load i32, ptr %r
  ret i32 %v
}
