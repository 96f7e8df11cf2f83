; RUN: opt-22 -load-pass-plugin=%plugin -passes='bsan-synthesize<rust-lto>' -S %s | FileCheck-22 %s
; RustLto: precompiled std (-O3, line tables only) is driven by parameter attributes.
; `noalias readonly dereferenceable(4)` = shared, PROTECTED|FREEZE (9, strong);
; `noalias dereferenceable(24)` = MUTABLE|BOX|PROTECTED (7, weak: may be a Box);
; `noalias` without dereferenceable (the Box) = size 0; `&Cell<u8>` has no noalias: no retag.
; (rustc 1.95 --crate-type=lib -Copt-level=3 -Cdebuginfo=line-tables-only)
;
; Source:
;   #[inline(never)]
;   pub fn mixed(x: &i32, v: &mut Vec<u8>, b: Box<u64>, c: &Cell<u8>, big: [u8; 100]) -> u64 {
;       v.push(*x as u8); c.set(big[3]); *b + v.len() as u64
;   }
;
; CHECK-LABEL: define noundef i64 @{{.*}}mixed
; CHECK-NEXT: start:
; CHECK-NEXT: %x.new = call ptr @__rust_retag_reg(ptr %x, i64 4, i8 9, ptr null, ptr null), !dbg
; CHECK-NEXT: %v.new = call ptr @__rust_retag_reg(ptr %v, i64 24, i8 7, ptr null, ptr null)
; CHECK-NEXT: %[[B:.*]] = call ptr @__rust_retag_reg(ptr %0, i64 0, i8 7, ptr null, ptr null)
; CHECK-NEXT: %big.new = call ptr @__rust_retag_reg(ptr %big, i64 100, i8 9, ptr null, ptr null)
; CHECK-NOT: __rust_retag_reg(ptr %c
; CHECK: load i64, ptr %[[B]]

; ModuleID = 'lto.4c1ee6f8af27f19d-cgu.0'
source_filename = "lto.4c1ee6f8af27f19d-cgu.0"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; lto::mixed
; Function Attrs: noinline nonlazybind uwtable
define noundef i64 @_ZN3lto5mixed17h3c2bfe3e419706e7E(ptr noalias noundef readonly align 4 captures(none) dereferenceable(4) %x, ptr noalias noundef align 8 dereferenceable(24) %v, ptr noalias noundef nonnull align 8 captures(address) %0, ptr noundef nonnull writeonly align 1 captures(none) %c, ptr dead_on_return noalias noundef readonly align 1 captures(none) dereferenceable(100) %big) unnamed_addr #0 personality ptr @rust_eh_personality !dbg !7 {
start:
  %_7 = load i32, ptr %x, align 4, !dbg !12, !noundef !11
  %1 = getelementptr inbounds nuw i8, ptr %v, i64 16, !dbg !13
  %len.i = load i64, ptr %1, align 8, !dbg !13, !alias.scope !22, !noundef !11
  %self1.i = load i64, ptr %v, align 8, !dbg !25, !range !35, !alias.scope !22, !noundef !11
  %_4.i = icmp eq i64 %len.i, %self1.i, !dbg !36
  br i1 %_4.i, label %bb1.i, label %bb4, !dbg !36

bb1.i:                                            ; preds = %start
; invoke <alloc::raw_vec::RawVec<u8>>::grow_one
  invoke void @_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVechE8grow_oneB7_(ptr noalias noundef nonnull align 8 dereferenceable(24) %v)
          to label %bb4 unwind label %bb3, !dbg !37

bb4:                                              ; preds = %start, %bb1.i
  %_6 = trunc i32 %_7 to i8, !dbg !12
  %2 = getelementptr inbounds nuw i8, ptr %v, i64 8, !dbg !38
  %_14.i = load ptr, ptr %2, align 8, !dbg !38, !alias.scope !22, !nonnull !11, !noundef !11
  %end.i = getelementptr inbounds nuw i8, ptr %_14.i, i64 %len.i, !dbg !47
  store i8 %_6, ptr %end.i, align 1, !dbg !55
  %3 = add nsw i64 %len.i, 1, !dbg !60
  store i64 %3, ptr %1, align 8, !dbg !60, !alias.scope !22
  %4 = getelementptr inbounds nuw i8, ptr %big, i64 3, !dbg !61
  %_8 = load i8, ptr %4, align 1, !dbg !61, !noundef !11
  store i8 %_8, ptr %c, align 1, !dbg !62
  %_9 = load i64, ptr %0, align 8, !dbg !75, !noundef !11
  %_0 = add i64 %_9, %3, !dbg !75
; call __rustc::__rust_dealloc
  tail call void @_RNvCsfLfy6EI15iL_7___rustc14___rust_dealloc(ptr noundef nonnull %0, i64 noundef 8, i64 noundef 8) #3, !dbg !76
  ret i64 %_0, !dbg !98

bb3:                                              ; preds = %bb1.i
  %5 = landingpad { ptr, i32 }
          cleanup
; call __rustc::__rust_dealloc
  tail call void @_RNvCsfLfy6EI15iL_7___rustc14___rust_dealloc(ptr noundef nonnull %0, i64 noundef 8, i64 noundef 8) #3, !dbg !99
  resume { ptr, i32 } %5, !dbg !106
}

