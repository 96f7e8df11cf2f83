; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; An `#[inline(always)]` function is synthesized before the AlwaysInliner, but without
; PROTECTED (MUTABLE|FREEZE = 10): once inlined, a protector would outlive its body. Its call
; site gets a call-return retag. A reference-returning `invoke` is retagged at the start of its
; normal destination.
;
; Source:
;   #[inline(always)]
;   pub fn always(x: &mut u8) -> &mut u8 { x }
;   pub fn use_always(q: &mut u8) { *always(q) = 1; }
;   #[inline(never)]
;   pub fn get(v: &mut Vec<u8>) -> &mut u8 { &mut v[0] }
;   pub fn with_drop(mut v: Vec<u8>) -> u8 { let r = get(&mut v); *r = 2; *r }
;
; CHECK-LABEL: define void @{{.*}}use_always
; CHECK: %q.new = call ptr @__rust_retag_reg(ptr %q, i64 1, i8 11,
; CHECK: %_2 = call align 1 ptr @{{.*}}6always{{.*}}(ptr align 1 %q.new)
; CHECK-NEXT: %_2.new = call ptr @__rust_retag_reg(ptr %_2, i64 1, i8 10,
; CHECK-LABEL: define {{.*}}3get
; CHECK: %v.new = call ptr @__rust_retag_reg(ptr %v, i64 24, i8 11,
; CHECK-LABEL: define hidden align 1 ptr @{{.*}}6always
; CHECK: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 1, i8 10,
; CHECK-LABEL: define i8 @{{.*}}with_drop
; CHECK: %r = invoke align 1 ptr @{{.*}}3get
; CHECK-NEXT: to label %[[OK:.*]] unwind
; CHECK: [[OK]]:
; CHECK-NEXT: %r.new = call ptr @__rust_retag_reg(ptr %r, i64 1, i8 10,
; CHECK: store i8 2, ptr %r.new

; ModuleID = 'misc.body.ll'
source_filename = "misc.315b333980439d44-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@alloc_a6abb06d628ff7a3206c9704948da624 = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8

; Function Attrs: nonlazybind uwtable
declare void @"_ZN4core3ptr46drop_in_place$LT$alloc..vec..Vec$LT$u8$GT$$GT$17hd6d393f5be816699E"(ptr align 8) unnamed_addr #0

; Function Attrs: inlinehint nonlazybind uwtable
define i8 @"_ZN4core4cell13Cell$LT$T$GT$3get17h86ed0b895a4bf547E"(ptr align 1 %self) unnamed_addr #1 !dbg !7 {
start:
  %self.dbg.spill = alloca [8 x i8], align 8
  store ptr %self, ptr %self.dbg.spill, align 8
    #dbg_declare(ptr %self.dbg.spill, !26, !DIExpression(), !27)
  %_0 = load i8, ptr %self, align 1, !dbg !28
  ret i8 %_0, !dbg !29
}

; Function Attrs: nonlazybind uwtable
define void @_ZN4misc10use_always17h9f62eeece91d7adeE(ptr align 1 %q) unnamed_addr #0 !dbg !30 {
start:
  %q.dbg.spill = alloca [8 x i8], align 8
  store ptr %q, ptr %q.dbg.spill, align 8
    #dbg_declare(ptr %q.dbg.spill, !37, !DIExpression(), !39)
  %_2 = call align 1 ptr @_ZN4misc6always17hfb8c82a7fcd360f5E(ptr align 1 %q) #6, !dbg !40
  store i8 1, ptr %_2, align 1, !dbg !41
  ret void, !dbg !42
}

; Function Attrs: noinline nonlazybind uwtable
define align 1 ptr @_ZN4misc3get17h7ace495d59b63c2fE(ptr align 8 %v) unnamed_addr #2 !dbg !43 {
start:
  %v.dbg.spill = alloca [8 x i8], align 8
  store ptr %v, ptr %v.dbg.spill, align 8
    #dbg_declare(ptr %v.dbg.spill, !88, !DIExpression(), !89)
  %_0 = call align 1 ptr @"_ZN84_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..ops..index..IndexMut$LT$I$GT$$GT$9index_mut17h48dd2036dfb97b16E"(ptr align 8 %v, i64 0, ptr align 8 @alloc_a6abb06d628ff7a3206c9704948da624) #7, !dbg !90
  ret ptr %_0, !dbg !91
}

; Function Attrs: alwaysinline nonlazybind uwtable
define hidden align 1 ptr @_ZN4misc6always17hfb8c82a7fcd360f5E(ptr align 1 %x) unnamed_addr #3 !dbg !92 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  store ptr %x, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !96, !DIExpression(), !97)
  ret ptr %x, !dbg !98
}

