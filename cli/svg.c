#include "svg.h"

#include <string.h>

#define FONT "font-family=\"sans-serif\" font-size=\"12\""
#define CHAR_W 7.0 /* a generous average width of a character at 12 px */

/* Okabe & Ito's palette, without yellow (too light on white). */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                      "#56B4E9", "#D55E00", "#000000"};

const char *svg_colour(size_t series)
{
    return palette[series % (sizeof(palette) / sizeof(palette[0]))];
}

void svg_escape(FILE *out, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
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

void svg_count(char *out, size_t size, long long v, const char *thousands)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%lld", v < 0 ? 0 : v);
    if (thousands == NULL)
        thousands = "";
    size_t sep = strlen(thousands), o = 0;
    for (int i = 0; i < n && o + sep + 1 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(out + o, thousands, sep);
            o += sep;
        }
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void svg_defs(FILE *out)
{
    fputs("<svg width=\"0\" height=\"0\" class=\"defs\" "
          "aria-hidden=\"true\">"
          "<defs><pattern id=\"rg-hatch\" width=\"6\" height=\"6\""
          " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>"
          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#767676\" "
          "stroke-width=\"2\"/>"
          "</pattern></defs></svg>\n",
          out);
}

/* Characters, not bytes: how wide a label is drawn. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static size_t nseries(const struct svg_chart *c)
{
    return c->series.n ? c->series.n : 1;
}

static long long value(const struct svg_chart *c, size_t cat, size_t s)
{
    long long v = c->values[cat * nseries(c) + s];
    return v > SVG_COUNT_MAX ? SVG_COUNT_MAX : v;
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

/* The axis top: the largest published value rounded up to a step (at least 1). */
static long long axis_top(const struct svg_chart *c, long long *step)
{
    long long max = 1;
    for (size_t i = 0; i < c->categories.n; i++)
        for (size_t s = 0; s < nseries(c); s++)
            if (value(c, i, s) > max)
                max = value(c, i, s);
    *step = nice_step(max, 5);
    return (max + *step - 1) / *step * *step;
}

static void open_svg(FILE *out, const struct svg_chart *c, double width, double height)
{
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"",
          out);
    svg_escape(out, c->id);
    fprintf(
        out,
        "\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n"
        "<title>",
        width, height, width, height);
    svg_escape(out, c->title);
    fputs("</title>\n", out);
}

static void data_attrs(FILE *out, const struct svg_chart *c, size_t cat, size_t s)
{
    fputs(" data-category=\"", out);
    svg_escape(out, c->categories.keys[cat]);
    fputs("\"", out);
    if (c->series.n > 0) {
        fputs(" data-series=\"", out);
        svg_escape(out, c->series.keys[s]);
        fputs("\"", out);
    }
}

/* "Label, series: 12" or "Label, series: not published (fewer than 5)". */
static void tooltip(FILE *out, const struct svg_chart *c, size_t cat, size_t s)
{
    fputs("<title>", out);
    svg_escape(out, c->categories.labels[cat]);
    if (c->series.n > 0) {
        fputs(", ", out);
        svg_escape(out, c->series.labels[s]);
    }
    fputs(": ", out);
    if (value(c, cat, s) == SVG_NOT_PUBLISHED) {
        svg_escape(out, c->not_published);
    } else {
        char n[32];
        svg_count(n, sizeof(n), value(c, cat, s), c->thousands);
        svg_escape(out, n);
    }
    fputs("</title>", out);
}

static void bar(FILE *out, const struct svg_chart *c, size_t cat, size_t s, double x,
                double y, double w, double h)
{
    fputs("<rect class=\"bar\"", out);
    data_attrs(out, c, cat, s);
    fprintf(out,
            " data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
            " fill=\"%s\">",
            value(c, cat, s), x, y, w, h, svg_colour(s));
    tooltip(out, c, cat, s);
    fputs("</rect>\n", out);
}

/* The mark of a value not published: hatched, outlined, one size whatever it is. */
static void not_published(FILE *out, const struct svg_chart *c, size_t cat, size_t s,
                          double x, double y, double w, double h, bool words)
{
    fputs("<g class=\"not-published\"", out);
    data_attrs(out, c, cat, s);
    fputs(">", out);
    tooltip(out, c, cat, s);
    fprintf(out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
            " fill=\"url(#rg-hatch)\" stroke=\"#767676\"/>",
            x, y, w, h);
    if (words) {
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " fill=\"#555555\" font-style=\"italic\">",
                x + w + 6, y + h - 3);
        svg_escape(out, c->not_published);
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
}

/* Swatches and names of the series, then the not-published mark, in rows. */
static double legend(FILE *out, const struct svg_chart *c, double left, double top,
                     double width, bool draw)
{
    double x = left, y = top;
    for (size_t s = 0; s <= c->series.n; s++) {
        bool hatch = s == c->series.n;
        const char *name = hatch ? c->not_published_short : c->series.labels[s];
        double w = 16 + CHAR_W * (double)chars(name) + 18;
        if (x > left && x + w > width) {
            x = left;
            y += 20;
        }
        if (draw) {
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                    "fill=\"%s\"%s/><text x=\"%.1f\" y=\"%.1f\" " FONT ">",
                    x, y, hatch ? "url(#rg-hatch)" : svg_colour(s),
                    hatch ? " stroke=\"#767676\"" : "", x + 16, y + 10);
            svg_escape(out, name);
            fputs("</text>\n", out);
        }
        x += w;
    }
    return y + 20 - top;
}

static void grid_line(FILE *out, double x1, double y1, double x2, double y2, bool axis)
{
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
            x1, y1, x2, y2, axis ? "#333333" : "#dddddd");
}

