/*
 * fuzz_referral - the referral document (SPEC §4) as it arrives in a POST:
 * strict JSON decoding (lib/json.c) and validation (lib/referral.c).
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what a
 * handler relies on: an accepted referral holds only allowed values and a
 * body that is valid UTF-8 without NUL; encoding it again and decoding that
 * gives the same referral; a refusal names a 4xx code and a message and a
 * field that are valid UTF-8 (they are echoed in the error answer). The raw
 * document is also decoded at a generous depth: the tree must be cJSON's
 * own of the same bytes (json.c cuts a long string out of what cJSON reads
 * and puts it back), and the printed tree must be accepted again. The server's entry,
 * which reads a terminated buffer in place, must come to the same referral or refusal
 * as the copying one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "json.h"
#include "referral.h"
#include "taxonomy.h"

static void check_error(const struct rg_error *err)
{
    int status = rg_code_status(err->code);
    FUZZ_CHECK(status == 400 || status == 413 || err->code == RG_UNAVAILABLE);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
    FUZZ_CHECK(memchr(err->field, '\0', sizeof(err->field)) != NULL);
    FUZZ_CHECK(err->message[0] != '\0');
    FUZZ_CHECK(rg_utf8_valid(err->message, strlen(err->message)));
    FUZZ_CHECK(rg_utf8_valid(err->field, strlen(err->field)));
}

static void check_referral(const struct rg_referral *r)
{
    FUZZ_CHECK(rg_org_id_valid(r->to, strlen(r->to)));
    FUZZ_CHECK(r->client_ref[0] == '\0' ||
               rg_client_ref_valid(r->client_ref, strlen(r->client_ref)));
    FUZZ_CHECK(rg_enum_find(&rg_signals, r->signal, strlen(r->signal)) >= 0);
    FUZZ_CHECK(rg_enum_find(&rg_urgencies, r->urgency, strlen(r->urgency)) >= 0);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        FUZZ_CHECK(
            rg_attr_allows(&rg_subject[i], r->subject[i], strlen(r->subject[i])));
    FUZZ_CHECK(r->body != NULL);
    FUZZ_CHECK(r->body_len <= RG_BODY_MAX);
    FUZZ_CHECK(strlen(r->body) == r->body_len); /* no NUL inside */
    FUZZ_CHECK(rg_utf8_valid(r->body, r->body_len));
}

/* Encoding an accepted referral and decoding it again gives the same referral. */
static void check_round_trip(const struct rg_referral *r)
{
    cJSON *doc = rg_referral_to_json(r);
    FUZZ_CHECK(doc != NULL);
    char *text = rg_json_print(doc);
    cJSON_Delete(doc);
    FUZZ_CHECK(text != NULL);
    struct rg_referral again;
    struct rg_error err;
    int rc = rg_referral_parse(text, strlen(text), &again, &err);
    cJSON_free(text);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(strcmp(again.to, r->to) == 0);
    FUZZ_CHECK(strcmp(again.client_ref, r->client_ref) == 0);
    FUZZ_CHECK(strcmp(again.signal, r->signal) == 0);
    FUZZ_CHECK(strcmp(again.urgency, r->urgency) == 0);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        FUZZ_CHECK(strcmp(again.subject[i], r->subject[i]) == 0);
    FUZZ_CHECK(again.body_len == r->body_len);
    FUZZ_CHECK(memcmp(again.body, r->body, r->body_len) == 0);
    rg_referral_clear(&again);
}

/* Any document the strict decoder accepts is the tree cJSON makes of it,
 * and printed by cJSON, is accepted again. */
static void check_json(const char *data, size_t size)
{
    struct rg_error err;
    cJSON *tree = rg_json_parse(data, size, 64, &err);
    if (tree == NULL) {
        check_error(&err);
        FUZZ_CHECK(err.code == RG_INVALID_JSON || err.code == RG_UNAVAILABLE);
        return;
    }
    char *copy = malloc(size + 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, data, size);
    copy[size] = '\0';
    cJSON *plain = cJSON_ParseWithLengthOpts(copy, size + 1, NULL, 1);
    free(copy);
    FUZZ_CHECK(plain != NULL);
    /* Compared printed: cJSON_Compare takes no infinity for equal to itself. */
    char *text = rg_json_print(tree), *plain_text = rg_json_print(plain);
    cJSON_Delete(plain);
    FUZZ_CHECK(text != NULL && plain_text != NULL && strcmp(text, plain_text) == 0);
    cJSON_free(plain_text);
    cJSON_Delete(tree);
    cJSON *again = rg_json_parse(text, strlen(text), 64, &err);
    cJSON_free(text);
    FUZZ_CHECK(again != NULL);
    cJSON_Delete(again);
}

/*
 * The server's entry, rg_referral_parse_terminated, on the same bytes with a
 * NUL after them: the same referral as r (rc 0), or the same refusal as err.
 */
static void check_terminated(const char *data, size_t size, int rc,
                             const struct rg_referral *r, const struct rg_error *err)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    struct rg_referral t;
    struct rg_error terr;
    int trc = rg_referral_parse_terminated(text, size, &t, &terr);
    free(text);
    FUZZ_CHECK(trc == rc);
    if (rc == 0) {
        FUZZ_CHECK(memcmp(&t, r, offsetof(struct rg_referral, body)) == 0);
        FUZZ_CHECK(t.body_len == r->body_len && t.sealed == r->sealed);
        FUZZ_CHECK(memcmp(t.body, r->body, r->body_len + 1) == 0);
        rg_referral_clear(&t);
    } else {
        FUZZ_CHECK(terr.code == err->code);
        FUZZ_CHECK(strcmp(terr.field, err->field) == 0);
        FUZZ_CHECK(t.body == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    struct rg_referral r;
    struct rg_error err;
    int rc = rg_referral_parse(doc, size, &r, &err);
    check_terminated(doc, size, rc, &r, &err);
    if (rc == 0) {
        check_referral(&r);
        check_round_trip(&r);
        rg_referral_clear(&r);
    } else {
        check_error(&err);
        FUZZ_CHECK(r.body == NULL); /* nothing left to free after a refusal */
    }
    check_json(doc, size);
    return 0;
}
