; Fresh returns (captures.rs): a function whose returned pointer carries only tags it made
; itself, and which lets them leave by no other way, gives its caller's retag of the result
; PARENT_DIES (32); its protected retags that leave only by the `ret` get
; DIES_UNLESS_RETURNED (64). Anything that could keep the tag elsewhere takes both away.
; RUN: env BSAN_PASS_ELIDE_LEAF_RETAGS=0 opt-22 -load-pass-plugin=%plugin -passes=bsan-instrument -S %s 2>&1 | FileCheck-22 %s
; CHECK: bsan-pass: stats: {{.*}}fresh_returning_functions=11 retags_parent_dies=8 retags_dies_unless_returned=9
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare ptr @__rust_retag_reg(ptr, i64, i8, ptr, ptr)

@keep = global ptr null
@pin = private constant [1 x { i64, i64 }] [{ i64, i64 } { i64 0, i64 8 }]

; flags: 9 = PROTECTED|FREEZE (a `&u64` argument), 8 = FREEZE (a `&u64` result); the
; callers' retags whose results stay in their function have NO_ESCAPE (16) as well.

; `cmp::max_by`'s shape: one of two protected retags, through the slots -O0 spills them
; to. Both die at the exit unless returned: 9 | 64.
; CHECK-LABEL: define ptr @pick(ptr %a, ptr %b, i1 %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 73,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %b, i64 8, i8 73,
define ptr @pick(ptr %a, ptr %b, i1 %c) {
start:
  %sa = alloca ptr
  %sb = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 9, ptr null, ptr null)
  store ptr %ra, ptr %sa
  store ptr %rb, ptr %sb
  %la = load ptr, ptr %sa
  %lb = load ptr, ptr %sb
  %r = select i1 %c, ptr %la, ptr %lb
  ret ptr %r
}

