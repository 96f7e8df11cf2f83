; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; Fn-entry retags of two `&mut i32` parameters (rustc -g -Copt-level=0 -Cno-prepopulate-passes,
; the IR PipelineStartEP sees): MUTABLE|PROTECTED|FREEZE = 11, size 4, before the spills;
; every use of the argument (spill store, accesses) takes the retagged pointer.
;
; Source:
;   pub fn write_both(x: &mut i32, y: &mut i32) { *x = 1; *y = 2; }
;
; CHECK: define void @{{.*}}write_both{{.*}}(ptr align 4 %x, ptr align 4 %y) unnamed_addr #[[ATTR:[0-9]+]]
; CHECK: alloca
; CHECK: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 11, ptr null, ptr null), !dbg [[LOC:![0-9]+]], !bsan.synthesized
; CHECK-NEXT: %y.new = call ptr @__rust_retag_reg(ptr %y, i64 4, i8 11, ptr null, ptr null), !dbg [[LOC]], !bsan.synthesized
; CHECK-NEXT: store ptr %x.new, ptr %x.dbg.spill
; CHECK: store ptr %y.new, ptr %y.dbg.spill
; CHECK: store i32 1, ptr %x.new
; CHECK: store i32 2, ptr %y.new
; CHECK: declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
; CHECK: attributes #[[ATTR]] = { {{.*}}"bsan-retags"="synthesized"
; CHECK: [[LOC]] = !DILocation(line: 1, scope:

; ModuleID = 'mut_i32.2506a8906bae5d43-cgu.0'
source_filename = "mut_i32.2506a8906bae5d43-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; mut_i32::write_both
; Function Attrs: nonlazybind uwtable
define void @_ZN7mut_i3210write_both17h0dacb0d92394625aE(ptr align 4 %x, ptr align 4 %y) unnamed_addr #0 !dbg !7 {
start:
  %y.dbg.spill = alloca [8 x i8], align 8
  %x.dbg.spill = alloca [8 x i8], align 8
  store ptr %x, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !15, !DIExpression(), !18)
  store ptr %y, ptr %y.dbg.spill, align 8
    #dbg_declare(ptr %y.dbg.spill, !16, !DIExpression(), !19)
  store i32 1, ptr %x, align 4, !dbg !20
  store i32 2, ptr %y, align 4, !dbg !21
  ret void, !dbg !22
}

attributes #0 = { nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}
!llvm.dbg.cu = !{!5}

!0 = !{i32 8, !"PIC Level", i32 2}
!1 = !{i32 2, !"RtLibUseGOT", i32 1}
!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{!"rustc version 1.95.0 (59807616e 2026-04-14)"}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "clang LLVM (rustc version 1.95.0 (59807616e 2026-04-14))", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!6 = !DIFile(filename: "mut_i32.rs/@/mut_i32.2506a8906bae5d43-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "write_both", linkageName: "_ZN7mut_i3210write_both17h0dacb0d92394625aE", scope: !9, file: !8, line: 1, type: !10, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !17, retainedNodes: !14)
!8 = !DIFile(filename: "mut_i32.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "d6606977c45e08d8123e9f2d8dfae0e8")
!9 = !DINamespace(name: "mut_i32", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{null, !12, !12}
!12 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut i32", baseType: !13, size: 64, align: 64, dwarfAddressSpace: 0)
!13 = !DIBasicType(name: "i32", size: 32, encoding: DW_ATE_signed)
!14 = !{!15, !16}
!15 = !DILocalVariable(name: "x", arg: 1, scope: !7, file: !8, line: 1, type: !12)
!16 = !DILocalVariable(name: "y", arg: 2, scope: !7, file: !8, line: 1, type: !12)
!17 = !{}
!18 = !DILocation(line: 1, column: 19, scope: !7)
!19 = !DILocation(line: 1, column: 32, scope: !7)
!20 = !DILocation(line: 1, column: 47, scope: !7)
!21 = !DILocation(line: 1, column: 55, scope: !7)
!22 = !DILocation(line: 1, column: 64, scope: !7)
