#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * A top-level key of the file: how to read it and, when the file leaves it
 * out, what it is. One row a key (config_keys below): nothing about a key
 * lives anywhere else.
 */
struct key {
    const char *name;
    bool required;
    int (*parse)(const struct key *k, struct config *c, const cJSON *value,
                 const char *base, char err[RG_ERR_MAX]);
    void (*fallback)(const struct key *k, struct config *c); /* NULL: none */
    /* Integer keys: the field, its bounds and its default. */
    size_t field;
    int min, max, def;
};

static int failf(char err[RG_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int failf(char err[RG_ERR_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, RG_ERR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

bool org_type_is_admin(int type)
{
    return type == rg_enum_find(&rg_org_types, "admin", 5);
}

/* A path from the file, made absolute against the file's folder. */
static char *resolve(const char *base_dir, const char *p)
{
    if (p[0] == '/' || base_dir == NULL)
        return strdup(p);
    size_t n = strlen(base_dir) + strlen(p) + 2;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s/%s", base_dir, p);
    return out;
}

static int get_string(const cJSON *item, const char *key, char err[RG_ERR_MAX],
                      const char **out)
{
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return failf(err, "%s: must be a non-empty string", key);
    *out = item->valuestring;
    return 0;
}

static int get_int(const cJSON *item, const char *key, int min, int max,
                   char err[RG_ERR_MAX], int *out)
{
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
        item->valuedouble < min || item->valuedouble > max)
        return failf(err, "%s: must be an integer from %d to %d", key, min, max);
    *out = (int)item->valuedouble;
    return 0;
}

static int parse_int(const struct key *k, struct config *c, const cJSON *item,
                     const char *base, char err[RG_ERR_MAX])
{
    return get_int(item, k->name, k->min, k->max, err, (int *)((char *)c + k->field));
}

static void default_int(const struct key *k, struct config *c)
{
    *(int *)((char *)c + k->field) = k->def;
}

static int parse_listen(const struct key *k, struct config *c, const cJSON *item,
                        const char *base, char err[RG_ERR_MAX])
{
    const char *s = NULL;
    if (get_string(item, k->name, err, &s) < 0)
        return -1;
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || colon[1] == '\0')
        return failf(err, "listen: must be HOST:PORT");
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || port < 0 || port > 65535)
        return failf(err, "listen: the port must be a number from 0 to 65535");
    const char *host = s;
    size_t host_len = (size_t)(colon - s);
    if (host[0] == '[') { /* [::1]:8443 */
        if (host_len < 3 || host[host_len - 1] != ']')
            return failf(err, "listen: an IPv6 address must be written [ADDR]:PORT");
        host++;
        host_len -= 2;
    }
    c->listen_host = strndup(host, host_len);
    c->listen_port = (int)port;
    return c->listen_host ? 0 : failf(err, "out of memory");
}

static int parse_tls(const struct key *k, struct config *c, const cJSON *tls,
                     const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsObject(tls))
        return failf(err, "tls: must be an object");
    static const char *const keys[] = {"cert", "key", "client_ca", "crl"};
    char **dst[] = {&c->tls_cert, &c->tls_key, &c->tls_client_ca, &c->tls_crl};
    for (const cJSON *m = tls->child; m != NULL; m = m->next) {
        size_t i = 0;
        while (i < 4 && strcmp(keys[i], m->string) != 0)
            i++;
        if (i == 4)
            return failf(err, "tls.%.64s: unknown key", m->string);
        char name[32];
        snprintf(name, sizeof(name), "tls.%s", keys[i]);
        const char *v = NULL;
        if (get_string(m, name, err, &v) < 0)
            return -1;
        if ((*dst[i] = resolve(base, v)) == NULL)
            return failf(err, "out of memory");
    }
    for (size_t i = 0; i < 3; i++)
        if (*dst[i] == NULL)
            return failf(err, "tls.%s: required", keys[i]);
    return 0;
}

static int parse_type(const cJSON *item, const char *key, char err[RG_ERR_MAX])
{
    if (!cJSON_IsString(item))
        return failf(err, "%s: must be a string", key);
    int t = rg_enum_find(&rg_org_types, item->valuestring, strlen(item->valuestring));
    if (t < 0)
        return failf(err, "%s: unknown organisation type", key);
    return t;
}

