/*
 * config_orgs.c - the organisations and routes of the configuration (SPEC
 * §2, §3, §10): who may connect, as which type, with which encryption
 * certificates, and which sender type may send to which recipient type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "enc_certs.h"

static int parse_type(const cJSON *item, const char *key, char err[RG_ERR_MAX])
{
    if (!cJSON_IsString(item))
        return failf(err, "%s: must be a string", key);
    int t = rg_enum_find(&rg_org_types, item->valuestring, strlen(item->valuestring));
    if (t < 0)
        return failf(err, "%s: unknown organisation type", key);
    return t;
}

#define PEM_FILE_MAX (64 * 1024)

/* The whole of a small file as a string (malloc'd), or NULL with err. */
static char *read_small_file(const char *path, const char *key, char err[RG_ERR_MAX])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        failf(err, "%s: cannot open %s", key, path);
        return NULL;
    }
    char *text = malloc(PEM_FILE_MAX + 1);
    size_t len = text ? fread(text, 1, PEM_FILE_MAX + 1, f) : 0;
    int bad = ferror(f) || len == 0 || len > PEM_FILE_MAX;
    fclose(f);
    if (text == NULL || bad) {
        free(text);
        failf(err, "%s: cannot read %s (empty, unreadable or over 64 KiB)", key, path);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

/* One organisation's keys, each with its parser (key: its path for errors). */
struct org_key {
    const char *name;
    bool required;
    int (*parse)(struct org *o, const cJSON *m, const char *key, const char *base,
                 char err[RG_ERR_MAX]);
};

static int org_id(struct org *o, const cJSON *m, const char *key, const char *base,
                  char err[RG_ERR_MAX])
{
    if (!cJSON_IsString(m) || !rg_org_id_valid(m->valuestring, strlen(m->valuestring)))
        return failf(err, "%s: must be 1-64 of A-Z a-z 0-9 . _ -", key);
    strcpy(o->id, m->valuestring);
    return 0;
}

static int org_name(struct org *o, const cJSON *m, const char *key, const char *base,
                    char err[RG_ERR_MAX])
{
    if (!cJSON_IsString(m) || strlen(m->valuestring) > ORG_NAME_MAX)
        return failf(err, "%s: must be a string of at most %d bytes", key,
                     ORG_NAME_MAX);
    strcpy(o->name, m->valuestring);
    return 0;
}

static int org_type(struct org *o, const cJSON *m, const char *key, const char *base,
                    char err[RG_ERR_MAX])
{
    if ((o->type = parse_type(m, key, err)) < 0)
        return -1;
    o->kind = org_kind_of(o->type);
    return 0;
}

static int org_disabled(struct org *o, const cJSON *m, const char *key,
                        const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsBool(m))
        return failf(err, "%s: must be true or false", key);
    o->disabled = cJSON_IsTrue(m);
    return 0;
}

static int org_encryption_certs(struct org *o, const cJSON *m, const char *key,
                                const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsArray(m))
        return failf(err, "%s: must be an array of certificate files", key);
    size_t n = (size_t)cJSON_GetArraySize(m);
    o->encryption_certs = calloc(n ? n : 1, sizeof(char *));
    o->encryption_cert_paths = calloc(n ? n : 1, sizeof(char *));
    if (o->encryption_certs == NULL || o->encryption_cert_paths == NULL)
        return failf(err, "out of memory");
    for (const cJSON *f = m->child; f != NULL; f = f->next) {
        char item[96];
        const char *v;
        snprintf(item, sizeof(item), "%s[%zu]", key, o->encryption_cert_count);
        if (get_string(f, item, err, &v) < 0)
            return -1;
        size_t i = o->encryption_cert_count++;
        if ((o->encryption_cert_paths[i] = resolve(base, v)) == NULL)
            return failf(err, "out of memory");
        if ((o->encryption_certs[i] =
                 read_small_file(o->encryption_cert_paths[i], item, err)) == NULL)
            return -1;
    }
    return 0;
}

static const struct org_key org_keys[] = {
    {"id", true, org_id},
    {"name", false, org_name},
    {"type", true, org_type},
    {"disabled", false, org_disabled},
    {"encryption_certs", false, org_encryption_certs},
};
#define ORG_KEY_COUNT (sizeof(org_keys) / sizeof(org_keys[0]))

