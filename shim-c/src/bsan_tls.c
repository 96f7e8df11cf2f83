/* The C parts of the runtime: the thread-local provenance slots shared by all instrumented
 * code (Rust and C), and the reader of the retag-source section (at the end).
 *
 * Thread-local provenance slots.
 *
 * Owned here because C has `__thread` with an explicit TLS model on stable toolchains; the
 * pass declares these as `external thread_local(initialexec)` globals under the names in
 * `bsan_abi::tls`. Protocol (see runtime/abi/src/lib.rs, module `tls`): a caller stores the
 * provenance of each pointer argument leaf in __bsan_arg_prov and the callee's address in
 * __bsan_arg_callee; a callee trusts the slots only if __bsan_arg_callee is its own address.
 * Returns work the same way. Initial-exec keeps every slot one %fs-relative access away; the
 * runtime is linked into the executable, never dlopen'ed, so the static TLS block suffices.
 */
#include "bsan.h"

#define BSAN_TLS __attribute__((tls_model("initial-exec"))) __thread

BSAN_TLS uint64_t __bsan_arg_prov[2 * BSAN_MAX_ARG_PROVS];
BSAN_TLS const void *__bsan_arg_callee;
BSAN_TLS uint64_t __bsan_ret_prov[2 * BSAN_MAX_RET_PROVS];
BSAN_TLS const void *__bsan_ret_callee;

/* Addresses of the calling thread's provenance slots, and their word counts, for the
 * runtime's garbage collector, which scans every registered thread's slots for live tags
 * (runtime/src/gc.rs). Rust cannot name a C thread-local, hence these accessors. */
const uint64_t *bsan_shim_arg_prov_slots(void) { return __bsan_arg_prov; }
const uint64_t *bsan_shim_ret_prov_slots(void) { return __bsan_ret_prov; }
unsigned bsan_shim_arg_prov_words(void) { return 2 * BSAN_MAX_ARG_PROVS; }
unsigned bsan_shim_ret_prov_words(void) { return 2 * BSAN_MAX_RET_PROVS; }

/* The retag source (bsan_abi::retag_source): every module the pass instruments puts one
 * 32-bit bit set into the section `bsan_retag_source`; the final link concatenates them
 * and defines __start_/__stop_ symbols around the section. The references are weak and
 * hidden: without any such section (no instrumented module, or a pass that emits none) they
 * resolve to null at link time and the result is 0. Hidden keeps them link-time constants
 * (no GOT entry, no dynamic symbol); weak undefined symbols survive the runtime's partial
 * link (`ld -r`) and symbol localization untouched, because only defined symbols are
 * localized. */
extern const uint32_t __start_bsan_retag_source[] __attribute__((weak, visibility("hidden")));
extern const uint32_t __stop_bsan_retag_source[] __attribute__((weak, visibility("hidden")));

/* The OR of every module's retag-source word; 0 when the section is absent. */
uint32_t bsan_shim_retag_source(void) {
  const uint32_t *p = __start_bsan_retag_source;
  const uint32_t *end = __stop_bsan_retag_source;
  uint32_t bits = 0;
  if (p == 0 || end == 0)
    return 0;
  for (; p < end; p++)
    bits |= *p;
  return bits;
}