static void tick(FILE *out, const struct svg_chart *c, double x, double y,
                 const char *anchor, long long v)
{
    char n[32];
    svg_count(n, sizeof(n), v, c->thousands);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT " text-anchor=\"%s\">%s</text>\n",
            x, y, anchor, n);
}

/* A category's label under its group: level, or turned when groups are narrow
 * (then with its note, "2026", after it rather than under it). */
static void category_label(FILE *out, const struct svg_chart *c, size_t ci, double x,
                           double y, bool turned)
{
    const char *note = c->categories.notes ? c->categories.notes[ci] : NULL;
    if (turned)
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " text-anchor=\"end\" transform=\"rotate(-45 %.1f %.1f)\">",
                x, y, x, y);
    else
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT " text-anchor=\"middle\">", x,
                y + 4);
    svg_escape(out, c->categories.labels[ci]);
    if (turned && note != NULL) {
        fputs(" ", out);
        svg_escape(out, note);
    }
    fputs("</text>\n", out);
    if (!turned && note != NULL) {
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" " FONT
                " fill=\"#555555\" text-anchor=\"middle\">",
                x, y + 19);
        svg_escape(out, note);
        fputs("</text>\n", out);
    }
}

void svg_grouped_columns(FILE *out, const struct svg_chart *c)
{
    const double left = 56, top = 12, plot_h = 200, plot_max = 940;
    size_t ns = nseries(c), ncat = c->categories.n ? c->categories.n : 1;
    double gap = 18, bar_w = ns > 3 ? 11 : 16;
    if (((double)ns * bar_w + gap) * (double)ncat > plot_max) { /* many months */
        gap = 8;
        bar_w = (plot_max / (double)ncat - gap) / (double)ns;
        if (bar_w < 4)
            bar_w = 4;
    }
    double group_w = (double)ns * bar_w + gap, widest = 0;
    for (size_t i = 0; i < c->categories.n; i++) {
        const char *note = c->categories.notes ? c->categories.notes[i] : NULL;
        double w = CHAR_W * (double)(chars(c->categories.labels[i]) + chars(note) + 1);
        if (w > widest)
            widest = w;
    }
    bool turned = widest > group_w * 1.6;
    if (!turned && group_w < widest)
        group_w = widest;
    double plot_w = group_w * (double)ncat;
    double base = top + plot_h, width = left + plot_w + 16;
    if (width < 560)
        width = 560;
    double legend_y = base + (turned ? 24 + widest * 0.71 : 44);
    double height = legend_y + legend(out, c, left, legend_y, width, false) + 4;
    long long step, ymax = axis_top(c, &step);

    open_svg(out, c, width, height);
    for (long long v = 0; v <= ymax; v += step) {
        double y = base - (double)v / (double)ymax * plot_h;
        grid_line(out, left, y, left + plot_w, y, v == 0);
        tick(out, c, left - 6, y + 4, "end", v);
    }
    for (size_t ci = 0; ci < c->categories.n; ci++) {
        double gx = left + group_w * (double)ci;
        double x0 = gx + (group_w - (double)ns * bar_w) / 2;
        category_label(out, c, ci, gx + group_w / 2, base + 12, turned);
        for (size_t si = 0; si < ns; si++) {
            double x = x0 + bar_w * (double)si;
            long long v = value(c, ci, si);
            if (v == SVG_NOT_PUBLISHED) {
                not_published(out, c, ci, si, x + 1, base - 9, bar_w - 2, 8, false);
            } else {
                double h = (double)v / (double)ymax * plot_h;
                bar(out, c, ci, si, x + 1, base - h, bar_w - 2, h);
            }
        }
    }
    legend(out, c, left, legend_y, width, true);
    fputs("</svg>\n", out);
}

void svg_horizontal_bars(FILE *out, const struct svg_chart *c)
{
    const double row_h = 24, bar_h = 16, top = 6, plot_w = 200;
    double longest = 8;
    for (size_t i = 0; i < c->categories.n; i++)
        if ((double)chars(c->categories.labels[i]) > longest)
            longest = (double)chars(c->categories.labels[i]);
    double left = 14 + CHAR_W * longest, right = 48; /* room for a figure */
    for (size_t i = 0; i < c->categories.n; i++)
        if (value(c, i, 0) == SVG_NOT_PUBLISHED && /* its words run over the plot */
            36 + CHAR_W * (double)chars(c->not_published) - plot_w > right)
            right = 36 + CHAR_W * (double)chars(c->not_published) - plot_w;
    double width = left + plot_w + right;
    double base = top + row_h * (double)c->categories.n;
    double height = base + 24;
    long long step, xmax = axis_top(c, &step);

    open_svg(out, c, width, height);
    for (long long v = 0; v <= xmax; v += step) {
        double x = left + (double)v / (double)xmax * plot_w;
        grid_line(out, x, top, x, base, v == 0);
        tick(out, c, x, base + 16, "middle", v);
    }
    for (size_t ci = 0; ci < c->categories.n; ci++) {
        double y = top + row_h * (double)ci + (row_h - bar_h) / 2;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT " text-anchor=\"end\">",
                left - 6, y + bar_h - 4);
        svg_escape(out, c->categories.labels[ci]);
        fputs("</text>\n", out);
        long long v = value(c, ci, 0);
        if (v == SVG_NOT_PUBLISHED) {
            not_published(out, c, ci, 0, left + 1, y, 22, bar_h, true);
            continue;
        }
        double w = (double)v / (double)xmax * plot_w;
        char n[32];
        bar(out, c, ci, 0, left, y, w, bar_h);
        svg_count(n, sizeof(n), v, c->thousands);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" " FONT ">%s</text>\n", left + w + 6,
                y + bar_h - 4, n);
    }
    fputs("</svg>\n", out);
}
