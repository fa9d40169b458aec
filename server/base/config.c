#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "enc_certs.h"
#include "json.h"

#define CONFIG_FILE_MAX (1024 * 1024)

int failf(char err[RG_ERR_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, RG_ERR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

/* A path from the file, made absolute against the file's folder. */
char *resolve(const char *base_dir, const char *p)
{
    if (p[0] == '/' || base_dir == NULL)
        return strdup(p);
    size_t n = strlen(base_dir) + strlen(p) + 2;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s/%s", base_dir, p);
    return out;
}

int get_string(const cJSON *item, const char *key, char err[RG_ERR_MAX],
               const char **out)
{
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0')
        return failf(err, "%s: must be a non-empty string", key);
    *out = item->valuestring;
    return 0;
}

int get_int(const cJSON *item, const char *key, int min, int max, char err[RG_ERR_MAX],
            int *out)
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

/* "store": {"backend": "sqlite" | "postgresql", "conninfo": "..."} (SPEC §11). */
static int parse_store(const struct key *k, struct config *c, const cJSON *item,
                       const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsObject(item))
        return failf(err, "store: must be an object");
    bool have_backend = false;
    for (const cJSON *m = item->child; m != NULL; m = m->next) {
        const char *v = NULL;
        if (strcmp(m->string, "backend") == 0) {
            if (get_string(m, "store.backend", err, &v) < 0)
                return -1;
            if (strcmp(v, "sqlite") == 0)
                c->store_backend = STORE_SQLITE;
            else if (strcmp(v, "postgresql") == 0)
                c->store_backend = STORE_POSTGRESQL;
            else
                return failf(err, "store.backend: must be sqlite or postgresql");
            have_backend = true;
        } else if (strcmp(m->string, "conninfo") == 0) {
            if (get_string(m, "store.conninfo", err, &v) < 0)
                return -1;
            free(c->store_conninfo);
            if ((c->store_conninfo = strdup(v)) == NULL)
                return failf(err, "out of memory");
        } else {
            return failf(err, "store.%.64s: unknown key", m->string);
        }
    }
    if (!have_backend)
        return failf(err, "store.backend: required");
    if (c->store_backend == STORE_POSTGRESQL && c->store_conninfo == NULL)
        return failf(err, "store.conninfo: required with the postgresql backend");
    if (c->store_backend == STORE_SQLITE && c->store_conninfo != NULL)
        return failf(err, "store.conninfo: only for the postgresql backend");
    return 0;
}

static int parse_bool(const struct key *k, struct config *c, const cJSON *item,
                      const char *base, char err[RG_ERR_MAX])
{
    if (!cJSON_IsBool(item))
        return failf(err, "%s: must be true or false", k->name);
    *(bool *)((char *)c + k->field) = cJSON_IsTrue(item);
    return 0;
}

/* What no single key can say: the keys taken together. */
static int check_whole(const struct config *c, char err[RG_ERR_MAX])
{
    if (c->store_backend == STORE_SQLITE && c->data_dir == NULL)
        return failf(err, "data_dir: required (the store is SQLite in it)");
    size_t partners = 0;
    for (size_t i = 0; i < c->org_count; i++)
        partners += c->orgs[i].kind == ORG_PARTNER && !c->orgs[i].disabled;
    if (partners == 0)
        return failf(err, "organisations: no enabled partner organisation, so nobody"
                          " could send or receive referrals");
    for (size_t i = 0; c->require_e2e && i < c->org_count; i++) {
        const struct org *o = &c->orgs[i];
        if (o->kind == ORG_PARTNER && !o->disabled && o->encryption_cert_count == 0)
            return failf(
                err,
                "organisations[%zu].encryption_certs: require_e2e is on, so every"
                " partner needs an encryption certificate",
                i);
    }
    return 0;
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
    {.name = "data_dir",
     .parse = parse_data_dir}, /* required for SQLite: check_whole */
    {.name = "organisations", .required = true, .parse = parse_orgs},
    {.name = "routes", .parse = parse_routes, .fallback = default_routes},
    {.name = "retention_days", .parse = parse_retention, .fallback = default_retention},
    INT_KEY("stats_min_count", stats_min_count, 1, 1000000, 5),
    INT_KEY("rate_limit_per_minute", rate_limit_per_minute, 1, INT_MAX / 2, 600),
    INT_KEY("log_interval_seconds", log_interval_seconds, 1, 86400, 60),
    {.name = "user", .parse = parse_user},
    INT_KEY("max_connections", max_connections, 1, 1000000, 10000),
    {.name = "store", .parse = parse_store},
    {.name = "require_e2e",
     .parse = parse_bool,
     .field = offsetof(struct config, require_e2e)},
};
#define CONFIG_KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/*
 * Where cJSON stops reading a document it cannot parse, as a line and a
 * column (in characters, from 1). False when cJSON parses it: the strict
 * decoder refused it for a reason of its own. The bytes are never echoed.
 */
static bool syntax_error_at(const char *text, size_t len, int *line, int *column)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, 1);
    bool found = root == NULL && end != NULL && end >= copy && end <= copy + len;
    cJSON_Delete(root);
    *line = *column = 1;
    for (const char *p = copy; found && p < end; p++) {
        if (*p == '\n') {
            (*line)++;
            *column = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) { /* a UTF-8 lead byte */
            (*column)++;
        }
    }
    free(copy);
    return found;
}

struct config *config_parse(const char *text, size_t len, const char *base_dir,
                            char err[RG_ERR_MAX])
{
    struct rg_error jerr;
    cJSON *root = rg_json_parse(text, len, 8, &jerr);
    if (root == NULL) {
        int line, column;
        if (syntax_error_at(text, len, &line, &column))
            failf(err,
                  "not a valid JSON document: a syntax error at line %d, column %d",
                  line, column);
        else
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
    if (rc == 0)
        rc = check_whole(c, err);
    if (rc == 0)
        rc = enc_certs_load(c, err);
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
    free(c->store_conninfo);
    for (size_t i = 0; c->orgs != NULL && i < c->org_count; i++)
        config_org_clear(&c->orgs[i]);
    free(c->orgs);
    free(c);
}
