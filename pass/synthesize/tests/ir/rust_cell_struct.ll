; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; `&S` where S has a `Cell<u32>` field: not Freeze (PROTECTED only = 1), the Cell's bytes
; (rustc reorders S to b@0, a@8, c@12) are passed as an im range array.
;
; Source:
;   use std::cell::Cell;
;   pub struct S { pub a: u32, pub c: Cell<u32>, pub b: u64 }
;   pub fn bump(s: &S) -> u32 { s.c.set(s.c.get() + 1); s.a }
;
; CHECK: @[[IM:__bsan_im_ranges[.0-9]*]] = private unnamed_addr constant [1 x [2 x i64]] {{\[}}[2 x i64] [i64 12, i64 4]]
; CHECK-LABEL: define i32 @{{.*}}bump
; CHECK: %s.new = call ptr @__rust_retag_reg(ptr %s, i64 16, i8 1, ptr @[[IM]], ptr null)

; ModuleID = 'cell_struct.body.ll'
source_filename = "cell_struct.d71be1a6aeacf531-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@alloc_0f87e1692bdf0de7141ec5fe48e1f3bd = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8

; Function Attrs: nonlazybind uwtable
define i32 @_ZN11cell_struct4bump17h9a89ad605bc0a553E(ptr align 8 %s) unnamed_addr #0 !dbg !7 {
start:
  %s.dbg.spill = alloca [8 x i8], align 8
  store ptr %s, ptr %s.dbg.spill, align 8
    #dbg_declare(ptr %s.dbg.spill, !33, !DIExpression(), !34)
  %_3 = getelementptr inbounds i8, ptr %s, i64 12, !dbg !35
  %_6 = getelementptr inbounds i8, ptr %s, i64 12, !dbg !36
  %_5 = call i32 @"_ZN4core4cell13Cell$LT$T$GT$3get17h028070f847d6255aE"(ptr align 4 %_6) #3, !dbg !37
  %_7.0 = add i32 %_5, 1, !dbg !36
  %_7.1 = icmp ult i32 %_7.0, %_5, !dbg !36
  br i1 %_7.1, label %panic, label %bb2, !dbg !36

bb2:                                              ; preds = %start
  call void @"_ZN4core4cell13Cell$LT$T$GT$3set17h1b751be3a1d4519eE"(ptr align 4 %_3, i32 %_7.0) #3, !dbg !38
  %0 = getelementptr inbounds i8, ptr %s, i64 8, !dbg !39
  %_0 = load i32, ptr %0, align 8, !dbg !39
  ret i32 %_0, !dbg !40

panic:                                            ; preds = %start
  call void @_RNvNtNtCsgEmfK2I1SDS_4core9panicking11panic_const24panic_const_add_overflow(ptr align 8 @alloc_0f87e1692bdf0de7141ec5fe48e1f3bd) #4, !dbg !36
  unreachable, !dbg !36
}

; Function Attrs: inlinehint nonlazybind uwtable
declare i32 @"_ZN4core4cell13Cell$LT$T$GT$3get17h028070f847d6255aE"(ptr align 4) unnamed_addr #1

; Function Attrs: inlinehint nonlazybind uwtable
declare void @"_ZN4core4cell13Cell$LT$T$GT$3set17h1b751be3a1d4519eE"(ptr align 4, i32) unnamed_addr #1

; Function Attrs: cold noinline noreturn nonlazybind uwtable
declare void @_RNvNtNtCsgEmfK2I1SDS_4core9panicking11panic_const24panic_const_add_overflow(ptr align 8) unnamed_addr #2

attributes #0 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { inlinehint nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { cold noinline noreturn nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #3 = { inlinehint }
attributes #4 = { noinline noreturn }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}
!llvm.dbg.cu = !{!5}

!0 = !{i32 8, !"PIC Level", i32 2}
!1 = !{i32 2, !"RtLibUseGOT", i32 1}
!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{!"rustc version 1.95.0 (59807616e 2026-04-14)"}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "clang LLVM (rustc version 1.95.0 (59807616e 2026-04-14))", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!6 = !DIFile(filename: "cell_struct.rs/@/cell_struct.d71be1a6aeacf531-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "bump", linkageName: "_ZN11cell_struct4bump17h9a89ad605bc0a553E", scope: !9, file: !8, line: 3, type: !10, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !31, retainedNodes: !32)
!8 = !DIFile(filename: "cell_struct.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "8aebfe44a72951bb4afddf0620c59613")
!9 = !DINamespace(name: "cell_struct", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{!12, !13}
!12 = !DIBasicType(name: "u32", size: 32, encoding: DW_ATE_unsigned)
!13 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&cell_struct::S", baseType: !14, size: 64, align: 64, dwarfAddressSpace: 0)
!14 = !DICompositeType(tag: DW_TAG_structure_type, name: "S", scope: !9, file: !15, size: 128, align: 64, flags: DIFlagPublic, elements: !16, templateParams: !31, identifier: "1382e15541f33432e85624f202613824")
!15 = !DIFile(filename: "<unknown>", directory: "")
!16 = !{!17, !18, !29}
!17 = !DIDerivedType(tag: DW_TAG_member, name: "a", scope: !14, file: !15, baseType: !12, size: 32, align: 32, offset: 64, flags: DIFlagPublic)
!18 = !DIDerivedType(tag: DW_TAG_member, name: "c", scope: !14, file: !15, baseType: !19, size: 32, align: 32, offset: 96, flags: DIFlagPublic)
!19 = !DICompositeType(tag: DW_TAG_structure_type, name: "Cell<u32>", scope: !20, file: !15, size: 32, align: 32, flags: DIFlagPublic, elements: !22, templateParams: !27, identifier: "f999d15df0d8f93d8c40b7ff1ea8692b")
!20 = !DINamespace(name: "cell", scope: !21)
!21 = !DINamespace(name: "core", scope: null)
!22 = !{!23}
!23 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !19, file: !15, baseType: !24, size: 32, align: 32, flags: DIFlagPrivate)
!24 = !DICompositeType(tag: DW_TAG_structure_type, name: "UnsafeCell<u32>", scope: !20, file: !15, size: 32, align: 32, flags: DIFlagPublic, elements: !25, templateParams: !27, identifier: "276fcd5afdff990e3d83fbd36936145c")
!25 = !{!26}
!26 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !24, file: !15, baseType: !12, size: 32, align: 32, flags: DIFlagPrivate)
!27 = !{!28}
!28 = !DITemplateTypeParameter(name: "T", type: !12)
!29 = !DIDerivedType(tag: DW_TAG_member, name: "b", scope: !14, file: !15, baseType: !30, size: 64, align: 64, flags: DIFlagPublic)
!30 = !DIBasicType(name: "u64", size: 64, encoding: DW_ATE_unsigned)
!31 = !{}
!32 = !{!33}
!33 = !DILocalVariable(name: "s", arg: 1, scope: !7, file: !8, line: 3, type: !13)
!34 = !DILocation(line: 3, column: 13, scope: !7)
!35 = !DILocation(line: 3, column: 29, scope: !7)
!36 = !DILocation(line: 3, column: 37, scope: !7)
!37 = !DILocation(line: 3, column: 41, scope: !7)
!38 = !DILocation(line: 3, column: 33, scope: !7)
!39 = !DILocation(line: 3, column: 53, scope: !7)
!40 = !DILocation(line: 3, column: 58, scope: !7)
