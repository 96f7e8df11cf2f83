; rustc's -Zcodegen-emit-retag output, in the shape of `-Copt-level=0 -Cno-prepopulate-passes`
; (written after rustc_codegen_ssa/src/mir/retag.rs): range arrays are `[16 x i8]` byte
; globals (or rustc's `<{ [N x i8] }>` allocations) of native-endian usize (offset, len)
; pairs, null when empty. Flags: PROTECTED=1 MUTABLE=2 BOX=4 FREEZE=8.
; The functions are leaves; BSAN_PASS_ELIDE_LEAF_RETAGS=0 keeps their retags, which are what
; this file tests (leaf_retags.ll tests the elision).
; RUN: BSAN_PASS_FAST_PATH=0 BSAN_PASS_ELIDE_LEAF_RETAGS=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=10 retags_lowered=10 {{.*}}retags_untracked=0 {{.*}}promoted_slots=1 {{.*}}protected_frames=8
; CHECK: @__bsan_pass.retag_source = private constant i32 2, section "bsan_retag_source"
; CHECK-NOT: call {{.*}}@__rust_retag
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; One UnsafeCell pair (offset 4, len 4): `(i32, Cell<i32>)`.
@anon.0 = private unnamed_addr constant [16 x i8] c"\04\00\00\00\00\00\00\00\04\00\00\00\00\00\00\00", align 8
; Two UnsafePinned pairs (8, 8) and (24, 8), as a rustc allocation.
@anon.1 = private unnamed_addr constant <{ [32 x i8] }> <{ [32 x i8] c"\08\00\00\00\00\00\00\00\08\00\00\00\00\00\00\00\18\00\00\00\00\00\00\00\08\00\00\00\00\00\00\00" }>, align 8

; fn shared(x: &i32) -> i32 { *x }: PROTECTED|FREEZE, both ranges null; the read goes
; through the child tag.
; CHECK-LABEL: define i32 @shared(ptr align 4 %0)
; CHECK: %bsan.frame = alloca i8
; CHECK: call void @__bsan_func_entry(ptr %bsan.frame)
; CHECK: [[PA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[PT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: [[R:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr %0, i64 4, i8 25, ptr null, i64 0, ptr null, i64 0, i64 [[PA]], i64 [[PT]])
; CHECK-NEXT: [[CA:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 0
; CHECK-NEXT: [[CT:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 1
; CHECK: call void @__bsan_read(ptr %0, i64 4, i64 [[CA]], i64 [[CT]])
; CHECK-NEXT: %_0 = load i32, ptr %0
; CHECK: call void @__bsan_func_exit(ptr %bsan.frame)
; CHECK-NEXT: ret i32 %_0
define i32 @shared(ptr align 4 %0) unnamed_addr {
start:
  %x = call ptr @__rust_retag_reg(ptr %0, i64 4, i8 9, ptr null, ptr null)
  %_0 = load i32, ptr %x, align 4
  ret i32 %_0
}

; fn cell(x: &(i32, Cell<i32>)): PROTECTED only (not Freeze), one im pair.
; CHECK-LABEL: define void @cell(ptr align 4 %0)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %0, i64 8, i8 17, ptr @anon.0, i64 1, ptr null, i64 0,
define void @cell(ptr align 4 %0) unnamed_addr {
start:
  %x = call ptr @__rust_retag_reg(ptr %0, i64 8, i8 1, ptr @anon.0, ptr null)
  %_3 = getelementptr inbounds i8, ptr %x, i64 4
  store i32 1, ptr %_3, align 4
  ret void
}

; fn pinned(x: &mut S) with two UnsafePinned fields: PROTECTED|MUTABLE|FREEZE, two pin pairs.
; CHECK-LABEL: define void @pinned(ptr align 8 %0)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %0, i64 32, i8 27, ptr null, i64 0, ptr @anon.1, i64 2,
define void @pinned(ptr align 8 %0) unnamed_addr {
start:
  %x = call ptr @__rust_retag_reg(ptr %0, i64 32, i8 11, ptr null, ptr @anon.1)
  store i64 1, ptr %x, align 8
  ret void
}

; fn boxed(b: Box<i32>): PROTECTED|MUTABLE|BOX|FREEZE (a weak protector).
; CHECK-LABEL: define void @boxed(ptr align 4 %0)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %0, i64 4, i8 31, ptr null, i64 0, ptr null, i64 0,
define void @boxed(ptr align 4 %0) unnamed_addr {
start:
  %b = call ptr @__rust_retag_reg(ptr %0, i64 4, i8 15, ptr null, ptr null)
  store i32 7, ptr %b, align 4
  ret void
}

; fn zst(x: &()): a zero-sized protected retag still makes a frame and a hook call.
; CHECK-LABEL: define void @zst(ptr align 1 %0)
; CHECK: call void @__bsan_func_entry
; CHECK: call { i64, i64 } @__bsan_retag(ptr %0, i64 0, i8 25, ptr null, i64 0, ptr null, i64 0,
; CHECK: call void @__bsan_func_exit
define void @zst(ptr align 1 %0) unnamed_addr {
start:
  %x = call ptr @__rust_retag_reg(ptr %0, i64 0, i8 9, ptr null, ptr null)
  ret void
}

; fn slice(x: &[i32]): the size is a run-time value.
; CHECK-LABEL: define void @slice(ptr align 4 %0, i64 %1)
; CHECK: %_size = mul nuw i64 %1, 4
; CHECK: call { i64, i64 } @__bsan_retag(ptr %0, i64 %_size, i8 25, ptr null, i64 0, ptr null, i64 0,
define void @slice(ptr align 4 %0, i64 %1) unnamed_addr {
start:
  %_size = mul nuw i64 %1, 4
  %x = call ptr @__rust_retag_reg(ptr %0, i64 %_size, i8 9, ptr null, ptr null)
  ret void
}

; fn opt(x: Option<&mut i32>): the variant with a reference is retagged in `v`, and `v_t`
; joins the retagged and the original operand; its shadow phi carries the child's
; provenance from `v`.
; CHECK-LABEL: define void @opt(ptr align 4 %0)
; CHECK: [[OA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[OT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK: v:
; CHECK-NEXT: [[R:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr %0, i64 4, i8 27, ptr null, i64 0, ptr null, i64 0, i64 [[OA]], i64 [[OT]])
; CHECK-NEXT: [[CA:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 0
; CHECK-NEXT: [[CT:%[0-9]+]] = extractvalue { i64, i64 } [[R]], 1
; CHECK-NEXT: br label %v_t
; CHECK: v_t:
; CHECK-NEXT: [[JA:%[0-9]+]] = phi i64 [ [[CA]], %v ], [ [[OA]], %start ]
; CHECK-NEXT: [[JT:%[0-9]+]] = phi i64 [ [[CT]], %v ], [ [[OT]], %start ]
; CHECK-NEXT: %x = phi ptr [ %0, %v ], [ %0, %start ]
; CHECK: call void @__bsan_write(ptr %x, i64 4, i64 [[JA]], i64 [[JT]])
define void @opt(ptr align 4 %0) unnamed_addr {
start:
  %1 = icmp eq ptr %0, null
  %_2 = select i1 %1, i64 0, i64 1
  switch i64 %_2, label %v_t [
    i64 1, label %v
  ]

v:
  %2 = call ptr @__rust_retag_reg(ptr %0, i64 4, i8 11, ptr null, ptr null)
  br label %v_t

v_t:
  %x = phi ptr [ %2, %v ], [ %0, %start ]
  br i1 %1, label %none, label %some

some:
  store i32 1, ptr %x, align 4
  br label %none

none:
  ret void
}

; let y = x (an assignment): an unprotected mutable retag of a call result, no frame (its
; tag dies with the function: 16).
; CHECK-LABEL: define void @assign()
; CHECK-NOT: __bsan_func_entry
; CHECK: call { i64, i64 } @__bsan_retag(ptr %_1, i64 4, i8 26, ptr null, i64 0, ptr null, i64 0,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret void
define void @assign() unnamed_addr {
start:
  %_1 = call ptr @get()
  %y = call ptr @__rust_retag_reg(ptr %_1, i64 4, i8 10, ptr null, ptr null)
  store i32 3, ptr %y, align 4
  ret void
}

; A reference living in a stack slot is retagged in memory: only its shadow changes, the
; slot is never written. Here the slot is an argument (shadow memory).
; CHECK-LABEL: define void @mem_arg(ptr align 8 %place)
; CHECK: [[P:%[0-9]+]] = load ptr, ptr %place
; CHECK-NEXT: [[L:%[0-9]+]] = call { i64, i64 } @__bsan_load_prov(ptr %place, ptr [[P]])
; CHECK-NEXT: [[LA:%[0-9]+]] = extractvalue { i64, i64 } [[L]], 0
; CHECK-NEXT: [[LT:%[0-9]+]] = extractvalue { i64, i64 } [[L]], 1
; CHECK-NEXT: [[N:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr [[P]], i64 8, i8 3, ptr @anon.0, i64 1, ptr null, i64 0, i64 [[LA]], i64 [[LT]])
; CHECK-NEXT: [[NA:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 0
; CHECK-NEXT: [[NT:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 1
; CHECK-NEXT: call void @__bsan_store_prov(ptr %place, ptr [[P]], i64 [[NA]], i64 [[NT]])
; CHECK-NOT: store ptr
; CHECK: ret void
define void @mem_arg(ptr align 8 %place) unnamed_addr {
start:
  call void @__rust_retag_mem(ptr %place, i64 8, i8 3, ptr @anon.0, ptr null)
  ret void
}

; The same for a local slot: the retag does not make it escape, so it stays a promoted
; slot and the retag reads and writes its companion shadow; the later access through
; the reloaded pointer uses the new tag.
; CHECK-LABEL: define void @mem_local(ptr align 4 %0)
; CHECK: %bsan.slot.alloc = alloca i64
; CHECK-NEXT: %bsan.slot.tag = alloca i64
; CHECK-NOT: __bsan_alloc
; CHECK: store i64 [[XA:%[0-9]+]], ptr %bsan.slot.alloc
; CHECK-NEXT: store i64 [[XT:%[0-9]+]], ptr %bsan.slot.tag
; CHECK-NEXT: store ptr %0, ptr %y
; CHECK-NEXT: [[P:%[0-9]+]] = load ptr, ptr %y
; CHECK-NEXT: [[SA:%[0-9]+]] = load i64, ptr %bsan.slot.alloc
; CHECK-NEXT: [[ST:%[0-9]+]] = load i64, ptr %bsan.slot.tag
; CHECK-NEXT: [[N:%[0-9]+]] = call { i64, i64 } @__bsan_retag(ptr [[P]], i64 4, i8 10, ptr null, i64 0, ptr null, i64 0, i64 [[SA]], i64 [[ST]])
; CHECK-NEXT: [[NA:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 0
; CHECK-NEXT: [[NT:%[0-9]+]] = extractvalue { i64, i64 } [[N]], 1
; CHECK-NEXT: store i64 [[NA]], ptr %bsan.slot.alloc
; CHECK-NEXT: store i64 [[NT]], ptr %bsan.slot.tag
; CHECK-NEXT: %_5 = load ptr, ptr %y
; CHECK-NEXT: [[RA:%[0-9]+]] = load i64, ptr %bsan.slot.alloc
; CHECK-NEXT: [[RT:%[0-9]+]] = load i64, ptr %bsan.slot.tag
; CHECK-NEXT: call void @__bsan_write(ptr %_5, i64 4, i64 [[RA]], i64 [[RT]])
; CHECK-NEXT: store i32 5, ptr %_5
define void @mem_local(ptr align 4 %0) unnamed_addr {
start:
  %y = alloca [8 x i8], align 8
  store ptr %0, ptr %y, align 8
  call void @__rust_retag_mem(ptr %y, i64 4, i8 10, ptr null, ptr null)
  %_5 = load ptr, ptr %y, align 8
  store i32 5, ptr %_5, align 4
  ret void
}

declare ptr @get() unnamed_addr
declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr) unnamed_addr
declare void @__rust_retag_mem(ptr, i64, i8, ptr, ptr) unnamed_addr
