#include "json.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ids.h"
#include "wipe.h"

/* A \u escape's four characters: not all hex digits (cJSON would decode them
 * to a NUL, "\uZZZZ"), or 0000, the NUL itself. */
enum escape { ESCAPE_OK, ESCAPE_BAD, ESCAPE_NUL };

static enum escape unicode_escape(const char *hex, size_t avail)
{
    if (avail < 4)
        return ESCAPE_BAD;
    bool zero = true;
    for (size_t k = 0; k < 4; k++) {
        char h = hex[k];
        bool digit =
            (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
        if (!digit)
            return ESCAPE_BAD;
        zero = zero && hex[k] == '0';
    }
    return zero ? ESCAPE_NUL : ESCAPE_OK;
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
 * How many bytes from p on (n of them) a string's scan may skip: plain ones,
 * neither quote nor backslash nor control character. It may stop short of
 * the first special byte, never past it. Bodies are long strings: this was
 * a tenth of an event loop's time under load at eight bytes a step.
 */
static size_t plain_run(const char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i top_control = _mm_set1_epi8(0x1f);
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* min(v, 0x1f) == v: v <= 0x1f, unsigned */
        __m128i special = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            _mm_cmpeq_epi8(_mm_min_epu8(v, top_control), v));
        int mask = _mm_movemask_epi8(special);
        if (mask != 0)
            return i + (size_t)__builtin_ctz((unsigned)mask);
    }
#endif
    while (n - i >= 8 && plain_string_word(p + i))
        i += 8;
    return i;
}

/*
 * The string values that hold a \u0000, by their place among all string
 * values in document order (the order of a depth-first walk of the tree).
 */
struct nul_strings {
    size_t *ordinal;
    size_t count, cap;
};

static int note_nul_string(struct nul_strings *nuls, size_t ordinal,
                           struct rg_error *err)
{
    if (nuls->count == nuls->cap) {
        size_t cap = nuls->cap ? nuls->cap * 2 : 8;
        size_t *grown = realloc(nuls->ordinal, cap * sizeof(*grown));
        if (grown == NULL)
            return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
        nuls->ordinal = grown;
        nuls->cap = cap;
    }
    nuls->ordinal[nuls->count++] = ordinal;
    return 0;
}

/*
 * A long string value whose escapes are all of one character (\n, \", ...;
 * no \u): decoding it is copying its runs between backslashes, so cJSON
 * need not walk it (its parse reads a string twice, a byte at a time: a
 * 2 KiB body was half of a referral's parse). The longest such value is cut
 * out of what cJSON reads and decoded into the tree after (elide_restore).
 * Shorter than ELIDE_MIN, or with a \u, a string is left to cJSON; at that
 * length the value comes from the heap even inside a parse's arena
 * (json_arena.h), so a body can be taken out of the tree.
 */
#define ELIDE_MIN 512

struct long_string {
    size_t start, len; /* its raw bytes: buf[start, start + len) */
    size_t ordinal;    /* its place among all string values, in document order */
    bool found;
};

/* The character a one-character escape stands for (cJSON's set), or 0. */
static char simple_escape(char c)
{
    switch (c) {
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case '"':
    case '\\':
    case '/':
        return c;
    default:
        return 0;
    }
}

