#include "query.h"

#include <stdlib.h>
#include <string.h>

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes src[0..len) into dst (size QUERY_VALUE_MAX); -1 on bad encoding or NUL. */
static int decode(const char *src, size_t len, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex(src[i + 1]), lo = hex(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || o + 1 >= QUERY_VALUE_MAX)
            return -1;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return 0;
}

int query_parse(const char *raw, struct query_param *params, size_t count,
                struct rg_error *err)
{
    for (size_t i = 0; i < count; i++) {
        params[i].present = false;
        params[i].value[0] = '\0';
    }
    if (raw == NULL || raw[0] == '\0')
        return 0;
    const char *p = raw;
    while (*p != '\0') {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq ? (size_t)(eq - p) : len;
        if (len == 0)
            return rg_fail(err, RG_INVALID_PARAMETER, NULL, "empty query parameter");
        size_t k = 0;
        while (k < count && !(strlen(params[k].name) == name_len &&
                              memcmp(params[k].name, p, name_len) == 0))
            k++;
        if (k == count)
            return rg_fail(err, RG_INVALID_PARAMETER, NULL, "unknown query parameter");
        if (params[k].present)
            return rg_fail(err, RG_INVALID_PARAMETER, params[k].name,
                           "%s is given more than once", params[k].name);
        const char *value = eq ? eq + 1 : p + len;
        if (decode(value, (size_t)(p + len - value), params[k].value) < 0)
            return rg_fail(err, RG_INVALID_PARAMETER, params[k].name,
                           "%s is not correctly encoded", params[k].name);
        params[k].present = true;
        p += len;
        if (*p == '&' && *++p == '\0')
            return rg_fail(err, RG_INVALID_PARAMETER, NULL, "empty query parameter");
    }
    return 0;
}

int query_int(const struct query_param *p, int min, int max, int *out,
              struct rg_error *err)
{
    const char *v = p->value;
    if (v[0] == '\0' || strlen(v) > 9)
        return rg_fail(err, RG_INVALID_PARAMETER, p->name,
                       "%s must be an integer from %d to %d", p->name, min, max);
    long n = 0;
    for (const char *c = v; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return rg_fail(err, RG_INVALID_PARAMETER, p->name,
                           "%s must be an integer from %d to %d", p->name, min, max);
        n = n * 10 + (*c - '0');
    }
    if (n < min || n > max)
        return rg_fail(err, RG_INVALID_PARAMETER, p->name,
                       "%s must be an integer from %d to %d", p->name, min, max);
    *out = (int)n;
    return 0;
}
