; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; Slices and str: the size is `len * size_of::<T>()` computed from the length argument.
; `&mut [u64]` = MUTABLE|PROTECTED|FREEZE (11), `&[u8]` / `&str` = PROTECTED|FREEZE (9).
;
; Source:
;   pub fn count(s: &[u8]) -> usize { s.len() }
;   pub fn zero(s: &mut [u64]) { s[0] = 0; }
;   pub fn strlen(s: &str) -> usize { s.len() }
;
; CHECK-LABEL: define void @{{.*}}zero{{.*}}(ptr align 8 %s.0, i64 %s.1)
; CHECK: %[[SZ:.*]] = mul nuw i64 %s.1, 8
; CHECK-NEXT: %s.0.new = call ptr @__rust_retag_reg(ptr %s.0, i64 %[[SZ]], i8 11, ptr null, ptr null)
; CHECK: getelementptr inbounds nuw i64, ptr %s.0.new
; CHECK-LABEL: define i64 @{{.*}}count{{.*}}(ptr align 1 %s.0, i64 %s.1)
; CHECK: %s.0.new = call ptr @__rust_retag_reg(ptr %s.0, i64 %s.1, i8 9, ptr null, ptr null)
; CHECK-LABEL: define i64 @{{.*}}strlen{{.*}}(ptr align 1 %s.0, i64 %s.1)
; CHECK: %s.0.new = call ptr @__rust_retag_reg(ptr %s.0, i64 %s.1, i8 9, ptr null, ptr null)

; ModuleID = 'slices.body.ll'
source_filename = "slices.f0040b55f5118aa0-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@alloc_3d38faeb93b52e9a7c5d578cee8fc11d = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8

; Function Attrs: inlinehint nonlazybind uwtable
declare hidden i64 @"_ZN4core3str21_$LT$impl$u20$str$GT$3len17hf20ebd75f39be749E"(ptr align 1, i64) unnamed_addr #0

; Function Attrs: nonlazybind uwtable
define void @_ZN6slices4zero17h9813ba7fae657158E(ptr align 8 %s.0, i64 %s.1) unnamed_addr #1 !dbg !7 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !22, !DIExpression(), !23)
  %_5 = icmp ult i64 0, %s.1, !dbg !24
  br i1 %_5, label %bb1, label %panic, !dbg !24

bb1:                                              ; preds = %start
  %1 = getelementptr inbounds nuw i64, ptr %s.0, i64 0, !dbg !24
  store i64 0, ptr %1, align 8, !dbg !24
  ret void, !dbg !25

panic:                                            ; preds = %start
  call void @_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check(i64 0, i64 %s.1, ptr align 8 @alloc_3d38faeb93b52e9a7c5d578cee8fc11d) #3, !dbg !24
  unreachable, !dbg !24
}

; Function Attrs: nonlazybind uwtable
define i64 @_ZN6slices5count17h2a531cc60c746521E(ptr align 1 %s.0, i64 %s.1) unnamed_addr #1 !dbg !26 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !36, !DIExpression(), !37)
  ret i64 %s.1, !dbg !38
}

; Function Attrs: nonlazybind uwtable
define i64 @_ZN6slices6strlen17hce995575646596ffE(ptr align 1 %s.0, i64 %s.1) unnamed_addr #1 !dbg !39 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !47, !DIExpression(), !48)
  %_0 = call i64 @"_ZN4core3str21_$LT$impl$u20$str$GT$3len17hf20ebd75f39be749E"(ptr align 1 %s.0, i64 %s.1) #4, !dbg !49
  ret i64 %_0, !dbg !50
}

; Function Attrs: cold minsize noinline noreturn nonlazybind optsize uwtable
declare void @_RNvNtCsgEmfK2I1SDS_4core9panicking18panic_bounds_check(i64, i64, ptr align 8) unnamed_addr #2

attributes #0 = { inlinehint nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { cold minsize noinline noreturn nonlazybind optsize uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #3 = { noinline noreturn }
attributes #4 = { inlinehint }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}
!llvm.dbg.cu = !{!5}

