/*
 * referral.h - the referral document of SPEC §4: decoding with validation,
 * and encoding for the client.
 *
 * Validation is the same code on both sides, so the client refuses locally
 * exactly what the gateway would refuse. Checks that need the directory
 * (whether `to` exists and the route allows it) are the server's.
 */
#ifndef REFGW_REFERRAL_H
#define REFGW_REFERRAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "api_limits.h"
#include "taxonomy.h"

#define RG_ORG_ID_MAX 64
#define RG_CLIENT_REF_MAX 64
#define RG_JSON_DEPTH_MAX 8
/* The longest body_cms, in base64 characters (SPEC §10). */
#define RG_BODY_CMS_MAX (96 * 1024)

struct rg_referral {
    char to[RG_ORG_ID_MAX + 1];
    char client_ref[RG_CLIENT_REF_MAX + 1]; /* "" when the sender gave none */
    char signal[RG_VALUE_MAX];
    char urgency[RG_VALUE_MAX];
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX]; /* in rg_subject order */
    char *body; /* owned; NUL-terminated: the body, or body_cms when sealed */
    size_t body_len;
    /* body is the string cJSON parsed (rg_referral_parse takes it rather
     * than copy it): freed with cJSON_free, by the hooks it was made with.
     * false, as in a zeroed struct: body is malloc's. */
    bool body_cjson;
    bool sealed; /* SPEC §10: body holds body_cms, base64 the gateway cannot read */
};

/*
 * Who sent a referral to whom, and of what kind: what routing, the sender's
 * status view and the flow counters (SPEC §6) need, one shape from the
 * handler that admits a send to the counter that counts its end.
 */
struct rg_routing {
    char sender[RG_ORG_ID_MAX + 1], sender_type[RG_VALUE_MAX];
    char recipient[RG_ORG_ID_MAX + 1], recipient_type[RG_VALUE_MAX];
    char signal[RG_VALUE_MAX], urgency[RG_VALUE_MAX];
};

/* Fills r, each field cut to fit. */
void rg_routing_set(struct rg_routing *r, const char *sender, const char *sender_type,
                    const char *recipient, const char *recipient_type,
                    const char *signal, const char *urgency);

/* Decodes and validates raw bytes; on failure err says which field and why. */
int rg_referral_parse(const char *buf, size_t len, struct rg_referral *out,
                      struct rg_error *err);

/*
 * The same for text the caller has terminated (buf[len] == '\0', as the
 * server's request bodies are): rg_json_parse_nul_terminated reads it in
 * place, without the copy rg_referral_parse makes.
 */
int rg_referral_parse_terminated(const char *buf, size_t len, struct rg_referral *out,
                                 struct rg_error *err);

/* Validates an already parsed document (the client builds one from flags). */
int rg_referral_from_json(const cJSON *doc, struct rg_referral *out,
                          struct rg_error *err);

/* Wipes and frees what the referral owns; safe on a zeroed or cleared struct. */
void rg_referral_clear(struct rg_referral *r);

/* The wire document of the referral (every subject attribute written). */
cJSON *rg_referral_to_json(const struct rg_referral *r);

/* An organisation id: 1-64 of A-Z a-z 0-9 . _ - (also what a certificate CN must be).
 */
bool rg_org_id_valid(const char *s, size_t len);

/* A client_ref: 1-64 of A-Z a-z 0-9 . _ - */
bool rg_client_ref_valid(const char *s, size_t len);

#endif
