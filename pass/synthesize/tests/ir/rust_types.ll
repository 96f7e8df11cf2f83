; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; Pointee classification: an enum with a Cell in one variant is one big UnsafeCell (im range
; covers all 8 bytes, no FREEZE); `&[Cell<u8>]` has per-element ranges of run-time length, so it
; becomes a size-0 retag without FREEZE (all bytes lazily Cell); a protected `&mut [Cell<u8>]`
; keeps its size (ranges do not matter under a protector); `&dyn Trait` is not retagged.
;
; Source:
;   use std::cell::Cell;
;   pub enum E { A(Cell<u8>), B(u32) }
;   pub fn en(e: &E) -> u32 { match e { E::A(c) => c.get() as u32, E::B(x) => *x } }
;   pub fn cells(s: &[Cell<u8>]) { s[0].set(1); }
;   pub fn cells_mut(s: &mut [Cell<u8>]) { s[0].set(1); }
;   pub fn dynp(x: &dyn std::fmt::Debug) -> &dyn std::fmt::Debug { x }
;
; CHECK: @[[IM:__bsan_im_ranges[.0-9]*]] = private unnamed_addr constant [1 x [2 x i64]] {{\[}}[2 x i64] [i64 0, i64 8]]
; CHECK-LABEL: define i32 @{{.*}}2en
; CHECK: %e.new = call ptr @__rust_retag_reg(ptr %e, i64 8, i8 1, ptr @[[IM]], ptr null)
; CHECK-LABEL: define {{.*}}dynp
; CHECK-NOT: __rust_retag_reg
; CHECK-LABEL: define void @{{.*}}5cells
; CHECK: %s.0.new = call ptr @__rust_retag_reg(ptr %s.0, i64 0, i8 1, ptr null, ptr null)
; CHECK-LABEL: define void @{{.*}}cells_mut
; CHECK: %s.0.new = call ptr @__rust_retag_reg(ptr %s.0, i64 %s.1, i8 3, ptr null, ptr null)

; ModuleID = 'misc.body.ll'
source_filename = "misc.315b333980439d44-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@alloc_dbb58de2661a96cd4ae4fa5e094b9791 = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8
@alloc_42c918e83b95c4de88cb9ea1b8ccbbed = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8

; Function Attrs: inlinehint nonlazybind uwtable
declare i8 @"_ZN4core4cell13Cell$LT$T$GT$3get17h86ed0b895a4bf547E"(ptr align 1) unnamed_addr #0

; Function Attrs: inlinehint nonlazybind uwtable
declare void @"_ZN4core4cell13Cell$LT$T$GT$3set17hc7344d9359303a2dE"(ptr align 1, i8) unnamed_addr #0

; Function Attrs: nonlazybind uwtable
define i32 @_ZN4misc2en17hed3a11648bc04f3bE(ptr align 4 %e) unnamed_addr #1 !dbg !7 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  %c.dbg.spill = alloca [8 x i8], align 8
  %e.dbg.spill = alloca [8 x i8], align 8
  %_0 = alloca [4 x i8], align 4
  store ptr %e, ptr %e.dbg.spill, align 8
    #dbg_declare(ptr %e.dbg.spill, !41, !DIExpression(), !48)
  %0 = load i8, ptr %e, align 4, !dbg !49
  %1 = trunc nuw i8 %0 to i1, !dbg !49
  %_2 = zext i1 %1 to i64, !dbg !49
  %2 = trunc nuw i64 %_2 to i1, !dbg !50
  br i1 %2, label %bb2, label %bb3, !dbg !50

bb2:                                              ; preds = %start
  %x = getelementptr inbounds i8, ptr %e, i64 4, !dbg !51
  store ptr %x, ptr %x.dbg.spill, align 8, !dbg !51
    #dbg_declare(ptr %x.dbg.spill, !45, !DIExpression(), !52)
  %3 = load i32, ptr %x, align 4, !dbg !53
  store i32 %3, ptr %_0, align 4, !dbg !53
  br label %bb5, !dbg !54

bb3:                                              ; preds = %start
  %c = getelementptr inbounds i8, ptr %e, i64 1, !dbg !55
  store ptr %c, ptr %c.dbg.spill, align 8, !dbg !55
    #dbg_declare(ptr %c.dbg.spill, !42, !DIExpression(), !56)
  %_4 = call i8 @"_ZN4core4cell13Cell$LT$T$GT$3get17h86ed0b895a4bf547E"(ptr align 1 %c) #3, !dbg !57
  %4 = zext i8 %_4 to i32, !dbg !58
  store i32 %4, ptr %_0, align 4, !dbg !58
  br label %bb5, !dbg !59

