; The inline fast path of access checks (pass/src/fast_path.rs): each `__bsan_read` /
; `__bsan_write` sits alone in an unlikely `bsan.slow` block, entered only when the
; provenance's record has a tree (the byte at the record's address) or the provenance is
; outside the record arena and not untracked (wildcard). With BSAN_PASS_FAST_PATH=0 the
; checks are called unconditionally. A check on the same `alloc` word as an earlier one
; in its block, with no call but provenance hooks in between, branches on that one's test.
; RUN: BSAN_PASS_STATS=1 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; RUN: BSAN_PASS_STATS=1 BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s --check-prefix=OFF

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK: bsan-pass: stats: {{.*}} fast_paths=5 fast_paths_shared=3
; OFF: bsan-pass: stats: {{.*}} fast_paths=0 fast_paths_shared=0
; CHECK: @__bsan_record_arena = external global [3 x i64]
; OFF-NOT: @__bsan_record_arena

; CHECK-LABEL: define i32 @read_then_write(ptr %p)
; CHECK: [[LEN:%.*]] = load atomic i64, ptr getelementptr inbounds (i8, ptr @__bsan_record_arena, i64 8) acquire, align 8
; CHECK-NEXT: [[START:%.*]] = load atomic i64, ptr @__bsan_record_arena monotonic, align 8
; CHECK-NEXT: [[DELTA:%.*]] = sub i64 [[ALLOC:%.*]], [[START]]
; CHECK-NEXT: %bsan.record = icmp ult i64 [[DELTA]], [[LEN]]
; CHECK-NEXT: [[REC:%.*]] = inttoptr i64 [[ALLOC]] to ptr
; CHECK-NEXT: [[PROBE:%.*]] = select i1 %bsan.record, ptr [[REC]], ptr getelementptr inbounds (i8, ptr @__bsan_record_arena, i64 16)
; CHECK-NEXT: [[TREE:%.*]] = load atomic i8, ptr [[PROBE]] monotonic, align 1
; CHECK-NEXT: [[HAS:%.*]] = icmp ne i8 [[TREE]], 0
; CHECK-NEXT: [[TRACKED:%.*]] = icmp ne i64 [[ALLOC]], 0
; CHECK-NEXT: %bsan.check = select i1 %bsan.record, i1 [[HAS]], i1 [[TRACKED]]
; CHECK-NEXT: br i1 %bsan.check, label %bsan.slow, label %bsan.cont, !prof [[UNLIKELY:![0-9]+]]
; CHECK: bsan.slow:
; CHECK-NEXT: call void @__bsan_read(ptr %p, i64 4, i64 [[ALLOC]], i64 [[TAG:%.*]])
; CHECK-NEXT: br label %bsan.cont
; CHECK: bsan.cont:
; CHECK-NEXT: %x = load i32, ptr %p
; CHECK-NOT: select
; CHECK: br i1 %bsan.check, label %bsan.slow{{[0-9]+}}, label %bsan.cont{{[0-9]+}}, !prof [[UNLIKELY]]
; CHECK: call void @__bsan_write(ptr %q, i64 4, i64 [[ALLOC]], i64 [[TAG]])
; CHECK-NEXT: br label %bsan.cont
; CHECK: store i32 %y, ptr %q
; CHECK-NEXT: ret i32 %x
; OFF-LABEL: define i32 @read_then_write(ptr %p)
; OFF-NOT: bsan.check
; OFF: call void @__bsan_read(ptr %p, i64 4, i64 [[ALLOC:%.*]], i64 [[TAG:%.*]])
; OFF-NEXT: %x = load i32, ptr %p
define i32 @read_then_write(ptr %p) {
  %x = load i32, ptr %p
  %y = add i32 %x, 1
  %q = getelementptr i8, ptr %p, i64 4
  store i32 %y, ptr %q
  ret i32 %x
}

; The block's successors (and their phis) continue from the last `bsan.cont`.
; CHECK-LABEL: define i64 @in_a_loop(ptr %p, i64 %n)
; CHECK: loop:
; CHECK: call void @__bsan_read(ptr %p, i64 8
; CHECK: bsan.cont{{[0-9]*}}:
; CHECK-NEXT: %v = load i64, ptr %p
; CHECK: br i1 %done, label %exit, label %loop
; CHECK: exit:
; CHECK-NEXT: %r = phi i64 [ %s, %bsan.cont{{[0-9]*}} ]
define i64 @in_a_loop(ptr %p, i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %acc = phi i64 [ 0, %entry ], [ %s, %loop ]
  %v = load i64, ptr %p
  %s = add i64 %acc, %v
  %i1 = add i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  %r = phi i64 [ %s, %loop ]
  ret i64 %r
}

; An elided retag's implicit read (`__bsan_retag_check`) gets the same guard.
; CHECK-LABEL: define i32 @leaf(ptr %a)
; CHECK: %bsan.check = select i1 %bsan.record
; CHECK-NEXT: br i1 %bsan.check, label %bsan.slow, label %bsan.cont
; CHECK: bsan.slow:
; CHECK-NEXT: call void @__bsan_retag_check(ptr %a, i64 4,
; CHECK-NEXT: br label %bsan.cont
; CHECK-NOT: select
; CHECK: br i1 %bsan.check, label %bsan.slow{{[0-9]+}}
; CHECK: call void @__bsan_read(ptr %a, i64 4,
; OFF-LABEL: define i32 @leaf(ptr %a)
; OFF: call void @__bsan_retag_check(ptr %a, i64 4,
; OFF-NEXT: call void @__bsan_read(ptr %a, i64 4,
declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
define i32 @leaf(ptr %a) {
  %r = call ptr @__rust_retag_reg(ptr %a, i64 4, i8 9, ptr null, ptr null)
  %x = load i32, ptr %r
  ret i32 %x
}

; A call between two checks of one allocation (it may retag, giving the allocation a
; tree): the second makes its own test. A third check after it shares the second's.
; CHECK-LABEL: define i32 @call_between(ptr %p)
; CHECK: %bsan.check = select
; CHECK: call void @__bsan_read(ptr %p, i64 4,
; CHECK: call void @other()
; CHECK: %bsan.check{{[0-9]+}} = select
; CHECK: call void @__bsan_read(ptr %p, i64 4,
; CHECK-NOT: select
; CHECK: call void @__bsan_write(ptr %p, i64 4,
; CHECK: ret i32
declare void @other()
define i32 @call_between(ptr %p) {
  %x = load i32, ptr %p
  call void @other()
  %y = load i32, ptr %p
  %z = add i32 %x, %y
  store i32 %z, ptr %p
  ret i32 %z
}

; CHECK: [[UNLIKELY]] = !{!"branch_weights", i32 1, i32 1048576}
