/*
 * report_subject.c - the subject part of the report page: for every ended
 * period the range holds whole, the released table of each attribute as a
 * chart and a table, and which periods have not ended yet.
 *
 * The rows of a closed attribute are its taxonomy values, each with its
 * published value or "not published". A municipality is listed only when the
 * gateway published it (342 codes would be a list of "not published"),
 * followed by a note that the others are not published.
 */
#include <stdlib.h>
#include <string.h>

#include "report_page.h"

/* Values an answer may add to a closed list (or municipalities): at most. */
#define EXTRA_MAX 400

/* A value the answer adds to the list, with its label. */
struct extra {
    const char *key;
    char label[PAGE_LABEL_MAX];
    bool named; /* the label is words, not the key itself */
};

struct categories {
    size_t n;
    const char **keys, **labels;
    char (*label)[PAGE_LABEL_MAX]; /* of the closed values */
    struct extra *extra;           /* the values the answer adds */
    long long *values;
};

static void categories_free(struct categories *c)
{
    free(c->keys);
    free(c->labels);
    free(c->label);
    free(c->extra);
    free(c->values);
}

/* Named municipalities by name, then codes no list knows. */
static int by_label(const void *a, const void *b)
{
    const struct extra *x = a, *y = b;
    if (x->named != y->named)
        return x->named ? -1 : 1;
    return strcmp(x->label, y->label);
}

/*
 * The rows of one attribute's table: its taxonomy values in taxonomy order,
 * with what the answer adds (municipalities) sorted by label before
 * "unknown". 0, or -1 when out of memory.
 */
static int categories_of(const struct page *p, const struct rg_attr *a,
                         const cJSON *answer, struct categories *c)
{
    size_t cap = a->values.count + EXTRA_MAX;
    memset(c, 0, sizeof(*c));
    c->keys = calloc(cap, sizeof(*c->keys));
    c->labels = calloc(cap, sizeof(*c->labels));
    c->label = calloc(a->values.count ? a->values.count : 1, sizeof(*c->label));
    c->values = calloc(cap, sizeof(*c->values));
    c->extra = calloc(EXTRA_MAX, sizeof(*c->extra));
    if (!c->keys || !c->labels || !c->label || !c->values || !c->extra) {
        categories_free(c);
        return -1;
    }
    size_t nextra = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, page_rows(answer))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, a->name);
        if (!cJSON_IsString(v) || nextra == EXTRA_MAX ||
            rg_enum_find(&a->values, v->valuestring, strlen(v->valuestring)) >= 0 ||
            page_cell(answer, a->name, v->valuestring, NULL, NULL) == SVG_NOT_PUBLISHED)
            continue;
        bool seen = false;
        for (size_t i = 0; i < nextra && !seen; i++)
            seen = strcmp(c->extra[i].key, v->valuestring) == 0;
        if (!seen) {
            c->extra[nextra].key = v->valuestring;
            page_value_label(p, a->name, v->valuestring, c->extra[nextra].label,
                             PAGE_LABEL_MAX);
            c->extra[nextra].named =
                strcmp(c->extra[nextra].label, v->valuestring) != 0;
            nextra++;
        }
    }
    qsort(c->extra, nextra, sizeof(*c->extra), by_label);
    bool placed = false;
    for (size_t i = 0; i <= a->values.count; i++) {
        const char *code = i < a->values.count ? a->values.values[i] : NULL;
        if (!placed && (code == NULL || strcmp(code, RG_UNKNOWN) == 0)) {
            for (size_t k = 0; k < nextra; k++) {
                c->keys[c->n] = c->extra[k].key;
                c->labels[c->n++] = c->extra[k].label;
            }
            placed = true;
        }
        if (code != NULL) {
            page_value_label(p, a->name, code, c->label[i], PAGE_LABEL_MAX);
            c->keys[c->n] = code;
            c->labels[c->n++] = c->label[i];
        }
    }
    for (size_t i = 0; i < c->n; i++)
        c->values[i] = page_cell(answer, a->name, c->keys[i], NULL, NULL);
    return 0;
}