; The caller's retag of what `pick` returned: nothing else holds the callee's tag,
; 8 | 16 | 32.
; CHECK-LABEL: define i64 @caller(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 56,
define i64 @caller(ptr %a, ptr %b) {
start:
  %m = call ptr @pick(ptr %a, ptr %b, i1 true)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}

; Fresh through a fresh callee (the closure around `max_by`): its retag is made, and
; returned, so it gets PARENT_DIES (its parent is `pick`'s tag) and the caller's retag of
; its result too.
; CHECK-LABEL: define ptr @forwards(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 40,
define ptr @forwards(ptr %a, ptr %b) {
start:
  %m = call ptr @pick(ptr %a, ptr %b, i1 false)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  ret ptr %r
}

; CHECK-LABEL: define i64 @caller2(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 56,
define i64 @caller2(ptr %a, ptr %b) {
start:
  %m = call ptr @forwards(ptr %a, ptr %b)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}

; The caller keeps the raw result too: its tag is held after the retag, 8 | 16.
; CHECK-LABEL: define i64 @caller_keeps(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 24,
define i64 @caller_keeps(ptr %a, ptr %b) {
start:
  %m = call ptr @pick(ptr %a, ptr %b, i1 true)
  store ptr %m, ptr @keep
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}

; A tuple of spilled arguments (`call_once`'s shape) and a slot lent to a callee that only
; reads through it: the tags still come back only through this function's loads.
; CHECK-LABEL: define ptr @tuple(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 73,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %b, i64 8, i8 73,
define ptr @tuple(ptr %a, ptr %b) {
start:
  %t = alloca { ptr, ptr }
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %rb = call ptr @__rust_retag_reg(ptr %b, i64 8, i8 9, ptr null, ptr null)
  store ptr %ra, ptr %t
  %f1 = getelementptr inbounds i8, ptr %t, i64 8
  store ptr %rb, ptr %f1
  %g1 = getelementptr inbounds i8, ptr %t, i64 8
  %l1 = load ptr, ptr %g1
  ret ptr %l1
}

define i64 @reader(ptr %s) {
start:
  %p = load ptr, ptr %s
  %v = load i64, ptr %p
  ret i64 %v
}

; CHECK-LABEL: define ptr @lends(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 73,
define ptr @lends(ptr %a) {
start:
  %s = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  store ptr %ra, ptr %s
  %v = call i64 @reader(ptr %s)
  %l = load ptr, ptr %s
  ret ptr %l
}

; CHECK-LABEL: define i64 @caller3(ptr %a, ptr %b)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 56,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %n, i64 8, i8 56,
define i64 @caller3(ptr %a, ptr %b) {
start:
  %m = call ptr @tuple(ptr %a, ptr %b)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  %n = call ptr @lends(ptr %a)
  %s = call ptr @__rust_retag_reg(ptr %n, i64 8, i8 8, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = load i64, ptr %s
  %x = add i64 %v, %w
  ret i64 %x
}

; No PARENT_DIES: a callee that may write another pointer into the lent slot; one that
; keeps its tag in a global as well; one that may hand back its argument's tag, which is
; the caller's own parameter here (not made for this call).
define void @writer(ptr %s) {
start:
  store ptr @keep, ptr %s
  ret void
}

; CHECK-LABEL: define ptr @lends_to_writer(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 73,
define ptr @lends_to_writer(ptr %a) {
start:
  %s = alloca ptr
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  store ptr %ra, ptr %s
  call void @writer(ptr %s)
  %l = load ptr, ptr %s
  ret ptr %l
}

; CHECK-LABEL: define ptr @also_kept(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 9,
define ptr @also_kept(ptr %a) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  store ptr %ra, ptr @keep
  ret ptr %ra
}

; CHECK-LABEL: define ptr @maybe_argument(ptr %a, i1 %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 73,
define ptr @maybe_argument(ptr %a, i1 %c) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %r = select i1 %c, ptr %ra, ptr %a
  ret ptr %r
}

; CHECK-LABEL: define i64 @caller4(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 24,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %n, i64 8, i8 24,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %o, i64 8, i8 24,
define i64 @caller4(ptr %a) {
start:
  %m = call ptr @lends_to_writer(ptr %a)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 8, ptr null, ptr null)
  %n = call ptr @also_kept(ptr %a)
  %s = call ptr @__rust_retag_reg(ptr %n, i64 8, i8 8, ptr null, ptr null)
  %o = call ptr @maybe_argument(ptr %a, i1 true)
  %t = call ptr @__rust_retag_reg(ptr %o, i64 8, i8 8, ptr null, ptr null)
  %v = load i64, ptr %r
  %w = load i64, ptr %s
  %x = load i64, ptr %t
  %y = add i64 %v, %w
  %z = add i64 %y, %x
  ret i64 %z
}

; A slice returned by value (`{ ptr, i64 }`, built with `insertvalue`) and the caller's
; synthesized call-return retag of its pointer field, put back with `insertvalue`.
; CHECK-LABEL: define { ptr, i64 } @head(ptr %a, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 %n, i8 73,
define { ptr, i64 } @head(ptr %a, i64 %n) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 %n, i8 9, ptr null, ptr null)
  %s0 = insertvalue { ptr, i64 } poison, ptr %ra, 0
  %s1 = insertvalue { ptr, i64 } %s0, i64 2, 1
  ret { ptr, i64 } %s1
}

; CHECK-LABEL: define i8 @slice_caller(ptr %a, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 %len, i8 56,
define i8 @slice_caller(ptr %a, i64 %n) {
start:
  %s = call { ptr, i64 } @head(ptr %a, i64 %n)
  %p = extractvalue { ptr, i64 } %s, 0
  %len = extractvalue { ptr, i64 } %s, 1
  %r = call ptr @__rust_retag_reg(ptr %p, i64 %len, i8 8, ptr null, ptr null)
  %s2 = insertvalue { ptr, i64 } %s, ptr %r, 0
  %q = extractvalue { ptr, i64 } %s2, 0
  %v = load i8, ptr %q
  ret i8 %v
}

; The caller keeps the slice itself too: no PARENT_DIES here (it returns `head`'s tag,
; so it returns fresh itself).
; CHECK-LABEL: define { ptr, i64 } @slice_kept(ptr %a, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p, i64 %n, i8 24,
define { ptr, i64 } @slice_kept(ptr %a, i64 %n) {
start:
  %s = call { ptr, i64 } @head(ptr %a, i64 %n)
  %p = extractvalue { ptr, i64 } %s, 0
  %r = call ptr @__rust_retag_reg(ptr %p, i64 %n, i8 8, ptr null, ptr null)
  ret { ptr, i64 } %s
}

; A parameter handed back (returned, escaping no other way): `@ident` returns fresh with
; its parameter 0. The caller's argument is a retag it made for this call alone, so the
; retag of the result gets PARENT_DIES (2 | 16 | 32), and the argument's own retag is
; NO_ESCAPE (the call's result carries its tag on, into a retag): 2 | 16.
define ptr @ident(ptr %p) {
start:
  %r = call ptr @__rust_retag_reg(ptr %p, i64 8, i8 9, ptr null, ptr null)
  %v = load i64, ptr %r
  ret ptr %p
}

; CHECK-LABEL: define i64 @hand_caller(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %x, i64 8, i8 18,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %u, i64 8, i8 50,
define i64 @hand_caller(ptr %x) {
start:
  %a = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 2, ptr null, ptr null)
  %u = call ptr @ident(ptr %a)
  %r = call ptr @__rust_retag_reg(ptr %u, i64 8, i8 2, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}

; The argument is used after the call too: its tag outlives the result's retag.
; CHECK-LABEL: define i64 @hand_kept(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %u, i64 8, i8 18,
define i64 @hand_kept(ptr %x) {
start:
  %a = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 2, ptr null, ptr null)
  %u = call ptr @ident(ptr %a)
  %r = call ptr @__rust_retag_reg(ptr %u, i64 8, i8 2, ptr null, ptr null)
  store i64 1, ptr %a
  %v = load i64, ptr %r
  ret i64 %v
}

; `-O0` retags a call's retagged result again before returning it (through the fat
; pointer's `insertvalue`/`extractvalue`): the second retag's parent, the first's tag, is
; used by nothing else, so it gets PARENT_DIES too (10 = MUTABLE|FREEZE: 10 | 32). Not
; when the first result is used elsewhere, nor for a protected first retag (it stays
; until the exit anyway).
; CHECK-LABEL: define { ptr, i64 } @reretag(ptr %a, i64 %n)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 %n, i8 10,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %p1, i64 %l1, i8 42,
define { ptr, i64 } @reretag(ptr %a, i64 %n) {
start:
  %q0 = call ptr @__rust_retag_reg(ptr %a, i64 %n, i8 10, ptr null, ptr null)
  %s0 = insertvalue { ptr, i64 } poison, ptr %q0, 0
  %s1 = insertvalue { ptr, i64 } %s0, i64 %n, 1
  %p1 = extractvalue { ptr, i64 } %s1, 0
  %l1 = extractvalue { ptr, i64 } %s1, 1
  %r = call ptr @__rust_retag_reg(ptr %p1, i64 %l1, i8 10, ptr null, ptr null)
  %s2 = insertvalue { ptr, i64 } %s1, ptr %r, 0
  ret { ptr, i64 } %s2
}

; CHECK-LABEL: define ptr @reretag_kept(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 26,
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 10,
define ptr @reretag_kept(ptr %a) {
start:
  %q0 = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 10, ptr null, ptr null)
  %r = call ptr @__rust_retag_reg(ptr %q0, i64 8, i8 10, ptr null, ptr null)
  store i64 1, ptr %q0
  ret ptr %r
}

; A `ret` after a `musttail` call leaves the callee's provenance in the return slots: the
; exit could not tell which tag was returned, so no DIES_UNLESS_RETURNED (9 alone).
; CHECK-LABEL: define ptr @tail(ptr %a)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %a, i64 8, i8 9,
define ptr @tail(ptr %a) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 9, ptr null, ptr null)
  %r = musttail call ptr @ident(ptr %ra)
  ret ptr %r
}

; The argument is also used by a phi: no PARENT_DIES (and the users that are not calls
; are never asked which intrinsic they call).
; CHECK-LABEL: define i64 @phi_user(ptr %x, i1 %c)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %u, i64 8, i8 18,
define i64 @phi_user(ptr %x, i1 %c) {
start:
  %a = call ptr @__rust_retag_reg(ptr %x, i64 8, i8 2, ptr null, ptr null)
  %u = call ptr @ident(ptr %a)
  %r = call ptr @__rust_retag_reg(ptr %u, i64 8, i8 2, ptr null, ptr null)
  br i1 %c, label %l, label %m
l:
  br label %m
m:
  %p = phi ptr [ %a, %start ], [ %a, %l ]
  %v = load i64, ptr %p
  ret i64 %v
}

; A `&mut` to a `!Unpin` pointee (pin ranges) makes no tag at run time (the parent's is
; handed back): not a fresh origin, so the caller's retag gets no PARENT_DIES (2 | 16).
define ptr @pinned_ret(ptr %a) {
start:
  %ra = call ptr @__rust_retag_reg(ptr %a, i64 8, i8 3, ptr null, ptr @pin)
  ret ptr %ra
}

; CHECK-LABEL: define i64 @pinned_caller(ptr %x)
; CHECK: call { i64, i64 } @__bsan_retag(ptr %m, i64 8, i8 18,
define i64 @pinned_caller(ptr %x) {
start:
  %m = call ptr @pinned_ret(ptr %x)
  %r = call ptr @__rust_retag_reg(ptr %m, i64 8, i8 2, ptr null, ptr null)
  %v = load i64, ptr %r
  ret i64 %v
}
