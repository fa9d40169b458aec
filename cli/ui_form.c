#include "ui_form.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "wipe.h"

static int hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out (room for n + 1); its length, or -1 when malformed. */
static long decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            if (i + 2 >= n || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
                return -1;
            ch = (char)(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        }
        if (ch == '\0')
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return rg_utf8_valid(out, o) ? (long)o : -1;
}

const char *ui_param(const struct ui_params *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

int ui_params_parse(struct ui_params *p, const char *s, size_t n)
{
    memset(p, 0, sizeof(*p));
    if (n == 0)
        return 0;
    /* Each decoded piece is at most its encoded length, plus a NUL. */
    p->store_len = n + UI_PARAMS_MAX * 2 + 2;
    if ((p->store = rg_wiping_malloc(p->store_len)) == NULL)
        return -1;
    char *out = p->store;
    size_t i = 0;
    while (i <= n) {
        size_t end = i;
        while (end < n && s[end] != '&')
            end++;
        if (end > i) {
            const char *eq = memchr(s + i, '=', end - i);
            size_t name_len = eq ? (size_t)(eq - (s + i)) : end - i;
            if (p->n == UI_PARAMS_MAX)
                goto bad;
            struct ui_param *pr = &p->v[p->n];
            long len = decode(s + i, name_len, out);
            if (len <= 0)
                goto bad;
            pr->name = out;
            out += len + 1;
            len = eq ? decode(eq + 1, end - name_len - i - 1, out) : decode("", 0, out);
            if (len < 0 || ui_param(p, pr->name) != NULL)
                goto bad;
            pr->value = out;
            pr->value_len = (size_t)len;
            out += len + 1;
            p->n++;
        }
        i = end + 1;
    }
    return 0;
bad:
    ui_params_clear(p);
    return -1;
}

void ui_params_clear(struct ui_params *p)
{
    rg_wiping_free(p->store);
    memset(p, 0, sizeof(*p));
}
