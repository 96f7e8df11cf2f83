; Functions with a protector frame end it also when unwinding: calls that may unwind
; become invokes of a cleanup pad that calls __bsan_func_exit and resumes. Existing pads'
; resumes already get the exit code; nounwind calls and functions are left alone;
; funclet-based EH is counted as unhandled.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=6 {{.*}}protected_frames=5 unwind_invokes=5 unwind_unhandled=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @may_panic(ptr)
declare ptr @get(ptr)
declare void @no_unwind() nounwind
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare i32 @rust_eh_personality(...)
declare i32 @__CxxFrameHandler3(...)

; No personality yet: the module's Rust one. A call returning a pointer keeps its
; post-call code (return provenance) in the continuation block.
; CHECK-LABEL: define void @plain(ptr %x) {{.*}}personality ptr @rust_eh_personality
; CHECK: call void @__bsan_func_entry(ptr %bsan.frame)
; CHECK: call void @no_unwind()
; CHECK: call void @llvm.memset
; CHECK: invoke void @may_panic(ptr %x)
; CHECK-NEXT: to label %bsan.cont unwind label %bsan.unwind
; CHECK: bsan.cont:
; CHECK: %p = invoke ptr @get(ptr %x)
; CHECK-NEXT: to label %bsan.cont1 unwind label %bsan.unwind
; CHECK: bsan.cont1:
; CHECK-NEXT: load ptr, ptr
; CHECK-NEXT: %bsan.ret.ok = icmp eq ptr {{%[0-9]+}}, @get
; CHECK: call void @__bsan_write(ptr %p,
; CHECK: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: ret void
; CHECK: bsan.unwind:
; CHECK-NEXT: %bsan.lp = landingpad { ptr, i32 }
; CHECK-NEXT: cleanup
; CHECK-NEXT: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: resume { ptr, i32 } %bsan.lp
define void @plain(ptr %x) {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  call void @no_unwind()
  call void @llvm.memset.p0.i64(ptr %y, i8 0, i64 4, i1 false)
  call void @may_panic(ptr %x)
  %p = call ptr @get(ptr %x)
  store i32 1, ptr %p, align 4
  ret void
}

; An existing pad keeps its own resume (with the exit code); new invokes use the new pad,
; of the same landingpad type, with the function's personality. Escaping stack slots
; are deregistered on both unwind paths.
; CHECK-LABEL: define void @with_pad(ptr %x) {{.*}}personality ptr @rust_eh_personality
; CHECK: invoke void @may_panic(ptr %x)
; CHECK-NEXT: to label %bsan.cont unwind label %bsan.unwind
; CHECK: bsan.cont:
; CHECK: invoke void @may_panic(ptr %local)
; CHECK-NEXT: to label %ok unwind label %cleanup
; CHECK: cleanup:
; CHECK-NEXT: %lp = landingpad { ptr, i32 }
; CHECK: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: call i64 @__bsan_dealloc(ptr %local,
; CHECK-NEXT: resume { ptr, i32 } %lp
; CHECK: bsan.unwind:
; CHECK-NEXT: %bsan.lp = landingpad { ptr, i32 }
; CHECK-NEXT: cleanup
; CHECK-NEXT: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: call i64 @__bsan_dealloc(ptr %local,
; CHECK-NEXT: resume { ptr, i32 } %bsan.lp
define void @with_pad(ptr %x) personality ptr @rust_eh_personality {
start:
  %local = alloca i32, align 4
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  call void @may_panic(ptr %x)
  invoke void @may_panic(ptr %local)
          to label %ok unwind label %cleanup

ok:
  ret void

cleanup:
  %lp = landingpad { ptr, i32 }
          cleanup
  resume { ptr, i32 } %lp
}

; Nothing unwinds out of a nounwind function.
; CHECK-LABEL: define void @nounw(ptr %x)
; CHECK-NOT: invoke
; CHECK: call void @may_panic(ptr %x)
; CHECK-NOT: bsan.unwind
; CHECK: ret void
define void @nounw(ptr %x) nounwind {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  call void @may_panic(ptr %x)
  ret void
}

; Without a protector frame nothing changes.
; CHECK-LABEL: define void @unprotected(ptr %x)
; CHECK-NOT: invoke
; CHECK: call void @may_panic(ptr %x)
; CHECK: ret void
define void @unprotected(ptr %x) {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 2, ptr null, ptr null)
  call void @may_panic(ptr %x)
  ret void
}

; Funclet-based EH is not handled (counted).
; CHECK-LABEL: define void @funclets(ptr %x)
; CHECK: call void @may_panic(ptr %x)
; CHECK-NOT: bsan.unwind
define void @funclets(ptr %x) personality ptr @__CxxFrameHandler3 {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  call void @may_panic(ptr %x)
  invoke void @may_panic(ptr %x)
          to label %ok unwind label %pad

ok:
  ret void

pad:
  %cp = cleanuppad within none []
  cleanupret from %cp unwind to caller
}

; A static alloca after a call in the entry block is hoisted before the block is split,
; so it stays in the entry block (and is registered there).
; CHECK-LABEL: define void @late_alloca(ptr %x)
; CHECK-NEXT: start:
; CHECK-NEXT: %bsan.frame = alloca i8
; CHECK-NEXT: %slot = alloca i32
; CHECK: call { i64, i64 } @__bsan_alloc(ptr %slot, i64 4, i8 1)
; CHECK: invoke void @may_panic(ptr %x)
; CHECK: invoke void @may_panic(ptr %slot)
define void @late_alloca(ptr %x) {
start:
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null)
  call void @may_panic(ptr %x)
  %slot = alloca i32, align 4
  call void @may_panic(ptr %slot)
  ret void
}
