/*
 * router.c - admission and routing: the caller's organisation, its rate,
 * the route table on the raw path with 405 and Allow, the role.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "handlers.h"
#include "ids.h"
#include "ratelimit.h"

/* Who may call a route: a set of organisation kinds (config.h). */
enum role {
    ROLE_PARTNER = 1 << ORG_PARTNER,
    ROLE_ADMIN = 1 << ORG_ADMIN,
    ROLE_MONITOR = 1 << ORG_MONITOR,
    ROLE_ANY = ROLE_PARTNER | ROLE_ADMIN | ROLE_MONITOR,
};

struct route {
    const char *method;
    const char *pattern; /* '*' is one path segment holding a referral id */
    int role;            /* enum role bits */
    handler_fn handler;
};

/*
 * HEAD answers as GET does, without the body (the net leaves it out), on
 * every GET route but the inbox: a GET there hands referrals out (counts a
 * delivery, marks them delivered), which a request whose answer carries no
 * body must not do.
 */
static const struct route routes[] = {
    {"POST", "/v1/referrals", ROLE_PARTNER, handle_send},
    {"GET", "/v1/referrals/*", ROLE_PARTNER, handle_status},
    {"HEAD", "/v1/referrals/*", ROLE_PARTNER, handle_status},
    {"GET", "/v1/inbox", ROLE_PARTNER, handle_inbox},
    {"POST", "/v1/inbox/*/ack", ROLE_PARTNER, handle_ack},
    {"GET", "/v1/directory", ROLE_PARTNER, handle_directory},
    {"HEAD", "/v1/directory", ROLE_PARTNER, handle_directory},
    {"GET", "/v1/health", ROLE_ANY, handle_health},
    {"HEAD", "/v1/health", ROLE_ANY, handle_health},
    {"GET", "/v1/stats", ROLE_ADMIN, handle_stats},
    {"HEAD", "/v1/stats", ROLE_ADMIN, handle_stats},
    {"GET", "/metrics", ROLE_ADMIN | ROLE_MONITOR, handle_metrics},
    {"HEAD", "/metrics", ROLE_ADMIN | ROLE_MONITOR, handle_metrics},
};
#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

double monotonic_now(void)
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

static bool role_allows(int role, const struct org *org)
{
    return (role & (1 << org->kind)) != 0;
}

void route_call(struct call *call)
{
    call->started = monotonic_now();
    call->org = config_find_org(call->config, call->org_id);
    if (call->org == NULL || call->org->disabled) {
        call_fail(call, RG_UNKNOWN_ORGANISATION, NULL);
        return;
    }
    int retry_after;
    if (!ratelimit_take(call->gw->ratelimit, call->org->id,
                        call->config->rate_limit_per_minute, call->started,
                        &retry_after)) {
        struct rg_error err;
        char header[48];
        rg_fail(&err, RG_RATE_LIMITED, NULL, NULL);
        snprintf(header, sizeof(header), "Retry-After: %d\r\n", retry_after);
        call_error(call, &err, header);
        return;
    }

    char id[RG_ID_LEN + 1] = "";
    char allow[64] = "";
    const struct route *found = NULL;
    for (size_t i = 0; path_plain(call->req->path) && i < ROUTE_COUNT; i++) {
        if (!match(routes[i].pattern, call->req->path, id))
            continue;
        if (strcmp(routes[i].method, call->req->method) == 0) {
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
        call_error(call, &err, header);
        return;
    }
    if (found == NULL) {
        call_fail(call, RG_NOT_FOUND, NULL);
        return;
    }
    if (!role_allows(found->role, call->org)) {
        call_fail(call, RG_FORBIDDEN_ROLE, NULL);
        return;
    }
    found->handler(call, id);
}
