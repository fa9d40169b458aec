#include "textbuf.h"

#include <stdbool.h>
#include <stdlib.h>

char *rg_text_finish(FILE *f, char **buf)
{
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0) /* only now is *buf final */
        failed = true;
    if (failed) {
        free(*buf);
        *buf = NULL;
    }
    return *buf;
}
