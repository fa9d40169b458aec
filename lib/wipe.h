/*
 * wipe.h - memory that held referral content is wiped before it is freed.
 *
 * Freed heap keeps its bytes until reused: a body or subject freed without
 * wiping could be read from a core dump or /proc/PID/mem long after the
 * referral was erased from the store. Whoever frees such a buffer calls
 * rg_wipe() first. cJSON allocates and frees on its own (the strings of a
 * parsed referral, of an inbox answer): rg_json_use_wiping_allocator()
 * (json_arena.h) makes it use this file's pair, which wipes every block
 * before freeing it. Both refgwd and refgw install it at start, before any
 * JSON is parsed.
 */
#ifndef REFGW_WIPE_H
#define REFGW_WIPE_H

#include <stddef.h>

/* Overwrites p[0..n) with zeros in a way the compiler may not drop. */
void rg_wipe(void *p, size_t n);

/* malloc, and a free that wipes the whole block first (its size as the
 * allocator knows it: malloc_usable_size). Any malloc'd block may be freed
 * with rg_wiping_free. */
void *rg_wiping_malloc(size_t n);
void rg_wiping_free(void *p);

/* realloc in the same manner: a block too small is copied, then wiped and
 * freed; one large enough is kept (realloc(NULL, n) is malloc; realloc(p, 0)
 * frees p and returns NULL). For
 * libraries that take an allocator with realloc (libevent, for refgw ui). */
void *rg_wiping_realloc(void *p, size_t n);

/* Overwrites RG_WIPE_STACK_BYTES of the stack below the caller's frame:
 * what functions it called left in their local buffers. OpenSSL's CMS
 * copies a body through a 4 KiB buffer on its stack while it encrypts,
 * decrypts or verifies, and nothing overwrites it until a call as deep
 * comes by. Call it right after such calls return. */
#define RG_WIPE_STACK_BYTES (32 * 1024)
void rg_wipe_stack(void);

#endif
