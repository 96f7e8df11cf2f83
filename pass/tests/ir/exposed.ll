; ptrtoint exposes the pointer's tag (__bsan_expose) unless the integer provably only
; feeds comparisons (ptr.addr() == ..., alignment checks, write-only dbg.spill slots);
; inttoptr instructions get wildcard provenance (alloc = u64::MAX, tag 0) that flows like
; any other provenance. Constant inttoptr, and inttoptr in optimized code (DI isOptimized,
; or no DI and not optnone) stay untracked.
; RUN: BSAN_PASS_FAST_PATH=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: functions=19 {{.*}}ptrtoint=19 exposed=8 transmutes_not_exposed=2 wildcards=3 inttoptr_optimized=2 {{.*}}constant_intrinsics_lowered=2
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @take(ptr)

; ptr::eq-like address comparison: nothing escapes.
; CHECK-LABEL: define i1 @addr_cmp(ptr %p, ptr %q)
; CHECK-NOT: __bsan_expose
; CHECK: ret i1
define i1 @addr_cmp(ptr %p, ptr %q) #0 {
start:
  %a = ptrtoint ptr %p to i64
  %b = ptrtoint ptr %q to i64
  %c = icmp eq i64 %a, %b
  ret i1 %c
}

; rustc's debug alignment check, with the address spilled to a write-only dbg slot.
; CHECK-LABEL: define i32 @align_check(ptr %p)
; CHECK-NOT: __bsan_expose
; CHECK: ret i32
define i32 @align_check(ptr %p) #0 {
start:
  %addr.dbg.spill = alloca [8 x i8], align 8
  %addr = ptrtoint ptr %p to i64
  store i64 %addr, ptr %addr.dbg.spill, align 8
  %m = and i64 %addr, 3
  %z = icmp eq i64 %m, 0
  br i1 %z, label %ok, label %panic

ok:
  %v = load i32, ptr %p, align 4
  ret i32 %v

panic:
  unreachable
}

; The integer leaves the function: exposed, with the argument's provenance.
; CHECK-LABEL: define i64 @to_int(ptr %p)
; CHECK: [[PA:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: [[PT:%[0-9]+]] = select i1 %bsan.args.ok
; CHECK-NEXT: call void @__bsan_expose(ptr %p, i64 [[PA]], i64 [[PT]])
; CHECK-NEXT: %a = ptrtoint ptr %p to i64
define i64 @to_int(ptr %p) #0 {
start:
  %a = ptrtoint ptr %p to i64
  %b = add i64 %a, 1
  ret i64 %b
}

; Stored to memory someone can read: exposed.
; CHECK-LABEL: define void @stored(ptr %p, ptr %out)
; CHECK: call void @__bsan_expose(ptr %p,
define void @stored(ptr %p, ptr %out) #0 {
start:
  %a = ptrtoint ptr %p to i64
  store i64 %a, ptr %out, align 8
  ret void
}

; A round trip: exposed, and the new pointer is wildcard in accesses, shadow memory,
; phis, call arguments and returns.
; CHECK-LABEL: define ptr @roundtrip(ptr %p, ptr %out, i1 %c)
; CHECK: call void @__bsan_expose(ptr %p,
; CHECK: %q = inttoptr i64 %b to ptr
; CHECK-NEXT: call void @__bsan_write(ptr %q, i64 4, i64 -1, i64 0)
; CHECK-NEXT: store i32 1, ptr %q
; CHECK-NEXT: call void @__bsan_write(ptr %out, i64 8,
; CHECK-NEXT: call void @__bsan_store_prov(ptr %out, ptr %q, i64 -1, i64 0)
; CHECK-NEXT: store ptr %q, ptr %out
; CHECK: store i64 -1, ptr
; CHECK-NEXT: store i64 0, ptr
; CHECK-NEXT: store ptr @take, ptr
; CHECK-NEXT: call void @take(ptr %q)
; CHECK: join:
; CHECK-NEXT: [[JA:%[0-9]+]] = phi i64 [ -1, %then ], [ {{%[0-9]+}}, %start ]
; CHECK-NEXT: [[JT:%[0-9]+]] = phi i64 [ 0, %then ], [ {{%[0-9]+}}, %start ]
; CHECK-NEXT: %r = phi ptr
; CHECK: store i64 [[JA]], ptr
; CHECK-NEXT: store i64 [[JT]], ptr
; CHECK-NEXT: store ptr @roundtrip, ptr
; CHECK-NEXT: ret ptr %r
define ptr @roundtrip(ptr %p, ptr %out, i1 %c) #0 {
start:
  br i1 %c, label %then, label %join

then:
  %a = ptrtoint ptr %p to i64
  %b = add i64 %a, 4
  %q = inttoptr i64 %b to ptr
  store i32 1, ptr %q, align 4
  store ptr %q, ptr %out, align 8
  call void @take(ptr %q)
  br label %join

join:
  %r = phi ptr [ %q, %then ], [ %p, %start ]
  ret ptr %r
}

; A statically untracked pointer has nothing to expose; a constant inttoptr is untracked.
; CHECK-LABEL: define i64 @untracked(i64 %x)
; CHECK-NOT: __bsan_expose
; CHECK-NOT: __bsan_write
; CHECK: ret i64
define i64 @untracked(i64 %x) #0 {
start:
  %n = getelementptr i8, ptr null, i64 %x
  %i = ptrtoint ptr %n to i64
  store i32 0, ptr inttoptr (i64 4096 to ptr), align 4
  ret i64 %i
}

; Wildcard pointers are retagged like any other (this tag dies with the function: 16).
; CHECK-LABEL: define void @retag_wildcard(i64 %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 4, i8 18, ptr null, i64 0, ptr null, i64 0, i64 -1, i64 0)
define void @retag_wildcard(i64 %x) #0 {
start:
  %p = inttoptr i64 %x to ptr
  %r = call ptr @__rust_retag_reg(ptr %p, i64 4, i8 2, ptr null, ptr null)
  store i32 1, ptr %r, align 4
  ret void
}

