#include "svg.h"

#include <string.h>

#define FONT "font-family=\"sans-serif\" font-size=\"11\""

/* Okabe & Ito's palette, without yellow (too light on white). */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                      "#56B4E9", "#D55E00", "#000000"};

const char *svg_colour(size_t series)
{
    return palette[series % (sizeof(palette) / sizeof(palette[0]))];
}

void svg_escape(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            if ((unsigned char)*s >= 0x20 && *s != 0x7f)
                fputc(*s, out);
        }
    }
}

void svg_defs(FILE *out)
{
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" "
          "aria-hidden=\"true\">"
          "<defs><pattern id=\"rg-hatch\" width=\"6\" height=\"6\""
          " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#555555\" "
          "stroke-width=\"3\"/>"
          "</pattern></defs></svg>\n",
          out);
}

/* An axis step of 1, 2 or 5 times a power of ten giving at most `want` steps. */
static long long nice_step(long long max, int want)
{
    long long step = 1;
    for (;;) {
        static const int m[] = {1, 2, 5};
        for (int i = 0; i < 3; i++)
            if (max <= step * m[i] * want)
                return step * m[i];
        step *= 10;
    }
}

/* The axis top: the largest shown count rounded up to a step (at least 1). */
static long long axis_top(const struct svg_chart *c, long long *step)
{
    long long max = 1;
    for (size_t i = 0; i < c->nbars; i++)
        if (!c->bars[i].suppressed && c->bars[i].count > max)
            max = c->bars[i].count;
    *step = nice_step(max, 5);
    return (max + *step - 1) / *step * *step;
}

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const struct svg_bar *find_bar(const struct svg_chart *c, const char *category,
                                      const char *series)
{
    for (size_t i = 0; i < c->nbars; i++)
        if (same(c->bars[i].category, category) && same(c->bars[i].series, series))
            return &c->bars[i];
    return NULL;
}

static void data_attrs(FILE *out, const struct svg_bar *b)
{
    fputs(" data-category=\"", out);
    svg_escape(out, b->category);
    fputs("\"", out);
    if (b->series != NULL) {
        fputs(" data-series=\"", out);
        svg_escape(out, b->series);
        fputs("\"", out);
    }
}

static void tooltip(FILE *out, const struct svg_bar *b)
{
    fputs("<title>", out);
    svg_escape(out, b->category);
    if (b->series != NULL) {
        fputs(", ", out);
        svg_escape(out, b->series);
    }
    if (b->suppressed)
        fputs(": suppressed</title>", out);
    else
        fprintf(out, ": %lld</title>", b->count);
}

static void bar_rect(FILE *out, const struct svg_bar *b, double x, double y, double w,
                     double h, const char *fill)
{
    fputs("<rect class=\"bar\"", out);
    data_attrs(out, b);
    fprintf(out,
            " data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
            " fill=\"%s\">",
            b->count, x, y, w, h, fill);
    tooltip(out, b);
    fputs("</rect>\n", out);
}

/* The mark of a suppressed count: hatched, outlined, the same size whatever it hides.
 */
static void suppressed_mark(FILE *out, const struct svg_bar *b, double x, double y,
                            double w, double h, bool word)
{
    fputs("<g class=\"suppressed\"", out);
    data_attrs(out, b);
    fputs(" data-suppressed=\"true\">", out);
    tooltip(out, b);
    fprintf(out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
            " fill=\"url(#rg-hatch)\" stroke=\"#555555\" stroke-dasharray=\"2 1\"/>",
            x, y, w, h);
    if (word)
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " fill=\"#333333\">suppressed</text>",
                x + w + 4, y + h - 2);
    fputs("</g>\n", out);
}

/* Swatches and names of the series, then the suppressed mark; four to a row. */
static void legend(FILE *out, const struct svg_chart *c, double left, double top)
{
    for (size_t s = 0; s <= c->nseries; s++) {
        bool hatch = s == c->nseries;
        double x = left + 170.0 * (double)(s % 4), y = top + 18.0 * (double)(s / 4);
        fprintf(
            out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"%s/>", x,
            y, hatch ? "url(#rg-hatch)" : svg_colour(s),
            hatch ? " stroke=\"#555555\"" : "");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT ">", x + 16, y + 10);
        svg_escape(out, hatch ? "suppressed" : c->series[s]);
        fputs("</text>\n", out);
    }
}

