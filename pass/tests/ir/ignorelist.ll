; The ignorelist: functions matched by a `src:` or `fun:` rule are left uninstrumented, their
; retag calls erased (the result replaced by the retagged pointer). The built-in list matches
; std's backtrace code and std's private gimli by source path; a user's gimli, from cargo's
; registry, is instrumented although its functions have the same names.
; RUN: BSAN_IGNORELIST=<(printf '[bsan]\nfun:user::skip_*\n') opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=6 {{.*}}functions_ignored=3 functions_ignored_callees=2 retags_erased=2
; Without the default list only the user's rule applies.
; RUN: BSAN_IGNORELIST_DEFAULT=0 BSAN_IGNORELIST=<(printf 'fun:user::skip_*\n') opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s --check-prefix=NODEFAULT
; NODEFAULT: bsan-pass: stats: functions=10 {{.*}}functions_ignored=1 functions_ignored_callees=0 retags_erased=1
; A rule bsan does not know is an error, not a silently checked function.
; RUN: { BSAN_IGNORELIST=<(printf 'global:x\n') opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -disable-output %s 2>&1; echo "exit=$?"; } | FileCheck-22 %s --check-prefix=BAD
; BAD: bsan: {{.*}}:1: unsupported rule kind `global:` (bsan supports `fun:` and `src:`)
; BAD: exit=1
; A missing file is an error too.
; RUN: { BSAN_IGNORELIST=/nonexistent/list.txt opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -disable-output %s 2>&1; echo "exit=$?"; } | FileCheck-22 %s --check-prefix=MISSING
; MISSING: bsan: cannot read ignorelist /nonexistent/list.txt (BSAN_IGNORELIST)
; MISSING: exit=1
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

; std's backtrace printer, by its path under /rustc/<hash>/library.
; CHECK-LABEL: define void @std_backtrace_print(ptr %x)
; CHECK-NOT: __bsan_
; CHECK-NOT: __rust_retag
; CHECK: store i32 1, ptr %x
; CHECK: ret void
; NODEFAULT-LABEL: define void @std_backtrace_print(ptr %x)
; NODEFAULT: call {{.*}}@__bsan_retag
define void @std_backtrace_print(ptr %x) !dbg !10 {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null), !dbg !11
  store i32 1, ptr %y, !dbg !11
  call void @only_from_ignored(ptr %x), !dbg !11
  call void @also_from_user(ptr %x), !dbg !11
  call void @address_taken(ptr %x), !dbg !11
  call void @user_closure(ptr %x), !dbg !11
  ret void, !dbg !11
}

; Generic core/alloc code instantiated for the ignored code, called by nothing else: ignored
; too, and so is what it alone calls.
; CHECK-LABEL: define internal void @only_from_ignored(ptr %x)
; CHECK-NOT: __bsan_
; CHECK: ret void
define internal void @only_from_ignored(ptr %x) !dbg !40 {
  store i32 4, ptr %x
  call void @only_from_ignored_callee(ptr %x), !dbg !43
  call void @user_closure_callee(ptr %x), !dbg !43
  ret void
}
; CHECK-LABEL: define internal void @only_from_ignored_callee(ptr %x)
; CHECK-NOT: __bsan_
; CHECK: ret void
define internal void @only_from_ignored_callee(ptr %x) !dbg !41 {
  store i32 5, ptr %x
  ret void
}

