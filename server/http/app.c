#include "app.h"

#include "config.h"
#include "loop.h"
#include "tls.h"

struct config *app_config(struct app *app)
{
    pthread_mutex_lock(&app->lock);
    struct config *c = config_ref(app->config);
    pthread_mutex_unlock(&app->lock);
    return c;
}

struct tls_server *app_tls(struct app *app)
{
    pthread_mutex_lock(&app->lock);
    struct tls_server *t = tls_server_ref(app->tls);
    pthread_mutex_unlock(&app->lock);
    return t;
}

void app_swap(struct app *app, struct config *config, struct tls_server *tls)
{
    pthread_mutex_lock(&app->lock);
    struct config *old_config = app->config;
    struct tls_server *old_tls = app->tls;
    app->config = config;
    app->tls = tls;
    pthread_mutex_unlock(&app->lock);
    config_unref(old_config);
    tls_server_unref(old_tls);
}

bool app_stopping(struct app *app)
{
    return __atomic_load_n(&app->stopping, __ATOMIC_RELAXED);
}

void app_referral_arrived(struct app *app, const char *org_id)
{
    for (int i = 0; i < app->loop_count; i++)
        if (loop_has_longpolls(app->loops[i]))
            loop_wake(app->loops[i], org_id);
}
