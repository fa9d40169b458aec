#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/x509_vfy.h>

struct http {
    CURL *curl;
    struct curl_slist *headers;
    char *base_url;
    char *ca; /* for messages */
    long connect_timeout;
    long timeout;
    bool verbose;
    volatile sig_atomic_t *cancel;
    bool cancellable; /* the request in progress */
    char errbuf[CURL_ERROR_SIZE];
    /* The answer being received. */
    char *body;
    size_t len, cap;
    bool too_large;
    long retry_after;
};

/* Grows the answer buffer without leaving a copy of it behind in freed memory. */
static int body_reserve(struct http *h, size_t need)
{
    if (need <= h->cap)
        return 0;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = malloc(cap);
    if (p == NULL)
        return -1;
    if (h->body != NULL) {
        memcpy(p, h->body, h->len);
        OPENSSL_cleanse(h->body, h->cap);
        free(h->body);
    }
    h->body = p;
    h->cap = cap;
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct http *h = arg;
    size_t n = size * nmemb;
    if (h->len + n > HTTP_ANSWER_MAX) {
        h->too_large = true;
        return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    if (body_reserve(h, h->len + n + 1) < 0)
        return 0;
    memcpy(h->body + h->len, data, n);
    h->len += n;
    h->body[h->len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct http *h = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        long v = 0;
        for (size_t i = sizeof(name) - 1; i < n; i++) {
            if (isdigit((unsigned char)data[i]) && v < 86400)
                v = v * 10 + (data[i] - '0');
            else if (data[i] != ' ' && data[i] != '\t')
                break;
        }
        h->retry_after = v;
    }
    return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct http *h = arg;
    return h->cancellable && h->cancel != NULL && *h->cancel != 0;
}

#define SETOPT(h, opt, val)                                                            \
    do {                                                                               \
        if (curl_easy_setopt((h)->curl, opt, val) != CURLE_OK)                         \
            goto fail;                                                                 \
    } while (0)

struct http *http_open(const struct http_config *cfg, struct cli_error *err)
{
    struct http *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
        return NULL;
    }
    h->base_url = strdup(cfg->base_url);
    h->ca = cfg->ca ? strdup(cfg->ca) : NULL;
    h->connect_timeout = cfg->connect_timeout;
    h->timeout = cfg->timeout;
    h->verbose = cfg->verbose;
    h->curl = curl_easy_init();
    if (h->base_url == NULL || (cfg->ca && h->ca == NULL) || h->curl == NULL)
        goto fail;

    /* Copies are made by libcurl of every string option set here. */
    SETOPT(h, CURLOPT_ERRORBUFFER, h->errbuf);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(h, CURLOPT_SSLCERT, cfg->cert);
    SETOPT(h, CURLOPT_SSLCERTTYPE, "PEM");
    if (cfg->key != NULL)
        SETOPT(h, CURLOPT_SSLKEY, cfg->key);
    if (cfg->ca != NULL) {
        /* Trust this CA alone, not the system store besides. */
        SETOPT(h, CURLOPT_CAINFO, cfg->ca);
        SETOPT(h, CURLOPT_CAPATH, (char *)NULL);
    }
    SETOPT(h, CURLOPT_CONNECTTIMEOUT, cfg->connect_timeout);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_USERAGENT, "refgw/1");
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, h);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, h);
    SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(h, CURLOPT_XFERINFODATA, h);
    SETOPT(h, CURLOPT_NOPROGRESS, 0L);

    /* "Expect:" off: the gateway wants the whole request at once. */
    static const char *const headers[] = {"Accept: application/json",
                                          "Content-Type: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        struct curl_slist *l = curl_slist_append(h->headers, headers[i]);
        if (l == NULL)
            goto fail;
        h->headers = l;
    }
    SETOPT(h, CURLOPT_HTTPHEADER, h->headers);
    return h;

fail:
    http_close(h);
    cli_fail(err, CLI_USAGE,
             "cannot set up libcurl (out of memory, or libcurl too old)");
    return NULL;
}

void http_close(struct http *h)
{
    if (h == NULL)
        return;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    if (h->body != NULL) {
        OPENSSL_cleanse(h->body, h->cap);
        free(h->body);
    }
    free(h->base_url);
    free(h->ca);
    free(h);
}

void http_set_cancel(struct http *h, volatile sig_atomic_t *flag)
{
    h->cancel = flag;
}