static int parse_org(struct org *o, const cJSON *item, size_t index,
                     char err[RG_ERR_MAX])
{
    char key[64];
    if (!cJSON_IsObject(item))
        return failf(err, "organisations[%zu]: must be an object", index);
    bool have_id = false, have_type = false;
    for (const cJSON *m = item->child; m != NULL; m = m->next) {
        snprintf(key, sizeof(key), "organisations[%zu].%.20s", index, m->string);
        if (strcmp(m->string, "id") == 0) {
            if (!cJSON_IsString(m) ||
                !rg_org_id_valid(m->valuestring, strlen(m->valuestring)))
                return failf(err, "%s: must be 1-64 of A-Z a-z 0-9 . _ -", key);
            strcpy(o->id, m->valuestring);
            have_id = true;
        } else if (strcmp(m->string, "name") == 0) {
            if (!cJSON_IsString(m) || strlen(m->valuestring) > ORG_NAME_MAX)
                return failf(err, "%s: must be a string of at most %d bytes", key,
                             ORG_NAME_MAX);
            strcpy(o->name, m->valuestring);
        } else if (strcmp(m->string, "type") == 0) {
            if ((o->type = parse_type(m, key, err)) < 0)
                return -1;
            have_type = true;
        } else if (strcmp(m->string, "disabled") == 0) {
            if (!cJSON_IsBool(m))
                return failf(err, "%s: must be true or false", key);
            o->disabled = cJSON_IsTrue(m);
        } else {
            return failf(err, "%s: unknown key", key);
        }
    }
    if (!have_id)
        return failf(err, "organisations[%zu].id: required", index);
    if (!have_type)
        return failf(err, "organisations[%zu].type: required", index);
    if (o->name[0] == '\0')
        strcpy(o->name, o->id);
    return 0;
}

static int parse_orgs(const struct key *k, struct config *c, const cJSON *arr,
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
        if (parse_org(&c->orgs[i], m, i, err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->orgs[j].id, c->orgs[i].id) == 0)
                return failf(err, "organisations[%zu].id: duplicate organisation id",
                             i);
    }
    c->org_count = n;
    return 0;
}

static int parse_routes(const struct key *k, struct config *c, const cJSON *routes,
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
        if (!cJSON_IsArray(m))
            return failf(err, "%s: must be an array of organisation types", key);
        for (const cJSON *r = m->child; r != NULL; r = r->next) {
            int t = parse_type(r, key, err);
            if (t < 0)
                return -1;
            c->routes[sender] |= 1u << t;
        }
    }
    return 0;
}

static void default_routes(const struct key *k, struct config *c)
{
    for (size_t i = 0; i < rg_default_route_count; i++) {
        const struct rg_route *r = &rg_default_routes[i];
        int s = rg_enum_find(&rg_org_types, r->sender_type, strlen(r->sender_type));
        for (const char *const *t = r->recipient_types; *t != NULL; t++)
            c->routes[s] |= 1u << rg_enum_find(&rg_org_types, *t, strlen(*t));
    }
}

static int parse_retention(const struct key *k, struct config *c, const cJSON *item,
                           const char *base, char err[RG_ERR_MAX])
{
    /* Fractions of a day are allowed so that tests can expire referrals quickly. */
    if (!cJSON_IsNumber(item) || !(item->valuedouble > 0) || item->valuedouble > 36500)
        return failf(err, "retention_days: must be a number above 0 and at most 36500");
    c->retention_days = item->valuedouble;
    return 0;
}

static int parse_user(const struct key *k, struct config *c, const cJSON *item,
                      const char *base, char err[RG_ERR_MAX])
{
    const char *v = NULL;
    if (get_string(item, k->name, err, &v) < 0)
        return -1;
    c->user = strdup(v);
    return c->user ? 0 : failf(err, "out of memory");
}

static int parse_data_dir(const struct key *k, struct config *c, const cJSON *item,
                          const char *base, char err[RG_ERR_MAX])
{
    const char *v = NULL;
    if (get_string(item, k->name, err, &v) < 0)
        return -1;
    c->data_dir = resolve(base, v);
    return c->data_dir ? 0 : failf(err, "out of memory");
}