bb5:                                              ; preds = %bb3, %bb2
  %5 = load i32, ptr %_0, align 4, !dbg !60
  ret i32 %5, !dbg !60

bb1:                                              ; No predecessors!
  unreachable, !dbg !49
}

; Function Attrs: nonlazybind uwtable
define { ptr, ptr } @_ZN4misc4dynp17he3e13574082ede61E(ptr align 1 %x.0, ptr align 8 %x.1) unnamed_addr #1 !dbg !61 {
start:
  %x.dbg.spill = alloca [16 x i8], align 8
  store ptr %x.0, ptr %x.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %x.dbg.spill, i64 8
  store ptr %x.1, ptr %0, align 8
    #dbg_declare(ptr %x.dbg.spill, !76, !DIExpression(), !77)
  %1 = insertvalue { ptr, ptr } poison, ptr %x.0, 0, !dbg !78
  %2 = insertvalue { ptr, ptr } %1, ptr %x.1, 1, !dbg !78
  ret { ptr, ptr } %2, !dbg !78
}

; Function Attrs: nonlazybind uwtable
define void @_ZN4misc5cells17h4457fe4e3f84af36E(ptr align 1 %s.0, i64 %s.1) unnamed_addr #1 !dbg !79 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !88, !DIExpression(), !89)
  %_6 = icmp ult i64 0, %s.1, !dbg !90
  br i1 %_6, label %bb1, label %panic, !dbg !90

bb1:                                              ; preds = %start
  %_3 = getelementptr inbounds nuw i8, ptr %s.0, i64 0, !dbg !90
  call void @"_ZN4core4cell13Cell$LT$T$GT$3set17hc7344d9359303a2dE"(ptr align 1 %_3, i8 1) #3, !dbg !91
  ret void, !dbg !92

panic:                                            ; preds = %start
  call void @_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check(i64 0, i64 %s.1, ptr align 8 @alloc_dbb58de2661a96cd4ae4fa5e094b9791) #4, !dbg !90
  unreachable, !dbg !90
}

; Function Attrs: nonlazybind uwtable
define void @_ZN4misc9cells_mut17hf29bee2d312bdffdE(ptr align 1 %s.0, i64 %s.1) unnamed_addr #1 !dbg !93 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !101, !DIExpression(), !102)
  %_7 = icmp ult i64 0, %s.1, !dbg !103
  br i1 %_7, label %bb1, label %panic, !dbg !103

bb1:                                              ; preds = %start
  %_3 = getelementptr inbounds nuw i8, ptr %s.0, i64 0, !dbg !103
  call void @"_ZN4core4cell13Cell$LT$T$GT$3set17hc7344d9359303a2dE"(ptr align 1 %_3, i8 1) #3, !dbg !104
  ret void, !dbg !105

panic:                                            ; preds = %start
  call void @_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check(i64 0, i64 %s.1, ptr align 8 @alloc_42c918e83b95c4de88cb9ea1b8ccbbed) #4, !dbg !103
  unreachable, !dbg !103
}

; Function Attrs: cold minsize noinline noreturn nonlazybind optsize uwtable
declare void @_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check(i64, i64, ptr align 8) unnamed_addr #2

