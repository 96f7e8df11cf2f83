/* Thread-local provenance slots shared by all instrumented code (Rust and C).
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
