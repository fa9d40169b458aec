#include "send_input.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "json.h"
#include "suggest.h"

/* A --file may hold the body escaped; the gateway takes at most 128 KiB anyway. */
#define FILE_MAX (1u << 20)

void send_join_values(char *buf, size_t size, const struct rg_enum *e,
                      const char *pattern_text)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < e->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 e->values[i]);
    if (pattern_text != NULL && used < size)
        snprintf(buf + used, size - used, ", or %s", pattern_text);
}

/* Reads all of path ("-": standard input), at most max bytes plus one to tell. */
static int read_input(const char *path, size_t max, char **out, size_t *out_len,
                      struct cli_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return cli_fail(err, CLI_USAGE, "cannot open %s: %s", path, strerror(errno));
    char *buf = malloc(max + 2);
    if (buf == NULL) {
        if (f != stdin)
            fclose(f);
        return cli_fail(err, CLI_USAGE, "out of memory");
    }
    size_t len = fread(buf, 1, max + 1, f);
    bool failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed) {
        free(buf);
        return cli_fail(err, CLI_USAGE, "cannot read %s", path);
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* The option that sets a field of the referral, for messages. */
static const char *flag_of(const char *field)
{
    static const struct {
        const char *field, *flag;
    } fixed[] = {{"to", "--to"},
                 {"signal", "--signal"},
                 {"urgency", "--urgency"},
                 {"client_ref", "--client-ref"},
                 {"body", "--body or --body-file"}};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(fixed[i].field, field) == 0)
            return fixed[i].flag;
    return NULL;
}

/* The string at field path "signal" or "subject.age_band" of doc, or NULL. */
static const char *value_at(const cJSON *doc, const char *field)
{
    const char *dot = strchr(field, '.');
    const cJSON *v = doc;
    if (dot != NULL) {
        char head[RG_FIELD_MAX];
        snprintf(head, sizeof(head), "%.*s", (int)(dot - field), field);
        v = cJSON_GetObjectItemCaseSensitive(v, head);
        field = dot + 1;
    }
    v = cJSON_GetObjectItemCaseSensitive(v, field);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Exit 1 naming the field, its option, the values it allows and, when the
 * value given is near one of them, that one. doc: the referral as given
 * (NULL when it is not even JSON).
 */
static int invalid(const struct rg_error *e, bool from_flags, const cJSON *doc,
                   struct cli_error *err)
{
    char allowed[480] = "", option[64] = "";
    const struct rg_enum *list = NULL;
    const char *pattern = NULL;
    if (strcmp(e->field, "signal") == 0) {
        list = &rg_signals;
    } else if (strcmp(e->field, "urgency") == 0) {
        list = &rg_urgencies;
    } else if (strncmp(e->field, "subject.", 8) == 0) {
        int i = rg_subject_find(e->field + 8, strlen(e->field + 8));
        if (i >= 0) {
            list = &rg_subject[i].values;
            pattern = rg_subject[i].pattern_text;
            snprintf(option, sizeof(option), ", option --%s", rg_subject[i].flag);
        }
    }
    if (option[0] == '\0' && flag_of(e->field) != NULL)
        snprintf(option, sizeof(option), ", option %s", flag_of(e->field));
    if (list != NULL && e->code == RG_INVALID_FIELD) {
        char values[360];
        send_join_values(values, sizeof(values), list, pattern);
        const char *given = value_at(doc, e->field);
        const char *near =
            given ? suggest_nearest(given, list->values, list->count) : NULL;
        snprintf(allowed, sizeof(allowed), "; allowed: %s%s%s%s", values,
                 near ? ". Did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    return cli_fail(err, CLI_USAGE, "invalid referral: %s (%s%s%s%s)%s", e->message,
                    rg_code_name(e->code), e->field[0] ? ", field " : "", e->field,
                    from_flags ? option : "", allowed);
}

/* The referral from --file, validated. */
int send_from_file(const char *path, struct rg_referral *r, struct cli_error *err)
{
    char *buf;
    size_t len;
    if (read_input(path, FILE_MAX, &buf, &len, err) < 0)
        return -1;
    int rc = 0;
    struct rg_error e;
    if (len > FILE_MAX)
        rc = cli_fail(err, CLI_USAGE, "%s is larger than %u KiB", path, FILE_MAX >> 10);
    else if (rg_referral_parse(buf, len, r, &e) < 0) {
        /* Read once more, only for the value to suggest a correction of. */
        struct rg_error ignored;
        cJSON *doc = rg_json_parse(buf, len, RG_JSON_DEPTH_MAX, &ignored);
        rc = invalid(&e, false, doc, err);
        cJSON_Delete(doc);
    }
    OPENSSL_cleanse(buf, len);
    free(buf);
    return rc;
}

static int put(cJSON *obj, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    return cJSON_AddStringToObject(obj, name, value) ? 0 : -1;
}

/* The referral from flags: built as the JSON document, then validated like a file. */
int send_from_flags(const struct send_args *a, struct rg_referral *r,
                    struct cli_error *err)
{
    char *body = NULL;
    size_t body_len = 0;
    if (a->body_file != NULL) {
        /* One byte over the limit is enough for validation to say "too large". */
        if (read_input(a->body_file, RG_BODY_MAX, &body, &body_len, err) < 0)
            return -1;
        if (memchr(body, '\0', body_len) != NULL) {
            free(body);
            return cli_fail(
                err, CLI_USAGE,
                "invalid referral: the body contains a NUL byte (invalid_field, "
                "field body, option --body-file)");
        }
    }

    int rc = -1;
    cJSON *doc = cJSON_CreateObject();
    cJSON *subject = NULL;
    if (doc == NULL || put(doc, "to", a->to) < 0 || put(doc, "signal", a->signal) < 0 ||
        put(doc, "urgency", a->urgency) < 0 ||
        put(doc, "client_ref", a->client_ref) < 0 ||
        put(doc, "body", body ? body : a->body) < 0)
        goto oom;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        if (a->subject[i] == NULL)
            continue;
        if (subject == NULL &&
            (subject = cJSON_AddObjectToObject(doc, "subject")) == NULL)
            goto oom;
        if (put(subject, rg_subject[i].name, a->subject[i]) < 0)
            goto oom;
    }
    struct rg_error e;
    rc = rg_referral_from_json(doc, r, &e) < 0 ? invalid(&e, true, doc, err) : 0;
    goto done;
oom:
    cli_fail(err, CLI_USAGE, "out of memory");
done:
    cJSON_Delete(doc);
    if (body != NULL) {
        OPENSSL_cleanse(body, body_len);
        free(body);
    }
    return rc;
}