attributes #0 = { inlinehint nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { cold minsize noinline noreturn nonlazybind optsize uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
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
!6 = !DIFile(filename: "misc.rs/@/misc.315b333980439d44-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "en", linkageName: "_ZN4misc2en17hed3a11648bc04f3bE", scope: !9, file: !8, line: 3, type: !10, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !34, retainedNodes: !40)
!8 = !DIFile(filename: "misc.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "14f18a601908484f06a5aeb0fcde6131")
!9 = !DINamespace(name: "misc", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{!12, !13}
!12 = !DIBasicType(name: "u32", size: 32, encoding: DW_ATE_unsigned)
!13 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&misc::E", baseType: !14, size: 64, align: 64, dwarfAddressSpace: 0)
!14 = !DICompositeType(tag: DW_TAG_structure_type, name: "E", scope: !9, file: !15, size: 64, align: 32, flags: DIFlagPublic, elements: !16, templateParams: !34, identifier: "a90766331096deb8cc95f01c4bd6bae8")
!15 = !DIFile(filename: "<unknown>", directory: "")
!16 = !{!17}
!17 = !DICompositeType(tag: DW_TAG_variant_part, scope: !14, file: !15, size: 64, align: 32, elements: !18, templateParams: !34, identifier: "20c2c537e6e9557deecc4bba48d78e92", discriminator: !39)
!18 = !{!19, !35}
!19 = !DIDerivedType(tag: DW_TAG_member, name: "A", scope: !17, file: !15, baseType: !20, size: 64, align: 32, extraData: i8 0)
!20 = !DICompositeType(tag: DW_TAG_structure_type, name: "A", scope: !14, file: !15, size: 64, align: 32, flags: DIFlagPublic, elements: !21, templateParams: !34, identifier: "4ed7b96d9541a2f24a7d300a0010eb57")
!21 = !{!22}
!22 = !DIDerivedType(tag: DW_TAG_member, name: "__0", scope: !20, file: !15, baseType: !23, size: 8, align: 8, offset: 8, flags: DIFlagPublic)
!23 = !DICompositeType(tag: DW_TAG_structure_type, name: "Cell<u8>", scope: !24, file: !15, size: 8, align: 8, flags: DIFlagPublic, elements: !26, templateParams: !32, identifier: "2bc10ca8d740f76f2eeee12ea7807a8b")
!24 = !DINamespace(name: "cell", scope: !25)
!25 = !DINamespace(name: "core", scope: null)
!26 = !{!27}
!27 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !23, file: !15, baseType: !28, size: 8, align: 8, flags: DIFlagPrivate)
!28 = !DICompositeType(tag: DW_TAG_structure_type, name: "UnsafeCell<u8>", scope: !24, file: !15, size: 8, align: 8, flags: DIFlagPublic, elements: !29, templateParams: !32, identifier: "df3fe7d204cf9645c1e0417088da45bf")
!29 = !{!30}
!30 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !28, file: !15, baseType: !31, size: 8, align: 8, flags: DIFlagPrivate)
!31 = !DIBasicType(name: "u8", size: 8, encoding: DW_ATE_unsigned)
!32 = !{!33}
!33 = !DITemplateTypeParameter(name: "T", type: !31)
!34 = !{}
!35 = !DIDerivedType(tag: DW_TAG_member, name: "B", scope: !17, file: !15, baseType: !36, size: 64, align: 32, extraData: i8 1)
!36 = !DICompositeType(tag: DW_TAG_structure_type, name: "B", scope: !14, file: !15, size: 64, align: 32, flags: DIFlagPublic, elements: !37, templateParams: !34, identifier: "95c374b0a8d172895579d0b2a89be654")
!37 = !{!38}
!38 = !DIDerivedType(tag: DW_TAG_member, name: "__0", scope: !36, file: !15, baseType: !12, size: 32, align: 32, offset: 32, flags: DIFlagPublic)
!39 = !DIDerivedType(tag: DW_TAG_member, scope: !14, file: !15, baseType: !31, size: 8, align: 8, flags: DIFlagArtificial)
!40 = !{!41, !42, !45}
!41 = !DILocalVariable(name: "e", arg: 1, scope: !7, file: !8, line: 3, type: !13)
!42 = !DILocalVariable(name: "c", scope: !43, file: !8, line: 3, type: !44, align: 64)
!43 = distinct !DILexicalBlock(scope: !7, file: !8, line: 3, column: 37)
!44 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&core::cell::Cell<u8>", baseType: !23, size: 64, align: 64, dwarfAddressSpace: 0)
!45 = !DILocalVariable(name: "x", scope: !46, file: !8, line: 3, type: !47, align: 64)
!46 = distinct !DILexicalBlock(scope: !7, file: !8, line: 3, column: 64)
!47 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&u32", baseType: !12, size: 64, align: 64, dwarfAddressSpace: 0)
!48 = !DILocation(line: 3, column: 11, scope: !7)
!49 = !DILocation(line: 3, column: 33, scope: !7)
!50 = !DILocation(line: 3, column: 27, scope: !7)
!51 = !DILocation(line: 3, column: 69, scope: !7)
!52 = !DILocation(line: 3, column: 69, scope: !46)
!53 = !DILocation(line: 3, column: 75, scope: !46)
!54 = !DILocation(line: 3, column: 76, scope: !7)
!55 = !DILocation(line: 3, column: 42, scope: !7)
!56 = !DILocation(line: 3, column: 42, scope: !43)
!57 = !DILocation(line: 3, column: 50, scope: !43)
!58 = !DILocation(line: 3, column: 48, scope: !43)
!59 = !DILocation(line: 3, column: 61, scope: !7)
!60 = !DILocation(line: 3, column: 81, scope: !7)
!61 = distinct !DISubprogram(name: "dynp", linkageName: "_ZN4misc4dynp17he3e13574082ede61E", scope: !9, file: !8, line: 6, type: !62, scopeLine: 6, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !34, retainedNodes: !75)
!62 = !DISubroutineType(types: !63)
!63 = !{!64, !64}
!64 = !DICompositeType(tag: DW_TAG_structure_type, name: "&dyn core::fmt::Debug", file: !15, size: 128, align: 64, elements: !65, templateParams: !34, identifier: "7cced32d917c87ed97dd3b93b53f93f0")
!65 = !{!66, !69}
!66 = !DIDerivedType(tag: DW_TAG_member, name: "pointer", scope: !64, file: !15, baseType: !67, size: 64, align: 64)
!67 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !68, size: 64, align: 64, dwarfAddressSpace: 0)
!68 = !DICompositeType(tag: DW_TAG_structure_type, name: "dyn core::fmt::Debug", file: !15, align: 8, elements: !34, identifier: "cde3241e9bbbe9468a0718e6b623f900")
!69 = !DIDerivedType(tag: DW_TAG_member, name: "vtable", scope: !64, file: !15, baseType: !70, size: 64, align: 64, offset: 64)
!70 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&[usize; 4]", baseType: !71, size: 64, align: 64, dwarfAddressSpace: 0)
!71 = !DICompositeType(tag: DW_TAG_array_type, baseType: !72, size: 256, align: 64, elements: !73)
!72 = !DIBasicType(name: "usize", size: 64, encoding: DW_ATE_unsigned)
!73 = !{!74}
!74 = !DISubrange(count: 4, lowerBound: 0)
!75 = !{!76}
!76 = !DILocalVariable(name: "x", arg: 1, scope: !61, file: !8, line: 6, type: !64)
!77 = !DILocation(line: 6, column: 13, scope: !61)
!78 = !DILocation(line: 6, column: 67, scope: !61)
!79 = distinct !DISubprogram(name: "cells", linkageName: "_ZN4misc5cells17h4457fe4e3f84af36E", scope: !9, file: !8, line: 4, type: !80, scopeLine: 4, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !34, retainedNodes: !87)
!80 = !DISubroutineType(types: !81)
!81 = !{null, !82}
!82 = !DICompositeType(tag: DW_TAG_structure_type, name: "&[core::cell::Cell<u8>]", file: !15, size: 128, align: 64, elements: !83, templateParams: !34, identifier: "2635c5860735c909eaa268b4dd3bacc8")
!83 = !{!84, !86}
!84 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !82, file: !15, baseType: !85, size: 64, align: 64)
!85 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !23, size: 64, align: 64, dwarfAddressSpace: 0)
!86 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !82, file: !15, baseType: !72, size: 64, align: 64, offset: 64)
!87 = !{!88}
!88 = !DILocalVariable(name: "s", arg: 1, scope: !79, file: !8, line: 4, type: !82)
!89 = !DILocation(line: 4, column: 14, scope: !79)
!90 = !DILocation(line: 4, column: 32, scope: !79)
!91 = !DILocation(line: 4, column: 37, scope: !79)
!92 = !DILocation(line: 4, column: 46, scope: !79)
!93 = distinct !DISubprogram(name: "cells_mut", linkageName: "_ZN4misc9cells_mut17hf29bee2d312bdffdE", scope: !9, file: !8, line: 5, type: !94, scopeLine: 5, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !34, retainedNodes: !100)
!94 = !DISubroutineType(types: !95)
!95 = !{null, !96}
!96 = !DICompositeType(tag: DW_TAG_structure_type, name: "&mut [core::cell::Cell<u8>]", file: !15, size: 128, align: 64, elements: !97, templateParams: !34, identifier: "66596cfe01244ce6e6d6e27661e29ba4")
!97 = !{!98, !99}
!98 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !96, file: !15, baseType: !85, size: 64, align: 64)
!99 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !96, file: !15, baseType: !72, size: 64, align: 64, offset: 64)
!100 = !{!101}
!101 = !DILocalVariable(name: "s", arg: 1, scope: !93, file: !8, line: 5, type: !96)
!102 = !DILocation(line: 5, column: 18, scope: !93)
!103 = !DILocation(line: 5, column: 40, scope: !93)
!104 = !DILocation(line: 5, column: 45, scope: !93)
!105 = !DILocation(line: 5, column: 54, scope: !93)
