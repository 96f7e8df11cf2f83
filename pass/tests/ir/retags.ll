; Lowering of rustc's retag intrinsics, in the exact shape rustc emits them.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=3 retags_lowered=4 {{.*}}retags_untracked=1
; CHECK-NOT: call {{.*}}@__rust_retag
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @__rust_retag_mem(ptr, i64, i8, ptr, ptr)

; Two (offset, len) pairs of UnsafeCell bytes: count 2.
@cells = private constant [4 x i64] [i64 0, i64 4, i64 8, i64 4]

; Accesses through the retag result use the child's provenance, accesses through the
; original pointer the parent's; afterwards %y is replaced by %x. A retag of a retag
; works; the debug location of the retag call is kept. %y's and %z's tags die with the
; function (only accessed through, and retagged: NO_ESCAPE, 16); %z, unprotected, can be
; marked because the function has a frame of its own (for %y's protector).
; CHECK-LABEL: define void @reg(ptr %x)
; CHECK: [[PA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[PT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[R:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr %x, i64 4, i8 19, ptr null, i64 0, ptr null, i64 0, i64 [[PA]], i64 [[PT]]), !dbg [[LOC:![0-9]+]]
; CHECK-NEXT: [[CA:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 0
; CHECK-NEXT: [[CT:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 1
; CHECK-NEXT: call void @__bsan_write(ptr %x, i64 4, i64 [[CA]], i64 [[CT]])
; CHECK-NEXT: store i32 1, ptr %x
; CHECK-NEXT: call void @__bsan_write(ptr %x, i64 4, i64 [[PA]], i64 [[PT]])
; CHECK-NEXT: store i32 2, ptr %x
; CHECK-NEXT: [[R2:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr %x, i64 8, i8 24, ptr @cells, i64 2, ptr null, i64 0, i64 [[CA]], i64 [[CT]])
; CHECK: ret void
define void @reg(ptr %x) !dbg !5 {
  %y = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 3, ptr null, ptr null), !dbg !8
  store i32 1, ptr %y, !dbg !9
  store i32 2, ptr %x, !dbg !9
  %z = call ptr @__rust_retag_reg(ptr %y, i64 8, i8 8, ptr @cells, ptr null), !dbg !9
  %v = load i32, ptr %z, !dbg !9
  ret void, !dbg !9
}

; A retag of an untracked pointer is untracked: no hook call.
; CHECK-LABEL: define i32 @untracked()
; CHECK-NOT: @__bsan_retag
; CHECK: ret i32
define i32 @untracked() {
  %y = call ptr @__rust_retag_reg(ptr inttoptr (i64 64 to ptr), i64 4, i8 2, ptr null, ptr null)
  %v = load i32, ptr %y
  ret i32 %v
}

; retag_mem: retags the pointer stored at the place, through shadow memory only.
; CHECK-LABEL: define void @mem(ptr %place)
; CHECK: [[P:%[0-9]+]] = load ptr, ptr %place
; CHECK-NEXT: [[L:%[0-9]+]] = call { i64, i64 } @__bsan_load_prov(ptr %place, ptr [[P]])
; CHECK-NEXT: [[LA:%[0-9]+]] = extractvalue { i64, i64 } [[L]], 0
; CHECK-NEXT: [[LT:%[0-9]+]] = extractvalue { i64, i64 } [[L]], 1
; CHECK-NEXT: [[N:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr [[P]], i64 16, i8 2, ptr null, i64 0, ptr null, i64 0, i64 [[LA]], i64 [[LT]])
; CHECK-NEXT: [[NA:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 0
; CHECK-NEXT: [[NT:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 1
; CHECK-NEXT: call void @__bsan_store_prov(ptr %place, ptr [[P]], i64 [[NA]], i64 [[NT]])
; CHECK-NEXT: ret void
define void @mem(ptr %place) {
  call void @__rust_retag_mem(ptr %place, i64 16, i8 2, ptr null, ptr null)
  ret void
}

; CHECK: [[LOC]] = !DILocation(line: 3,

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !1, producer: "rustc", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "retags.rs", directory: "/tmp")
!3 = !{i32 7, !"Dwarf Version", i32 4}
!4 = !{i32 2, !"Debug Info Version", i32 3}
!5 = distinct !DISubprogram(name: "reg", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!8 = !DILocation(line: 3, column: 5, scope: !5)
!9 = !DILocation(line: 4, column: 5, scope: !5)
