#include "checkpointer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "priority.h"
#include "walbuf.h"

struct checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool due, stopping; /* guarded by lock */
    /* Of the WAL as it is now: its frames at the last nudge, and how many of
     * them the last pass copied. A WAL that started again has fewer frames. */
    int frames, copied; /* guarded by lock */
};

static void *thread_main(void *arg)
{
    struct checkpointer *c = arg;
    thread_role("checkpt", PRIORITY_CHECKPOINTER);
    pthread_mutex_lock(&c->lock);
    while (!c->stopping) {
        if (!c->due) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&c->wake, &c->lock, &until);
        }
        if (c->stopping)
            break;
        c->due = false;
        pthread_mutex_unlock(&c->lock);
        /* A failure here is harmless: the next one, or the writer's, retries. */
        int log = -1, copied = -1;
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
                                  &copied);
        pthread_mutex_lock(&c->lock);
        /* Only a pass over the WAL the writer last reported (not an older
         * one it has since started again) tells how far that one is copied. */
        if (copied >= 0 && copied <= c->frames)
            c->copied = copied;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

struct checkpointer *checkpointer_start(const char *data_dir)
{
    struct checkpointer *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    char path[4096];
    snprintf(path, sizeof(path), "%s/refgw.db", data_dir);
    /* Paced (walbuf.h): a step's writes reach the disk as they are made, not
     * all at its fsync, where they would queue ahead of the writer's syncs. */
    if (walbuf_register() < 0 ||
        sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        WALBUF_PACED_VFS) != SQLITE_OK ||
        sqlite3_busy_timeout(c->db, 5000) != SQLITE_OK ||
        /* The checkpoint's sync of the database file follows this setting. */
        sqlite3_exec(c->db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

void checkpointer_nudge(struct checkpointer *c, int frames)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    if (frames < c->frames)
        c->copied = 0; /* the WAL started again */
    c->frames = frames;
    int uncopied = frames - c->copied;
    bool catching_up = frames >= CHECKPOINT_STEP_FRAMES;
    if (uncopied >= CHECKPOINT_STEP_FRAMES ||
        (catching_up && uncopied > CHECKPOINT_SLACK_FRAMES)) {
        c->due = true;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->lock);
}

bool checkpointer_restart_due(struct checkpointer *c, int frames)
{
    if (frames > CHECKPOINT_MAX_FRAMES)
        return true;
    if (frames < CHECKPOINT_STEP_FRAMES)
        return false;
    if (c == NULL)
        return true;
    pthread_mutex_lock(&c->lock);
    bool close_behind = c->frames == frames && c->copied > 0 &&
                        frames - c->copied <= CHECKPOINT_SLACK_FRAMES;
    pthread_mutex_unlock(&c->lock);
    return close_behind;
}

void checkpointer_stop(struct checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(c);
}
