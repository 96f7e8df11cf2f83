; RUN: opt-22 -load-pass-plugin=%plugin -passes='bsan-synthesize<clang>' -S %s | FileCheck-22 %s
; Clang: C `restrict` parameters are `noalias` even at -O0: MUTABLE|BOX|PROTECTED (7, weak),
; size 0 (no dereferenceable); the plain pointer is not retagged.
; (clang-22 -O0 -g -S -emit-llvm -Xclang -disable-O0-optnone)
;
; Source:
;   void copy(int *restrict dst, const int *restrict src, int *plain, int n) {
;     for (int i = 0; i < n; i++) dst[i] = src[i] + plain[i];
;   }
;
; CHECK-LABEL: define dso_local void @copy(ptr noalias noundef %0, ptr noalias noundef %1, ptr noundef %2, i32 noundef %3)
; CHECK: %[[D:.*]] = call ptr @__rust_retag_reg(ptr %0, i64 0, i8 7, ptr null, ptr null), !dbg
; CHECK-NEXT: %[[S:.*]] = call ptr @__rust_retag_reg(ptr %1, i64 0, i8 7, ptr null, ptr null), !dbg
; CHECK-NEXT: store ptr %[[D]], ptr
; CHECK-NEXT: #dbg_declare
; CHECK-NEXT: store ptr %[[S]], ptr
; CHECK-NOT: __rust_retag_reg(ptr %2

; ModuleID = 'restrict.c'
source_filename = "restrict.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

; Function Attrs: noinline nounwind uwtable
define dso_local void @copy(ptr noalias noundef %0, ptr noalias noundef %1, ptr noundef %2, i32 noundef %3) #0 !dbg !10 {
  %5 = alloca ptr, align 8
  %6 = alloca ptr, align 8
  %7 = alloca ptr, align 8
  %8 = alloca i32, align 4
  %9 = alloca i32, align 4
  store ptr %0, ptr %5, align 8
    #dbg_declare(ptr %5, !20, !DIExpression(), !21)
  store ptr %1, ptr %6, align 8
    #dbg_declare(ptr %6, !22, !DIExpression(), !23)
  store ptr %2, ptr %7, align 8
    #dbg_declare(ptr %7, !24, !DIExpression(), !25)
  store i32 %3, ptr %8, align 4
    #dbg_declare(ptr %8, !26, !DIExpression(), !27)
    #dbg_declare(ptr %9, !28, !DIExpression(), !30)
  store i32 0, ptr %9, align 4, !dbg !30
  br label %10, !dbg !31

10:                                               ; preds = %30, %4
  %11 = load i32, ptr %9, align 4, !dbg !32
  %12 = load i32, ptr %8, align 4, !dbg !34
  %13 = icmp slt i32 %11, %12, !dbg !35
  br i1 %13, label %14, label %33, !dbg !36

14:                                               ; preds = %10
  %15 = load ptr, ptr %6, align 8, !dbg !37
  %16 = load i32, ptr %9, align 4, !dbg !38
  %17 = sext i32 %16 to i64, !dbg !37
  %18 = getelementptr inbounds i32, ptr %15, i64 %17, !dbg !37
  %19 = load i32, ptr %18, align 4, !dbg !37
  %20 = load ptr, ptr %7, align 8, !dbg !39
  %21 = load i32, ptr %9, align 4, !dbg !40
  %22 = sext i32 %21 to i64, !dbg !39
  %23 = getelementptr inbounds i32, ptr %20, i64 %22, !dbg !39
  %24 = load i32, ptr %23, align 4, !dbg !39
  %25 = add nsw i32 %19, %24, !dbg !41
  %26 = load ptr, ptr %5, align 8, !dbg !42
  %27 = load i32, ptr %9, align 4, !dbg !43
  %28 = sext i32 %27 to i64, !dbg !42
  %29 = getelementptr inbounds i32, ptr %26, i64 %28, !dbg !42
  store i32 %25, ptr %29, align 4, !dbg !44
  br label %30, !dbg !42

30:                                               ; preds = %14
  %31 = load i32, ptr %9, align 4, !dbg !45
  %32 = add nsw i32 %31, 1, !dbg !45
  store i32 %32, ptr %9, align 4, !dbg !45
  br label %10, !dbg !46, !llvm.loop !47

33:                                               ; preds = %10
  ret void, !dbg !50
}