static void default_retention(const struct key *k, struct config *c)
{
    c->retention_days = 30;
}

#define INT_KEY(key, member, lo, hi, dflt)                                             \
    {                                                                                  \
        .name = key, .parse = parse_int, .fallback = default_int,                      \
        .field = offsetof(struct config, member), .min = lo, .max = hi, .def = dflt    \
    }

static const struct key config_keys[] = {
    {.name = "listen", .required = true, .parse = parse_listen},
    {.name = "tls", .required = true, .parse = parse_tls},
    {.name = "data_dir", .required = true, .parse = parse_data_dir},
    {.name = "organisations", .required = true, .parse = parse_orgs},
    {.name = "routes", .parse = parse_routes, .fallback = default_routes},
    {.name = "retention_days", .parse = parse_retention, .fallback = default_retention},
    INT_KEY("stats_min_count", stats_min_count, 1, 1000000, 5),
    INT_KEY("rate_limit_per_minute", rate_limit_per_minute, 1, INT_MAX / 2, 600),
    INT_KEY("log_interval_seconds", log_interval_seconds, 1, 86400, 60),
    {.name = "user", .parse = parse_user},
    INT_KEY("max_connections", max_connections, 1, 1000000, 10000),
};
#define CONFIG_KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

struct config *config_parse(const char *text, size_t len, const char *base_dir,
                            char err[RG_ERR_MAX])
{
    struct rg_error jerr;
    cJSON *root = rg_json_parse(text, len, 8, &jerr);
    if (root == NULL) {
        failf(err, "not a valid JSON document: %s", jerr.message);
        return NULL;
    }
    struct config *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        cJSON_Delete(root);
        failf(err, "out of memory");
        return NULL;
    }
    c->refs = 1;

    bool seen[CONFIG_KEY_COUNT] = {false};
    int rc = cJSON_IsObject(root)
                 ? 0
                 : failf(err, "the configuration must be a JSON object");
    for (const cJSON *m = rc == 0 ? root->child : NULL; m != NULL && rc == 0;
         m = m->next) {
        size_t k = 0;
        while (k < CONFIG_KEY_COUNT && strcmp(config_keys[k].name, m->string) != 0)
            k++;
        if (k == CONFIG_KEY_COUNT) {
            rc = failf(err, "%.64s: unknown key", m->string);
            break;
        }
        seen[k] = true;
        rc = config_keys[k].parse(&config_keys[k], c, m, base_dir, err);
    }
    for (size_t k = 0; k < CONFIG_KEY_COUNT && rc == 0; k++) {
        const struct key *key = &config_keys[k];
        if (seen[k])
            continue;
        if (key->required)
            rc = failf(err, "%s: required", key->name);
        else if (key->fallback != NULL)
            key->fallback(key, c);
    }
    cJSON_Delete(root);
    if (rc < 0) {
        c->refs = 1;
        config_unref(c);
        return NULL;
    }
    return c;
}

struct config *config_load(const char *path, char err[RG_ERR_MAX])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        failf(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(CONFIG_FILE_MAX + 1);
    size_t len = text ? fread(text, 1, CONFIG_FILE_MAX + 1, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (text == NULL || read_error || len > CONFIG_FILE_MAX) {
        free(text);
        failf(err, "cannot read %s: %s", path,
              len > CONFIG_FILE_MAX ? "larger than 1 MiB" : "read error");
        return NULL;
    }
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    const char *base = ".";
    if (slash == dir)
        base = "/";
    else if (slash != NULL) {
        *slash = '\0';
        base = dir;
    }
    char *abs_base = realpath(base, NULL);
    struct config *c = config_parse(text, len, abs_base ? abs_base : base, err);
    free(abs_base);
    free(dir);
    free(text);
    return c;
}

struct config *config_ref(struct config *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void config_unref(struct config *c)
{
    if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    free(c->listen_host);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->tls_client_ca);
    free(c->tls_crl);
    free(c->data_dir);
    free(c->user);
    free(c->orgs);
    free(c);
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