/* Whether the string that ends before buf[i] is a key: a ':' follows it. */
static bool key_ends_at(const char *buf, size_t len, size_t i)
{
    while (i < len &&
           (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    return i < len && buf[i] == ':';
}

/* The end of a string at buf[i]: a key with a NUL is refused (it cannot be
 * told from its cut), a value with one noted when nuls asks for it. */
static int string_ends(const char *buf, size_t len, size_t i, bool has_nul,
                       size_t *values, struct nul_strings *nuls, struct rg_error *err)
{
    if (key_ends_at(buf, len, i + 1)) {
        if (has_nul)
            return rg_fail(err, RG_INVALID_JSON, NULL, "an object key holds a NUL");
        return 0;
    }
    if (has_nul && note_nul_string(nuls, *values, err) < 0)
        return -1;
    (*values)++;
    return 0;
}

/*
 * A lexical pass over the raw text: nesting depth, raw NULs, escapes that
 * decode to NUL, raw control characters in strings, and control characters
 * between tokens (cJSON takes every byte below 0x20 for whitespace). With
 * nuls, a string value holding \u0000 is noted there, not refused.
 */
static int prescan(const char *buf, size_t len, int max_depth, struct nul_strings *nuls,
                   struct long_string *longest, struct rg_error *err)
{
    int depth = 0;
    bool in_string = false, has_nul = false, unicode = false; /* a \u or bad escape */
    size_t values = 0;                                        /* string values so far */
    size_t start = 0; /* the string's first byte after its quote */
    for (size_t i = 0; i < len; i++) {
        if (in_string)
            i += plain_run(buf + i, len - i);
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
                size_t ordinal = values;
                if (string_ends(buf, len, i, has_nul, &values, nuls, err) < 0)
                    return -1;
                if (values > ordinal && !unicode && i - start >= ELIDE_MIN &&
                    (!longest->found || i - start > longest->len))
                    *longest = (struct long_string){start, i - start, ordinal, true};
            } else if (c == '\\' && i + 1 < len) {
                unicode = unicode || simple_escape(buf[i + 1]) == 0;
                enum escape e = buf[i + 1] == 'u'
                                    ? unicode_escape(buf + i + 2, len - i - 2)
                                    : ESCAPE_OK;
                if (e == ESCAPE_BAD || (e == ESCAPE_NUL && nuls == NULL))
                    return rg_fail(err, RG_INVALID_JSON, NULL,
                                   "the document has a NUL or bad \\u escape");
                has_nul = has_nul || e == ESCAPE_NUL;
                i++; /* skip the escaped character */
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            has_nul = unicode = false;
            start = i + 1;
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

/* Objects up to this many members sort their keys on the stack: a referral's
 * two objects have 7 and 8, and a malloc each was most of the check's cost. */
#define KEYS_ON_STACK 16

/* Whether an object has the same key twice; sorting keeps large objects cheap. */
static int has_duplicate_key(const cJSON *object, struct rg_error *err)
{
    size_t n = 0;
    for (const cJSON *m = object->child; m != NULL; m = m->next)
        n++;
    if (n < 2)
        return 0;
    const cJSON *stack[KEYS_ON_STACK];
    const cJSON **keys = n <= KEYS_ON_STACK ? stack : malloc(n * sizeof(*keys));
    if (keys == NULL)
        return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
    n = 0;
    for (const cJSON *m = object->child; m != NULL; m = m->next)
        keys[n++] = m;
    qsort(keys, n, sizeof(*keys), compare_keys);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++)
        dup = strcmp(keys[i - 1]->string, keys[i]->string) == 0;
    if (keys != stack)
        free(keys);
    return dup ? rg_fail(err, RG_INVALID_JSON, NULL, "an object has the same key twice")
               : 0;
}

/*
 * Every object in the tree has distinct keys. Its strings need no UTF-8
 * check of their own: the document was valid UTF-8 as a whole, a string's
 * raw bytes are a piece of it cut at ASCII quotes, and cJSON decodes a \u
 * escape only to the shortest UTF-8 of a scalar value (a lone or reversed
 * surrogate, or a non-hex digit after a high one, fails the parse: cJSON.c,
 * utf16_literal_to_utf8). \u0000 is prescan's; test_json_utf8 holds cJSON
 * to the rest.
 */
static int check_tree(const cJSON *item, struct rg_error *err)
{
    for (; item != NULL; item = item->next) {
        if (cJSON_IsObject(item) && has_duplicate_key(item, err) < 0)
            return -1;
        if ((cJSON_IsObject(item) || cJSON_IsArray(item)) &&
            check_tree(item->child, err) < 0)
            return -1;
    }
    return 0;
}

/* Marks the string values prescan noted, walking the tree in document order. */
static void mark_nul_strings(cJSON *item, const struct nul_strings *nuls,
                             size_t *values, size_t *next)
{
    for (; item != NULL && *next < nuls->count; item = item->next) {
        if (cJSON_IsString(item)) {
            if (nuls->ordinal[*next] == (*values)++) {
                item->valueint = 1; /* cJSON leaves it 0 on a string */
                (*next)++;
            }
        } else if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
            mark_nul_strings(item->child, nuls, values, next);
        }
    }
}

/*
 * cJSON wants a terminated string to check that nothing follows the value.
 * When buf[len] is the NUL, buf itself is one: prescan has refused a NUL
 * before len. Otherwise a terminated copy, wiped after (it is the whole
 * referral, body and subject); with a long string, the copy leaves its
 * bytes out (elide). The length given, with the NUL, is what
 * cJSON_ParseWithOpts would count with strlen.
 */
static int cjson_parse(const char *buf, size_t len, bool terminated,
                       const struct long_string *cut, cJSON **root,
                       struct rg_error *err)
{
    const char *end = NULL;
    if (terminated && !cut->found) {
        *root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
        return 0;
    }
    size_t head = cut->found ? cut->start : len;
    size_t tail = cut->found ? len - cut->start - cut->len : 0;
    char *copy = malloc(head + tail + 1);
    if (copy == NULL)
        return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
    memcpy(copy, buf, head);
    memcpy(copy + head, buf + len - tail, tail);
    copy[head + tail] = '\0';
    *root = cJSON_ParseWithLengthOpts(copy, head + tail + 1, &end, 1);
    rg_wipe(copy, head + tail);
    free(copy);
    return 0;
}

/* The string value at place `want` among those from item on, in document
 * order (*seen: the ones before item). */
static cJSON *nth_string(cJSON *item, size_t *seen, size_t want)
{
    for (; item != NULL; item = item->next) {
        if (cJSON_IsString(item) && (*seen)++ == want)
            return item;
        if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
            cJSON *found = nth_string(item->child, seen, want);
            if (found != NULL)
                return found;
        }
    }
    return NULL;
}

/* The n raw bytes of a string without \u escapes, decoded into out (at
 * most n bytes): runs between backslashes copied, each escape replaced. */
static size_t unescape(char *out, const char *raw, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 2) {
        const char *slash = memchr(raw + i, '\\', n - i);
        size_t run = slash != NULL ? (size_t)(slash - (raw + i)) : n - i;
        memcpy(out + o, raw + i, run);
        o += run;
        i += run;
        if (i == n)
            break;
        out[o++] = simple_escape(raw[i + 1]); /* prescan: one follows, of the set */
    }
    return o;
}

