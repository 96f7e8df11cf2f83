; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; `&i32` parameter: shared, strong protector, Freeze: PROTECTED|FREEZE = 9.
;
; Source:
;   pub fn read(x: &i32) -> i32 { *x }
;
; CHECK-LABEL: define i32 @{{.*}}read
; CHECK: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 9, ptr null, ptr null)
; CHECK: load i32, ptr %x.new

; ModuleID = 'shared_i32.621bacba932ac9be-cgu.0'
source_filename = "shared_i32.621bacba932ac9be-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; shared_i32::read
; Function Attrs: nonlazybind uwtable
define i32 @_ZN10shared_i324read17h833ef7c51f6c49d1E(ptr align 4 %x) unnamed_addr #0 !dbg !7 {
start:
  %x.dbg.spill = alloca [8 x i8], align 8
  store ptr %x, ptr %x.dbg.spill, align 8
    #dbg_declare(ptr %x.dbg.spill, !15, !DIExpression(), !17)
  %_0 = load i32, ptr %x, align 4, !dbg !18
  ret i32 %_0, !dbg !19
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
!6 = !DIFile(filename: "shared_i32.rs/@/shared_i32.621bacba932ac9be-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "read", linkageName: "_ZN10shared_i324read17h833ef7c51f6c49d1E", scope: !9, file: !8, line: 1, type: !10, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !16, retainedNodes: !14)
!8 = !DIFile(filename: "shared_i32.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "7256fc63e965881e370a1c18395b2489")
!9 = !DINamespace(name: "shared_i32", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{!12, !13}
!12 = !DIBasicType(name: "i32", size: 32, encoding: DW_ATE_signed)
!13 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&i32", baseType: !12, size: 64, align: 64, dwarfAddressSpace: 0)
!14 = !{!15}
!15 = !DILocalVariable(name: "x", arg: 1, scope: !7, file: !8, line: 1, type: !13)
!16 = !{}
!17 = !DILocation(line: 1, column: 13, scope: !7)
!18 = !DILocation(line: 1, column: 31, scope: !7)
!19 = !DILocation(line: 1, column: 35, scope: !7)