void http_response_clear(struct http_response *r)
{
    if (r->body != NULL) {
        OPENSSL_cleanse(r->body, r->len);
        free(r->body);
    }
    memset(r, 0, sizeof(*r));
}

/* The alert's description in libcurl's message ("tlsv1 alert unknown ca" -> "unknown
 * ca"). */
static bool find_alert(const char *msg, char *out, size_t size)
{
    const char *p = strstr(msg, "alert ");
    if (p == NULL)
        return false;
    p += strlen("alert ");
    size_t n = strcspn(p, ",\n");
    while (n > 0 && p[n - 1] == ' ')
        n--;
    snprintf(out, size, "%.*s", (int)n, p);
    return n > 0;
}

static int tls_verify_failure(struct http *h, struct cli_error *err)
{
    long result = 0;
    curl_easy_getinfo(h->curl, CURLINFO_SSL_VERIFYRESULT, &result);
    const char *ca = h->ca ? h->ca : "the system's CA store";
    /* libcurl checks the name itself and then reports a verify result of "unspecified".
     */
    bool mismatch = result == X509_V_ERR_HOSTNAME_MISMATCH ||
                    result == X509_V_ERR_IP_ADDRESS_MISMATCH ||
                    strstr(h->errbuf, "subject name") != NULL ||
                    strstr(h->errbuf, "does not match target host") != NULL;
    if (mismatch) {
        char *host = NULL;
        CURLU *u = curl_url();
        if (u != NULL && curl_url_set(u, CURLUPART_URL, h->base_url, 0) == CURLUE_OK)
            curl_url_get(u, CURLUPART_HOST, &host, 0);
        cli_fail(err, CLI_UNREACHABLE,
                 "TLS: host name mismatch: the gateway's certificate is not issued for "
                 "'%s'; use the host name the certificate names in --gateway",
                 host ? host : h->base_url);
        curl_free(host);
        curl_url_cleanup(u);
        return -1;
    }
    const char *why = X509_verify_cert_error_string(result);
    switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return cli_fail(
            err, CLI_UNREACHABLE,
            "TLS: unknown CA: the gateway's certificate is not signed by a CA "
            "in %s (%s)",
            ca, why);
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return cli_fail(err, CLI_UNREACHABLE,
                        "TLS: the gateway's certificate is not valid now (%s)", why);
    default:
        return cli_fail(
            err, CLI_UNREACHABLE,
            "TLS: the gateway's certificate failed verification against %s (%s)", ca,
            why);
    }
}

