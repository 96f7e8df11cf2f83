/* bsan.h — the BorrowSanitizer runtime interface for C and C++.
 *
 * The hook prototypes between the HOOKS markers are written by hand and checked against
 * runtime/abi (the one place the ABI is written down) by `cargo test -p bsan-shim`: to
 * change one, change the ABI crate; the failing test prints the lines to paste here.
 *
 * C code compiled with bsan-cc is instrumented automatically (loads, stores, `restrict`
 * parameters). The explicit retag intrinsics at the end let C code state what a Rust
 * reference would: "from here on, this pointer is a unique (or shared) borrow"; the
 * BSAN_REBORROW* and BSAN_FN_ENTRY* macros below wrap them for C and C++.
 */
#ifndef BSAN_H
#define BSAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BSAN_ABI_VERSION 7
#define BSAN_DEFAULT_EXIT_CODE 66

/* Retag flags (bsan_abi::retag_flags). */
#define BSAN_RETAG_PROTECTED 0x1
#define BSAN_RETAG_MUTABLE 0x2
#define BSAN_RETAG_BOX 0x4
#define BSAN_RETAG_FREEZE 0x8

/* Allocation kinds (bsan_abi::alloc_kind). */
#define BSAN_ALLOC_HEAP 0
#define BSAN_ALLOC_STACK 1
#define BSAN_ALLOC_GLOBAL 2

#define BSAN_MAX_ARG_PROVS 16
#define BSAN_MAX_RET_PROVS 4

/* Provenance: the runtime's allocation record (0 = untracked) and a Tree Borrows tag. */
typedef struct {
  uint64_t alloc;
  uint64_t tag;
} bsan_prov_t;

/* BEGIN HOOKS (checked against runtime/abi) */
bsan_prov_t __bsan_retag(const void * addr, uint64_t size, uint8_t flags, const void * im_ranges, uint64_t im_count, const void * pin_ranges, uint64_t pin_count, uint64_t alloc, uint64_t tag);
void __bsan_retag_check(const void * addr, uint64_t size, uint64_t alloc, uint64_t tag);
void __bsan_read(const void * addr, uint64_t size, uint64_t alloc, uint64_t tag);
void __bsan_write(const void * addr, uint64_t size, uint64_t alloc, uint64_t tag);
bsan_prov_t __bsan_load_prov(const void * addr, const void * value);
void __bsan_store_prov(const void * addr, const void * value, uint64_t alloc, uint64_t tag);
void __bsan_copy_prov(const void * dst, const void * src, uint64_t len);
void __bsan_clear_prov(const void * dst, uint64_t len);
bsan_prov_t __bsan_alloc(const void * addr, uint64_t size, uint8_t kind);
uint64_t __bsan_dealloc(const void * addr, uint64_t alloc, uint64_t tag, uint8_t kind);
uint64_t __bsan_realloc_pre(const void * addr, uint64_t alloc, uint64_t tag);
bsan_prov_t __bsan_realloc_post(const void * new_addr, const void * old_addr, uint64_t old_size, uint64_t new_size);
void __bsan_func_entry(const void * frame);
void __bsan_func_exit(const void * frame);
void __bsan_expose(const void * addr, uint64_t alloc, uint64_t tag);
/* END HOOKS */

/* The retag intrinsics of rustc's -Zcodegen-emit-retag, lowered by the bsan pass. In C,
 * `p = __rust_retag_reg(p, sizeof *p, BSAN_RETAG_MUTABLE | BSAN_RETAG_FREEZE, 0, 0);` makes
 * `p` a fresh unique borrow of its pointee, as `let p = &mut *p;` does in Rust; the macros
 * below spell the common cases. */
void *__rust_retag_reg(void *ptr, uint64_t size, uint8_t flags, const void *im_ranges,
                       const void *pin_ranges);
void __rust_retag_mem(void *place, uint64_t size, uint8_t flags, const void *im_ranges,
                      const void *pin_ranges);

#ifdef __cplusplus
}
#endif

