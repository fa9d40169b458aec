/*
 * json.h - strict JSON decoding on top of cJSON, for bytes from the network.
 *
 * rg_json_parse() accepts a document only if it is valid UTF-8 throughout,
 * contains no NUL (raw or as \u0000), nests at most max_depth levels, ends
 * where the input ends, and has no object with the same key twice. cJSON
 * alone accepts all of those; see docs/api.md for why each is refused.
 * rg_json_parse_nul() lets the caller refuse a \u0000 in a value itself.
 *
 * Every string of a tree they return, key or value, is valid UTF-8 (up to
 * the NUL of a marked value): the document was checked whole, and cJSON
 * decodes a \u escape only to a scalar value's shortest form, refusing lone
 * surrogates (test_json_utf8). A caller need not check such strings again.
 */
#ifndef REFGW_JSON_H
#define REFGW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "errors.h"

/* Returns a tree the caller frees with cJSON_Delete, or NULL with err set. */
cJSON *rg_json_parse(const char *buf, size_t len, int max_depth, struct rg_error *err);

/*
 * The same, but a string value holding a NUL (\u0000) is kept rather than
 * refused: its valuestring ends at the first NUL (cJSON's C strings), and
 * rg_json_has_nul() is true of it. For a caller that refuses such a value
 * itself, naming the field in its own order of checks (SPEC §4). A NUL in an
 * object key, or a raw NUL byte anywhere, is refused all the same.
 */
cJSON *rg_json_parse_nul(const char *buf, size_t len, int max_depth,
                         struct rg_error *err);

/*
 * rg_json_parse_nul for text the caller has terminated, as the server's
 * request bodies are (net/http1.c): buf holds len + 1 readable bytes, and
 * buf[len] is '\0'. cJSON then reads buf in place, where the others parse a
 * terminated copy of it. Should buf[len] not be '\0' after all, it parses a
 * copy too; a buf shorter than len + 1 is the caller's overread.
 */
cJSON *rg_json_parse_nul_terminated(const char *buf, size_t len, int max_depth,
                                    struct rg_error *err);

/* Whether item is a string that held a NUL (only rg_json_parse_nul's). */
bool rg_json_has_nul(const cJSON *item);

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool rg_utf8_valid(const char *s, size_t len);

/*
 * A count from a JSON number, as a long long: NaN and fractions' parts are
 * dropped, and values beyond the type's range are clamped (a plain cast
 * would be undefined behaviour).
 */
long long rg_json_count(const cJSON *number);

/* Adds name: the RFC 3339 UTC time of t ("2026-11-28T09:15:02Z"). */
void rg_json_add_time(cJSON *object, const char *name, time_t t);

/* Prints compactly; the caller frees with cJSON_free. NULL on allocation failure. */
char *rg_json_print(const cJSON *item);

#endif