; Function Attrs: nonlazybind uwtable
define i8 @_ZN4misc9with_drop17h9ae8a683858c6a32E(ptr align 8 %v) unnamed_addr #0 personality ptr @rust_eh_personality !dbg !99 {
start:
  %r.dbg.spill = alloca [8 x i8], align 8
    #dbg_declare(ptr %v, !103, !DIExpression(), !106)
  %0 = alloca [16 x i8], align 8
  %r = invoke align 1 ptr @_ZN4misc3get17h7ace495d59b63c2fE(ptr align 8 %v)
          to label %bb1 unwind label %cleanup, !dbg !107

bb3:                                              ; preds = %cleanup
  invoke void @"_ZN4core3ptr46drop_in_place$LT$alloc..vec..Vec$LT$u8$GT$$GT$17hd6d393f5be816699E"(ptr align 8 %v) #8
          to label %bb4 unwind label %terminate, !dbg !108

cleanup:                                          ; preds = %start
  %1 = landingpad { ptr, i32 }
          cleanup
  %2 = extractvalue { ptr, i32 } %1, 0
  %3 = extractvalue { ptr, i32 } %1, 1
  store ptr %2, ptr %0, align 8
  %4 = getelementptr inbounds i8, ptr %0, i64 8
  store i32 %3, ptr %4, align 8
  br label %bb3

bb1:                                              ; preds = %start
  store ptr %r, ptr %r.dbg.spill, align 8, !dbg !107
    #dbg_declare(ptr %r.dbg.spill, !104, !DIExpression(), !109)
  store i8 2, ptr %r, align 1, !dbg !110
  %_0 = load i8, ptr %r, align 1, !dbg !111
  call void @"_ZN4core3ptr46drop_in_place$LT$alloc..vec..Vec$LT$u8$GT$$GT$17hd6d393f5be816699E"(ptr align 8 %v), !dbg !108
  ret i8 %_0, !dbg !112

terminate:                                        ; preds = %bb3
  %5 = landingpad { ptr, i32 }
          filter [0 x ptr] zeroinitializer
  call void @_RNvNtCsgEmfK2I1SDS_4core9panicking16panic_in_cleanup() #9, !dbg !113
  unreachable, !dbg !113

bb4:                                              ; preds = %bb3
  %6 = load ptr, ptr %0, align 8, !dbg !113
  %7 = getelementptr inbounds i8, ptr %0, i64 8, !dbg !113
  %8 = load i32, ptr %7, align 8, !dbg !113
  %9 = insertvalue { ptr, i32 } poison, ptr %6, 0, !dbg !113
  %10 = insertvalue { ptr, i32 } %9, i32 %8, 1, !dbg !113
  resume { ptr, i32 } %10, !dbg !113
}

; Function Attrs: inlinehint nonlazybind uwtable
declare align 1 ptr @"_ZN84_$LT$alloc..vec..Vec$LT$T$C$A$GT$$u20$as$u20$core..ops..index..IndexMut$LT$I$GT$$GT$9index_mut17h48dd2036dfb97b16E"(ptr align 8, i64, ptr align 8) unnamed_addr #1

; Function Attrs: nounwind nonlazybind uwtable
declare i32 @rust_eh_personality(i32, i32, i64, ptr, ptr) unnamed_addr #4

; Function Attrs: cold minsize noinline noreturn nounwind nonlazybind optsize uwtable
declare void @_RNvNtCsgEmfK2I1SDS_4core9panicking16panic_in_cleanup() unnamed_addr #5

