#include "referral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_arena.h"
#include "wipe.h"

static bool token_valid(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool rg_org_id_valid(const char *s, size_t len)
{
    return token_valid(s, len, RG_ORG_ID_MAX);
}

bool rg_client_ref_valid(const char *s, size_t len)
{
    return token_valid(s, len, RG_CLIENT_REF_MAX);
}

static const char *const top_fields[] = {"to",      "client_ref", "signal",  "urgency",
                                         "subject", "body",       "body_cms"};

static bool is_top_field(const char *name)
{
    for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++)
        if (strcmp(top_fields[i], name) == 0)
            return true;
    return false;
}

/*
 * prefix (short, ASCII) + name as an error's field path, cut to fit at a
 * character boundary: the error answer echoes it and must stay valid UTF-8.
 * Built for every subject attribute of every parse, so without printf's
 * machinery (snprintf here was 4% of a loop's time under load).
 */
static void field_path(char out[RG_FIELD_MAX], const char *prefix, const char *name)
{
    size_t p = strlen(prefix), n = strlen(name);
    if (p + n >= RG_FIELD_MAX) {
        n = RG_FIELD_MAX - 1 - p;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, prefix, p);
    memcpy(out + p, name, n);
    out[p + n] = '\0';
}

/* A string member, or NULL with err set (missing only if required). */
static const cJSON *string_member(const cJSON *obj, const char *name, const char *path,
                                  bool required, struct rg_error *err, bool *failed)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *failed = false;
    if (item == NULL) {
        if (required) {
            *failed = true;
            rg_fail(err, RG_MISSING_FIELD, path, "%s is required", path);
        }
        return NULL;
    }
    if (!cJSON_IsString(item)) {
        *failed = true;
        rg_fail(err, RG_INVALID_FIELD, path, "%s must be a string", path);
        return NULL;
    }
    /* Its valuestring ends at the NUL: what follows must not go unseen. */
    if (rg_json_has_nul(item)) {
        *failed = true;
        rg_fail(err, RG_INVALID_FIELD, path, "%s must not contain a NUL (\\u0000)",
                path);
        return NULL;
    }
    return item;
}

static int copy_enum(const struct rg_enum *e, const cJSON *item, const char *path,
                     char *dst, struct rg_error *err)
{
    const char *v = item->valuestring;
    size_t len = strlen(v);
    if (rg_enum_find(e, v, len) < 0)
        return rg_fail(err, RG_INVALID_FIELD, path,
                       "%s is not one of the allowed values", path);
    memcpy(dst, v, len + 1);
    return 0;
}

static int parse_subject(const cJSON *subject, struct rg_referral *out,
                         struct rg_error *err)
{
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        strcpy(out->subject[i], RG_UNKNOWN);
    if (subject == NULL)
        return 0;
    if (!cJSON_IsObject(subject))
        return rg_fail(err, RG_INVALID_FIELD, "subject", "subject must be an object");

    char path[RG_FIELD_MAX];
    for (const cJSON *m = subject->child; m != NULL; m = m->next) {
        if (rg_subject_find(m->string, strlen(m->string)) < 0) {
            field_path(path, "subject.", m->string);
            return rg_fail(err, RG_UNKNOWN_FIELD, path,
                           "subject has no attribute by that name");
        }
    }
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const struct rg_attr *a = &rg_subject[i];
        field_path(path, "subject.", a->name);
        bool failed;
        const cJSON *item = string_member(subject, a->name, path, false, err, &failed);
        if (failed)
            return -1;
        if (item == NULL)
            continue;
        size_t len = strlen(item->valuestring);
        if (!rg_attr_allows(a, item->valuestring, len))
            return rg_fail(err, RG_INVALID_FIELD, path,
                           "%s is not one of the allowed values", path);
        memcpy(out->subject[i], item->valuestring, len + 1);
    }
    return 0;
}

/*
 * Every check but the body's UTF-8, in SPEC §4's order; *taken is the body
 * or body_cms member, out->body_len its length. out->body stays NULL.
 */