; The user's code that only std's listed code calls (a thread's closure, called by
; `__rust_begin_short_backtrace` in std/src/sys/backtrace.rs): checked, and so is what it
; calls, whoever else calls that.
; CHECK-LABEL: define internal void @user_closure(ptr %x)
; CHECK: call void @__bsan_write(ptr %x
define internal void @user_closure(ptr %x) !dbg !50 {
  store i32 8, ptr %x
  ret void
}
; CHECK-LABEL: define internal void @user_closure_callee(ptr %x)
; CHECK: call void @__bsan_write(ptr %x
define internal void @user_closure_callee(ptr %x) !dbg !51 {
  store i32 9, ptr %x
  ret void
}

; Called by user code as well: checked.
; CHECK-LABEL: define internal void @also_from_user(ptr %x)
; CHECK: call void @__bsan_write(ptr %x
define internal void @also_from_user(ptr %x) {
  store i32 6, ptr %x
  ret void
}

; Its address is taken (it could be called from anywhere): checked.
@fnptr = global ptr @address_taken
; CHECK-LABEL: define internal void @address_taken(ptr %x)
; CHECK: call void @__bsan_write(ptr %x
define internal void @address_taken(ptr %x) {
  store i32 7, ptr %x
  ret void
}

; std's private gimli (`gimli::read::unit::parse`), under /rust/deps.
; CHECK-LABEL: define i32 @_ZN5gimli4read4unit5parse17h0000000000000001E(ptr %p)
; CHECK-NOT: __bsan_
; CHECK: ret i32
define i32 @_ZN5gimli4read4unit5parse17h0000000000000001E(ptr %p) !dbg !20 {
  %v = load i32, ptr %p, !dbg !21
  ret i32 %v, !dbg !21
}

; The user's gimli, the same function from cargo's registry: checked.
; CHECK-LABEL: define i32 @_ZN5gimli4read4unit5parse17h0000000000000002E(ptr %p)
; CHECK: call void @__bsan_read(ptr %p
; CHECK: ret i32
define i32 @_ZN5gimli4read4unit5parse17h0000000000000002E(ptr %p) !dbg !30 {
  %v = load i32, ptr %p, !dbg !31
  ret i32 %v, !dbg !31
}

; `user::skip_me`, by the user's `fun:` rule.
; CHECK-LABEL: define ptr @_ZN4user7skip_me17h0000000000000003E(ptr %x)
; CHECK-NOT: __bsan_
; CHECK: store i32 2, ptr %x
; CHECK-NEXT: ret ptr %x
define ptr @_ZN4user7skip_me17h0000000000000003E(ptr %x) {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 2, ptr null, ptr null)
  store i32 2, ptr %y
  ret ptr %y
}

; `user::keep_me` matches no rule.
; CHECK-LABEL: define void @_ZN4user7keep_me17h0000000000000004E(ptr %x)
; CHECK: call void @__bsan_write(ptr %x
define void @_ZN4user7keep_me17h0000000000000004E(ptr %x) {
  store i32 3, ptr %x
  call void @also_from_user(ptr %x)
  ret void
}

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !1, producer: "rustc", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "lib.rs", directory: "/tmp")
!3 = !{i32 7, !"Dwarf Version", i32 4}
!4 = !{i32 2, !"Debug Info Version", i32 3}
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!12 = !DIFile(filename: "library/std/src/../../backtrace/src/print.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860")
!10 = distinct !DISubprogram(name: "print", scope: !12, file: !12, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!11 = !DILocation(line: 3, column: 5, scope: !10)
!22 = !DIFile(filename: "src/read/unit.rs", directory: "/rust/deps/gimli-0.32.3")
!20 = distinct !DISubprogram(name: "parse", scope: !22, file: !22, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!21 = !DILocation(line: 3, column: 5, scope: !20)
!32 = !DIFile(filename: "src/read/unit.rs", directory: "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/gimli-0.32.3")
!30 = distinct !DISubprogram(name: "parse", scope: !32, file: !32, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!31 = !DILocation(line: 3, column: 5, scope: !30)
!42 = !DIFile(filename: "library/core/src/option.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860")
!40 = distinct !DISubprogram(name: "map", scope: !42, file: !42, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!41 = distinct !DISubprogram(name: "unwrap", scope: !42, file: !42, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!52 = !DIFile(filename: "src/main.rs", directory: "/home/user/app")
!50 = distinct !DISubprogram(name: "{closure#0}", scope: !52, file: !52, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition, unit: !0)
!51 = distinct !DISubprogram(name: "work", scope: !52, file: !52, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition, unit: !0)
!43 = !DILocation(line: 2, column: 5, scope: !40)