static int attribute_card(const struct page *p, const struct report_period *rp,
                          const char *period, int attr)
{
    const struct rg_attr *a = &rg_subject[attr];
    const cJSON *answer = rp->by_attribute[attr];
    struct categories c;
    if (categories_of(p, a, answer, &c) < 0)
        return -1;
    char id[64], title[2 * PAGE_LABEL_MAX], when[PAGE_LABEL_MAX];
    const char *name = rg_dimension_words(p->lang, a->name);
    page_period_label(p, &rp->period, when, sizeof(when));
    snprintf(title, sizeof(title), "%s, %s", name ? name : a->name, when);
    long long total = page_total(answer);
    struct svg_axis rows = {c.keys, c.labels, NULL, c.n};
    snprintf(id, sizeof(id), "%s/%s", period, a->name);
    struct svg_axis none = {0};
    struct svg_chart chart = page_chart(p, id, title, rows, none, c.values);
    fprintf(p->out, "<div class=\"card\" data-attribute=\"%s\">\n<h4>", a->name);
    page_text(p, name ? name : a->name);
    fputs("</h4>\n<div class=\"chart-box\">\n", p->out);
    svg_horizontal_bars(p->out, &chart);
    fputs("</div>\n", p->out);
    snprintf(id, sizeof(id), "table-%s-%s", period, a->name);
    struct page_grid g = {
        .id = id,
        .corner = name ? name : a->name,
        .rows = rows,
        .values = c.values,
        .totals = &total,
    };
    page_table(p, &g);
    if (a->pattern != NULL) { /* municipalities: only the published ones listed */
        fputs("<p class=\"note\">", p->out);
        page_msg_threshold(p, MSG_OTHER_MUNICIPALITIES);
        fputs("</p>\n", p->out);
    }
    fputs("</div>\n", p->out);
    categories_free(&c);
    return 0;
}

/* "2026, 4e kwartaal 2026 en november 2026", each period marked. */
static void pending(const struct page *p)
{
    const struct report_input *in = p->in;
    fputs("<p id=\"pending\" data-periods=\"", p->out);
    for (size_t i = 0; i < in->npending; i++) {
        char key[RG_PERIOD_LEN];
        rg_period_format(&in->pending[i], key);
        fprintf(p->out, "%s%s", i ? " " : "", key);
    }
    fputs("\">", p->out);
    if (in->nperiods == 0) {
        page_msg(p, MSG_NOTHING_ENDED, NULL, 0);
        fputs(" ", p->out);
    }
    if (in->npending > 0) {
        page_msg_around(p, MSG_PENDING, "<span class=\"periods\" data-n=\"", "");
        for (size_t i = 0; i < in->npending; i++) {
            char label[PAGE_LABEL_MAX];
            page_period_label(p, &in->pending[i], label, sizeof(label));
            if (i > 0 && i + 1 < in->npending) {
                fputs(", ", p->out);
            } else if (i > 0) {
                fputs(" ", p->out);
                page_msg(p, MSG_LIST_AND, NULL, 0);
                fputs(" ", p->out);
            }
            page_text(p, label);
        }
        page_msg_around(p, MSG_PENDING, "</span>", NULL);
    }
    fputs("</p>\n", p->out);
}

int report_subject_section(const struct page *p)
{
    const struct report_input *in = p->in;
    fputs("<section id=\"subject\">\n<h2>", p->out);
    page_msg(p, MSG_SUBJECT_TITLE, NULL, 0);
    fputs("</h2>\n<p>", p->out);
    page_msg(p, MSG_SUBJECT_INTRO, NULL, 0);
    fputs("</p>\n", p->out);
    pending(p);
    for (size_t i = 0; i < in->nperiods; i++) {
        char key[RG_PERIOD_LEN], label[PAGE_LABEL_MAX];
        rg_period_format(&in->periods[i].period, key);
        page_period_label(p, &in->periods[i].period, label, sizeof(label));
        fprintf(p->out, "<section class=\"period\" data-period=\"%s\">\n<h3>", key);
        page_text(p, label);
        fputs("</h3>\n<div class=\"cards\">\n", p->out);
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
            if (attribute_card(p, &in->periods[i], key, a) < 0)
                return -1;
        fputs("</div>\n</section>\n", p->out);
    }
    fputs("</section>\n", p->out);
    return 0;
}