; Optimized code: a round trip the optimizer made (std's tagged pointers) is exposed, but
; the result is untracked, with debug info saying isOptimized or without debug info.
; CHECK-LABEL: define void @optimized_di(ptr %p)
; CHECK: call void @__bsan_expose(ptr %p,
; CHECK-NOT: __bsan_write
; CHECK: ret void
define void @optimized_di(ptr %p) !dbg !5 {
start:
  %a = ptrtoint ptr %p to i64
  %b = or disjoint i64 %a, 1
  %q = inttoptr i64 %b to ptr
  store i8 1, ptr %q, align 1
  ret void
}

; CHECK-LABEL: define void @optimized_no_di(i64 %x)
; CHECK-NOT: __bsan_write
; CHECK: ret void
define void @optimized_no_di(i64 %x) {
start:
  %q = inttoptr i64 %x to ptr
  store i8 1, ptr %q, align 1
  ret void
}

; `<*const T>::addr()` (inlined: its debug location's scope is
; `core::ptr::const_ptr::{impl#0}::addr<u8>`, as in line-tables-only std) does not expose,
; even when the address leaves the function; `p as usize` in the same function does.
; CHECK-LABEL: define void @addr_getter(ptr %p)
; CHECK-NOT: __bsan_expose
; CHECK: %a = ptrtoint ptr %p to i64
; CHECK: call void @take_int(i64 %a)
; CHECK: call void @__bsan_expose(ptr %p,
; CHECK-NEXT: %b = ptrtoint ptr %p to i64
define void @addr_getter(ptr %p) #0 !dbg !10 {
start:
  %a = ptrtoint ptr %p to i64, !dbg !13
  call void @take_int(i64 %a), !dbg !14
  %b = ptrtoint ptr %p to i64, !dbg !14
  call void @take_int(i64 %b), !dbg !14
  ret void, !dbg !14
}

declare void @take_int(i64)
declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

; encoding_rs's `let mut until_alignment = (ALIGN - ((src as usize) & MASK)) & MASK;` at
; -O0: checked subtraction, a local integer variable read back and compared. The integer
; can never become a pointer again: not exposed.
; CHECK-LABEL: define i1 @local_int_alignment(ptr %src, i64 %len)
; CHECK-NOT: __bsan_expose
; CHECK: ret i1
define i1 @local_int_alignment(ptr %src, i64 %len) #0 {
start:
  %until = alloca [8 x i8], align 8
  %a = ptrtoint ptr %src to i64
  %m = and i64 %a, 7
  %s = call { i64, i1 } @llvm.usub.with.overflow.i64(i64 8, i64 %m)
  %o = extractvalue { i64, i1 } %s, 1
  br i1 %o, label %panic, label %ok

ok:
  %d = extractvalue { i64, i1 } %s, 0
  %u = and i64 %d, 7
  store i64 %u, ptr %until, align 8
  %l = load i64, ptr %until, align 8
  %n = sub i64 %l, 1
  store i64 %n, ptr %until, align 8
  %l2 = load i64, ptr %until, align 8
  %c = icmp ule i64 %l2, %len
  ret i1 %c

panic:
  unreachable
}

; The same variable read back and cast to a pointer: exposed.
; CHECK-LABEL: define void @local_int_roundtrip(ptr %p)
; CHECK: call void @__bsan_expose(ptr %p,
define void @local_int_roundtrip(ptr %p) #0 {
start:
  %slot = alloca [8 x i8], align 8
  %a = ptrtoint ptr %p to i64
  store i64 %a, ptr %slot, align 8
  %l = load i64, ptr %slot, align 8
  %q = inttoptr i64 %l to ptr
  store i8 0, ptr %q, align 1
  ret void
}

; The variable's address is taken (passed to a call): exposed.
; CHECK-LABEL: define void @local_int_address_taken(ptr %p)
; CHECK: call void @__bsan_expose(ptr %p,
define void @local_int_address_taken(ptr %p) #0 {
start:
  %slot = alloca [8 x i8], align 8
  %a = ptrtoint ptr %p to i64
  store i64 %a, ptr %slot, align 8
  call void @take(ptr %slot)
  ret void
}

; rustc's debug check before `*(p as *const u64)`: the address goes to the panic message.
; CHECK-LABEL: define i64 @misaligned_deref_check(ptr %p)
; CHECK-NOT: __bsan_expose
; CHECK: ret i64
define i64 @misaligned_deref_check(ptr %p) #0 {
start:
  %a = ptrtoint ptr %p to i64
  %m = and i64 %a, 7
  %z = icmp eq i64 %m, 0
  br i1 %z, label %ok, label %panic

ok:
  %v = load i64, ptr %p, align 8
  ret i64 %v

panic:
  call void @_RNvNtCsgEmfK2I1SDS_4core9panicking36panic_misaligned_pointer_dereference(i64 8, i64 %a, ptr null)
  unreachable
}

