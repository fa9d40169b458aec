/*
 * fuzz_answer - the client's reading of gateway answers (cli/): an error
 * answer as `refgw` reports it (cli/gateway.c, whose static refused() is
 * reached by including the file whole), stats answers (counts v2: flow
 * tables over months, released subject tables of a period, a null total)
 * rendered into the HTML page of `refgw report` (cli/report*.c, cli/svg.c)
 * in both languages, and the check that an answer is for its question
 * (cli/stats_query.c).
 *
 * A gateway, or whoever sits in its place, controls these bytes. Checks: the
 * error message for the terminal holds no control character; the page is
 * written, is valid UTF-8 and gains no markup from the answer: every tag is
 * well-formed with quoted attributes, none runs or fetches anything, none has
 * an event handler (what an unescaped '<' or '"' from an answer would make).
 */
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "gateway.c"

#include "report.h"
#include "stats_query.h"

static void check_refused(const char *data, size_t size)
{
    struct http_response r = {0};
    r.status = 400 + (long)(size % 200);
    r.body = malloc(size + 1);
    if (r.body == NULL)
        return;
    memcpy(r.body, data, size);
    r.body[size] = '\0';
    r.len = size;
    struct cli_error err;
    memset(&err, 0, sizeof(err));
    FUZZ_CHECK(refused(&r, &err) == -1);
    FUZZ_CHECK(err.exit == CLI_REFUSED);
    size_t n = strnlen(err.message, sizeof(err.message));
    FUZZ_CHECK(n < sizeof(err.message));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)err.message[i] >= 0x20 && err.message[i] != 0x7f);
    free(r.body);
}

/* Whether name[0..len) is one of the tags that run or fetch something. */
static bool active_tag(const char *name, size_t len)
{
    static const char *const tags[] = {"script", "iframe", "img",   "image",
                                       "object", "embed",  "link",  "a",
                                       "base",   "form",   "input", "foreignobject",
                                       "use",    "frame",  "audio", "video"};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (strlen(tags[i]) == len && strncasecmp(tags[i], name, len) == 0)
            return true;
    return false;
}

/*
 * The page's markup is the template's alone: every tag is a harmless name
 * followed by name="value" attributes, none an event handler, no value
 * holding '<' (what an unescaped quote or bracket from an answer would make).
 */
static void check_markup(const char *page)
{
    const char *p = page;
    while ((p = strchr(p, '<')) != NULL) {
        p++;
        if (strncmp(p, "!DOCTYPE", 8) == 0 || *p == '/') {
            p++;
            continue;
        }
        size_t n =
            strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        FUZZ_CHECK(n > 0);
        FUZZ_CHECK(!active_tag(p, n));
        bool style = n == 5 && strncmp(p, "style", 5) == 0;
        p += n;
        for (;;) {
            p += strspn(p, " \n");
            if (*p == '>' || strncmp(p, "/>", 2) == 0)
                break;
            size_t a = strspn(
                p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
            FUZZ_CHECK(a > 0 && p[a] == '=' && p[a + 1] == '"');
            FUZZ_CHECK(strncasecmp(p, "on", 2) != 0 && strncasecmp(p, "href", 4) != 0);
            const char *end = strchr(p + a + 2, '"');
            FUZZ_CHECK(end != NULL);
            FUZZ_CHECK(memchr(p + a + 2, '<', (size_t)(end - (p + a + 2))) == NULL);
            p = end + 1;
        }
        if (style) { /* the template's CSS, not markup */
            p = strstr(p, "</style>");
            FUZZ_CHECK(p != NULL);
        }
    }
}

/* The answers of a report: the document itself, or the items of an array in turn. */
static const cJSON *part(const cJSON *doc, int i)
{
    if (!cJSON_IsArray(doc))
        return doc;
    int n = cJSON_GetArraySize(doc);
    return n > 0 ? cJSON_GetArrayItem(doc, i % n) : doc;
}

/* Each part of the page from the answers, in both languages, with ended and
 * pending periods of every kind. */
static void check_report(const cJSON *doc, enum rg_lang lang)
{
    static const char *const ended[] = {"2026", "2026-Q3", "2026-11"};
    static const char *const running[] = {"2027", "2027-Q1", "2027-01"};
    struct report_period periods[3];
    struct rg_period pending[3];
    struct report_input in = {.from = "2026-01",
                              .to = "2027-01",
                              .generated = 1800000000,
                              .lang = lang,
                              .periods = periods,
                              .nperiods = 3,
                              .pending = pending,
                              .npending = 3};
    int k = 0;
    for (int e = 0; e < REPORT_EVENTS; e++) {
        in.totals[e] = part(doc, k++);
        in.by_month[e] = part(doc, k++);
    }
    in.by_signal = part(doc, k++);
    in.by_month_signal = part(doc, k++);
    for (int i = 0; i < 3; i++) {
        struct rg_error perr;
        FUZZ_CHECK(rg_period_parse(ended[i], strlen(ended[i]), &periods[i].period,
                                   &perr) == 0);
        FUZZ_CHECK(
            rg_period_parse(running[i], strlen(running[i]), &pending[i], &perr) == 0);
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
            periods[i].by_attribute[a] = part(doc, k++);
    }
    char *page = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&page, &len);
    FUZZ_CHECK(out != NULL);
    int rc = report_write(out, &in);
    fclose(out);
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK(strlen(page) == len);
    FUZZ_CHECK(rg_utf8_valid(page, len));
    check_markup(page);
    free(page);
}

/* Whether an answer is for its question: any answer gets a yes, or a no with a
 * message fit for a terminal. */
static void check_matches(const cJSON *doc)
{
    struct stats_query questions[] = {
        {.period = "2026-Q3", .by = "age_band"},
        {.from = "2026-01", .to = "2026-12", .by = "month,signal", .event = "expired"},
        {.from = "2026-01", .to = "2026-01"},
    };
    for (size_t i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
        struct cli_error err;
        memset(&err, 0, sizeof(err));
        if (stats_answer_matches(&questions[i], doc, &err) == 0)
            continue;
        FUZZ_CHECK(err.exit == CLI_REFUSED);
        for (const char *m = err.message; *m != '\0'; m++)
            FUZZ_CHECK((unsigned char)*m >= 0x20 && *m != 0x7f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_refused((const char *)data, size);
    struct rg_error perr;
    cJSON *doc = rg_json_parse((const char *)data, size, ANSWER_DEPTH_MAX, &perr);
    if (doc == NULL)
        return 0;
    check_report(doc, size % 2 ? RG_LANG_NL : RG_LANG_EN);
    check_matches(doc);
    cJSON_Delete(doc);
    return 0;
}
