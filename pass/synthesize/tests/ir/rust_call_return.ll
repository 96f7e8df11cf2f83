; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; Call-return retags without protector: `&mut i32` result = MUTABLE|FREEZE (10); a `&[u16]`
; result returned as { ptr, i64 } is split, retagged (FREEZE = 8, size len*2) and rebuilt.
;
; Source:
;   #[inline(never)]
;   pub fn pick(x: &mut i32) -> &mut i32 { x }
;   #[inline(never)]
;   pub fn tail(x: &[u16]) -> &[u16] { &x[1..] }
;   pub fn caller(a: &mut i32, s: &[u16]) -> usize { *pick(a) = 5; tail(s).len() }
;
; CHECK-LABEL: define i64 @{{.*}}caller
; CHECK: %a.new = call ptr @__rust_retag_reg(ptr %a, i64 4, i8 11,
; CHECK: %_3 = call align 4 ptr @{{.*}}pick{{.*}}(ptr align 4 %a.new)
; CHECK-NEXT: %_3.new = call ptr @__rust_retag_reg(ptr %_3, i64 4, i8 10, ptr null, ptr null), !dbg
; CHECK-NEXT: store i32 5, ptr %_3.new
; CHECK: %[[AGG:.*]] = call { ptr, i64 } @{{.*}}tail
; CHECK-NEXT: %[[P:.*]] = extractvalue { ptr, i64 } %[[AGG]], 0
; CHECK-NEXT: %[[L:.*]] = extractvalue { ptr, i64 } %[[AGG]], 1
; CHECK-NEXT: %[[SZ:.*]] = mul nuw i64 %[[L]], 2
; CHECK-NEXT: %[[R:.*]] = call ptr @__rust_retag_reg(ptr %[[P]], i64 %[[SZ]], i8 8, ptr null, ptr null)
; CHECK-NEXT: %[[NEW:.*]] = insertvalue { ptr, i64 } %[[AGG]], ptr %[[R]], 0
; CHECK-NEXT: extractvalue { ptr, i64 } %[[NEW]], 0

; ModuleID = 'call_return.body.ll'
source_filename = "call_return.81bdeee30a7fb985-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@alloc_70df98762ea3825d7d3b7dd64bf3839c = external hidden unnamed_addr constant <{ ptr, [16 x i8] }>, align 8

; Function Attrs: noinline nonlazybind uwtable
define align 4 ptr @_ZN11call_return4pick17hb6579b12c1826232E(ptr align 4 %x) unnamed_addr #0 !dbg !7 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  store ptr %x, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !15, !DIExpression(), !17)
  ret ptr %x, !dbg !18
}

; Function Attrs: noinline nonlazybind uwtable
define { ptr, i64 } @_ZN11call_return4tail17hd33c6c2aa1d595c4E(ptr align 2 %x.0, i64 %x.1) unnamed_addr #0 !dbg !19 {
start:
  %x.dbg.spill = alloca [16 x i8], align 8
  store ptr %x.0, ptr %x.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %x.dbg.spill, i64 8
  store i64 %x.1, ptr %0, align 8
    #dbg_declare(ptr %x.dbg.spill, !31, !DIExpression(), !32)
  %1 = call { ptr, i64 } @"_ZN4core5slice5index74_$LT$impl$u20$core..ops..index..Index$LT$I$GT$$u20$for$u20$$u5b$T$u5d$$GT$5index17hec22a6799380a141E"(ptr align 2 %x.0, i64 %x.1, i64 1, ptr align 8 @alloc_70df98762ea3825d7d3b7dd64bf3839c) #3, !dbg !33
  %_0.0 = extractvalue { ptr, i64 } %1, 0, !dbg !33
  %_0.1 = extractvalue { ptr, i64 } %1, 1, !dbg !33
  %2 = insertvalue { ptr, i64 } poison, ptr %_0.0, 0, !dbg !34
  %3 = insertvalue { ptr, i64 } %2, i64 %_0.1, 1, !dbg !34
  ret { ptr, i64 } %3, !dbg !34
}

; Function Attrs: nonlazybind uwtable
define i64 @_ZN11call_return6caller17h8a5e0249cd2b458bE(ptr align 4 %a, ptr align 2 %s.0, i64 %s.1) unnamed_addr #1 !dbg !35 {
start:
  %s.dbg.spill = alloca [16 x i8], align 8
  %a.dbg.spill = alloca [8 x i8], align 8
  store ptr %a, ptr %a.dbg.spill, align 8
    #dbg_declare(ptr %a.dbg.spill, !39, !DIExpression(), !41)
  store ptr %s.0, ptr %s.dbg.spill, align 8
  %0 = getelementptr inbounds i8, ptr %s.dbg.spill, i64 8
  store i64 %s.1, ptr %0, align 8
    #dbg_declare(ptr %s.dbg.spill, !40, !DIExpression(), !42)
  %_3 = call align 4 ptr @_ZN11call_return4pick17hb6579b12c1826232E(ptr align 4 %a) #4, !dbg !43
  store i32 5, ptr %_3, align 4, !dbg !44
  %1 = call { ptr, i64 } @_ZN11call_return4tail17hd33c6c2aa1d595c4E(ptr align 2 %s.0, i64 %s.1) #4, !dbg !45
  %_4.0 = extractvalue { ptr, i64 } %1, 0, !dbg !45
  %_4.1 = extractvalue { ptr, i64 } %1, 1, !dbg !45
  ret i64 %_4.1, !dbg !46
}

