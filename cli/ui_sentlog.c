#include "ui_sentlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A line: id, tab, organisation id, tab, time, newline. */
#define LINE_MAX_LEN (RG_ID_LEN + RG_ORG_ID_MAX + RG_TIME_LEN + 4)

struct ui_sentlog {
    char *path; /* NULL: memory only */
    int fd;
    struct ui_sent *v;
    size_t n, cap;
    size_t skipped;
};

static int push(struct ui_sentlog *l, const struct ui_sent *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct ui_sent *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *s;
    return 0;
}

/* One line of the file into s; 0, or -1 when it is not of the shape. */
static int parse_line(const char *line, size_t len, struct ui_sent *s)
{
    const char *t1 = memchr(line, '\t', len);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line)) : NULL;
    if (t2 == NULL)
        return -1;
    size_t id_len = (size_t)(t1 - line), to_len = (size_t)(t2 - t1 - 1);
    size_t at_len = len - (size_t)(t2 + 1 - line);
    if (!rg_id_valid(line, id_len) || !rg_org_id_valid(t1 + 1, to_len) ||
        at_len != RG_TIME_LEN - 1)
        return -1;
    snprintf(s->id, sizeof(s->id), "%.*s", (int)id_len, line);
    snprintf(s->to, sizeof(s->to), "%.*s", (int)to_len, t1 + 1);
    snprintf(s->at, sizeof(s->at), "%.*s", (int)at_len, t2 + 1);
    return 0;
}

static int read_all(struct ui_sentlog *l, struct cli_error *err)
{
    FILE *f = fdopen(dup(l->fd), "r");
    if (f == NULL)
        return cli_fail(err, CLI_USAGE, "cannot read --sent-file %s: %s", l->path,
                        strerror(errno));
    char line[LINE_MAX_LEN + 2];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);
        bool whole = len > 0 && line[len - 1] == '\n';
        struct ui_sent s;
        if (!whole) { /* too long, or the last line cut short: skip to its end */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            l->skipped++;
        } else if (parse_line(line, len - 1, &s) < 0) {
            l->skipped++;
        } else if (push(l, &s) < 0) {
            rc = cli_fail(err, CLI_USAGE, "out of memory");
        }
    }
    if (ferror(f))
        rc = cli_fail(err, CLI_USAGE, "cannot read --sent-file %s", l->path);
    fclose(f);
    /* A line cut short by a crash is ended, so that the next one stands alone. */
    char last;
    off_t size = lseek(l->fd, 0, SEEK_END);
    if (rc == 0 && size > 0 && pread(l->fd, &last, 1, size - 1) == 1 && last != '\n' &&
        write(l->fd, "\n", 1) != 1)
        rc = cli_fail(err, CLI_USAGE, "cannot write --sent-file %s: %s", l->path,
                      strerror(errno));
    return rc;
}

struct ui_sentlog *ui_sentlog_open(const char *path, struct cli_error *err)
{
    struct ui_sentlog *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
        return NULL;
    }
    l->fd = -1;
    if (path == NULL)
        return l;
    if ((l->path = strdup(path)) == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
    } else if ((l->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
                             0600)) < 0) {
        cli_fail(err, CLI_USAGE, "cannot open --sent-file %s: %s", path,
                 strerror(errno));
    } else if (read_all(l, err) == 0) {
        return l;
    }
    ui_sentlog_free(l);
    return NULL;
}

int ui_sentlog_add(struct ui_sentlog *l, const char *id, const char *to, time_t at,
                   struct cli_error *err)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return 0;
    struct ui_sent s;
    snprintf(s.id, sizeof(s.id), "%s", id);
    snprintf(s.to, sizeof(s.to), "%s", to);
    rg_time_format(at, s.at);
    if (push(l, &s) < 0)
        return cli_fail(err, CLI_USAGE, "out of memory");
    if (l->fd < 0)
        return 0;
    char line[LINE_MAX_LEN + 1];
    int n = snprintf(line, sizeof(line), "%s\t%s\t%s\n", s.id, s.to, s.at);
    if (write(l->fd, line, (size_t)n) != n || fsync(l->fd) < 0)
        return cli_fail(err, CLI_USAGE, "cannot write %s: %s", l->path,
                        strerror(errno));
    return 0;
}

size_t ui_sentlog_count(const struct ui_sentlog *l)
{
    return l->n;
}

const struct ui_sent *ui_sentlog_newest(const struct ui_sentlog *l, size_t i)
{
    return i < l->n ? &l->v[l->n - 1 - i] : NULL;
}

const char *ui_sentlog_path(const struct ui_sentlog *l)
{
    return l->path;
}

size_t ui_sentlog_skipped(const struct ui_sentlog *l)
{
    return l->skipped;
}

void ui_sentlog_free(struct ui_sentlog *l)
{
    if (l == NULL)
        return;
    if (l->fd >= 0)
        close(l->fd);
    free(l->path);
    free(l->v);
    free(l);
}
