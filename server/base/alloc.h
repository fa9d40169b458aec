/*
 * alloc.h - the memory allocator's tuning, for the allocator refgwd is built
 * with.
 *
 * Release builds link jemalloc (CMake option REFGW_JEMALLOC): its per-thread
 * caches serve the many small blocks every request takes and gives back (TLS
 * records, the parsed referral and its answer, SQLite's pages) for less than
 * glibc's arenas (docs/architecture.md). Builds without it use glibc's
 * malloc (alloc_glibc.c); the sanitizer builds, whose allocator is the
 * sanitizers' own, are always such builds.
 */
#ifndef REFGW_ALLOC_H
#define REFGW_ALLOC_H

/* Call once at start-up, before any thread starts. Either way, the memory of a
 * burst (inbox answers of up to 8 MiB after a backlog) goes back to the
 * system once the burst is over. 0, or -1 with a message in err. */
int alloc_tune(char err[128]);

#endif
