/*
 * textbuf.h - text built with stdio into memory (open_memstream), ended in
 * one place: a write that failed anywhere means no text at all.
 */
#ifndef REFGW_TEXTBUF_H
#define REFGW_TEXTBUF_H

#include <stdio.h>

/* Closes f, opened with open_memstream(buf, ...). Returns the text (*buf,
 * the caller's to free), or NULL when any write or the close failed; then
 * nothing is left to free. */
char *rg_text_finish(FILE *f, char **buf);

#endif
