#include "ui_guard.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ids.h"

/* 32 random bytes as 43 characters of base64url, without padding. */
static int make_secret(char out[UI_SECRET_LEN + 1])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33] = {0};
    if (rg_random_bytes(raw, 32) < 0)
        return -1;
    for (size_t i = 0, o = 0; i < 33; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 3; k >= 0 && o < UI_SECRET_LEN; k--)
            out[o++] = alphabet[(v >> (6 * k)) & 63];
    }
    out[UI_SECRET_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));
    return 0;
}

/* Equal secrets, in time that does not depend on where they differ. */
static bool same_secret(const char *want, const char *got)
{
    return got != NULL && strlen(got) == UI_SECRET_LEN &&
           CRYPTO_memcmp(want, got, UI_SECRET_LEN) == 0;
}

int ui_guard_init(struct ui_guard *g, const char *addr, unsigned port)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->cookie_name, sizeof(g->cookie_name), "refgw_ui_%u", port);
    snprintf(g->hosts[0], sizeof(g->hosts[0]), "%s:%u", addr, port);
    snprintf(g->hosts[1], sizeof(g->hosts[1]), "localhost:%u", port);
    return make_secret(g->token);
}

void ui_guard_clear(struct ui_guard *g)
{
    OPENSSL_cleanse(g, sizeof(*g));
}

bool ui_guard_host_ok(const struct ui_guard *g, const char *host)
{
    for (size_t i = 0; host != NULL && i < UI_HOSTS_MAX; i++)
        if (strcmp(host, g->hosts[i]) == 0)
            return true;
    return false;
}

bool ui_guard_token_ok(const struct ui_guard *g, const char *token)
{
    return same_secret(g->token, token);
}

struct ui_session *ui_guard_session_new(struct ui_guard *g, char *set_cookie,
                                        size_t size)
{
    struct ui_session *s = &g->sessions[0];
    for (size_t i = 1; i < UI_SESSIONS_MAX; i++)
        if (g->sessions[i].used < s->used)
            s = &g->sessions[i];
    OPENSSL_cleanse(s, sizeof(*s));
    if (make_secret(s->id) < 0 || make_secret(s->csrf) < 0) {
        OPENSSL_cleanse(s, sizeof(*s));
        return NULL;
    }
    s->used = ++g->clock;
    snprintf(set_cookie, size, "%s=%s; Path=/; HttpOnly; SameSite=Strict",
             g->cookie_name, s->id);
    return s;
}

/* The value of the cookie `name` in a Cookie header ("a=1; b=2"), or NULL. */
static const char *cookie_value(const char *header, const char *name, char *out,
                                size_t size)
{
    size_t name_len = strlen(name);
    const char *p = header;
    while (p != NULL && *p != '\0') {
        p += strspn(p, " \t");
        size_t n = strcspn(p, ";");
        if (n > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            size_t v = n - name_len - 1;
            if (v >= size)
                return NULL;
            memcpy(out, p + name_len + 1, v);
            out[v] = '\0';
            return out;
        }
        p = p[n] == ';' ? p + n + 1 : NULL;
    }
    return NULL;
}

struct ui_session *ui_guard_session(struct ui_guard *g, const char *cookie_header)
{
    char value[UI_SECRET_LEN + 2];
    if (cookie_value(cookie_header, g->cookie_name, value, sizeof(value)) == NULL)
        return NULL;
    struct ui_session *found = NULL;
    for (size_t i = 0; i < UI_SESSIONS_MAX; i++)
        if (g->sessions[i].used != 0 && same_secret(g->sessions[i].id, value))
            found = &g->sessions[i];
    if (found != NULL)
        found->used = ++g->clock;
    OPENSSL_cleanse(value, sizeof(value));
    return found;
}

bool ui_guard_origin_ok(const char *origin, const char *host)
{
    static const char scheme[] = "http://";
    return origin != NULL && host != NULL &&
           strncmp(origin, scheme, sizeof(scheme) - 1) == 0 &&
           strcmp(origin + sizeof(scheme) - 1, host) == 0;
}

bool ui_guard_csrf_ok(const struct ui_session *s, const char *csrf)
{
    return s != NULL && same_secret(s->csrf, csrf);
}
