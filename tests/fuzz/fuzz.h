/*
 * fuzz.h - what the libFuzzer harnesses share: an invariant check that
 * crashes loudly (libFuzzer then keeps the input as a crash artifact).
 */
#ifndef REFGW_FUZZ_H
#define REFGW_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                               \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
                    #cond);                                                            \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
