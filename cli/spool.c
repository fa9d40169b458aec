#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int spool_open(struct spool *s, const char *path, struct cli_error *err)
{
    s->path = path;
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return cli_fail(err, CLI_USAGE, "cannot create the folder %s: %s", path,
                        strerror(errno));
    s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0)
        return cli_fail(err, CLI_USAGE, "cannot open the folder %s: %s", path,
                        strerror(errno));
    return 0;
}

void spool_close(struct spool *s)
{
    if (s->dirfd >= 0)
        close(s->dirfd);
    s->dirfd = -1;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int spool_write(struct spool *s, const char *name, const void *data, size_t len,
                struct cli_error *err)
{
    if (name[0] == '.' || name[0] == '\0' || strchr(name, '/') != NULL)
        return cli_fail(err, CLI_USAGE, "refusing to write a file named '%s'", name);
    char tmp[512];
    if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
        return cli_fail(err, CLI_USAGE, "file name too long");

    /* O_NOFOLLOW: a planted symlink must not redirect a referral elsewhere. */
    int fd = openat(s->dirfd, tmp,
                    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return cli_fail(err, CLI_USAGE, "cannot create %s/%s: %s", s->path, tmp,
                        strerror(errno));
    const char *step = "write";
    if (write_all(fd, data, len) < 0)
        goto fail;
    step = "fsync";
    if (fsync(fd) < 0)
        goto fail;
    step = "close";
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    step = "rename";
    if (renameat(s->dirfd, tmp, s->dirfd, name) < 0)
        goto fail;
    /* The rename itself is durable only once the folder is synced. */
    if (fsync(s->dirfd) < 0)
        return cli_fail(err, CLI_USAGE, "cannot fsync the folder %s: %s", s->path,
                        strerror(errno));
    return 0;

fail : {
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(s->dirfd, tmp, 0);
    return cli_fail(err, CLI_USAGE, "cannot %s %s/%s: %s", step, s->path, tmp,
                    strerror(saved));
}
}