attributes #0 = { noinline nounwind uwtable "frame-pointer"="all" "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!2, !3, !4, !5, !6, !7, !8}
!llvm.ident = !{!9}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "Debian clang version 22.1.8 (1~deb12u1)", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug, splitDebugInlining: false, nameTableKind: None)
!1 = !DIFile(filename: "restrict.c", directory: "/tmp", checksumkind: CSK_MD5, checksum: "50121bd10c8a45ee25f02c19fc978538")
!2 = !{i32 7, !"Dwarf Version", i32 5}
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 1, !"wchar_size", i32 4}
!5 = !{i32 8, !"PIC Level", i32 2}
!6 = !{i32 7, !"PIE Level", i32 2}
!7 = !{i32 7, !"uwtable", i32 2}
!8 = !{i32 7, !"frame-pointer", i32 2}
!9 = !{!"Debian clang version 22.1.8 (1~deb12u1)"}
!10 = distinct !DISubprogram(name: "copy", scope: !1, file: !1, line: 1, type: !11, scopeLine: 1, flags: DIFlagPrototyped, spFlags: DISPFlagDefinition, unit: !0, retainedNodes: !19)
!11 = !DISubroutineType(types: !12)
!12 = !{null, !13, !16, !14, !15}
!13 = !DIDerivedType(tag: DW_TAG_restrict_type, baseType: !14)
!14 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !15, size: 64)
!15 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!16 = !DIDerivedType(tag: DW_TAG_restrict_type, baseType: !17)
!17 = !DIDerivedType(tag: DW_TAG_pointer_type, baseType: !18, size: 64)
!18 = !DIDerivedType(tag: DW_TAG_const_type, baseType: !15)
!19 = !{}
!20 = !DILocalVariable(name: "dst", arg: 1, scope: !10, file: !1, line: 1, type: !13)
!21 = !DILocation(line: 1, column: 25, scope: !10)
!22 = !DILocalVariable(name: "src", arg: 2, scope: !10, file: !1, line: 1, type: !16)
!23 = !DILocation(line: 1, column: 50, scope: !10)
!24 = !DILocalVariable(name: "plain", arg: 3, scope: !10, file: !1, line: 1, type: !14)
!25 = !DILocation(line: 1, column: 60, scope: !10)
!26 = !DILocalVariable(name: "n", arg: 4, scope: !10, file: !1, line: 1, type: !15)
!27 = !DILocation(line: 1, column: 71, scope: !10)
!28 = !DILocalVariable(name: "i", scope: !29, file: !1, line: 2, type: !15)
!29 = distinct !DILexicalBlock(scope: !10, file: !1, line: 2, column: 3)
!30 = !DILocation(line: 2, column: 12, scope: !29)
!31 = !DILocation(line: 2, column: 8, scope: !29)
!32 = !DILocation(line: 2, column: 19, scope: !33)
!33 = distinct !DILexicalBlock(scope: !29, file: !1, line: 2, column: 3)
!34 = !DILocation(line: 2, column: 23, scope: !33)
!35 = !DILocation(line: 2, column: 21, scope: !33)
!36 = !DILocation(line: 2, column: 3, scope: !29)
!37 = !DILocation(line: 2, column: 40, scope: !33)
!38 = !DILocation(line: 2, column: 44, scope: !33)
!39 = !DILocation(line: 2, column: 49, scope: !33)
!40 = !DILocation(line: 2, column: 55, scope: !33)
!41 = !DILocation(line: 2, column: 47, scope: !33)
!42 = !DILocation(line: 2, column: 31, scope: !33)
!43 = !DILocation(line: 2, column: 35, scope: !33)
!44 = !DILocation(line: 2, column: 38, scope: !33)
!45 = !DILocation(line: 2, column: 27, scope: !33)
!46 = !DILocation(line: 2, column: 3, scope: !33)
!47 = distinct !{!47, !36, !48, !49}
!48 = !DILocation(line: 2, column: 56, scope: !29)
!49 = !{!"llvm.loop.mustprogress"}
!50 = !DILocation(line: 3, column: 1, scope: !10)
