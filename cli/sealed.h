/*
 * sealed.h - end-to-end encrypted bodies in the client (SPEC §10, lib/e2e).
 *
 * Sending: when the directory entry of the recipient lists encryption
 * certificates, the referral is signed with the client's certificate and
 * key and sealed to all of them; the wire document then carries body_cms
 * instead of body. Each certificate must be issued by the partners' CA
 * (--signer-ca, else --ca) to the recipient's id: the directory comes from
 * the gateway, which E2E does not trust with the body.
 *
 * Reading: an inbox item with body_cms is opened with the --decrypt-key
 * keys, its signature verified against the same CA, the signer's CN held to
 * the item's `from`, and the referral inside held to the item: `to` is this
 * organisation (the CN of --cert), `signal`, `urgency` and every subject
 * attribute equal the item's. The result is the item with `body` in place
 * of `body_cms` and "e2e": {"encrypted": true, "signer": CN}.
 *
 * Keys and certificates are read once, when first needed; key files are
 * read into memory that is wiped after parsing.
 */
#ifndef REFGW_CLI_SEALED_H
#define REFGW_CLI_SEALED_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cli.h"

/* How long a reason for an unreadable item may be. */
#define SEALED_REASON_MAX 320

/*
 * Seals the wire document of a referral (as rg_referral_to_json made it)
 * when the recipient's directory entry lists encryption certificates:
 * "body" is replaced by "body_cms". *sealed says whether it was. 0, or -1
 * with err: exit 1 for our own files, exit 2 for a directory entry whose
 * certificates cannot be used (nothing is sent then).
 */
int sealed_wire(struct cli *c, const cJSON *recipient, cJSON *wire, bool *sealed,
                struct cli_error *err);

/* What reading items needs; one per command run. */
struct sealed_reader;

/* The reader for this run (keys are loaded on the first encrypted item). */
struct sealed_reader *sealed_reader_new(struct cli *c, struct cli_error *err);
void sealed_reader_free(struct sealed_reader *rd);

/* Whether an inbox item carries body_cms. */
bool sealed_item_encrypted(const cJSON *item);

/*
 * Opens an item carrying body_cms into *plain (a new item; cJSON_Delete it).
 * 0 when opened; 1 when this item cannot be read, with why (which must not
 * be written or acknowledged as if it were fine); -1 with err when reading
 * cannot even start (no --decrypt-key, an unreadable key file: exit 1).
 */
int sealed_item_open(struct sealed_reader *rd, const cJSON *item, cJSON **plain,
                     char why[SEALED_REASON_MAX], struct cli_error *err);

/* Deletes a referral or item document after wiping its body (NULL is fine). */
void sealed_doc_free(cJSON *plain);

#endif