static int check_doc(const cJSON *doc, struct rg_referral *out, const cJSON **taken,
                     struct rg_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(doc))
        return rg_fail(err, RG_INVALID_JSON, NULL,
                       "the referral must be a JSON object");

    char path[RG_FIELD_MAX];
    for (const cJSON *m = doc->child; m != NULL; m = m->next) {
        if (!is_top_field(m->string)) {
            field_path(path, "", m->string);
            return rg_fail(err, RG_UNKNOWN_FIELD, path,
                           "the referral has no field by that name");
        }
    }
    /* Unknown or bad subject attributes are reported before missing fields. */
    if (parse_subject(cJSON_GetObjectItemCaseSensitive(doc, "subject"), out, err) < 0)
        return -1;

    bool failed;
    const cJSON *to = string_member(doc, "to", "to", true, err, &failed);
    if (failed)
        return -1;
    const cJSON *signal = string_member(doc, "signal", "signal", true, err, &failed);
    if (failed)
        return -1;
    /* SPEC §10: a referral carries body or body_cms, never both. */
    const cJSON *sealed =
        string_member(doc, "body_cms", "body_cms", false, err, &failed);
    if (failed)
        return -1;
    const cJSON *body =
        string_member(doc, "body", "body", sealed == NULL, err, &failed);
    if (failed)
        return -1;
    if (body != NULL && sealed != NULL)
        return rg_fail(err, RG_INVALID_FIELD, "body_cms",
                       "a referral carries body or body_cms, never both");
    const cJSON *urgency =
        string_member(doc, "urgency", "urgency", false, err, &failed);
    if (failed)
        return -1;
    const cJSON *ref =
        string_member(doc, "client_ref", "client_ref", false, err, &failed);
    if (failed)
        return -1;

    size_t to_len = strlen(to->valuestring);
    if (!rg_org_id_valid(to->valuestring, to_len))
        return rg_fail(err, RG_INVALID_FIELD, "to", "to must be an organisation id");
    memcpy(out->to, to->valuestring, to_len + 1);

    if (copy_enum(&rg_signals, signal, "signal", out->signal, err) < 0)
        return -1;
    if (urgency != NULL) {
        if (copy_enum(&rg_urgencies, urgency, "urgency", out->urgency, err) < 0)
            return -1;
    } else {
        strcpy(out->urgency, "normal");
    }
    if (ref != NULL) {
        size_t len = strlen(ref->valuestring);
        if (!rg_client_ref_valid(ref->valuestring, len))
            return rg_fail(err, RG_INVALID_FIELD, "client_ref",
                           "client_ref must be 1-64 of A-Z a-z 0-9 . _ -");
        memcpy(out->client_ref, ref->valuestring, len + 1);
    }
    if (sealed != NULL) {
        body = sealed;
        out->sealed = true;
    }
    const char *field = out->sealed ? "body_cms" : "body";
    size_t body_len = strlen(body->valuestring);
    size_t max = out->sealed ? RG_BODY_CMS_MAX : RG_BODY_MAX;
    if (body_len > max)
        return rg_fail(err, RG_TOO_LARGE, field, "%s is longer than %zu bytes", field,
                       max);
    if (out->sealed && body_len == 0)
        return rg_fail(err, RG_INVALID_FIELD, field, "body_cms is empty");
    out->body_len = body_len;
    *taken = body;
    return 0;
}

int rg_referral_from_json(const cJSON *doc, struct rg_referral *out,
                          struct rg_error *err)
{
    const cJSON *body;
    if (check_doc(doc, out, &body, err) < 0)
        return -1;
    /* A tree from rg_json_parse is valid UTF-8 already; a client-built one
     * needs the check. */
    if (!rg_utf8_valid(body->valuestring, out->body_len)) {
        const char *field = out->sealed ? "body_cms" : "body";
        return rg_fail(err, RG_INVALID_FIELD, field, "%s must be valid UTF-8", field);
    }
    out->body = malloc(out->body_len + 1);
    if (out->body == NULL)
        return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
    memcpy(out->body, body->valuestring, out->body_len + 1);
    return 0;
}

