; Protected retags of pass-through functions (returned_retags.rs): a function that only
; hands back its reference (or a field of it), every caller retagging the result at once
; with a retag no more permissive, loses its tag: __bsan_retag_check, no frame.
; RUN: opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}late_retags=1 {{.*}}retags_passed_through=5
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)
declare void @other(ptr)
declare void @panic_bounds_check(i64, i64) noreturn
declare i32 @rust_eh_personality(...)

; flags: 9 = PROTECTED|FREEZE (`&T`), 11 = PROTECTED|MUTABLE|FREEZE (`&mut T`);
; call-return retags: 8 = FREEZE, 10 = MUTABLE|FREEZE, 0 = a `&T` to interior-mutable memory.

; `Borrow::borrow`: returns its argument through its debug spill slot. Elided.
; CHECK-LABEL: define internal ptr @borrow(ptr %x)
; CHECK-NOT: __bsan_func_entry
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %x, i64 8,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret ptr
define internal ptr @borrow(ptr %x) {
start:
  %slot = alloca ptr
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  store ptr %r, ptr %slot
  %v = load ptr, ptr %slot
  ret ptr %v
}

; A getter of the second field of a `&mut`. Elided.
; CHECK-LABEL: define internal ptr @field_mut(ptr %x)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %x, i64 16,
; CHECK: ret ptr
define internal ptr @field_mut(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 16, i8 11, ptr null, ptr null)
  %f = getelementptr inbounds i8, ptr %r, i64 8
  ret ptr %f
}

