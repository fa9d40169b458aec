#include "wiping.h"

#include <string.h>

#include <sqlite3.h>

#include "wipe.h"

static sqlite3_mem_methods system_methods; /* SQLite's own, wrapped */

static void wiping_free(void *p)
{
    if (p == NULL)
        return;
    rg_wipe(p, (size_t)system_methods.xSize(p));
    system_methods.xFree(p);
}

/* SQLite calls it only to grow or shrink a block it holds (never with NULL
 * or 0). The system realloc could move the block and free the old one
 * unwiped: a block that must grow moves here, by copy, and the old one is
 * wiped. A block large enough is kept as it is. */
static void *wiping_realloc(void *p, int n)
{
    int old = system_methods.xSize(p);
    if (n <= old)
        return p;
    void *q = system_methods.xMalloc(n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, (size_t)old);
    wiping_free(p);
    return q;
}

int sqlite_memory_configure(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_GETMALLOC, &system_methods) != SQLITE_OK)
        return -1;
    sqlite3_mem_methods wiping = system_methods;
    wiping.xFree = wiping_free;
    wiping.xRealloc = wiping_realloc;
    /* No page-cache memory of our own, and no bulk allocation either. */
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &wiping) != SQLITE_OK ||
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0) != SQLITE_OK)
        return -1;
    return 0;
}