static int parse_org(struct org *o, const cJSON *item, size_t index, const char *base,
                     char err[RG_ERR_MAX])
{
    char key[96];
    bool seen[ORG_KEY_COUNT] = {false};
    if (!cJSON_IsObject(item))
        return failf(err, "organisations[%zu]: must be an object", index);
    for (const cJSON *m = item->child; m != NULL; m = m->next) {
        snprintf(key, sizeof(key), "organisations[%zu].%.24s", index, m->string);
        size_t k = 0;
        while (k < ORG_KEY_COUNT && strcmp(org_keys[k].name, m->string) != 0)
            k++;
        if (k == ORG_KEY_COUNT)
            return failf(err, "%s: unknown key", key);
        seen[k] = true;
        if (org_keys[k].parse(o, m, key, base, err) < 0)
            return -1;
    }
    for (size_t k = 0; k < ORG_KEY_COUNT; k++)
        if (org_keys[k].required && !seen[k])
            return failf(err, "organisations[%zu].%s: required", index,
                         org_keys[k].name);
    if (o->name[0] == '\0')
        strcpy(o->name, o->id);
    return 0;
}

void config_org_clear(struct org *o)
{
    for (size_t i = 0; i < o->encryption_cert_count; i++) {
        free(o->encryption_certs[i]);
        free(o->encryption_cert_paths[i]);
    }
    free(o->encryption_certs);
    free(o->encryption_cert_paths);
    enc_certs_free(o->encryption);
}

enum org_kind org_kind_of(int type)
{
    const char *name =
        type >= 0 && (size_t)type < rg_org_types.count ? rg_org_types.values[type] : "";
    if (strcmp(name, "admin") == 0)
        return ORG_ADMIN;
    if (strcmp(name, "monitor") == 0)
        return ORG_MONITOR;
    return ORG_PARTNER;
}

int parse_orgs(const struct key *k, struct config *c, const cJSON *arr,
               const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsArray(arr))
        return failf(err, "organisations: must be an array");
    size_t n = (size_t)cJSON_GetArraySize(arr);
    c->orgs = calloc(n ? n : 1, sizeof(*c->orgs));
    if (c->orgs == NULL)
        return failf(err, "out of memory");
    size_t i = 0;
    for (const cJSON *m = arr->child; m != NULL; m = m->next, i++) {
        c->org_count = i + 1; /* what config_unref frees */
        if (parse_org(&c->orgs[i], m, i, base, err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->orgs[j].id, c->orgs[i].id) == 0)
                return failf(err, "organisations[%zu].id: duplicate organisation id",
                             i);
    }
    c->org_count = n;
    return 0;
}

int parse_routes(const struct key *k, struct config *c, const cJSON *routes,
                 const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsObject(routes))
        return failf(err, "routes: must be an object");
    memset(c->routes, 0, sizeof(c->routes));
    char key[96];
    for (const cJSON *m = routes->child; m != NULL; m = m->next) {
        snprintf(key, sizeof(key), "routes.%.40s", m->string);
        int sender = rg_enum_find(&rg_org_types, m->string, strlen(m->string));
        if (sender < 0)
            return failf(err, "%s: unknown organisation type", key);
        if (org_kind_of(sender) != ORG_PARTNER)
            return failf(err, "%s: %s organisations neither send nor receive referrals",
                         key, m->string);
        if (!cJSON_IsArray(m))
            return failf(err, "%s: must be an array of organisation types", key);
        for (const cJSON *r = m->child; r != NULL; r = r->next) {
            int t = parse_type(r, key, err);
            if (t < 0)
                return -1;
            if (org_kind_of(t) != ORG_PARTNER)
                return failf(err,
                             "%s: %s organisations neither send nor receive"
                             " referrals",
                             key, rg_org_types.values[t]);
            /* Every organisation of the type could send to itself. */
            if (t == sender)
                return failf(err, "%s: a route from a type to itself is not allowed",
                             key);
            c->routes[sender] |= 1u << t;
        }
    }
    return 0;
}

void default_routes(const struct key *k, struct config *c)
{
    for (size_t i = 0; i < rg_default_route_count; i++) {
        const struct rg_route *r = &rg_default_routes[i];
        int s = rg_enum_find(&rg_org_types, r->sender_type, strlen(r->sender_type));
        for (const char *const *t = r->recipient_types; *t != NULL; t++)
            c->routes[s] |= 1u << rg_enum_find(&rg_org_types, *t, strlen(*t));
    }
}

const struct org *config_find_org(const struct config *c, const char *id)
{
    for (size_t i = 0; i < c->org_count; i++)
        if (strcmp(c->orgs[i].id, id) == 0)
            return &c->orgs[i];
    return NULL;
}

bool config_route_allows(const struct config *c, int sender_type, int recipient_type)
{
    if (sender_type < 0 || sender_type >= 16 || recipient_type < 0 ||
        recipient_type >= 16)
        return false;
    return (c->routes[sender_type] >> recipient_type) & 1u;
}
