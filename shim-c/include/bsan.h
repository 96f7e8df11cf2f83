/* bsan.h — the BorrowSanitizer runtime interface for C and C++.
 *
 * Generated from and checked against runtime/abi (the one place the ABI is written down) by
 * `cargo test -p bsan-shim`: do not edit the prototypes by hand, change the ABI crate and
 * copy the output of the failing test.
 *
 * C code compiled with bsan-cc is instrumented automatically (loads, stores, `restrict`
 * parameters). The explicit retag intrinsics at the end let C code state what a Rust
 * reference would: "from here on, this pointer is a unique (or shared) borrow".
 */
#ifndef BSAN_H
#define BSAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BSAN_ABI_VERSION 2
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

/* BEGIN HOOKS (generated) */
bsan_prov_t __bsan_retag(const void * addr, uint64_t size, uint8_t flags, const void * im_ranges, uint64_t im_count, const void * pin_ranges, uint64_t pin_count, uint64_t alloc, uint64_t tag);
void __bsan_read(const void * addr, uint64_t size, uint64_t alloc, uint64_t tag);
void __bsan_write(const void * addr, uint64_t size, uint64_t alloc, uint64_t tag);
bsan_prov_t __bsan_load_prov(const void * addr, const void * value);
void __bsan_store_prov(const void * addr, const void * value, uint64_t alloc, uint64_t tag);
void __bsan_copy_prov(const void * dst, const void * src, uint64_t len);
void __bsan_clear_prov(const void * dst, uint64_t len);
bsan_prov_t __bsan_alloc(const void * addr, uint64_t size, uint8_t kind);
uint64_t __bsan_dealloc(const void * addr, uint64_t alloc, uint64_t tag, uint8_t kind);
bsan_prov_t __bsan_realloc_post(const void * new_addr, const void * old_addr, uint64_t old_size, uint64_t new_size);
void __bsan_func_entry(const void * frame);
void __bsan_func_exit(const void * frame);
void __bsan_expose(const void * addr, uint64_t alloc, uint64_t tag);
/* END HOOKS */

/* The retag intrinsics of rustc's -Zcodegen-emit-retag, lowered by the bsan pass. In C,
 * `p = __rust_retag_reg(p, sizeof *p, BSAN_RETAG_MUTABLE, 0, 0);` makes `p` a fresh
 * unique borrow of its pointee, as `let p = &mut *p;` does in Rust. */
void *__rust_retag_reg(void *ptr, uint64_t size, uint8_t flags, const void *im_ranges,
                       const void *pin_ranges);
void __rust_retag_mem(void *place, uint64_t size, uint8_t flags, const void *im_ranges,
                      const void *pin_ranges);

#ifdef __cplusplus
}
#endif

#endif /* BSAN_H */
