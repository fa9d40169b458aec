#include "preflight.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum { MAY_X = 1, MAY_W = 2, MAY_R = 4 };

/* Whom the gateway will run as. */
struct runner {
    bool self; /* this process as it is: access(2) judges */
    uid_t uid;
    gid_t gid;
};

static int fail(char err[RG_ERR_MAX], const char *key, const char *what,
                const char *path)
{
    snprintf(err, RG_ERR_MAX, "%s: %.160s %s", key, path, what);
    return -1;
}

static int runner_of(const struct config *c, struct runner *r, char err[RG_ERR_MAX])
{
    r->self = true;
    if (c->user == NULL)
        return 0;
    struct passwd *pw = getpwnam(c->user);
    if (pw == NULL) {
        snprintf(err, RG_ERR_MAX, "user: no such user");
        return -1;
    }
    if (pw->pw_uid == geteuid() && pw->pw_uid == getuid())
        return 0; /* already that user: a reload after the switch */
    if (geteuid() != 0) {
        snprintf(err, RG_ERR_MAX,
                 "user: switching to it needs root, and refgwd runs as uid %u",
                 (unsigned)geteuid());
        return -1;
    }
    r->self = false;
    r->uid = pw->pw_uid;
    r->gid = pw->pw_gid;
    return 0;
}

/* Whether the runner may do want to path (whose status is st). */
static bool may(const struct runner *r, const char *path, const struct stat *st,
                int want)
{
    if (r->self)
        return access(path, (want & MAY_R ? R_OK : 0) | (want & MAY_W ? W_OK : 0) |
                                (want & MAY_X ? X_OK : 0)) == 0;
    if (r->uid == 0)
        return true;
    unsigned bits = st->st_mode & 7;
    if (st->st_uid == r->uid)
        bits = (st->st_mode >> 6) & 7;
    else if (st->st_gid == r->gid)
        bits = (st->st_mode >> 3) & 7;
    return (bits & (unsigned)want) == (unsigned)want;
}

/* Every folder above path can be searched by the runner. */
static int reachable(const struct runner *r, const char *path, char err[RG_ERR_MAX])
{
    char *copy = strdup(path);
    if (copy == NULL)
        return fail(err, "data_dir", "cannot be checked: out of memory", path);
    int rc = 0;
    for (char *slash = strchr(copy + 1, '/'); slash != NULL && rc == 0;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        struct stat st;
        if (stat(copy, &st) == 0 && S_ISDIR(st.st_mode) && !may(r, copy, &st, MAY_X))
            rc = fail(err, "data_dir",
                      "cannot be reached: a folder above it is closed"
                      " to the user refgwd runs as",
                      path);
        *slash = '/';
    }
    free(copy);
    return rc;
}

/* The files already in data_dir (the store's) can be read and written. */
static int files_usable(const struct runner *r, const char *dir, char err[RG_ERR_MAX])
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return fail(err, "data_dir", "cannot be read by the user refgwd runs as", dir);
    int rc = 0;
    char path[4096];
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (!may(r, path, &st, MAY_R | MAY_W))
            rc =
                fail(err, "data_dir",
                     "holds a file the user refgwd runs as cannot read and write", dir);
    }
    closedir(d);
    return rc;
}

static int data_dir_usable(const struct runner *r, const char *dir,
                           char err[RG_ERR_MAX])
{
    if (reachable(r, dir, err) < 0)
        return -1;
    struct stat st;
    const char *target = dir;
    char *parent = NULL;
    if (stat(dir, &st) < 0) {
        if (errno != ENOENT)
            return fail(err, "data_dir", strerror(errno), dir);
        /* It is made with one mkdir (as the store does): in its parent. */
        const char *slash = strrchr(dir, '/');
        parent = slash == NULL ? strdup(".")
                               : strndup(dir, slash == dir ? 1 : (size_t)(slash - dir));
        if (parent == NULL)
            return fail(err, "data_dir", "cannot be checked: out of memory", dir);
        target = parent;
        if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
            free(parent);
            return fail(err, "data_dir", "cannot be made: its parent folder is missing",
                        dir);
        }
    } else if (!S_ISDIR(st.st_mode)) {
        return fail(err, "data_dir", "is not a folder", dir);
    }
    struct statvfs fs;
    int rc = 0;
    if (statvfs(target, &fs) == 0 && (fs.f_flag & ST_RDONLY))
        rc = fail(err, "data_dir", "is on a read-only filesystem", dir);
    else if (!may(r, target, &st, MAY_W | MAY_X))
        rc = fail(err, "data_dir",
                  parent ? "cannot be made: the user refgwd runs as cannot write its"
                           " parent folder"
                         : "cannot be written by the user refgwd runs as",
                  dir);
    else if (parent == NULL)
        rc = files_usable(r, dir, err);
    free(parent);
    return rc;
}

int preflight_check(const struct config *c, char err[RG_ERR_MAX])
{
    struct runner r;
    if (runner_of(c, &r, err) < 0)
        return -1;
    if (c->data_dir != NULL && data_dir_usable(&r, c->data_dir, err) < 0)
        return -1;
    return 0;
}
