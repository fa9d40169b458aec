/*
 * fuzz_path - ids in paths: rg_id_valid (lib/ids.c) and the route matching
 * of server/http/router.c, which is static there. router.c is included whole rather
 * than copied or widened, so this harness tests the very code that routes.
 *
 * Checks: a path that reaches a route is plain (no percent sign, dot, NUL,
 * "//", anything outside the id alphabet and '/'), a '*' segment yields a
 * valid 22-character id, and putting the id back into the pattern gives the
 * path again: no decoding trick can reach a route under another spelling.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "router.c"

static const char id_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void check_id(const char *s, size_t len)
{
    bool valid = rg_id_valid(s, len);
    bool shape = len == RG_ID_LEN || len == RG_ID_LEN_OLD;
    for (size_t i = 0; shape && i < len; i++)
        shape = s[i] != '\0' && strchr(id_alphabet, s[i]) != NULL;
    FUZZ_CHECK(valid == shape);
}

/* The pattern with its '*' replaced by id. */
static void expand(const char *pattern, const char *id, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p != '\0' && o + 1 < cap; p++) {
        if (*p == '*') {
            size_t n = strlen(id);
            FUZZ_CHECK(o + n + 1 < cap);
            memcpy(out + o, id, n);
            o += n;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_id((const char *)data, size);

    char *path = malloc(size + 1);
    if (path == NULL)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0'; /* the HTTP parser lets no NUL into a URL */

    bool plain = path_plain(path);
    if (plain) {
        FUZZ_CHECK(path[0] == '/');
        FUZZ_CHECK(strstr(path, "//") == NULL);
        FUZZ_CHECK(strpbrk(path, "%.\\?#;:") == NULL);
    }
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        char id[RG_ID_LEN + 1] = "";
        if (!plain || !match(routes[i].pattern, path, id))
            continue;
        if (strchr(routes[i].pattern, '*') != NULL)
            FUZZ_CHECK(rg_id_valid(id, strlen(id)));
        else
            FUZZ_CHECK(id[0] == '\0');
        char again[128];
        expand(routes[i].pattern, id, again, sizeof(again));
        FUZZ_CHECK(strcmp(again, path) == 0);
    }
    free(path);
    return 0;
}
