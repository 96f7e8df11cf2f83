; Globals get a provenance slot filled by a module constructor (priority 1), appended to
; existing llvm.global_ctors; thread-locals, declarations, llvm.* and `constant` globals
; (never written, so no tree of theirs could ever report) are untracked.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=2 {{.*}}globals=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-DAG: @__bsan_prov.arr = internal global i64 0
; CHECK-NOT: @__bsan_prov.str
; CHECK-DAG: @llvm.global_ctors = appending global [2 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @user_ctor, ptr null }, { i32, ptr, ptr } { i32 1, ptr @__bsan_module_ctor, ptr null }]
@arr = global [4 x i32] zeroinitializer
@str = private unnamed_addr constant [3 x i8] c"hi\00"
@tls = thread_local global i32 0
@ext = external global i32
@llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @user_ctor, ptr null }]

; CHECK-LABEL: define i32 @use()
; CHECK: [[SLOT:%[0-9]+]] = load i64, ptr @__bsan_prov.arr
; CHECK: call void @__bsan_read(ptr getelementptr inbounds (i8, ptr @arr, i64 8), i64 4, i64 [[SLOT]], i64 0)
; CHECK-NOT: call void @__bsan_read(ptr @ext
; CHECK-NOT: call void @__bsan_read(ptr @tls
; CHECK: call void @__bsan_store_prov(ptr %{{.*}}, ptr @str, i64 0, i64 0)
define i32 @use() {
  %v = load i32, ptr getelementptr inbounds (i8, ptr @arr, i64 8)
  %e = load i32, ptr @ext
  %t = load i32, ptr @tls
  %s = alloca ptr
  call void @user_ctor_take(ptr %s)
  store ptr @str, ptr %s
  ret i32 %v
}

declare void @user_ctor_take(ptr)

define void @user_ctor() {
  ret void
}

; CHECK-LABEL: define internal void @__bsan_module_ctor()
; CHECK-NEXT: entry:
; CHECK-NEXT: load volatile i8, ptr @__bsan_abi_version_7
; CHECK: call { i64, i64 } @__bsan_alloc(ptr @arr, i64 16, i8 2)
; CHECK: store i64 %{{[0-9]+}}, ptr @__bsan_prov.arr
; CHECK-NOT: @__bsan_alloc(ptr @str