; `<usize as SliceIndex<[T]>>::index_mut`: an element at a variable offset, after a
; bounds check whose panic never returns. Elided, and made late before the panic, inside
; a frame only the panic path enters.
; CHECK-LABEL: define internal ptr @index_mut(i64 %i, ptr %s, i64 %len)
; CHECK: call void @__bsan_retag_check(ptr %s, i64 %size,
; CHECK: ret ptr
; CHECK: call void @__bsan_func_entry(
; CHECK-NEXT: call { i64, i64 } @__bsan_retag(ptr %s, i64 %size,
; CHECK: @panic_bounds_check(
define internal ptr @index_mut(i64 %i, ptr %s, i64 %len) {
start:
  %size = mul nuw i64 %len, 8
  %r = call ptr @__rust_retag_reg(ptr %s, i64 %size, i8 11, ptr null, ptr null)
  %ok = icmp ult i64 %i, %len
  br i1 %ok, label %in, label %out
in:
  %e = getelementptr inbounds nuw i64, ptr %r, i64 %i
  ret ptr %e
out:
  call void @panic_bounds_check(i64 %i, i64 %len)
  unreachable
}

; `Vec::index_mut`: returns the unprotected call-return retag of what `index_mut` returned,
; with nothing after it, and every caller retags the result at once (one through an
; `invoke`): that retag is elided (a retag check), the entry retag is kept.
; CHECK-LABEL: define internal ptr @vec_index_mut(ptr %v, i64 %i)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %v
; CHECK: call void @__bsan_retag_check(ptr %e, i64 8,
; CHECK: ret ptr
define internal ptr @vec_index_mut(ptr %v, i64 %i) {
start:
  %rv = call ptr @__rust_retag_reg(ptr %v, i64 24, i8 11, ptr null, ptr null)
  %bufp = getelementptr inbounds i8, ptr %rv, i64 8
  %buf = load ptr, ptr %bufp
  %lenp = getelementptr inbounds i8, ptr %rv, i64 16
  %len = load i64, ptr %lenp
  %e = call ptr @index_mut(i64 %i, ptr %buf, i64 %len)
  %re = call ptr @__rust_retag_reg(ptr %e, i64 8, i8 10, ptr null, ptr null)
  ret ptr %re
}

; The same, but it reads memory between its retag and the `ret`: kept.
; CHECK-LABEL: define internal ptr @reads_after(ptr %v, ptr %e)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %e
; CHECK: ret ptr
define internal ptr @reads_after(ptr %v, ptr %e) {
start:
  %re = call ptr @__rust_retag_reg(ptr %e, i64 8, i8 10, ptr null, ptr null)
  %x = load i64, ptr %v
  ret ptr %re
}

; Returned to a caller that stores before retagging the result: kept.
; CHECK-LABEL: define internal ptr @late_caller(ptr %e)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %e
; CHECK: ret ptr
define internal ptr @late_caller(ptr %e) {
start:
  %re = call ptr @__rust_retag_reg(ptr %e, i64 8, i8 10, ptr null, ptr null)
  ret ptr %re
}

; Same body, but one caller uses the result without retagging it: kept.
; CHECK-LABEL: define internal ptr @unretagged_caller(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define internal ptr @unretagged_caller(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  ret ptr %r
}

; A caller's retag more permissive than the candidate (a `&mut` from a `&T`): kept.
; CHECK-LABEL: define internal ptr @to_mut(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define internal ptr @to_mut(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  ret ptr %r
}

; Reads through its reference before returning it: kept (the tag's checks matter).
; CHECK-LABEL: define internal ptr @reads(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define internal ptr @reads(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  %v = load i64, ptr %r
  %z = icmp eq i64 %v, 0
  %s = select i1 %z, ptr %r, ptr %r
  ret ptr %r
}

; Calls something unknown before returning: kept.
; CHECK-LABEL: define internal ptr @calls(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define internal ptr @calls(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  call void @other(ptr null)
  ret ptr %r
}

; `<[T]>::get_unchecked_mut`: returns what an *offset function* returns for it
; (`<usize as SliceIndex<[T]>>::get_unchecked_mut`, which hands back its pointer argument
; plus an offset through another one, `ptr_add`, after a precondition check that is
; passed the pointer and returns nothing). Elided.
; CHECK-LABEL: define internal ptr @get_unchecked_mut(ptr %s, i64 %len, i64 %i)
; CHECK-NOT: call { i64, i64 } @__bsan_retag(
; CHECK: call void @__bsan_retag_check(ptr %s, i64 %len,
; CHECK-NOT: __bsan_func_exit
; CHECK: ret ptr
define internal ptr @get_unchecked_mut(ptr %s, i64 %len, i64 %i) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 %len, i8 11, ptr null, ptr null)
  %e = call ptr @slice_index_get_unchecked_mut(i64 %i, ptr %r, i64 %len)
  ret ptr %e
}

define internal ptr @slice_index_get_unchecked_mut(i64 %i, ptr %s, i64 %len) {
start:
  %spill = alloca ptr
  store ptr %s, ptr %spill
  call void @precondition_check(i64 %i, i64 %len)
  %p = call ptr @ptr_add(ptr %s, i64 %i)
  ret ptr %p
}

define internal ptr @ptr_add(ptr %p, i64 %n) {
start:
  call void @ptr_precondition_check(ptr %p, i64 %n)
  %q = getelementptr inbounds i8, ptr %p, i64 %n
  ret ptr %q
}

define internal void @ptr_precondition_check(ptr %p, i64 %n) {
start:
  %a = ptrtoint ptr %p to i64
  %z = icmp eq i64 %a, 0
  br i1 %z, label %bad, label %ok
bad:
  call void @panic_nounwind()
  unreachable
ok:
  ret void
}

define internal void @precondition_check(i64 %i, i64 %len) {
start:
  %ok = icmp ult i64 %i, %len
  br i1 %ok, label %fine, label %bad
bad:
  call void @panic_nounwind()
  unreachable
fine:
  ret void
}

declare void @panic_nounwind() noreturn nounwind

; The same through a function that returns its *other* pointer argument: kept.
; CHECK-LABEL: define internal ptr @returns_other(ptr %s, ptr %t)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret ptr
define internal ptr @returns_other(ptr %s, ptr %t) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 11, ptr null, ptr null)
  %e = call ptr @second(ptr %r, ptr %t)
  ret ptr %e
}

define internal ptr @second(ptr %a, ptr %b) {
start:
  ret ptr %b
}

; Passed to a memory-free function that returns an aggregate, which could hold it: kept.
; CHECK-LABEL: define internal ptr @through_pair(ptr %s)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret ptr
define internal ptr @through_pair(ptr %s) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 11, ptr null, ptr null)
  %pair = call { ptr, i64 } @make_pair(ptr %r)
  %e = getelementptr inbounds i8, ptr %r, i64 0
  ret ptr %e
}

define internal { ptr, i64 } @make_pair(ptr %a) {
start:
  %x = insertvalue { ptr, i64 } poison, ptr %a, 0
  %y = insertvalue { ptr, i64 } %x, i64 1, 1
  ret { ptr, i64 } %y
}

; Through an offset function that reads memory: kept.
; CHECK-LABEL: define internal ptr @through_reader(ptr %s, ptr %g)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %s
; CHECK: ret ptr
define internal ptr @through_reader(ptr %s, ptr %g) {
start:
  %r = call ptr @__rust_retag_reg(ptr %s, i64 8, i8 11, ptr null, ptr null)
  %e = call ptr @add_loaded(ptr %r, ptr %g)
  ret ptr %e
}

define internal ptr @add_loaded(ptr %p, ptr %g) {
start:
  %n = load i64, ptr %g
  %q = getelementptr inbounds i8, ptr %p, i64 %n
  ret ptr %q
}

; Visible outside the module: kept.
; CHECK-LABEL: define ptr @exported(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x
; CHECK: ret ptr
define ptr @exported(ptr %x) {
start:
  %r = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 9, ptr null, ptr null)
  ret ptr %r
}

; CHECK-LABEL: define i64 @user(ptr %p, ptr %q)
define i64 @user(ptr %p, ptr %q) {
start:
  %a = call ptr @borrow(ptr %p)
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 8, ptr null, ptr null)
  %x = load i64, ptr %ra
  %b = call ptr @field_mut(ptr %q)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 0, ptr null, ptr null)
  store i64 %x, ptr %rb
  %c = call ptr @unretagged_caller(ptr %p)
  %rc = call ptr @__rust_retag_reg(ptr %c, i64 8, i8 8, ptr null, ptr null)
  %c2 = call ptr @unretagged_caller(ptr %p)
  %y = load i64, ptr %c2
  %d = call ptr @to_mut(ptr %p)
  %rd = call ptr @__rust_retag_reg(ptr %d, i64 8, i8 10, ptr null, ptr null)
  %e = call ptr @reads(ptr %p)
  %re = call ptr @__rust_retag_reg(ptr %e, i64 8, i8 8, ptr null, ptr null)
  %f = call ptr @calls(ptr %p)
  %rf = call ptr @__rust_retag_reg(ptr %f, i64 8, i8 8, ptr null, ptr null)
  %g = call ptr @exported(ptr %p)
  %rg = call ptr @__rust_retag_reg(ptr %g, i64 8, i8 8, ptr null, ptr null)
  %h = call ptr @index_mut(i64 1, ptr %q, i64 2)
  %rh = call ptr @__rust_retag_reg(ptr %h, i64 8, i8 10, ptr null, ptr null)
  %k = call ptr @vec_index_mut(ptr %q, i64 1)
  %rk = call ptr @__rust_retag_reg(ptr %k, i64 8, i8 10, ptr null, ptr null)
  %m = call ptr @reads_after(ptr %q, ptr %p)
  %rm = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 10, ptr null, ptr null)
  %gu = call ptr @get_unchecked_mut(ptr %q, i64 16, i64 1)
  %rgu = call ptr @__rust_retag_reg(ptr %gu, i64 1, i8 10, ptr null, ptr null)
  %ro = call ptr @returns_other(ptr %q, ptr %p)
  %rro = call ptr @__rust_retag_reg(ptr %ro, i64 8, i8 10, ptr null, ptr null)
  %tp = call ptr @through_pair(ptr %q)
  %rtp = call ptr @__rust_retag_reg(ptr %tp, i64 8, i8 10, ptr null, ptr null)
  %tr = call ptr @through_reader(ptr %q, ptr %p)
  %rtr = call ptr @__rust_retag_reg(ptr %tr, i64 8, i8 10, ptr null, ptr null)
  %l = call ptr @late_caller(ptr %p)
  store i64 0, ptr %q
  %rl = call ptr @__rust_retag_reg(ptr %l, i64 8, i8 10, ptr null, ptr null)
  %s = add i64 %x, %y
  ret i64 %s
}

; An `invoke` whose normal destination retags the result first.
; CHECK-LABEL: define i64 @invoker(ptr %q)
define i64 @invoker(ptr %q) personality ptr @rust_eh_personality {
start:
  %k = invoke ptr @vec_index_mut(ptr %q, i64 0) to label %ok unwind label %lp
ok:
  %rk = call ptr @__rust_retag_reg(ptr %k, i64 8, i8 10, ptr null, ptr null)
  %x = load i64, ptr %rk
  ret i64 %x
lp:
  %p = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %p
}