; `end.offset_from_unsigned(start)` at -O0 (a slice iterator's `size_hint`): the distance is
; returned, neither address.
; CHECK-LABEL: define i64 @pointer_difference(ptr %end, ptr %begin)
; CHECK-NOT: __bsan_expose
; CHECK: ret i64
define i64 @pointer_difference(ptr %end, ptr %begin) #0 {
start:
  %e = ptrtoint ptr %end to i64
  %s = ptrtoint ptr %begin to i64
  %d = sub nuw i64 %e, %s
  %n = udiv exact i64 %d, 4
  ret i64 %n
}

; std's `<Vec<u8> as io::Write>::write_fmt` with `fmt::Arguments::as_str` inlined: the
; second half of `Arguments` is either `len << 1 | 1` (a static string) or the address of
; the arguments array, and the static-string path is guarded by `llvm.is.constant`. The
; argument here is no constant, so that path is dead and the array's address goes nowhere
; (lowered before instrumentation, as codegen would): no exposure.
; CHECK-LABEL: define void @fmt_as_str(ptr %buf, ptr %args)
; CHECK-NOT: __bsan_expose
; CHECK-NOT: llvm.is.constant
; CHECK: ret void
define void @fmt_as_str(ptr %buf, ptr %args) #0 {
start:
  %a = ptrtoint ptr %args to i64
  %odd = and i64 %a, 1
  %is_str = icmp ne i64 %odd, 0
  %len = lshr i64 %a, 1
  %known = call i1 @llvm.is.constant.i1(i1 %is_str)
  %fast = and i1 %is_str, %known
  br i1 %fast, label %static_str, label %general

static_str:
  store i64 %len, ptr %buf
  ret void

general:
  call void @take(ptr %args)
  ret void
}

; The same with a constant argument (a `format_args!("literal")`): the static path stays
; and nothing is exposed either (the constant has no provenance).
; CHECK-LABEL: define void @fmt_as_str_constant(ptr %buf)
; CHECK-NOT: llvm.is.constant
; CHECK: store i64 3,
; CHECK: ret void
define void @fmt_as_str_constant(ptr %buf) #0 {
start:
  %known = call i1 @llvm.is.constant.i1(i1 true)
  br i1 %known, label %static_str, label %general

static_str:
  store i64 3, ptr %buf
  ret void

general:
  call void @take(ptr null)
  ret void
}