/* A connection that ended right after our handshake, or with a TLS alert. */
static int tls_session_failure(struct http *h, CURLcode rc, struct cli_error *err)
{
    char alert[64];
    if (find_alert(h->errbuf, alert, sizeof(alert))) {
        if (strcmp(alert, "protocol version") == 0)
            return cli_fail(err, CLI_UNREACHABLE,
                            "TLS: the gateway and this client share no TLS version "
                            "(refgw needs TLS 1.2 or later)");
        return cli_fail(
            err, CLI_UNREACHABLE,
            "TLS: the gateway rejected this client's certificate (%s): check "
            "that --cert is signed by the gateway's client CA, valid today and "
            "not revoked",
            alert);
    }
    long connects = 0;
    curl_off_t handshake_done = 0;
    curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(h->curl, CURLINFO_APPCONNECT_TIME_T, &handshake_done);
    if (connects > 0 && handshake_done > 0 && h->len == 0) {
        /* TLS 1.3: the verdict on our certificate comes after our handshake ends,
         * and the gateway may close before we could read its alert. */
        return cli_fail(
            err, CLI_UNREACHABLE,
            "TLS: the gateway closed the connection right after the handshake: "
            "it most likely rejected this client's certificate (check that "
            "--cert is signed by the gateway's client CA, valid today and not "
            "revoked)");
    }
    cli_fail(err, CLI_UNREACHABLE, "the connection to %s failed: %s", h->base_url,
             h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
    err->transient = true;
    return -1;
}

static int transport_failure(struct http *h, CURLcode rc, long extra_seconds,
                             struct cli_error *err)
{
    const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    long os_errno = 0;
    curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);

    switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
        return cli_fail(err, CLI_OK, "interrupted");
    case CURLE_WRITE_ERROR:
        if (h->too_large)
            return cli_fail(err, CLI_REFUSED,
                            "the gateway's answer is larger than %u MiB",
                            HTTP_ANSWER_MAX >> 20);
        return cli_fail(err, CLI_USAGE,
                        "out of memory while reading the gateway's answer");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return cli_fail(err, CLI_USAGE, "the gateway URL '%s' is not valid: %s",
                        h->base_url, detail);
    case CURLE_SSL_CERTPROBLEM:
        return cli_fail(err, CLI_USAGE, "cannot use the client certificate or key: %s",
                        detail);
    case CURLE_SSL_CACERT_BADFILE:
        return cli_fail(err, CLI_USAGE, "cannot use the CA file %s: %s",
                        h->ca ? h->ca : "(system)", detail);
    case CURLE_PEER_FAILED_VERIFICATION:
        return tls_verify_failure(h, err);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return tls_session_failure(h, rc, err);
    case CURLE_COULDNT_CONNECT:
        if (os_errno == ECONNREFUSED)
            cli_fail(err, CLI_UNREACHABLE,
                     "connection refused: nothing listens at %s (is refgwd running?)",
                     h->base_url);
        else
            cli_fail(err, CLI_UNREACHABLE, "cannot connect to %s: %s", h->base_url,
                     detail);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        cli_fail(err, CLI_UNREACHABLE, "cannot resolve the host name of %s",
                 h->base_url);
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        /* libcurl records no connect time until the TLS handshake is done too. */
        curl_off_t handshaken = 0;
        curl_easy_getinfo(h->curl, CURLINFO_APPCONNECT_TIME_T, &handshaken);
        if (handshaken == 0 && strstr(h->errbuf, "SSL") != NULL)
            cli_fail(err, CLI_UNREACHABLE,
                     "no TLS handshake with %s within %ld s (is it a refgw gateway?)",
                     h->base_url, h->connect_timeout);
        else if (handshaken == 0)
            cli_fail(err, CLI_UNREACHABLE, "cannot connect to %s within %ld s",
                     h->base_url, h->connect_timeout);
        else
            cli_fail(err, CLI_UNREACHABLE, "the gateway did not answer within %ld s",
                     h->timeout + extra_seconds);
        break;
    }
    default:
        cli_fail(err, CLI_UNREACHABLE, "cannot reach the gateway at %s: %s",
                 h->base_url, detail);
        break;
    }
    err->transient = true;
    return -1;
}

static void trace(struct http *h, const char *method, const char *path, CURLcode rc)
{
    long status = 0, connects = 0;
    double seconds = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(h->curl, CURLINFO_TOTAL_TIME, &seconds);
    fprintf(stderr, "refgw: %s %s -> %ld (%s connection) %.3f s\n", method, path,
            rc == CURLE_OK ? status : 0L, connects > 0 ? "new" : "reused", seconds);
}

int http_request(struct http *h, const char *method, const char *path, const char *body,
                 size_t body_len, long extra_seconds, bool cancellable,
                 struct http_response *resp, struct cli_error *err)
{
    memset(resp, 0, sizeof(*resp));
    h->errbuf[0] = '\0';
    h->len = 0;
    h->too_large = false;
    h->retry_after = 0;
    h->cancellable = cancellable;

    size_t url_len = strlen(h->base_url) + strlen(path) + 1;
    char *url = malloc(url_len);
    if (url == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    snprintf(url, url_len, "%s%s", h->base_url, path);

    CURLcode rc = curl_easy_setopt(h->curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, h->timeout + extra_seconds);
    if (rc == CURLE_OK && strcmp(method, "POST") == 0) {
        rc = curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                                  (curl_off_t)(body ? body_len : 0));
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (rc == CURLE_OK) {
        rc = curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    }
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h->curl);
    free(url);
    h->cancellable = false;
    if (h->verbose)
        trace(h, method, path, rc);
    if (rc != CURLE_OK)
        return transport_failure(h, rc, extra_seconds, err);

    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->retry_after = h->retry_after;
    resp->body = malloc(h->len + 1);
    if (resp->body == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    if (h->len > 0)
        memcpy(resp->body, h->body, h->len);
    resp->body[h->len] = '\0';
    resp->len = h->len;
    if (h->body != NULL)
        OPENSSL_cleanse(h->body, h->len);
    return 0;
}
