/* lockdecode_int.h - what lockdecode.c and lockdecode_musl.c share; included only by src/lockdecode*.c and their tests. */
#ifndef HOLDUP_LOCKDECODE_INT_H
#define HOLDUP_LOCKDECODE_INT_H

#include "lockdecode.h"

/* Whether the target's libc is musl: a loader mapping (ld-musl-ARCH.so.1, or a libc.so under a
 * musl directory) or, with no shared libc, a static executable whose symbol table has musl's own
 * start-up functions. *version gets musl's version where its __libc_version symbol is readable,
 * else 0; *how where the answer came from (a static string), set only when it returns true. */
bool lockdecode_musl_detect(const struct snapshot *s, const struct targetfile_root *root, int *version,
    const char **how);

/* Decodes a musl lock object of kind o->kind from img, which holds at least lockdecode_size bytes. */
void lockdecode_musl_object(const struct lockdecode_layout *L, const uint8_t *img, struct lockdecode_info *o);

/* The rest of lockdecode_thread for a musl layout: o has the futex word, kind and want from the
 * frames (LOCK_FUTEX when they named no lock function), internal set for musl's own __lock; op and
 * val are the futex call's. Returns 0. */
int lockdecode_musl_thread(const struct lockdecode_layout *L, const struct snapshot *s, const struct thread *t,
    struct lockdecode_info *o, uint64_t op, uint32_t val, bool internal);

#endif
