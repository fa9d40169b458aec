#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "wipe.h"

bool rg_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Runs of ASCII eight bytes at a time: bodies are mostly ASCII, and
         * a byte-wise pass was a tenth of an event loop's time under load. */
        for (uint64_t w; len - i >= 8; i += 8) {
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
        }
        if (i == len)
            break;
        unsigned c = p[i];
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

/*
 * cJSON decodes \u0000 to a NUL, and so too any \u escape whose four
 * characters are not all hex digits ("\uZZZZ").
 */
static bool bad_unicode_escape(const char *hex, size_t avail)
{
    if (avail < 4)
        return true;
    bool zero = true;
    for (size_t k = 0; k < 4; k++) {
        char h = hex[k];
        bool digit =
            (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
        if (!digit)
            return true;
        zero = zero && hex[k] == '0';
    }
    return zero;
}

/* Whether eight bytes of a string hold no quote, backslash or control
 * character (the SWAR tests of "has a zero byte" and "has a byte below n"). */
static bool plain_string_word(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t special = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                       ((w - ones * 0x20) & ~w);
    return (special & highs) == 0;
}

/*
 * A lexical pass over the raw text: nesting depth, raw NULs, escapes that
 * decode to NUL, raw control characters in strings, and control characters
 * between tokens (cJSON takes every byte below 0x20 for whitespace).
 */
static int prescan(const char *buf, size_t len, int max_depth, struct rg_error *err)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        /* A string's plain bytes eight at a time: bodies are long strings. */
        while (in_string && len - i >= 8 && plain_string_word(buf + i))
            i += 8;
        if (i == len)
            break;
        char c = buf[i];
        if (c == '\0')
            return rg_fail(err, RG_INVALID_JSON, NULL,
                           "the document contains a NUL byte");
        if (in_string) {
            /* JSON forbids raw control characters in strings; cJSON allows them. */
            if ((unsigned char)c < 0x20)
                return rg_fail(err, RG_INVALID_JSON, NULL,
                               "a string has a raw control character");
            if (c == '"') {
                in_string = false;
            } else if (c == '\\' && i + 1 < len) {
                if (buf[i + 1] == 'u' && bad_unicode_escape(buf + i + 2, len - i - 2))
                    return rg_fail(err, RG_INVALID_JSON, NULL,
                                   "the document has a NUL or bad \\u escape");
                i++; /* skip the escaped character */
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return rg_fail(err, RG_INVALID_JSON, NULL,
                               "the document nests deeper than %d levels", max_depth);
        } else if (c == '}' || c == ']') {
            depth--;
        } else if ((unsigned char)c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            return rg_fail(err, RG_INVALID_JSON, NULL,
                           "the document has a control character outside a string");
        }
    }
    return 0;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string,
                  (*(const cJSON *const *)b)->string);
}

/* Whether an object has the same key twice; sorting keeps large objects cheap. */
static int has_duplicate_key(const cJSON *object, struct rg_error *err)
{
    size_t n = 0;
    for (const cJSON *m = object->child; m != NULL; m = m->next)
        n++;
    if (n < 2)
        return 0;
    const cJSON **keys = malloc(n * sizeof(*keys));
    if (keys == NULL)
        return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
    n = 0;
    for (const cJSON *m = object->child; m != NULL; m = m->next)
        keys[n++] = m;
    qsort(keys, n, sizeof(*keys), compare_keys);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++)
        dup = strcmp(keys[i - 1]->string, keys[i]->string) == 0;
    free(keys);
    return dup ? rg_fail(err, RG_INVALID_JSON, NULL, "an object has the same key twice")
               : 0;
}

/* Every object in the tree has distinct keys, and every string is valid UTF-8. */
static int check_tree(const cJSON *item, struct rg_error *err)
{
    for (; item != NULL; item = item->next) {
        if (cJSON_IsString(item) &&
            !rg_utf8_valid(item->valuestring, strlen(item->valuestring)))
            return rg_fail(err, RG_INVALID_JSON, NULL, "a string is not valid UTF-8");
        if (cJSON_IsObject(item) && has_duplicate_key(item, err) < 0)
            return -1;
        if ((cJSON_IsObject(item) || cJSON_IsArray(item)) &&
            check_tree(item->child, err) < 0)
            return -1;
    }
    return 0;
}

cJSON *rg_json_parse(const char *buf, size_t len, int max_depth, struct rg_error *err)
{
    if (!rg_utf8_valid(buf, len)) {
        rg_fail(err, RG_INVALID_JSON, NULL, "the document is not valid UTF-8");
        return NULL;
    }
    if (prescan(buf, len, max_depth, err) < 0)
        return NULL;

    /* cJSON wants a terminated string to check that nothing follows the value. */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
        return NULL;
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, 1);
    rg_wipe(copy, len); /* the whole referral, body and subject */
    free(copy);
    if (root == NULL) {
        rg_fail(err, RG_INVALID_JSON, NULL, "the body is not a valid JSON document");
        return NULL;
    }
    if (check_tree(root, err) < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

long long rg_json_count(const cJSON *number)
{
    double v = number != NULL ? number->valuedouble : 0;
    if (!(v == v))
        return 0;
    if (v >= 9.2e18)
        return LLONG_MAX;
    if (v <= -9.2e18)
        return LLONG_MIN;
    return (long long)v;
}

void rg_json_add_time(cJSON *object, const char *name, time_t t)
{
    char buf[RG_TIME_LEN];
    rg_time_format(t, buf);
    cJSON_AddStringToObject(object, name, buf);
}

char *rg_json_print(const cJSON *item)
{
    return cJSON_PrintUnformatted(item);
}
