; Escape analysis: non-escaping allocas are not checked; escaping ones are registered.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=3 {{.*}}elided=4 {{.*}}promoted_slots=1 stack_allocs=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @take(ptr)

; CHECK-LABEL: define i32 @local_only()
; CHECK-NOT: @__bsan_read
; CHECK-NOT: @__bsan_write
; CHECK-NOT: @__bsan_alloc
; CHECK: ret i32
define i32 @local_only() {
  %x = alloca [8 x i8]
  %f = getelementptr inbounds i8, ptr %x, i64 4
  store i32 1, ptr %f
  %v = load i32, ptr %f
  ret i32 %v
}

; The address goes to a call: registered right after the leading allocas, checked,
; deregistered before the return.
; CHECK-LABEL: define void @escapes()
; CHECK: %x = alloca i32
; CHECK: [[R:%[0-9]+]] = call { i64, i64 } @__bsan_alloc(ptr %x, i64 4, i8 1)
; CHECK-NEXT: [[A:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 0
; CHECK: call void @__bsan_write(ptr %x, i64 4, i64 [[A]],
; CHECK: call void @take(ptr %x)
; CHECK: call i64 @__bsan_dealloc(ptr %x, i64 [[A]], i64 0, i8 1)
; CHECK-NEXT: ret void
define void @escapes() {
  %x = alloca i32
  store i32 0, ptr %x
  call void @take(ptr %x)
  ret void
}

; A pointer spill slot: its shadow lives in two companion allocas, no shadow memory.
; CHECK-LABEL: define i32 @spill(ptr %p)
; CHECK: %bsan.slot.alloc = alloca i64
; CHECK: %bsan.slot.tag = alloca i64
; CHECK: store i64 %{{[0-9]+}}, ptr %bsan.slot.alloc
; CHECK-NEXT: store i64 %{{[0-9]+}}, ptr %bsan.slot.tag
; CHECK-NEXT: store ptr %p, ptr %s
; CHECK-NEXT: %l = load ptr, ptr %s
; CHECK-NEXT: [[A:%[0-9]+]] = load i64, ptr %bsan.slot.alloc
; CHECK-NEXT: [[T:%[0-9]+]] = load i64, ptr %bsan.slot.tag
; CHECK-NEXT: call void @__bsan_read(ptr %l, i64 4, i64 [[A]], i64 [[T]])
; CHECK-NOT: __bsan_store_prov
; CHECK-NOT: __bsan_load_prov
; CHECK: ret i32
define i32 @spill(ptr %p) {
  %s = alloca ptr
  store ptr %p, ptr %s
  %l = load ptr, ptr %s
  %v = load i32, ptr %l
  ret i32 %v
}
