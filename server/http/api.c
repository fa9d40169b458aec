#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "config.h"
#include "counts_api.h"
#include "digests.h"
#include "ids.h"
#include "json.h"
#include "loop.h"
#include "ops.h"
#include "query.h"
#include "ratelimit.h"
#include "waiters.h"

enum role { ROLE_PARTNER, ROLE_ADMIN, ROLE_ANY };

typedef void (*handler_fn)(struct call *call, const char *id);

struct route {
    const char *method;
    const char *pattern; /* '*' is one path segment holding a referral id */
    enum role role;
    handler_fn handler;
};

static void handle_send(struct call *call, const char *id);
static void handle_inbox(struct call *call, const char *id);
static void handle_ack(struct call *call, const char *id);
static void handle_status(struct call *call, const char *id);
static void handle_directory(struct call *call, const char *id);
static void handle_health(struct call *call, const char *id);

static const struct route routes[] = {
    {"POST", "/v1/referrals", ROLE_PARTNER, handle_send},
    {"GET", "/v1/referrals/*", ROLE_PARTNER, handle_status},
    {"GET", "/v1/inbox", ROLE_PARTNER, handle_inbox},
    {"POST", "/v1/inbox/*/ack", ROLE_PARTNER, handle_ack},
    {"GET", "/v1/directory", ROLE_PARTNER, handle_directory},
    {"GET", "/v1/health", ROLE_ANY, handle_health},
    {"GET", "/v1/stats", ROLE_ADMIN, api_stats},
    {"GET", "/metrics", ROLE_ADMIN, api_metrics},
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Matches the raw path against a pattern; a '*' segment is copied to id.
 * Returns 1 on a match, 0 otherwise.
 */
static int match(const char *pattern, const char *path, char id[RG_ID_LEN + 1])
{
    while (*pattern != '\0') {
        if (*pattern == '*') {
            size_t len = strcspn(path, "/");
            if (!rg_id_valid(path, len))
                return 0;
            memcpy(id, path, len);
            id[len] = '\0';
            path += len;
            pattern++;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *path == '\0';
}

/* Any byte outside an id's alphabet and '/' means no route: no decoding tricks. */
static bool path_plain(const char *path)
{
    if (path[0] != '/')
        return false;
    for (const char *p = path; *p != '\0'; p++)
        if (!(*p == '/' || *p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    return strstr(path, "//") == NULL;
}

static bool role_allows(enum role role, int type)
{
    if (role == ROLE_ANY)
        return true;
    return (role == ROLE_ADMIN) == org_type_is_admin(type);
}

void api_dispatch(struct call *call)
{
    struct app *app = call->app;
    call->started = monotonic_now();
    call->org = config_find_org(call->config, call->org_id);
    if (call->org == NULL || call->org->disabled) {
        call_fail(call, RG_UNKNOWN_ORGANISATION, NULL);
        return;
    }
    int retry_after;
    if (!ratelimit_take(app->ratelimit, call->org->id,
                        call->config->rate_limit_per_minute, call->started,
                        &retry_after)) {
        struct rg_error err;
        char header[48];
        rg_fail(&err, RG_RATE_LIMITED, NULL, NULL);
        snprintf(header, sizeof(header), "Retry-After: %d\r\n", retry_after);
        call_reply_error(call, &err, header);
        return;
    }

    char id[RG_ID_LEN + 1] = "";
    char allow[64] = "";
    const struct route *found = NULL;
    for (size_t i = 0; path_plain(call->path) && i < ROUTE_COUNT; i++) {
        if (!match(routes[i].pattern, call->path, id))
            continue;
        if (strcmp(routes[i].method, call->method) == 0) {
            found = &routes[i];
            break;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "",
                 routes[i].method);
    }
    if (found == NULL && allow[0] != '\0') {
        struct rg_error err;
        char header[96];
        rg_fail(&err, RG_METHOD_NOT_ALLOWED, NULL, NULL);
        snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
        call_reply_error(call, &err, header);
        return;
    }
    if (found == NULL) {
        call_fail(call, RG_NOT_FOUND, NULL);
        return;
    }
    if (!role_allows(found->role, call->org->type)) {
        call_fail(call, RG_FORBIDDEN_ROLE, NULL);
        return;
    }
    found->handler(call, id);
}

struct op *api_new_op(struct call *call, enum op_kind kind, void (*done)(struct op *))
{
    struct op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->kind = kind;
    op->done = done;
    op->ctx = call;
    op->loop = call->loop;
    op->now = time(NULL);
    return op;
}

struct call *api_op_call(struct op *op)
{
    struct call *call = op->ctx;
    if (call->conn == NULL) {
        call_free(call);
        return NULL;
    }
    return call;
}

struct call *api_op_result(struct op *op)
{
    struct call *call = api_op_call(op);
    if (call != NULL && op->failed) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        call = NULL;
    }
    if (call == NULL)
        op_free(op);
    return call;
}

static void add_time(cJSON *doc, const char *name, time_t t)
{
    char buf[RG_TIME_LEN];
    rg_time_format(t, buf);
    cJSON_AddStringToObject(doc, name, buf);
}

/* ---- POST /v1/referrals ---- */

static bool is_json_type(const char *ct)
{
    if (ct == NULL)
        return false;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void send_done(struct op *op)
{
    struct app *app = ((struct call *)op->ctx)->app;
    struct call *call = api_op_call(op);
    if (call == NULL) {
        /* Committed even though the sender left: still wake the recipient. */
        if (!op->failed && op->u.put.outcome == PUT_CREATED) {
            COUNTER_ADD(app->counters.accepted, 1);
            app_referral_arrived(app, op->u.put.referral.to);
        }
        op_free(op);
        return;
    }
    if (op->failed) {
        call_fail(call, RG_UNAVAILABLE, NULL);
    } else if (op->u.put.outcome == PUT_CONFLICT) {
        call_fail(call, RG_CONFLICT, "client_ref");
    } else {
        bool created = op->u.put.outcome == PUT_CREATED;
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "id", op->u.put.id);
        cJSON_AddStringToObject(
            doc, "status", created ? "queued" : referral_state_name(op->u.put.state));
        if (!created)
            cJSON_AddBoolToObject(doc, "duplicate", 1);
        if (created) {
            COUNTER_ADD(call->app->counters.accepted, 1);
            app_referral_arrived(call->app, op->u.put.referral.to);
        }
        call_reply_json(call, created ? 202 : 200, doc);
    }
    op_free(op);
}

static void handle_send(struct call *call, const char *unused)
{
    if (!is_json_type(call->content_type)) {
        call_fail(call, RG_UNSUPPORTED_MEDIA_TYPE, NULL);
        return;
    }
    struct op *op = api_new_op(call, OP_PUT, send_done);
    if (op == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    struct rg_error err;
    struct rg_referral *r = &op->u.put.referral;
    if (rg_referral_parse(call->body ? call->body : "", call->body_len, r, &err) < 0) {
        op_free(op);
        call_reply_error(call, &err, NULL);
        return;
    }
    const struct org *to = config_find_org(call->config, r->to);
    enum rg_code refusal = RG_OK;
    if (to == NULL || to->disabled)
        refusal = RG_UNKNOWN_RECIPIENT;
    else if (!config_route_allows(call->config, call->org->type, to->type))
        refusal = RG_ROUTE_FORBIDDEN;
    if (refusal != RG_OK) {
        op_free(op);
        call_fail(call, refusal, "to");
        return;
    }
    strcpy(op->u.put.sender, call->org->id);
    strcpy(op->u.put.sender_type, rg_org_types.values[call->org->type]);
    strcpy(op->u.put.recipient_type, rg_org_types.values[to->type]);
    if (digester_put(loop_digester(call->loop), call->org->id, r, &op->u.put.digests) <
        0) {
        op_free(op);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    committer_submit(call->app->committer, op);
}

/* ---- GET /v1/inbox ---- */

static void inbox_query(struct call *call);

static cJSON *inbox_item_json(const struct inbox_item *it)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *subject = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "id", it->id);
    cJSON_AddStringToObject(item, "from", it->from);
    cJSON_AddStringToObject(item, "from_type", it->from_type);
    add_time(item, "created_at", it->created_at);
    cJSON_AddStringToObject(item, "signal", it->signal);
    cJSON_AddStringToObject(item, "urgency", it->urgency);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        cJSON_AddStringToObject(subject, rg_subject[i].name, it->subject[i]);
    cJSON_AddItemToObject(item, "subject", subject);
    cJSON_AddStringToObject(item, "body", it->body);
    cJSON_AddNumberToObject(item, "deliveries", it->deliveries);
    return item;
}

static void reply_items(struct call *call, const struct inbox_item *items, size_t count)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "referrals");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(list, inbox_item_json(&items[i]));
    COUNTER_ADD(call->app->counters.delivered, count);
    call_reply_json(call, 200, doc);
}

static void inbox_woken(struct call *call, bool timed_out)
{
    if (timed_out)
        reply_items(call, NULL, 0);
    else
        inbox_query(call);
}

static void inbox_done(struct op *op)
{
    struct call *call = api_op_result(op);
    if (call == NULL)
        return;
    double left = call->started + call->wait_seconds - monotonic_now();
    if (op->u.inbox.count > 0 || left <= 0 || app_stopping(call->app)) {
        reply_items(call, op->u.inbox.items, op->u.inbox.count);
    } else if (waiters_park(loop_waiters(call->loop), call, left, inbox_woken) < 0) {
        call_fail(call, RG_UNAVAILABLE, NULL);
    }
    op_free(op);
}

static void inbox_query(struct call *call)
{
    struct op *op = api_new_op(call, OP_INBOX, inbox_done);
    if (op == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    strcpy(op->u.inbox.recipient, call->org->id);
    op->u.inbox.limit = call->limit;
    committer_submit(call->app->committer, op);
}

static void handle_inbox(struct call *call, const char *unused)
{
    struct query_param params[] = {{.name = "wait"}, {.name = "limit"}};
    struct rg_error err;
    call->wait_seconds = 0;
    call->limit = 50;
    if (query_parse(call->query, params, 2, &err) < 0 ||
        (params[0].present &&
         query_int(&params[0], 0, 60, &call->wait_seconds, &err) < 0) ||
        (params[1].present && query_int(&params[1], 1, 500, &call->limit, &err) < 0)) {
        call_reply_error(call, &err, NULL);
        return;
    }
    if (call->wait_seconds > 0) {
        call->longpoll = true;
        loop_longpolls_add(call->loop, 1);
    }
    inbox_query(call);
}

/* ---- POST /v1/inbox/ID/ack ---- */

static void ack_done(struct op *op)
{
    struct call *call = api_op_result(op);
    if (call == NULL)
        return;
    if (!op->u.ack.found) {
        call_fail(call, RG_NOT_FOUND, NULL);
    } else {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "id", op->u.ack.id);
        cJSON_AddStringToObject(doc, "status", "acknowledged");
        COUNTER_ADD(call->app->counters.acknowledged, 1);
        call_reply_json(call, 200, doc);
    }
    op_free(op);
}

static void handle_ack(struct call *call, const char *id)
{
    struct op *op = api_new_op(call, OP_ACK, ack_done);
    if (op == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    strcpy(op->u.ack.recipient, call->org->id);
    strcpy(op->u.ack.id, id);
    committer_submit(call->app->committer, op);
}

/* ---- GET /v1/referrals/ID ---- */

static void status_done(struct op *op)
{
    struct call *call = api_op_result(op);
    if (call == NULL)
        return;
    const struct referral_status *st = &op->u.status.st;
    if (!op->u.status.found) {
        call_fail(call, RG_NOT_FOUND, NULL);
    } else {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "id", op->u.status.id);
        cJSON_AddStringToObject(doc, "to", st->to);
        cJSON_AddStringToObject(doc, "status", referral_state_name(st->state));
        add_time(doc, "created_at", st->created_at);
        if (st->delivered_at != 0)
            add_time(doc, "delivered_at", st->delivered_at);
        if (st->acknowledged_at != 0)
            add_time(doc, "acknowledged_at", st->acknowledged_at);
        call_reply_json(call, 200, doc);
    }
    op_free(op);
}

static void handle_status(struct call *call, const char *id)
{
    struct op *op = api_new_op(call, OP_STATUS, status_done);
    if (op == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    strcpy(op->u.status.sender, call->org->id);
    strcpy(op->u.status.id, id);
    committer_submit(call->app->committer, op);
}

/* ---- GET /v1/directory ---- */

static void handle_directory(struct call *call, const char *unused)
{
    const struct config *c = call->config;
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "organisations");
    for (size_t i = 0; i < c->org_count; i++) {
        const struct org *o = &c->orgs[i];
        if (o->disabled || o == call->org ||
            !config_route_allows(c, call->org->type, o->type))
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", o->id);
        cJSON_AddStringToObject(item, "name", o->name);
        cJSON_AddStringToObject(item, "type", rg_org_types.values[o->type]);
        cJSON_AddItemToArray(list, item);
    }
    call_reply_json(call, 200, doc);
}

/* ---- GET /v1/health ---- */

static void health_done(struct op *op)
{
    struct call *call = api_op_call(op);
    if (call != NULL) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "status", op->failed ? "unavailable" : "ok");
        call_reply_json(call, op->failed ? 503 : 200, doc);
    }
    op_free(op);
}

static void handle_health(struct call *call, const char *unused)
{
    /* Cheap while the store works; after a failure, ask the store again. */
    if (committer_healthy(call->app->committer)) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "status", "ok");
        call_reply_json(call, 200, doc);
        return;
    }
    struct op *op = api_new_op(call, OP_HEALTH, health_done);
    if (op == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    committer_submit(call->app->committer, op);
}
