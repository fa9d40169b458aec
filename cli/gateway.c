#include "gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "http.h"
#include "ids.h"
#include "json.h"

/* Answers nest four levels ({"referrals":[{"subject":{}}]}); allow some room. */
#define ANSWER_DEPTH_MAX 16

static int readable(const char *option, const char *path, struct cli_error *err)
{
    if (access(path, R_OK) == 0)
        return 0;
    return cli_fail(err, CLI_USAGE, "cannot read %s %s: %s", option, path,
                    strerror(errno));
}

int gw_connect(struct cli *c, struct cli_error *err)
{
    if (c->http != NULL)
        return 0;
    if (c->gateway == NULL)
        return cli_fail(err, CLI_USAGE,
                        "no gateway: give --gateway URL or set REFGW_GATEWAY");
    if (strncmp(c->gateway, "https://", 8) != 0 || c->gateway[8] == '\0')
        return cli_fail(err, CLI_USAGE,
                        "the gateway URL must begin with https:// and name a host");
    if (c->cert == NULL)
        return cli_fail(err, CLI_USAGE,
                        "no client certificate: give --cert FILE or set REFGW_CERT");
    if (readable("--cert", c->cert, err) < 0 ||
        (c->key != NULL && readable("--key", c->key, err) < 0) ||
        (c->ca != NULL && readable("--ca", c->ca, err) < 0))
        return -1;

    /* "https://gw.example/" and "https://gw.example" name the same gateway. */
    size_t len = strlen(c->gateway);
    while (len > 8 && c->gateway[len - 1] == '/')
        len--;
    char *base = strndup(c->gateway, len);
    if (base == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    struct http_config cfg = {
        .base_url = base,
        .cert = c->cert,
        .key = c->key,
        .ca = c->ca,
        .connect_timeout = c->connect_timeout,
        .timeout = c->timeout,
        .verbose = c->verbose,
    };
    c->http = http_open(&cfg, err);
    free(base);
    return c->http ? 0 : -1;
}

int gw_check_id(const char *id, struct cli_error *err)
{
    if (rg_id_valid(id, strlen(id)))
        return 0;
    char shown[64];
    gw_printable(id, shown, sizeof(shown));
    return cli_fail(
        err, CLI_USAGE,
        "'%s' is not a referral id (%d characters of A-Z a-z 0-9 - _, or %d "
        "for ids of older gateways)",
        shown, RG_ID_LEN, RG_ID_LEN_OLD);
}

void gw_wipe_free(char *text)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, strlen(text));
    cJSON_free(text);
}

const char *gw_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : "";
}

void gw_printable(const char *s, char *out, size_t size)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    out[i] = '\0';
}

/* An error answer: {"error": {"code", "message", "field"?}} as exit 2. */
static int refused(const struct http_response *r, struct cli_error *err)
{
    struct rg_error perr;
    cJSON *doc = rg_json_parse(r->body, r->len, ANSWER_DEPTH_MAX, &perr);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    char code[64], message[300], field[RG_FIELD_MAX + 16] = "";
    if (cJSON_IsObject(e) && gw_string(e, "code")[0] != '\0') {
        gw_printable(gw_string(e, "code"), code, sizeof(code));
        gw_printable(gw_string(e, "message"), message, sizeof(message));
        const char *f = gw_string(e, "field");
        if (f[0] != '\0') {
            char pf[RG_FIELD_MAX];
            gw_printable(f, pf, sizeof(pf));
            snprintf(field, sizeof(field), " (field %s)", pf);
        }
        cli_fail(err, CLI_REFUSED, "the gateway refused (HTTP %ld): %s: %s%s",
                 r->status, code, message, field);
        snprintf(err->code, sizeof(err->code), "%s", code);
    } else {
        cli_fail(err, CLI_REFUSED,
                 "the gateway answered HTTP %ld without an error document", r->status);
    }
    cJSON_Delete(doc);
    err->transient = r->status == 429 || r->status == 503;
    err->retry_after = r->retry_after;
    return -1;
}

int gw_call(struct cli *c, const char *method, const char *path, const char *body,
            long wait, bool cancellable, struct gw_answer *ans, struct cli_error *err)
{
    memset(ans, 0, sizeof(*ans));
    if (gw_connect(c, err) < 0)
        return -1;
    struct http_response r;
    if (http_request(c->http, method, path, body, body ? strlen(body) : 0, wait,
                     cancellable, &r, err) < 0)
        return -1;
    if (r.status < 200 || r.status > 299) {
        refused(&r, err);
        http_response_clear(&r);
        return -1;
    }
    struct rg_error perr;
    ans->doc = rg_json_parse(r.body, r.len, ANSWER_DEPTH_MAX, &perr);
    if (ans->doc == NULL || !cJSON_IsObject(ans->doc)) {
        cli_fail(err, CLI_REFUSED,
                 "the gateway's answer (HTTP %ld) is not a JSON object", r.status);
        http_response_clear(&r);
        gw_answer_clear(ans);
        return -1;
    }
    ans->status = r.status;
    ans->raw = r.body; /* ownership passes to the answer */
    ans->raw_len = r.len;
    return 0;
}

static void pause_before_retry(const struct cli_error *e, int attempt, int attempts)
{
    long wait = 1L << (attempt - 1);
    if (e->retry_after > 0)
        wait = e->retry_after;
    if (wait > GW_RETRY_WAIT_MAX)
        wait = GW_RETRY_WAIT_MAX;
    fprintf(stderr, "refgw: %s; retrying in %ld s (%d of %d)\n", e->message, wait,
            attempt, attempts);
    sleep((unsigned)wait);
}

int gw_call_retrying(struct cli *c, const char *method, const char *path,
                     const char *body, long retries, struct gw_answer *ans,
                     struct cli_error *err)
{
    for (int attempt = 0;; attempt++) {
        if (gw_call(c, method, path, body, 0, false, ans, err) == 0)
            return 0;
        if (!err->transient || attempt >= retries)
            return -1;
        pause_before_retry(err, attempt + 1, (int)retries);
    }
}

void gw_answer_clear(struct gw_answer *a)
{
    if (a->raw != NULL) {
        OPENSSL_cleanse(a->raw, a->raw_len);
        free(a->raw);
    }
    cJSON_Delete(a->doc);
    memset(a, 0, sizeof(*a));
}

int gw_answer_print(const struct gw_answer *a, FILE *out, struct cli_error *err)
{
    if (fwrite(a->raw, 1, a->raw_len, out) != a->raw_len ||
        (a->raw_len > 0 && a->raw[a->raw_len - 1] != '\n' && fputc('\n', out) == EOF) ||
        fflush(out) == EOF)
        return cli_fail(err, CLI_USAGE, "cannot write to standard output: %s",
                        strerror(errno));
    return 0;
}
