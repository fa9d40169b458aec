/*
 * suggest.h - "did you mean": the word of a list nearest to a mistyped one.
 *
 * Distance is the optimal string alignment distance (an insertion, a
 * deletion, a substitution or a swap of two neighbours each count one),
 * ignoring ASCII case. A candidate is offered only when it is near enough to
 * be a likely typo: 1 edit for a word of up to 4 characters, 2 up to 8, 3
 * beyond. Nothing is offered for a word that is itself in the list, or longer
 * than SUGGEST_WORD_MAX.
 */
#ifndef REFGW_CLI_SUGGEST_H
#define REFGW_CLI_SUGGEST_H

#include <stddef.h>

#define SUGGEST_WORD_MAX 64

/* The nearest candidate (the first of equals), or NULL. */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

/* The edit distance between a and b as above; -1 when either is too long. */
int suggest_distance(const char *a, const char *b);

#endif