; Function Attrs: alwaysinline nonlazybind uwtable
declare hidden { ptr, i64 } @"_ZN4core5slice5index74_$LT$impl$u20$core..ops..index..Index$LT$I$GT$$u20$for$u20$$u5b$T$u5d$$GT$5index17hec22a6799380a141E"(ptr align 2, i64, i64, ptr align 8) unnamed_addr #2

attributes #0 = { noinline nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { alwaysinline nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #3 = { alwaysinline }
attributes #4 = { noinline }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}
!llvm.dbg.cu = !{!5}

!0 = !{i32 8, !"PIC Level", i32 2}
!1 = !{i32 2, !"RtLibUseGOT", i32 1}
!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{!"rustc version 1.95.0 (59807616e 2026-04-14)"}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "clang LLVM (rustc version 1.95.0 (59807616e 2026-04-14))", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!6 = !DIFile(filename: "call_return.rs/@/call_return.81bdeee30a7fb985-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "pick", linkageName: "_ZN11call_return4pick17hb6579b12c1826232E", scope: !9, file: !8, line: 2, type: !10, scopeLine: 2, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !16, retainedNodes: !14)
!8 = !DIFile(filename: "call_return.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "563b93b6e9cbb6493090cea8febc686e")
!9 = !DINamespace(name: "call_return", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{!12, !12}
!12 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut i32", baseType: !13, size: 64, align: 64, dwarfAddressSpace: 0)
!13 = !DIBasicType(name: "i32", size: 32, encoding: DW_ATE_signed)
!14 = !{!15}
!15 = !DILocalVariable(name: "x", arg: 1, scope: !7, file: !8, line: 2, type: !12)
!16 = !{}
!17 = !DILocation(line: 2, column: 13, scope: !7)
!18 = !DILocation(line: 2, column: 43, scope: !7)
!19 = distinct !DISubprogram(name: "tail", linkageName: "_ZN11call_return4tail17hd33c6c2aa1d595c4E", scope: !9, file: !8, line: 4, type: !20, scopeLine: 4, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !16, retainedNodes: !30)
!20 = !DISubroutineType(types: !21)
!21 = !{!22, !22}
!22 = !DICompositeType(tag: DW_TAG_structure_type, name: "&[u16]", file: !23, size: 128, align: 64, elements: !24, templateParams: !16, identifier: "7754e79038034cabe41502e81189cbe9")
!23 = !DIFile(filename: "<unknown>", directory: "")
!24 = !{!25, !28}
!25 = !DIDerivedType(tag: DW_TAG_member, name: "data_ptr", scope: !22, file: !23, baseType: !26, size: 64, align: 64)
!26 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !27, size: 64, align: 64, dwarfAddressSpace: 0)
!27 = !DIBasicType(name: "u16", size: 16, encoding: DW_ATE_unsigned)
!28 = !DIDerivedType(tag: DW_TAG_member, name: "length", scope: !22, file: !23, baseType: !29, size: 64, align: 64, offset: 64)
!29 = !DIBasicType(name: "usize", size: 64, encoding: DW_ATE_unsigned)
!30 = !{!31}
!31 = !DILocalVariable(name: "x", arg: 1, scope: !19, file: !8, line: 4, type: !22)
!32 = !DILocation(line: 4, column: 13, scope: !19)
!33 = !DILocation(line: 4, column: 38, scope: !19)
!34 = !DILocation(line: 4, column: 45, scope: !19)
!35 = distinct !DISubprogram(name: "caller", linkageName: "_ZN11call_return6caller17h8a5e0249cd2b458bE", scope: !9, file: !8, line: 5, type: !36, scopeLine: 5, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !16, retainedNodes: !38)
!36 = !DISubroutineType(types: !37)
!37 = !{!29, !12, !22}
!38 = !{!39, !40}
!39 = !DILocalVariable(name: "a", arg: 1, scope: !35, file: !8, line: 5, type: !12)
!40 = !DILocalVariable(name: "s", arg: 2, scope: !35, file: !8, line: 5, type: !22)
!41 = !DILocation(line: 5, column: 15, scope: !35)
!42 = !DILocation(line: 5, column: 28, scope: !35)
!43 = !DILocation(line: 5, column: 51, scope: !35)
!44 = !DILocation(line: 5, column: 50, scope: !35)
!45 = !DILocation(line: 5, column: 64, scope: !35)
!46 = !DILocation(line: 5, column: 79, scope: !35)
