#include "table.h"

#include <stdlib.h>
#include <string.h>

struct table {
    size_t ncols;
    const char *const *headers;
    char **cells; /* nrows * ncols, row by row */
    size_t nrows, cap;
};

struct table *table_new(size_t ncols, const char *const *headers)
{
    if (ncols == 0 || ncols > TABLE_COLUMNS_MAX)
        return NULL;
    struct table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->ncols = ncols;
    t->headers = headers;
    return t;
}

static char *printable_copy(const char *s)
{
    char *c = strdup(s ? s : "");
    if (c == NULL)
        return NULL;
    for (char *p = c; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return c;
}

int table_add(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));
        if (p == NULL)
            return -1;
        t->cells = p;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = printable_copy(cells[i]);
        if (row[i] == NULL) {
            while (i-- > 0)
                free(row[i]);
            return -1;
        }
    }
    t->nrows++;
    return 0;
}

size_t table_rows(const struct table *t)
{
    return t->nrows;
}

/* Characters, not bytes: UTF-8 continuation bytes do not take a column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void print_row(FILE *out, const char *const *cells, size_t ncols,
                      const size_t *widths)
{
    for (size_t i = 0; i < ncols; i++) {
        const char *s = cells[i] ? cells[i] : "";
        if (widths == NULL) {
            fprintf(out, "%s%s", s, i + 1 < ncols ? "\t" : "\n");
        } else if (i + 1 < ncols) {
            fprintf(out, "%s%*s", s, (int)(widths[i] - width(s) + 2), "");
        } else {
            fprintf(out, "%s\n", s);
        }
    }
}

int table_print(const struct table *t, FILE *out, bool aligned)
{
    size_t widths[TABLE_COLUMNS_MAX] = {0};
    if (aligned) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (t->headers != NULL)
                widths[i] = width(t->headers[i]);
            for (size_t r = 0; r < t->nrows; r++) {
                size_t w = width(t->cells[r * t->ncols + i]);
                if (w > widths[i])
                    widths[i] = w;
            }
        }
        if (t->headers != NULL)
            print_row(out, t->headers, t->ncols, widths);
    }
    for (size_t r = 0; r < t->nrows; r++)
        print_row(out, (const char *const *)(t->cells + r * t->ncols), t->ncols,
                  aligned ? widths : NULL);
    return fflush(out) == EOF || ferror(out) ? -1 : 0;
}

void table_free(struct table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}