/* Explicit retags for C and C++.
 *
 * Each macro is one `__rust_retag_reg` call, the call rustc's -Zcodegen-emit-retag emits for
 * the Rust code shown with it. `p` is a pointer to a complete type; the retag covers its
 * `sizeof *p` bytes. The BSAN_REBORROW* macros evaluate `p` once and return the new pointer
 * (with `p`'s type); the BSAN_FN_ENTRY* macros assign it back to `p`, which must therefore be
 * a plain variable (a parameter).
 *
 * | C (T is the type of *p)            | Rust             | cells | flags (BSAN_RETAG_*)     |
 * |------------------------------------|------------------|-------|--------------------------|
 * | q = BSAN_REBORROW_MUT(p)           | let q = &mut *p; | no    | MUTABLE FREEZE           |
 * | q = BSAN_REBORROW(p)               | let q = &*p;     | no    | FREEZE                   |
 * | q = BSAN_REBORROW_MUT_RANGES(p, r) | let q = &mut *p; | at r  | MUTABLE                  |
 * | q = BSAN_REBORROW_RANGES(p, r)     | let q = &*p;     | at r  | (none)                   |
 * | BSAN_FN_ENTRY_MUT(p);              | fn f(p: &mut T)  | no    | PROTECTED MUTABLE FREEZE |
 * | BSAN_FN_ENTRY(p);                  | fn f(p: &T)      | no    | PROTECTED FREEZE         |
 * | BSAN_FN_ENTRY_MUT_RANGES(p, r);    | fn f(p: &mut T)  | at r  | PROTECTED MUTABLE        |
 * | BSAN_FN_ENTRY_RANGES(p, r);        | fn f(p: &T)      | at r  | PROTECTED                |
 *
 * "Cells" are the bytes of T inside an `UnsafeCell` (T is not `Freeze`), see Ranges below.
 *
 * Reborrows: the new pointer `q` gets a child tag of `p`'s. As in Rust, an access through `p`
 * (or through another reborrow of it) that conflicts with `q` makes `q` unusable, and `q`'s
 * next access is reported: e.g. a write through `p` after `q = BSAN_REBORROW_MUT(p)` or
 * `q = BSAN_REBORROW(p)`. Writes through a shared reborrow are reported outside its cells.
 *
 * Function entry (PROTECTED): the protector lasts until the function that contains the macro
 * returns, so any conflicting access through another pointer while it runs is reported even
 * if `p` is never used again: what `noalias` on a Rust reference parameter promises, and what
 * bsan-cc already gives `restrict` parameters. The pass scopes a protector to the LLVM
 * function holding the retag call, which is why these are macros: a protector taken inside a
 * helper function would end when the helper returns. Write them first thing in the body:
 *
 *   void add(int *dst, const int *src) {
 *     BSAN_FN_ENTRY_MUT(dst);   // fn add(dst: &mut i32, src: &i32)
 *     BSAN_FN_ENTRY(src);
 *     *dst += *src;             // reported if dst == src
 *   }
 *
 * Ranges: `r` names a `static const size_t r[]` of (offset, len) pairs, relative to `*p`: the
 * bytes that are interior mutable (Rust's `UnsafeCell`: `Cell`, atomics, a `Mutex`'s data).
 * Pass the array itself: the pass takes the pair count from the size of that global, so it
 * cannot be a pointer, a parameter or a local array. An array that is not of size_t, a
 * pointer, or an odd count is a compile error; an array without static storage is a bsan-cc
 * error.
 *
 *   struct stats { long limit; _Atomic long hits; };       // hits: AtomicI64 in Rust
 *   static const size_t stats_cells[] = { offsetof(struct stats, hits), sizeof(long) };
 *   void hit(const struct stats *s) {
 *     BSAN_FN_ENTRY_RANGES(s, stats_cells);   // fn hit(s: &Stats)
 *     ...
 *   }
 *
 * A function that contains any of these macros counts as retagged by hand: bsan-cc
 * synthesizes no retags for it, so its `restrict` parameters are not retagged unless it
 * says so (BSAN_FN_ENTRY_MUT on them).
 *
 * C++: the same macros (p keeps its type, `const` included). There is deliberately no
 * template wrapper: a function would end function-entry protectors when it returns, and it
 * would pass the range array to the retag call as a run-time value instead of the global.
 */
#define BSAN_REBORROW_MUT(p) BSAN_PRIV_RETAG(p, BSAN_RETAG_MUTABLE | BSAN_RETAG_FREEZE, 0)
#define BSAN_REBORROW(p) BSAN_PRIV_RETAG(p, BSAN_RETAG_FREEZE, 0)
#define BSAN_REBORROW_MUT_RANGES(p, r) BSAN_PRIV_RETAG(p, BSAN_RETAG_MUTABLE, BSAN_PRIV_RANGES(r))
#define BSAN_REBORROW_RANGES(p, r) BSAN_PRIV_RETAG(p, 0, BSAN_PRIV_RANGES(r))
#define BSAN_FN_ENTRY_MUT(p)                                                                       \
  ((void)((p) = BSAN_PRIV_RETAG(                                                                   \
              p, BSAN_RETAG_PROTECTED | BSAN_RETAG_MUTABLE | BSAN_RETAG_FREEZE, 0)))
#define BSAN_FN_ENTRY(p)                                                                           \
  ((void)((p) = BSAN_PRIV_RETAG(p, BSAN_RETAG_PROTECTED | BSAN_RETAG_FREEZE, 0)))
#define BSAN_FN_ENTRY_MUT_RANGES(p, r)                                                             \
  ((void)((p) = BSAN_PRIV_RETAG(p, BSAN_RETAG_PROTECTED | BSAN_RETAG_MUTABLE,                     \
                                BSAN_PRIV_RANGES(r))))
#define BSAN_FN_ENTRY_RANGES(p, r)                                                                 \
  ((void)((p) = BSAN_PRIV_RETAG(p, BSAN_RETAG_PROTECTED, BSAN_PRIV_RANGES(r))))

/* Implementation details of the macros above. */
#define BSAN_PRIV_RETAG(p, flags, im)                                                              \
  ((__typeof__(p))__rust_retag_reg((void *)(p), sizeof *(p), (uint8_t)(flags), (im),               \
                                   (const void *)0))
#ifdef __cplusplus
namespace bsan_priv {
template <size_t N> struct range_pairs {
  static_assert(N % 2 == 0, "bsan.h: a range array holds (offset, len) pairs of size_t");
  char unused;
};
/* Declared only: used in `sizeof`, so that a pointer or a non-size_t array does not match. */
template <size_t N> range_pairs<N> check_ranges(const size_t (&ranges)[N]);
} // namespace bsan_priv
#define BSAN_PRIV_RANGES(r) ((void)sizeof(::bsan_priv::check_ranges(r)), (const void *)(r))
#else
#define BSAN_PRIV_RANGES(r)                                                                        \
  ((void)sizeof(struct {                                                                           \
     int bsan_ranges_must_be_a_static_const_size_t_array_of_offset_len_pairs                       \
         : (__builtin_types_compatible_p(__typeof__((r)[0]), size_t) &&                            \
            !__builtin_types_compatible_p(__typeof__(r), __typeof__(&(r)[0])) &&                   \
            sizeof(r) % (2 * sizeof(size_t)) == 0)                                                 \
               ? 1                                                                                 \
               : -1;                                                                               \
   }),                                                                                             \
   (const void *)(r))
#endif

#endif /* BSAN_H */
