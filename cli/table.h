/*
 * table.h - rows and columns for people and for scripts.
 *
 * On a terminal a table is printed with a header and columns padded to line
 * up (widths counted in characters, not bytes); otherwise as tab-separated
 * lines without a header, one row a line, for `cut` and `while read`.
 * Cells are copied, and control characters in them are printed as '?', so
 * nothing the gateway sends can drive the terminal.
 */
#ifndef REFGW_CLI_TABLE_H
#define REFGW_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_COLUMNS_MAX 12

struct table;

/* headers: ncols names (shown on a terminal only); NULL for a table without a header.
 */
struct table *table_new(size_t ncols, const char *const *headers);

/* Adds a row of ncols cells (NULL prints as ""); 0, or -1 when out of memory. */
int table_add(struct table *t, const char *const *cells);

size_t table_rows(const struct table *t);

/* 0, or -1 when out cannot be written. */
int table_print(const struct table *t, FILE *out, bool aligned);

void table_free(struct table *t);

#endif