/* The long string cut out of what cJSON read (parsed there as "") put back
 * in the tree, decoded (its UTF-8, control characters and escapes checked
 * by prescan). */
static int elide_restore(cJSON *root, const char *buf, const struct long_string *cut,
                         struct rg_error *err)
{
    size_t seen = 0;
    cJSON *item = nth_string(root, &seen, cut->ordinal);
    if (item == NULL || item->valuestring == NULL || item->valuestring[0] != '\0')
        return rg_fail(err, RG_INVALID_JSON, NULL,
                       "the body is not a valid JSON document");
    char *value = cJSON_malloc(cut->len + 1);
    if (value == NULL)
        return rg_fail(err, RG_UNAVAILABLE, NULL, "out of memory");
    value[unescape(value, buf + cut->start, cut->len)] = '\0';
    cJSON_free(item->valuestring);
    item->valuestring = value;
    return 0;
}

static cJSON *parse(const char *buf, size_t len, bool terminated, int max_depth,
                    struct nul_strings *nuls, struct rg_error *err)
{
    if (!rg_utf8_valid(buf, len)) {
        rg_fail(err, RG_INVALID_JSON, NULL, "the document is not valid UTF-8");
        return NULL;
    }
    struct long_string cut = {0};
    if (prescan(buf, len, max_depth, nuls, &cut, err) < 0)
        return NULL;
    cJSON *root = NULL;
    if (cjson_parse(buf, len, terminated, &cut, &root, err) < 0)
        return NULL;
    if (root == NULL) {
        rg_fail(err, RG_INVALID_JSON, NULL, "the body is not a valid JSON document");
        return NULL;
    }
    if (cut.found && elide_restore(root, buf, &cut, err) < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    if (check_tree(root, err) < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    if (nuls != NULL) {
        size_t values = 0, next = 0;
        mark_nul_strings(root, nuls, &values, &next);
    }
    return root;
}

cJSON *rg_json_parse(const char *buf, size_t len, int max_depth, struct rg_error *err)
{
    return parse(buf, len, false, max_depth, NULL, err);
}

static cJSON *parse_nul(const char *buf, size_t len, bool terminated, int max_depth,
                        struct rg_error *err)
{
    struct nul_strings nuls = {0};
    cJSON *root = parse(buf, len, terminated, max_depth, &nuls, err);
    free(nuls.ordinal);
    return root;
}

cJSON *rg_json_parse_nul(const char *buf, size_t len, int max_depth,
                         struct rg_error *err)
{
    return parse_nul(buf, len, false, max_depth, err);
}

cJSON *rg_json_parse_nul_terminated(const char *buf, size_t len, int max_depth,
                                    struct rg_error *err)
{
    return parse_nul(buf, len, buf[len] == '\0', max_depth, err);
}

bool rg_json_has_nul(const cJSON *item)
{
    return cJSON_IsString(item) && item->valueint == 1;
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