attributes #0 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { inlinehint nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { noinline nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #3 = { alwaysinline nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #4 = { nounwind nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #5 = { cold minsize noinline noreturn nounwind nonlazybind optsize uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #6 = { alwaysinline }
attributes #7 = { inlinehint }
attributes #8 = { cold }
attributes #9 = { cold noreturn nounwind }

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
!7 = distinct !DISubprogram(name: "get<u8>", linkageName: "_ZN4core4cell13Cell$LT$T$GT$3get17h86ed0b895a4bf547E", scope: !9, file: !8, line: 552, type: !21, scopeLine: 552, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition, unit: !5, templateParams: !19, declaration: !24, retainedNodes: !25)
!8 = !DIFile(filename: "library/core/src/cell.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "96404e804c6faf0fea9fa631bcb8d1d2")
!9 = !DICompositeType(tag: DW_TAG_structure_type, name: "Cell<u8>", scope: !11, file: !10, size: 8, align: 8, flags: DIFlagPublic, elements: !13, templateParams: !19, identifier: "2bc10ca8d740f76f2eeee12ea7807a8b")
!10 = !DIFile(filename: "<unknown>", directory: "")
!11 = !DINamespace(name: "cell", scope: !12)
!12 = !DINamespace(name: "core", scope: null)
!13 = !{!14}
!14 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !9, file: !10, baseType: !15, size: 8, align: 8, flags: DIFlagPrivate)
!15 = !DICompositeType(tag: DW_TAG_structure_type, name: "UnsafeCell<u8>", scope: !11, file: !10, size: 8, align: 8, flags: DIFlagPublic, elements: !16, templateParams: !19, identifier: "df3fe7d204cf9645c1e0417088da45bf")
!16 = !{!17}
!17 = !DIDerivedType(tag: DW_TAG_member, name: "value", scope: !15, file: !10, baseType: !18, size: 8, align: 8, flags: DIFlagPrivate)
!18 = !DIBasicType(name: "u8", size: 8, encoding: DW_ATE_unsigned)
!19 = !{!20}
!20 = !DITemplateTypeParameter(name: "T", type: !18)
!21 = !DISubroutineType(types: !22)
!22 = !{!18, !23}
!23 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&core::cell::Cell<u8>", baseType: !9, size: 64, align: 64, dwarfAddressSpace: 0)
!24 = !DISubprogram(name: "get<u8>", linkageName: "_ZN4core4cell13Cell$LT$T$GT$3get17h86ed0b895a4bf547E", scope: !9, file: !8, line: 552, type: !21, scopeLine: 552, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit, templateParams: !19)
!25 = !{!26}
!26 = !DILocalVariable(name: "self", arg: 1, scope: !7, file: !8, line: 552, type: !23)
!27 = !DILocation(line: 552, column: 22, scope: !7)
!28 = !DILocation(line: 555, column: 18, scope: !7)
!29 = !DILocation(line: 556, column: 6, scope: !7)
!30 = distinct !DISubprogram(name: "use_always", linkageName: "_ZN4misc10use_always17h9f62eeece91d7adeE", scope: !32, file: !31, line: 9, type: !33, scopeLine: 9, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !38, retainedNodes: !36)
!31 = !DIFile(filename: "misc.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "14f18a601908484f06a5aeb0fcde6131")
!32 = !DINamespace(name: "misc", scope: null)
!33 = !DISubroutineType(types: !34)
!34 = !{null, !35}
!35 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut u8", baseType: !18, size: 64, align: 64, dwarfAddressSpace: 0)
!36 = !{!37}
!37 = !DILocalVariable(name: "q", arg: 1, scope: !30, file: !31, line: 9, type: !35)
!38 = !{}
!39 = !DILocation(line: 9, column: 19, scope: !30)
!40 = !DILocation(line: 9, column: 34, scope: !30)
!41 = !DILocation(line: 9, column: 33, scope: !30)
!42 = !DILocation(line: 9, column: 50, scope: !30)
!43 = distinct !DISubprogram(name: "get", linkageName: "_ZN4misc3get17h7ace495d59b63c2fE", scope: !32, file: !31, line: 11, type: !44, scopeLine: 11, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !38, retainedNodes: !87)
!44 = !DISubroutineType(types: !45)
!45 = !{!35, !46}
!46 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut alloc::vec::Vec<u8, alloc::alloc::Global>", baseType: !47, size: 64, align: 64, dwarfAddressSpace: 0)
!47 = !DICompositeType(tag: DW_TAG_structure_type, name: "Vec<u8, alloc::alloc::Global>", scope: !48, file: !10, size: 192, align: 64, flags: DIFlagPublic, elements: !50, templateParams: !85, identifier: "4743da188a3d7e8b8ad6d3218734496a")
!48 = !DINamespace(name: "vec", scope: !49)
!49 = !DINamespace(name: "alloc", scope: null)
!50 = !{!51, !86}
!51 = !DIDerivedType(tag: DW_TAG_member, name: "buf", scope: !47, file: !10, baseType: !52, size: 128, align: 64, flags: DIFlagPrivate)
!52 = !DICompositeType(tag: DW_TAG_structure_type, name: "RawVec<u8, alloc::alloc::Global>", scope: !53, file: !10, size: 128, align: 64, flags: DIFlagProtected, elements: !54, templateParams: !85, identifier: "1786a941d613205182510ae0fe838410")
!53 = !DINamespace(name: "raw_vec", scope: !49)
!54 = !{!55, !84}
!55 = !DIDerivedType(tag: DW_TAG_member, name: "inner", scope: !52, file: !10, baseType: !56, size: 128, align: 64, flags: DIFlagPrivate)
!56 = !DICompositeType(tag: DW_TAG_structure_type, name: "RawVecInner<alloc::alloc::Global>", scope: !53, file: !10, size: 128, align: 64, flags: DIFlagPrivate, elements: !57, templateParams: !82, identifier: "45ea25bc7f42e606fa74c731a5e7f80c")
!57 = !{!58, !72, !79}
!58 = !DIDerivedType(tag: DW_TAG_member, name: "ptr", scope: !56, file: !10, baseType: !59, size: 64, align: 64, offset: 64, flags: DIFlagPrivate)
!59 = !DICompositeType(tag: DW_TAG_structure_type, name: "Unique<u8>", scope: !60, file: !10, size: 64, align: 64, flags: DIFlagPublic, elements: !62, templateParams: !19, identifier: "3c59e741c9569c78cbe381fa3cbee4e5")
!60 = !DINamespace(name: "unique", scope: !61)
!61 = !DINamespace(name: "ptr", scope: !12)
!62 = !{!63, !69}
!63 = !DIDerivedType(tag: DW_TAG_member, name: "pointer", scope: !59, file: !10, baseType: !64, size: 64, align: 64, flags: DIFlagPrivate)
!64 = !DICompositeType(tag: DW_TAG_structure_type, name: "NonNull<u8>", scope: !65, file: !10, size: 64, align: 64, flags: DIFlagPublic, elements: !66, templateParams: !19, identifier: "ff3cb4cecc4ed13dfb833309b96ea529")
!65 = !DINamespace(name: "non_null", scope: !61)
!66 = !{!67}
!67 = !DIDerivedType(tag: DW_TAG_member, name: "pointer", scope: !64, file: !10, baseType: !68, size: 64, align: 64, flags: DIFlagPrivate)
!68 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "*const u8", baseType: !18, size: 64, align: 64, dwarfAddressSpace: 0)
!69 = !DIDerivedType(tag: DW_TAG_member, name: "_marker", scope: !59, file: !10, baseType: !70, align: 8, offset: 64, flags: DIFlagPrivate)
!70 = !DICompositeType(tag: DW_TAG_structure_type, name: "PhantomData<u8>", scope: !71, file: !10, align: 8, flags: DIFlagPublic, elements: !38, templateParams: !19, identifier: "15bae875c56c7c0f828edf19d836075e")
!71 = !DINamespace(name: "marker", scope: !12)
!72 = !DIDerivedType(tag: DW_TAG_member, name: "cap", scope: !56, file: !10, baseType: !73, size: 64, align: 64, flags: DIFlagPrivate)
!73 = !DICompositeType(tag: DW_TAG_structure_type, name: "UsizeNoHighBit", scope: !74, file: !10, size: 64, align: 64, flags: DIFlagPublic, elements: !76, templateParams: !38, identifier: "cad7375c0c871c072d809328de25b44")
!74 = !DINamespace(name: "niche_types", scope: !75)
!75 = !DINamespace(name: "num", scope: !12)
!76 = !{!77}
!77 = !DIDerivedType(tag: DW_TAG_member, name: "__0", scope: !73, file: !10, baseType: !78, size: 64, align: 64, flags: DIFlagPrivate)
!78 = !DIBasicType(name: "usize", size: 64, encoding: DW_ATE_unsigned)
!79 = !DIDerivedType(tag: DW_TAG_member, name: "alloc", scope: !56, file: !10, baseType: !80, align: 8, offset: 128, flags: DIFlagPrivate)
!80 = !DICompositeType(tag: DW_TAG_structure_type, name: "Global", scope: !81, file: !10, align: 8, flags: DIFlagPublic, elements: !38, identifier: "8471efeafbd677a88d306f08d1a0eeb")
!81 = !DINamespace(name: "alloc", scope: !49)
!82 = !{!83}
!83 = !DITemplateTypeParameter(name: "A", type: !80)
!84 = !DIDerivedType(tag: DW_TAG_member, name: "_marker", scope: !52, file: !10, baseType: !70, align: 8, offset: 128, flags: DIFlagPrivate)
!85 = !{!20, !83}
!86 = !DIDerivedType(tag: DW_TAG_member, name: "len", scope: !47, file: !10, baseType: !78, size: 64, align: 64, offset: 128, flags: DIFlagPrivate)
!87 = !{!88}
!88 = !DILocalVariable(name: "v", arg: 1, scope: !43, file: !31, line: 11, type: !46)
!89 = !DILocation(line: 11, column: 12, scope: !43)
!90 = !DILocation(line: 11, column: 48, scope: !43)
!91 = !DILocation(line: 11, column: 53, scope: !43)
!92 = distinct !DISubprogram(name: "always", linkageName: "_ZN4misc6always17hfb8c82a7fcd360f5E", scope: !32, file: !31, line: 8, type: !93, scopeLine: 8, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition, unit: !5, templateParams: !38, retainedNodes: !95)
!93 = !DISubroutineType(types: !94)
!94 = !{!35, !35}
!95 = !{!96}
!96 = !DILocalVariable(name: "x", arg: 1, scope: !92, file: !31, line: 8, type: !35)
!97 = !DILocation(line: 8, column: 15, scope: !92)
!98 = !DILocation(line: 8, column: 43, scope: !92)
!99 = distinct !DISubprogram(name: "with_drop", linkageName: "_ZN4misc9with_drop17h9ae8a683858c6a32E", scope: !32, file: !31, line: 12, type: !100, scopeLine: 12, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !38, retainedNodes: !102)
!100 = !DISubroutineType(types: !101)
!101 = !{!18, !47}
!102 = !{!103, !104}
!103 = !DILocalVariable(name: "v", arg: 1, scope: !99, file: !31, line: 12, type: !47)
!104 = !DILocalVariable(name: "r", scope: !105, file: !31, line: 12, type: !35, align: 64)
!105 = distinct !DILexicalBlock(scope: !99, file: !31, line: 12, column: 42)
!106 = !DILocation(line: 12, column: 18, scope: !99)
!107 = !DILocation(line: 12, column: 50, scope: !99)
!108 = !DILocation(line: 12, column: 74, scope: !99)
!109 = !DILocation(line: 12, column: 46, scope: !105)
!110 = !DILocation(line: 12, column: 63, scope: !105)
!111 = !DILocation(line: 12, column: 71, scope: !105)
!112 = !DILocation(line: 12, column: 75, scope: !99)
!113 = !DILocation(line: 12, column: 1, scope: !99)
