; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize -S %s | FileCheck-22 %s
; `&mut P` with `P: !Unpin` (PhantomPinned field): no retag, but the function is marked.
;
; Source:
;   use std::marker::PhantomPinned;
;   pub struct P { pub x: i32, _p: PhantomPinned }
;   pub fn set(p: &mut P) { p.x = 1; }
;
; CHECK: define void @{{.*}}set{{.*}}(ptr align 4 %p) unnamed_addr #[[ATTR:[0-9]+]]
; CHECK-NOT: __rust_retag_reg
; CHECK: store i32 1, ptr %p
; CHECK: attributes #[[ATTR]] = { {{.*}}"bsan-retags"="synthesized"

; ModuleID = 'pinned.d25ee2c2365c9c73-cgu.0'
source_filename = "pinned.d25ee2c2365c9c73-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; pinned::set
; Function Attrs: nonlazybind uwtable
define void @_ZN6pinned3set17h81725fc878059ac4E(ptr align 4 %p) unnamed_addr #0 !dbg !7 {
start:
  %p.dbg.spill = alloca [8 x i8], align 8
  store ptr %p, ptr %p.dbg.spill, align 8
    #dbg_declare(ptr %p.dbg.spill, !24, !DIExpression(), !25)
  store i32 1, ptr %p, align 4, !dbg !26
  ret void, !dbg !27
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
!6 = !DIFile(filename: "pinned.rs/@/pinned.d25ee2c2365c9c73-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "set", linkageName: "_ZN6pinned3set17h81725fc878059ac4E", scope: !9, file: !8, line: 3, type: !10, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !5, templateParams: !22, retainedNodes: !23)
!8 = !DIFile(filename: "pinned.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "507ace9c32ac9e852ff8511c57da94bd")
!9 = !DINamespace(name: "pinned", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{null, !12}
!12 = !DIDerivedType(tag: DW_TAG_pointer_type, name: "&mut pinned::P", baseType: !13, size: 64, align: 64, dwarfAddressSpace: 0)
!13 = !DICompositeType(tag: DW_TAG_structure_type, name: "P", scope: !9, file: !14, size: 32, align: 32, flags: DIFlagPublic, elements: !15, templateParams: !22, identifier: "2904c02b61c45fe182bb7bf7305b0f4d")
!14 = !DIFile(filename: "<unknown>", directory: "")
!15 = !{!16, !18}
!16 = !DIDerivedType(tag: DW_TAG_member, name: "x", scope: !13, file: !14, baseType: !17, size: 32, align: 32, flags: DIFlagPublic)
!17 = !DIBasicType(name: "i32", size: 32, encoding: DW_ATE_signed)
!18 = !DIDerivedType(tag: DW_TAG_member, name: "_p", scope: !13, file: !14, baseType: !19, align: 8, offset: 32, flags: DIFlagPrivate)
!19 = !DICompositeType(tag: DW_TAG_structure_type, name: "PhantomPinned", scope: !20, file: !14, align: 8, flags: DIFlagPublic, elements: !22, identifier: "ece6fb61d1dd3748976bd1fe424c2e2b")
!20 = !DINamespace(name: "marker", scope: !21)
!21 = !DINamespace(name: "core", scope: null)
!22 = !{}
!23 = !{!24}
!24 = !DILocalVariable(name: "p", arg: 1, scope: !7, file: !8, line: 3, type: !12)
!25 = !DILocation(line: 3, column: 12, scope: !7)
!26 = !DILocation(line: 3, column: 25, scope: !7)
!27 = !DILocation(line: 3, column: 35, scope: !7)
