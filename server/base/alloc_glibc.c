#include "alloc.h"

#include <malloc.h>

int alloc_tune(char err[128])
{
    /* Fixed thresholds: glibc's adaptive ones rise after the first large
     * free, and then the memory of every burst stays with the process. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    return 0;
}