!0 = !{i32 8, !"PIC Level", i32 2}
!1 = !{i32 2, !"RtLibUseGOT", i32 1}
!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{!"rustc version 1.95.0 (59807616e 2026-04-14)"}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "clang LLVM (rustc version 1.95.0 (59807616e 2026-04-14))", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!6 = !DIFile(filename: "slices.rs/@/slices.f0040b55f5118aa0-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "zero", linkageName: "_ZN6slices4zero17h9813ba7fae657158E", scope: !9, file: !8, line: 2, type: !10, scopeLine: 2, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !20, retainedNodes: !21)
!8 = !DIFile(filename: "slices.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "307f78f39016733802f02a8c6d70d236")
!9 = !DINamespace(name: "slices", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{null, !12}
!12 = !DICompositeType(tag: DW_TAG_structure_type, name: "&mut [u64]", file: !13, size: 128, align: 64, elements: !14, templateParams: !20, identifier: "75e4b4267ae329175f87d6f5f28c5d25")
!13 = !DIFile(filename: "<unknown>", directory: "")
!14 = !{!15, !18}
!15 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !12, file: !13, baseType: !16, size: 64, align: 64)
!16 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !17, size: 64, align: 64, dwarfAddressSpace: 0)
!17 = !DIBasicType(name: "u64", size: 64, encoding: DW_ATE_unsigned)
!18 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !12, file: !13, baseType: !19, size: 64, align: 64, offset: 64)
!19 = !DIBasicType(name: "usize", size: 64, encoding: DW_ATE_unsigned)
!20 = !{}
!21 = !{!22}
!22 = !DILocalVariable(name: "s", arg: 1, scope: !7, file: !8, line: 2, type: !12)
!23 = !DILocation(line: 2, column: 13, scope: !7)
!24 = !DILocation(line: 2, column: 30, scope: !7)
!25 = !DILocation(line: 2, column: 41, scope: !7)
!26 = distinct !DISubprogram(name: "count", linkageName: "_ZN6slices5count17h2a531cc60c746521E", scope: !9, file: !8, line: 1, type: !27, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !20, retainedNodes: !35)
!27 = !DISubroutineType(types: !28)
!28 = !{!19, !29}
!29 = !DICompositeType(tag: DW_TAG_structure_type, name: "&[u8]", file: !13, size: 128, align: 64, elements: !30, templateParams: !20, identifier: "31681e0c10b314f1f33e38b2779acbb4")
!30 = !{!31, !34}
!31 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !29, file: !13, baseType: !32, size: 64, align: 64)
!32 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !33, size: 64, align: 64, dwarfAddressSpace: 0)
!33 = !DIBasicType(name: "u8", size: 8, encoding: DW_ATE_unsigned)
!34 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !29, file: !13, baseType: !19, size: 64, align: 64, offset: 64)
!35 = !{!36}
!36 = !DILocalVariable(name: "s", arg: 1, scope: !26, file: !8, line: 1, type: !29)
!37 = !DILocation(line: 1, column: 14, scope: !26)
!38 = !DILocation(line: 1, column: 44, scope: !26)
!39 = distinct !DISubprogram(name: "strlen", linkageName: "_ZN6slices6strlen17hce995575646596ffE", scope: !9, file: !8, line: 3, type: !40, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !20, retainedNodes: !46)
!40 = !DISubroutineType(types: !41)
!41 = !{!19, !42}
!42 = !DICompositeType(tag: DW_TAG_structure_type, name: "&str", file: !13, size: 128, align: 64, elements: !43, templateParams: !20, identifier: "9277eecd40495f85161460476aacc992")
!43 = !{!44, !45}
!44 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !42, file: !13, baseType: !32, size: 64, align: 64)
!45 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !42, file: !13, baseType: !19, size: 64, align: 64, offset: 64)
!46 = !{!47}
!47 = !DILocalVariable(name: "s", arg: 1, scope: !39, file: !8, line: 3, type: !42)
!48 = !DILocation(line: 3, column: 15, scope: !39)
!49 = !DILocation(line: 3, column: 37, scope: !39)
!50 = !DILocation(line: 3, column: 44, scope: !39)