void svg_grouped_columns(FILE *out, const struct svg_chart *c)
{
    const double bar_w = 12, gap = 18, left = 56, top = 16, plot_h = 220;
    size_t nseries = c->nseries ? c->nseries : 1;
    double group_w = (double)nseries * bar_w + gap;
    if (group_w < 64)
        group_w = 64;
    double plot_w = group_w * (double)(c->ncategories ? c->ncategories : 1);
    double base = top + plot_h;
    /* The legend under the axis, in rows of up to four entries, keeps the chart narrow.
     */
    double legend_y = base + 32;
    size_t legend_rows = c->nseries ? (c->nseries + 1 + 3) / 4 : 0;
    double width = left + plot_w + 24;
    if (width < left + 4 * 170)
        width = left + 4 * 170;
    double height = legend_y + 18.0 * (double)legend_rows + 8;
    long long step, ymax = axis_top(c, &step);

    fprintf(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"%s\""
        " width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
        c->id, width, height, width, height);
    fputs("<title>", out);
    svg_escape(out, c->title);
    fputs("</title>\n", out);
    /* Grid and y axis labels. */
    for (long long v = 0; v <= ymax; v += step) {
        double y = base - (double)v / (double)ymax * plot_h;
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " text-anchor=\"end\">%lld</text>\n",
                left, y, left + plot_w, y, v == 0 ? "#333333" : "#dddddd", left - 6,
                y + 4, v);
    }
    for (size_t ci = 0; ci < c->ncategories; ci++) {
        double gx = left + group_w * (double)ci;
        double x0 = gx + (group_w - (double)nseries * bar_w) / 2;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT " text-anchor=\"middle\">",
                gx + group_w / 2, base + 16);
        svg_escape(out, c->categories[ci]);
        fputs("</text>\n", out);
        for (size_t si = 0; si < nseries; si++) {
            const char *series = c->nseries ? c->series[si] : NULL;
            const struct svg_bar *b = find_bar(c, c->categories[ci], series);
            double x = x0 + bar_w * (double)si;
            if (b == NULL)
                continue; /* no row: nothing counted */
            if (b->suppressed) {
                suppressed_mark(out, b, x + 1, base - 12, bar_w - 2, 12, false);
            } else {
                double h = (double)b->count / (double)ymax * plot_h;
                bar_rect(out, b, x + 1, base - h, bar_w - 2, h, svg_colour(si));
            }
        }
    }
    if (c->nseries > 0)
        legend(out, c, left, legend_y);
    fputs("</svg>\n", out);
}

void svg_horizontal_bars(FILE *out, const struct svg_chart *c)
{
    const double row_h = 22, bar_h = 14, top = 8, plot_w = 420;
    size_t longest = 8;
    for (size_t i = 0; i < c->ncategories; i++)
        if (strlen(c->categories[i]) > longest)
            longest = strlen(c->categories[i]);
    double left = 12 + 7.0 * (double)longest;
    double width = left + plot_w + 110;
    double base = top + row_h * (double)c->ncategories;
    double height = base + 28;
    long long step, xmax = axis_top(c, &step);

    fprintf(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"%s\""
        " width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
        c->id, width, height, width, height);
    fputs("<title>", out);
    svg_escape(out, c->title);
    fputs("</title>\n", out);
    for (long long v = 0; v <= xmax; v += step) {
        double x = left + (double)v / (double)xmax * plot_w;
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " text-anchor=\"middle\">%lld</text>\n",
                x, top, x, base, v == 0 ? "#333333" : "#dddddd", x, base + 16, v);
    }
    for (size_t ci = 0; ci < c->ncategories; ci++) {
        double y = top + row_h * (double)ci + (row_h - bar_h) / 2;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT " text-anchor=\"end\">",
                left - 6, y + bar_h - 3);
        svg_escape(out, c->categories[ci]);
        fputs("</text>\n", out);
        const struct svg_bar *b = find_bar(c, c->categories[ci], NULL);
        if (b == NULL) {
            fputs("<text class=\"zero\" data-category=\"", out);
            svg_escape(out, c->categories[ci]);
            fprintf(out,
                    "\" x=\"%.1f\" y=\"%.1f\" " FONT " fill=\"#333333\">0</text>\n",
                    left + 4, y + bar_h - 3);
            continue;
        }
        if (b->suppressed) {
            suppressed_mark(out, b, left, y, 28, bar_h, true);
        } else {
            double w = (double)b->count / (double)xmax * plot_w;
            bar_rect(out, b, left, y, w, bar_h, svg_colour(0));
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT ">%lld</text>\n",
                    left + w + 4, y + bar_h - 3, b->count);
        }
    }
    fputs("</svg>\n", out);
}
