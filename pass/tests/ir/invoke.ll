; Post-call code of an invoke goes to its normal destination; a destination with other
; predecessors gets a split edge, and its phis are re-pointed.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @may_throw(ptr)
declare i32 @__gxx_personality_v0(...)

; CHECK-LABEL: define i32 @inv(ptr %p, i1 %c)
; CHECK: %r = invoke ptr @may_throw(ptr %p)
; CHECK-NEXT: to label %bsan.invoke.cont unwind label %lpad
; CHECK: bsan.invoke.cont:
; CHECK-NEXT: [[RC:%[0-9]+]] = load ptr, ptr
; CHECK-NEXT: %bsan.ret.ok = icmp eq ptr [[RC]], @may_throw
; CHECK: br label %cont
; CHECK: cont:
; CHECK: %q = phi ptr [ %r, %bsan.invoke.cont ], [ %p, %entry ]
; CHECK: lpad:
; CHECK: resume
define i32 @inv(ptr %p, i1 %c) personality ptr @__gxx_personality_v0 {
entry:
  br i1 %c, label %call, label %cont
call:
  %r = invoke ptr @may_throw(ptr %p)
          to label %cont unwind label %lpad
cont:
  %q = phi ptr [ %r, %call ], [ %p, %entry ]
  %v = load i32, ptr %q
  ret i32 %v
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}
