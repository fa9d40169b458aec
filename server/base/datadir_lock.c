#include "datadir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pid the holder wrote, or 0 if it cannot be read (yet). */
static long holder_pid(int fd)
{
    char buf[24];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && (*end == '\n' || *end == '\0') && pid > 0 ? pid : 0;
}

int datadir_lock(const char *data_dir, char err[RG_ERR_MAX])
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, RG_ERR_MAX, "data_dir: cannot create %.160s: %s", data_dir,
                 strerror(errno));
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", data_dir, DATADIR_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, RG_ERR_MAX, "data_dir: cannot open %.160s: %s", path,
                 strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        long pid = e == EWOULDBLOCK ? holder_pid(fd) : 0;
        close(fd);
        if (e != EWOULDBLOCK)
            snprintf(err, RG_ERR_MAX, "data_dir: cannot lock %.160s: %s", path,
                     strerror(e));
        else if (pid > 0)
            snprintf(err, RG_ERR_MAX,
                     "data_dir: in use by another refgwd (pid %ld); one gateway per"
                     " data_dir",
                     pid);
        else
            snprintf(err, RG_ERR_MAX,
                     "data_dir: in use by another refgwd (pid not yet written); one"
                     " gateway per data_dir");
        return -1;
    }
    char line[24];
    int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n) {
        snprintf(err, RG_ERR_MAX, "data_dir: cannot write %.160s: %s", path,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void datadir_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
