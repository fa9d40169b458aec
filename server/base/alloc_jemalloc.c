#include "alloc.h"

#include <jemalloc/jemalloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int alloc_tune(char err[128])
{
    /* Freed pages are returned by a background thread as they age. Without
     * it jemalloc returns them only when something allocates, which a
     * gateway that went quiet after a burst may not do for hours. */
    bool on = true;
    int rc = mallctl("background_thread", NULL, NULL, &on, sizeof(on));
    if (rc != 0) {
        snprintf(err, 128, "cannot start jemalloc's background thread: %s",
                 strerror(rc));
        return -1;
    }
    return 0;
}