; __rustc::__rust_dealloc
; Function Attrs: nounwind nonlazybind allockind("free") uwtable
declare void @_RNvCsfLfy6EI15iL_7___rustc14___rust_dealloc(ptr allocptr noundef captures(address), i64 noundef, i64 noundef range(i64 1, -9223372036854775807)) unnamed_addr #1

; Function Attrs: nounwind nonlazybind uwtable
declare noundef range(i32 0, 10) i32 @rust_eh_personality(i32 noundef, i32 noundef, i64 noundef, ptr noundef, ptr noundef) unnamed_addr #2

; <alloc::raw_vec::RawVec<u8>>::grow_one
; Function Attrs: noinline nonlazybind uwtable
declare void @_RNvMs3_NtCslNYArtu3iFV_5alloc7raw_vecINtB5_6RawVechE8grow_oneB7_(ptr noalias noundef align 8 dereferenceable(16)) unnamed_addr #0

attributes #0 = { noinline nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #1 = { nounwind nonlazybind allockind("free") uwtable "alloc-family"="__rust_alloc" "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #2 = { nounwind nonlazybind uwtable "probe-stack"="inline-asm" "target-cpu"="x86-64" }
attributes #3 = { nounwind }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}
!llvm.dbg.cu = !{!5}

!0 = !{i32 8, !"PIC Level", i32 2}
!1 = !{i32 2, !"RtLibUseGOT", i32 1}
!2 = !{i32 7, !"Dwarf Version", i32 4}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{!"rustc version 1.95.0 (59807616e 2026-04-14)"}
!5 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !6, producer: "clang LLVM (rustc version 1.95.0 (59807616e 2026-04-14))", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly, splitDebugInlining: false, nameTableKind: None)
!6 = !DIFile(filename: "lto.rs/@/lto.4c1ee6f8af27f19d-cgu.0", directory: "/tmp")
!7 = distinct !DISubprogram(name: "mixed", linkageName: "_ZN3lto5mixed17h3c2bfe3e419706e7E", scope: !9, file: !8, line: 3, type: !10, scopeLine: 3, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!8 = !DIFile(filename: "lto.rs", directory: "/tmp", checksumkind: CSK_MD5, checksum: "a36d2d386d6815159a0417f2666cfe87")
!9 = !DINamespace(name: "lto", scope: null)
!10 = !DISubroutineType(types: !11)
!11 = !{}
!12 = !DILocation(line: 4, column: 12, scope: !7)
!13 = !DILocation(line: 1025, column: 19, scope: !14, inlinedAt: !19)
!14 = distinct !DISubprogram(name: "push_mut<u8, alloc::alloc::Global>", linkageName: "_ZN5alloc3vec16Vec$LT$T$C$A$GT$8push_mut17hf953fde4d5b076f2E", scope: !16, file: !15, line: 1023, type: !10, scopeLine: 1023, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!15 = !DIFile(filename: "library/alloc/src/vec/mod.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "561105229399139e451a3aa6309b761e")
!16 = !DINamespace(name: "Vec", scope: !17)
!17 = !DINamespace(name: "vec", scope: !18)
!18 = !DINamespace(name: "alloc", scope: null)
!19 = distinct !DILocation(line: 992, column: 22, scope: !20, inlinedAt: !21)
!20 = distinct !DISubprogram(name: "push<u8, alloc::alloc::Global>", linkageName: "_ZN5alloc3vec16Vec$LT$T$C$A$GT$4push17h536022e486dda034E", scope: !16, file: !15, line: 991, type: !10, scopeLine: 991, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!21 = !DILocation(line: 4, column: 7, scope: !7)
!22 = !{!23}
!23 = distinct !{!23, !24, !"_ZN5alloc3vec16Vec$LT$T$C$A$GT$8push_mut17hf953fde4d5b076f2E: %self"}
!24 = distinct !{!24, !"_ZN5alloc3vec16Vec$LT$T$C$A$GT$8push_mut17hf953fde4d5b076f2E"}
!25 = !DILocation(line: 617, column: 49, scope: !26, inlinedAt: !30)
!26 = distinct !DISubprogram(name: "capacity<alloc::alloc::Global>", linkageName: "_ZN5alloc7raw_vec20RawVecInner$LT$A$GT$8capacity17h7bc4da458fafeeb1E", scope: !28, file: !27, line: 616, type: !10, scopeLine: 616, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!27 = !DIFile(filename: "library/alloc/src/raw_vec/mod.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "78584250230dfe0aae92794a07566ae7")
!28 = !DINamespace(name: "RawVecInner", scope: !29)
!29 = !DINamespace(name: "raw_vec", scope: !18)
!30 = distinct !DILocation(line: 308, column: 20, scope: !31, inlinedAt: !33)
!31 = distinct !DISubprogram(name: "capacity<u8, alloc::alloc::Global>", linkageName: "_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$8capacity17hd67b3aa512afe8c4E", scope: !32, file: !27, line: 307, type: !10, scopeLine: 307, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!32 = !DINamespace(name: "RawVec", scope: !29)
!33 = distinct !DILocation(line: 1028, column: 28, scope: !34, inlinedAt: !19)
!34 = distinct !DILexicalBlock(scope: !14, file: !15, line: 1025, column: 9)
!35 = !{i64 0, i64 -9223372036854775808}
!36 = !DILocation(line: 1028, column: 12, scope: !34, inlinedAt: !19)
!37 = !DILocation(line: 1029, column: 22, scope: !34, inlinedAt: !19)
!38 = !DILocation(line: 612, column: 9, scope: !39, inlinedAt: !40)
!39 = distinct !DISubprogram(name: "non_null<alloc::alloc::Global, u8>", linkageName: "_ZN5alloc7raw_vec20RawVecInner$LT$A$GT$8non_null17h67bfa43e02e55269E", scope: !28, file: !27, line: 611, type: !10, scopeLine: 611, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!40 = distinct !DILocation(line: 607, column: 14, scope: !41, inlinedAt: !42)
!41 = distinct !DISubprogram(name: "ptr<alloc::alloc::Global, u8>", linkageName: "_ZN5alloc7raw_vec20RawVecInner$LT$A$GT$3ptr17h273be75f3220b0fcE", scope: !28, file: !27, line: 606, type: !10, scopeLine: 606, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!42 = distinct !DILocation(line: 295, column: 20, scope: !43, inlinedAt: !44)
!43 = distinct !DISubprogram(name: "ptr<u8, alloc::alloc::Global>", linkageName: "_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$3ptr17h425db2c7ad009f1aE", scope: !32, file: !27, line: 294, type: !10, scopeLine: 294, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!44 = distinct !DILocation(line: 2000, column: 18, scope: !45, inlinedAt: !46)
!45 = distinct !DISubprogram(name: "as_mut_ptr<u8, alloc::alloc::Global>", linkageName: "_ZN5alloc3vec16Vec$LT$T$C$A$GT$10as_mut_ptr17hd70193c29457ff8eE", scope: !16, file: !15, line: 1997, type: !10, scopeLine: 1997, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!46 = distinct !DILocation(line: 1032, column: 28, scope: !34, inlinedAt: !19)
!47 = !DILocation(line: 961, column: 18, scope: !48, inlinedAt: !54)
!48 = distinct !DISubprogram(name: "add<u8>", linkageName: "_ZN4core3ptr7mut_ptr31_$LT$impl$u20$$BP$mut$u20$T$GT$3add17h321b49e274e94db2E", scope: !50, file: !49, line: 927, type: !10, scopeLine: 927, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!49 = !DIFile(filename: "library/core/src/ptr/mut_ptr.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "7c03c8e0ae695174f7f10881dc49d2cb")
!50 = !DINamespace(name: "{impl#0}", scope: !51)
!51 = !DINamespace(name: "mut_ptr", scope: !52)
!52 = !DINamespace(name: "ptr", scope: !53)
!53 = !DINamespace(name: "core", scope: null)
!54 = distinct !DILocation(line: 1032, column: 41, scope: !34, inlinedAt: !19)
!55 = !DILocation(line: 1917, column: 41, scope: !56, inlinedAt: !58)
!56 = distinct !DISubprogram(name: "write<u8>", linkageName: "_ZN4core3ptr5write17h82944eaffda0fd6fE", scope: !52, file: !57, line: 1894, type: !10, scopeLine: 1894, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!57 = !DIFile(filename: "library/core/src/ptr/mod.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "8f706ae0a0620120e6e931983ef127f1")
!58 = distinct !DILocation(line: 1033, column: 13, scope: !59, inlinedAt: !19)
!59 = distinct !DILexicalBlock(scope: !34, file: !15, line: 1032, column: 13)
!60 = !DILocation(line: 1034, column: 13, scope: !59, inlinedAt: !19)
!61 = !DILocation(line: 4, column: 29, scope: !7)
!62 = !DILocation(line: 902, column: 49, scope: !63, inlinedAt: !67)
!63 = distinct !DILexicalBlock(scope: !65, file: !64, line: 901, column: 9)
!64 = !DIFile(filename: "library/core/src/mem/mod.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "6bca88b164013e73def192dcdbc80502")
!65 = distinct !DISubprogram(name: "replace<u8>", linkageName: "_ZN4core3mem7replace17hef7c86f2f8f3df7fE", scope: !66, file: !64, line: 887, type: !10, scopeLine: 887, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!66 = !DINamespace(name: "mem", scope: !53)
!67 = !DILocation(line: 513, column: 9, scope: !68, inlinedAt: !72)
!68 = distinct !DISubprogram(name: "replace<u8>", linkageName: "_ZN4core4cell13Cell$LT$T$GT$7replace17hc41dc9c3d90ce2daE", scope: !70, file: !69, line: 510, type: !10, scopeLine: 510, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!69 = !DIFile(filename: "library/core/src/cell.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "96404e804c6faf0fea9fa631bcb8d1d2")
!70 = !DINamespace(name: "Cell", scope: !71)
!71 = !DINamespace(name: "cell", scope: !53)
!72 = !DILocation(line: 437, column: 14, scope: !73, inlinedAt: !74)
!73 = distinct !DISubprogram(name: "set<u8>", linkageName: "_ZN4core4cell13Cell$LT$T$GT$3set17h8fbb64f24592f38cE", scope: !70, file: !69, line: 433, type: !10, scopeLine: 433, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!74 = !DILocation(line: 4, column: 25, scope: !7)
!75 = !DILocation(line: 4, column: 38, scope: !7)
!76 = !DILocation(line: 115, column: 14, scope: !77, inlinedAt: !80)
!77 = distinct !DISubprogram(name: "dealloc", linkageName: "_RNvNtCslNYArtu3iFV_5alloc5alloc7dealloc", scope: !79, file: !78, line: 114, type: !10, scopeLine: 114, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!78 = !DIFile(filename: "library/alloc/src/alloc.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "57066d22da38e4b1f3bfd29f3d5ff5ae")
!79 = !DINamespace(name: "alloc", scope: !18)
!80 = distinct !DILocation(line: 209, column: 22, scope: !81, inlinedAt: !83)
!81 = distinct !DISubprogram(name: "deallocate_impl_runtime", linkageName: "_RNvMNtCslNYArtu3iFV_5alloc5allocNtB2_6Global23deallocate_impl_runtime", scope: !82, file: !78, line: 199, type: !10, scopeLine: 199, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!82 = !DINamespace(name: "Global", scope: !79)
!83 = distinct !DILocation(line: 324, column: 9, scope: !84, inlinedAt: !85)
!84 = distinct !DISubprogram(name: "deallocate_impl", linkageName: "_RNvMNtCslNYArtu3iFV_5alloc5allocNtB2_6Global15deallocate_impl", scope: !82, file: !78, line: 323, type: !10, scopeLine: 323, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!85 = distinct !DILocation(line: 442, column: 23, scope: !86, inlinedAt: !88)
!86 = distinct !DISubprogram(name: "deallocate", linkageName: "_RNvXs_NtCslNYArtu3iFV_5alloc5allocNtB4_6GlobalNtNtCsgEmfK2I1SDS_4core5alloc9Allocator10deallocate", scope: !87, file: !78, line: 440, type: !10, scopeLine: 440, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!87 = !DINamespace(name: "{impl#1}", scope: !79)
!88 = distinct !DILocation(line: 1921, column: 24, scope: !89, inlinedAt: !95)
!89 = distinct !DILexicalBlock(scope: !91, file: !90, line: 1919, column: 13)
!90 = !DIFile(filename: "library/alloc/src/boxed.rs", directory: "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860", checksumkind: CSK_MD5, checksum: "c2c961396e00891ae9e97f5dc112a35a")
!91 = distinct !DILexicalBlock(scope: !92, file: !90, line: 1916, column: 9)
!92 = distinct !DISubprogram(name: "drop<u64, alloc::alloc::Global>", linkageName: "_ZN72_$LT$alloc..boxed..Box$LT$T$C$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h434161a28c6cf453E", scope: !93, file: !90, line: 1913, type: !10, scopeLine: 1913, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!93 = !DINamespace(name: "{impl#10}", scope: !94)
!94 = !DINamespace(name: "boxed", scope: !18)
!95 = distinct !DILocation(line: 805, column: 1, scope: !96, inlinedAt: !97)
!96 = distinct !DISubprogram(name: "drop_in_place<alloc::boxed::Box<u64, alloc::alloc::Global>>", linkageName: "_ZN4core3ptr49drop_in_place$LT$alloc..boxed..Box$LT$u64$GT$$GT$17h50f5885b046a6f35E", scope: !52, file: !57, line: 805, type: !10, scopeLine: 805, flags: DIFlagPrototyped, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition | DISPFlagOptimized, unit: !5, templateParams: !11)
!97 = distinct !DILocation(line: 5, column: 1, scope: !7)
!98 = !DILocation(line: 5, column: 2, scope: !7)
!99 = !DILocation(line: 115, column: 14, scope: !77, inlinedAt: !100)
!100 = distinct !DILocation(line: 209, column: 22, scope: !81, inlinedAt: !101)
!101 = distinct !DILocation(line: 324, column: 9, scope: !84, inlinedAt: !102)
!102 = distinct !DILocation(line: 442, column: 23, scope: !86, inlinedAt: !103)
!103 = distinct !DILocation(line: 1921, column: 24, scope: !89, inlinedAt: !104)
!104 = distinct !DILocation(line: 805, column: 1, scope: !96, inlinedAt: !105)
!105 = distinct !DILocation(line: 5, column: 1, scope: !7)
!106 = !DILocation(line: 3, column: 1, scope: !7)
