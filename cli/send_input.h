/*
 * send_input.h - the referral `refgw send` is given, from its flags or from a
 * JSON file, checked with the gateway's own rules (lib/referral.c) before
 * anything is sent. A refusal is exit 1 naming the field, the option that
 * sets it, the values it allows and, for a near miss, the one meant.
 */
#ifndef REFGW_CLI_SEND_INPUT_H
#define REFGW_CLI_SEND_INPUT_H

#include <stddef.h>

#include "cli.h"
#include "referral.h"
#include "taxonomy.h"

/* The options of `refgw send` that make the referral. */
struct send_args {
    const char *to, *signal, *urgency, *client_ref, *body, *body_file, *file;
    const char *subject[RG_SUBJECT_ATTRS];
    long retries;
};

/* The referral from --file, validated; 0, or -1 with err (exit 1). */
int send_from_file(const char *path, struct rg_referral *r, struct cli_error *err);

/* The referral from flags: built as the JSON document, then validated like a file. */
int send_from_flags(const struct send_args *a, struct rg_referral *r,
                    struct cli_error *err);

/* "a, b, c" from a closed list, with the pattern's description after it. */
void send_join_values(char *buf, size_t size, const struct rg_enum *e,
                      const char *pattern_text);

#endif
