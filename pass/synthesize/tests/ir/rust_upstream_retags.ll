; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; A crate module that already calls __rust_retag_reg without the !bsan.synthesized marker
; (rustc's own -Zcodegen-emit-retag) gets no new retag; every defined function, also @g
; which has no retag call but a `&mut i32` parameter, is marked "bsan-retags"="rustc" so
; the fat-LTO stage leaves it alone too.
;
; CHECK-LABEL: define void @f(ptr align 4 %x) unnamed_addr #0
; CHECK-NEXT: start:
; CHECK-NEXT: alloca
; CHECK-NEXT: %0 = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 11, ptr null, ptr null)
; CHECK-NEXT: store ptr %0, ptr %x.dbg.spill
; CHECK-NOT: call ptr @__rust_retag_reg
; CHECK-LABEL: define void @g(ptr align 4 %x) unnamed_addr #0
; CHECK-NOT: call ptr @__rust_retag_reg
; CHECK: attributes #0 = { nonlazybind uwtable "bsan-retags"="rustc" }

define void @f(ptr align 4 %x) unnamed_addr #0 !dbg !7 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  %0 = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 11, ptr null, ptr null)
  store ptr %0, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !15, !DIExpression(), !18)
  store i32 1, ptr %0, align 4, !dbg !20
  ret void, !dbg !20
}

define void @g(ptr align 4 %x) unnamed_addr #0 !dbg !21 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  store ptr %x, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !23, !DIExpression(), !24)
  store i32 2, ptr %x, align 4, !dbg !24
  ret void, !dbg !24
}

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

attributes #0 = { nonlazybind uwtable }

!llvm.module.flags = !{!2, !3}
!llvm.dbg.cu = !{!5}

!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "rustc", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug)
!6 = !DIFile(filename: "f.rs", directory: "/tmp")
!7 = distinct !DISubprogram(name: "f", linkageName: "f", scope: null, file: !6, line: 1, type: !10, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, retainedNodes: !14)
!10 = !DISubroutineType(types: !11)
!11 = !{null, !12}
!12 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut i32", baseType: !13, size: 64, align: 64, dwarfAddressSpace: 0)
!13 = !DIBasicType(name: "i32", size: 32, encoding: DW_ATE_signed)
!14 = !{!15}
!15 = !DILocalVariable(name: "x", arg: 1, scope: !7, file: !6, line: 1, type: !12)
!18 = !DILocation(line: 1, column: 6, scope: !7)
!20 = !DILocation(line: 1, column: 20, scope: !7)
!21 = distinct !DISubprogram(name: "g", linkageName: "g", scope: null, file: !6, line: 2, type: !10, scopeLine: 2, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, retainedNodes: !22)
!22 = !{!23}
!23 = !DILocalVariable(name: "x", arg: 1, scope: !21, file: !6, line: 2, type: !12)
!24 = !DILocation(line: 2, column: 20, scope: !21)