; `core::fmt::Arguments::as_str` (`let bits: usize = mem::transmute(self.args)`, inlined,
; its scope chain as in line-tables-only std) is a transmute: no exposure, even though the
; static-string length it yields goes on to a call.
; CHECK-LABEL: define void @as_str_inlined(ptr %args)
; CHECK-NOT: __bsan_expose
; CHECK: ret void
define void @as_str_inlined(ptr %args) #0 !dbg !20 {
start:
  %bits = ptrtoint ptr %args to i64, !dbg !23
  %len = lshr i64 %bits, 1, !dbg !23
  call void @take_int(i64 %len), !dbg !24
  ret void, !dbg !24
}

; `debug_assert_eq!(ctrl as usize % 16, 0)` (hashbrown's `RawIterRange::new`) at -O0:
; the remainder goes to a slot whose address is handed to `core::panicking::assert_failed`.
; The integer never becomes a pointer, but `as usize` exposes the tag all the same: a
; wildcard access through *another* integer of the same address may use it (Miri
; allows that; conformance/expose_two_siblings). Exposed, at the cast.
; CHECK-LABEL: define void @assert_eq_on_address(ptr %ctrl)
; CHECK: call void @__bsan_expose(ptr %ctrl,
; CHECK-NEXT: %a = ptrtoint ptr %ctrl to i64
; CHECK: ret void
define void @assert_eq_on_address(ptr %ctrl) #0 personality ptr @rust_eh_personality {
start:
  %left_val.dbg.spill = alloca [8 x i8], align 8
  %left = alloca [8 x i8], align 8
  %a = ptrtoint ptr %ctrl to i64
  %rem = urem i64 %a, 16
  store i64 %rem, ptr %left, align 8
  store ptr %left, ptr %left_val.dbg.spill, align 8
  %l = load i64, ptr %left, align 8
  %ok = icmp eq i64 %l, 0
  br i1 %ok, label %done, label %fail

fail:
  call void @_RINvNtCsgEmfK2I1SDS_4core9panicking13assert_failedjjEB4_(i8 0, ptr %left, ptr %left, ptr null, ptr undef, ptr null)
  unreachable

done:
  ret void
}

declare void @_RINvNtCsgEmfK2I1SDS_4core9panicking13assert_failedjjEB4_(i8, ptr, ptr, ptr, ptr, ptr)
declare i32 @rust_eh_personality(...)
declare i1 @llvm.is.constant.i1(i1)
declare void @_RNvNtCsgEmfK2I1SDS_4core9panicking36panic_misaligned_pointer_dereference(i64, i64, ptr)
declare { i64, i1 } @llvm.usub.with.overflow.i64(i64, i64)

attributes #0 = { noinline optnone }

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_Rust, file: !1, producer: "rustc", isOptimized: true, runtimeVersion: 0, emissionKind: LineTablesOnly)
!1 = !DIFile(filename: "lib.rs", directory: "/rustc")
!3 = !{i32 7, !"Dwarf Version", i32 4}
!4 = !{i32 2, !"Debug Info Version", i32 3}
!5 = distinct !DISubprogram(name: "optimized_di", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{}
!10 = distinct !DISubprogram(name: "addr_getter", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition, unit: !0)
!11 = distinct !DISubprogram(name: "addr<u8>", scope: !15, file: !1, line: 153, type: !6, scopeLine: 153, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition, unit: !0)
!12 = !DILocation(line: 2, column: 5, scope: !10)
!13 = !DILocation(line: 159, column: 18, scope: !11, inlinedAt: !12)
!14 = !DILocation(line: 3, column: 5, scope: !10)
!15 = !DINamespace(name: "{impl#0}", scope: !16)
!16 = !DINamespace(name: "const_ptr", scope: !17)
!17 = !DINamespace(name: "ptr", scope: !18)
!18 = !DINamespace(name: "core", scope: null)
!20 = distinct !DISubprogram(name: "format_inner", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition, unit: !0)
!21 = distinct !DISubprogram(name: "as_str", scope: !25, file: !1, line: 871, type: !6, scopeLine: 871, spFlags: DISPFlagLocalToUnit | DISPFlagDefinition, unit: !0)
!22 = !DILocation(line: 10, column: 5, scope: !20)
!23 = !DILocation(line: 877, column: 36, scope: !21, inlinedAt: !22)
!24 = !DILocation(line: 11, column: 5, scope: !20)
!25 = !DINamespace(name: "Arguments", scope: !26)
!26 = !DINamespace(name: "fmt", scope: !18)
