#include "setup.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "preflight.h"
#include "tls.h"

int setup_load(const char *path, struct setup *s, char err[RG_ERR_MAX])
{
    memset(s, 0, sizeof(*s));
    if ((s->config = config_load(path, err)) == NULL)
        return -1;
    if (preflight_check(s->config, err) < 0 ||
        (s->tls = tls_server_new(s->config, err)) == NULL) {
        setup_clear(s);
        return -1;
    }
    tls_server_expiry(s->tls, s->expiry);
    return 0;
}

void setup_clear(struct setup *s)
{
    if (s->tls != NULL)
        tls_server_unref(s->tls);
    config_unref(s->config);
    memset(s, 0, sizeof(*s));
}

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void setup_restart_keys(const struct config *old, const struct config *next, char *out,
                        size_t size)
{
    const struct {
        const char *key;
        bool changed;
    } keys[] = {
        {"listen", !same(old->listen_host, next->listen_host) ||
                       old->listen_port != next->listen_port},
        {"data_dir", !same(old->data_dir, next->data_dir)},
        {"store", old->store_backend != next->store_backend ||
                      !same(old->store_conninfo, next->store_conninfo)},
        {"user", !same(old->user, next->user)},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!keys[i].changed || used >= size)
            continue;
        int n =
            snprintf(out + used, size - used, "%s%s", used ? ", " : "", keys[i].key);
        used += n > 0 ? (size_t)n : 0;
    }
}
