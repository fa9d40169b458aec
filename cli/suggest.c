#include "suggest.h"

#include <ctype.h>
#include <string.h>

int suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
        return -1;
    /* Three rows of the table: i-2, i-1 and i. */
    int rows[3][SUGGEST_WORD_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        rows[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int *prev2 = rows[(i + 1) % 3], *prev = rows[(i - 1) % 3], *cur = rows[i % 3];
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]);
            int cb = tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
    }
    return rows[la % 3][lb];
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strlen(word);
    if (len == 0 || len > SUGGEST_WORD_MAX)
        return NULL;
    int near_enough = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    int best_distance = near_enough + 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(word, candidates[i]) == 0)
            return NULL;
        int d = suggest_distance(word, candidates[i]);
        if (d >= 0 && d < best_distance) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}
