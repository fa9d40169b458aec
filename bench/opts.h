/*
 * opts.h - refgw-bench's command line.
 */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "bench.h"

/* Fills o from argv (defaults first, then the options, then the checks that
 * span several). 0, or -1 with a message in err. --help prints the usage
 * and exits 0. */
int opts_parse(int argc, char **argv, struct bench_opts *o, char *err, size_t errlen);

/* The usage text, to f. */
void opts_usage(FILE *f);

#endif