/*
 * A referral from the tree of rg_json_parse_nul: no UTF-8 check (json.h: its
 * strings are valid), and the body's string taken from the tree, not copied
 * (the tree is ours; cJSON_Delete skips a NULL valuestring).
 */
static int from_parsed(cJSON *doc, struct rg_referral *out, struct rg_error *err)
{
    const cJSON *checked;
    if (check_doc(doc, out, &checked, err) < 0)
        return -1;
    cJSON *body = (cJSON *)checked;
    if (rg_json_arena_owns(body->valuestring)) {
        /* A short body came from the parse's arena, which ends with it. */
        out->body = malloc(out->body_len + 1);
        if (out->body == NULL)
            return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
        memcpy(out->body, body->valuestring, out->body_len + 1);
        return 0;
    }
    out->body = body->valuestring;
    out->body_cjson = true;
    body->valuestring = NULL;
    return 0;
}

static int parse(const char *buf, size_t len, bool terminated, struct rg_referral *out,
                 struct rg_error *err)
{
    memset(out, 0, sizeof(*out));
    /* The tree's small blocks live only as long as this parse. */
    rg_json_arena_begin();
    /* A NUL in a value is that field's invalid value (SPEC §4), found in the
     * order of the checks below. */
    cJSON *doc = terminated
                     ? rg_json_parse_nul_terminated(buf, len, RG_JSON_DEPTH_MAX, err)
                     : rg_json_parse_nul(buf, len, RG_JSON_DEPTH_MAX, err);
    int rc = doc != NULL ? from_parsed(doc, out, err) : -1;
    cJSON_Delete(doc);
    rg_json_arena_end();
    if (rc < 0)
        rg_referral_clear(out);
    return rc;
}

int rg_referral_parse(const char *buf, size_t len, struct rg_referral *out,
                      struct rg_error *err)
{
    return parse(buf, len, false, out, err);
}

int rg_referral_parse_terminated(const char *buf, size_t len, struct rg_referral *out,
                                 struct rg_error *err)
{
    return parse(buf, len, true, out, err);
}

void rg_referral_clear(struct rg_referral *r)
{
    if (r->body != NULL) {
        rg_wipe(r->body, r->body_len);
        if (r->body_cjson)
            cJSON_free(r->body);
        else
            free(r->body);
    }
    rg_wipe(r, sizeof(*r));
}

cJSON *rg_referral_to_json(const struct rg_referral *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *subject = cJSON_CreateObject();
    if (doc == NULL || subject == NULL) {
        cJSON_Delete(doc);
        cJSON_Delete(subject);
        return NULL;
    }
    cJSON_AddStringToObject(doc, "to", r->to);
    if (r->client_ref[0] != '\0')
        cJSON_AddStringToObject(doc, "client_ref", r->client_ref);
    cJSON_AddStringToObject(doc, "signal", r->signal);
    cJSON_AddStringToObject(doc, "urgency", r->urgency);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        cJSON_AddStringToObject(subject, rg_subject[i].name, r->subject[i]);
    cJSON_AddItemToObject(doc, "subject", subject);
    cJSON_AddStringToObject(doc, r->sealed ? "body_cms" : "body",
                            r->body ? r->body : "");
    return doc;
}

/* src into dst (size > 0), cut to fit; no printf machinery on the hot path. */
static void copy_field(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void rg_routing_set(struct rg_routing *r, const char *sender, const char *sender_type,
                    const char *recipient, const char *recipient_type,
                    const char *signal, const char *urgency)
{
    copy_field(r->sender, sizeof(r->sender), sender);
    copy_field(r->sender_type, sizeof(r->sender_type), sender_type);
    copy_field(r->recipient, sizeof(r->recipient), recipient);
    copy_field(r->recipient_type, sizeof(r->recipient_type), recipient_type);
    copy_field(r->signal, sizeof(r->signal), signal);
    copy_field(r->urgency, sizeof(r->urgency), urgency);
}
