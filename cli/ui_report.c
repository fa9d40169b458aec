/*
 * ui_report.c - the administrators' page (SPEC §12): the report of `refgw
 * report` (report.h) for a range of months chosen in a form, shown inside
 * the page's own frame (its style served as /assets/report.css, as the
 * page's Content-Security-Policy allows no inline style), and saved as the
 * self-contained file `refgw report -o` writes. Counts only: nothing here
 * is about one referral.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "periods.h"
#include "report_fetch.h"
#include "ui_form.h"
#include "ui_page.h"

/* One month field of the form. */
static void month_field(struct ui_page *p, const char *name, enum rg_msg label,
                        const char *value, const char *example)
{
    const char *args[] = {example};
    ui_put(p, "<div class=\"field\"><label for=\"r-");
    ui_put(p, name);
    ui_put(p, "\">");
    ui_msg(p, label, NULL, 0);
    ui_put(p, "</label><p class=\"hint\" id=\"r-");
    ui_put(p, name);
    ui_put(p, "-hint\">");
    ui_msg(p, MSG_UI_MONTH_HINT, args, 1);
    ui_put(p, "</p><input type=\"month\" id=\"r-");
    ui_put(p, name);
    ui_put(p, "\" name=\"");
    ui_put(p, name);
    ui_put(p, "\" value=\"");
    ui_esc(p, value);
    ui_put(p, "\" aria-describedby=\"r-");
    ui_put(p, name);
    ui_put(p, "-hint\" required></div>");
}

/* The range form, and (for a shown report) the link that saves it. */
static void range_form(struct ui_page *p, const char *from, const char *to, bool shown)
{
    char now[RG_PERIOD_LEN];
    rg_month_text(rg_month_of(time(NULL)), now);
    ui_put(p, "<form method=\"get\" action=\"/report\" class=\"month-range\" "
              "aria-label=\"");
    ui_msg(p, MSG_UI_REPORT_TITLE, NULL, 0);
    ui_put(p, "\">");
    month_field(p, "from", MSG_UI_REPORT_FROM, from, now);
    month_field(p, "to", MSG_UI_REPORT_TO, to, now);
    ui_put(p, "<div class=\"field\"><button type=\"submit\">");
    ui_msg(p, MSG_UI_REPORT_SHOW, NULL, 0);
    ui_put(p, "</button></div></form>\n");
    if (shown) {
        ui_put(p, "<p><a id=\"save\" download href=\"/report/file?from=");
        ui_esc(p, from);
        ui_put(p, "&amp;to=");
        ui_esc(p, to);
        ui_put(p, "\">");
        ui_msg(p, MSG_UI_REPORT_SAVE, NULL, 0);
        ui_put(p, "</a></p>\n");
    }
}

/* The page without a report: the form, and why the range was refused. */
static int form_page(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                     const char *from, const char *to, bool refused)
{
    char most[16];
    struct ui_page p;
    ui_page_begin(&p, u, rq, rs, UI_NAV_REPORT, MSG_UI_REPORT_TITLE, NULL, 0);
    ui_put(&p, "<p class=\"intro\">");
    ui_msg(&p, MSG_UI_REPORT_INTRO, NULL, 0);
    ui_put(&p, "</p>\n");
    if (refused) {
        snprintf(most, sizeof(most), "%d", REPORT_MONTHS_MAX);
        const char *args[] = {most};
        ui_put(&p, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" "
                   "data-focus><p>");
        ui_msg(&p, MSG_UI_REPORT_RANGE_RULE, args, 1);
        ui_put(&p, "</p></div>\n");
    }
    range_form(&p, from, to, false);
    return ui_page_end(&p, rs, refused ? 400 : 200);
}

/* The report for from..to into rs: framed (in_page) or as its own file. */
static int write_report(struct ui *u, const struct ui_request *rq,
                        struct ui_response *rs, const char *from, const char *to,
                        bool in_page)
{
    struct report_fetch f;
    struct cli_error err = {0};
    time_t now = time(NULL);
    if (report_fetch(u->c, from, to, u->lang, now, u->reports, &f, &err) < 0) {
        report_fetch_clear(&f);
        return ui_gateway_problem(u, rq, rs, UI_NAV_REPORT, &err);
    }
    struct ui_buf head = {0}, pre = {0}, post = {0};
    if (in_page) {
        struct ui_page p = {.b = &head, .u = u, .rq = rq};
        /* The report's style first: ui.css, after it, wins for the frame. */
        ui_buf_put(&head, "<link rel=\"stylesheet\" href=\"/assets/report.css\">\n");
        ui_page_head_links(&head);
        p.b = &pre;
        ui_page_top(&p, UI_NAV_REPORT);
        range_form(&p, from, to, true);
        p.b = &post;
        ui_page_bottom(&p);
        f.in.head = head.data;
        f.in.preamble = pre.data;
        f.in.postamble = post.data;
    }
    char *page = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&page, &len);
    int rc = -1;
    if (out != NULL && !head.failed && !pre.failed && !post.failed &&
        report_write(out, &f.in) == 0 && fclose(out) == 0) {
        ui_buf_putn(&rs->body, page, len);
        rs->status = 200;
        rs->type = "text/html; charset=utf-8";
        rc = rs->body.failed ? -1 : 0;
    } else if (out != NULL) {
        fclose(out);
    }
    free(page);
    ui_buf_free(&head);
    ui_buf_free(&pre);
    ui_buf_free(&post);
    report_fetch_clear(&f);
    return rc;
}

/* The range asked for: from and to of the query, or by default this year. */
static bool range(const struct ui_request *rq, char from[RG_PERIOD_LEN],
                  char to[RG_PERIOD_LEN])
{
    const char *f = ui_param(rq->query, "from"), *t = ui_param(rq->query, "to");
    int current = rg_month_of(time(NULL));
    rg_month_text(current - current % 12, from);
    rg_month_text(current, to);
    if (f == NULL && t == NULL)
        return false;
    snprintf(from, RG_PERIOD_LEN, "%s", f && strlen(f) < RG_PERIOD_LEN ? f : "");
    snprintf(to, RG_PERIOD_LEN, "%s", t && strlen(t) < RG_PERIOD_LEN ? t : "");
    return true;
}

int ui_report_page(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    char from[RG_PERIOD_LEN], to[RG_PERIOD_LEN];
    struct cli_error err = {0};
    if (!range(rq, from, to))
        return form_page(u, rq, rs, from, to, false);
    if (report_check_range(from, to, rg_month_of(time(NULL)), &err) < 0)
        return form_page(u, rq, rs, from, to, true);
    return write_report(u, rq, rs, from, to, true);
}

int ui_report_file(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    char from[RG_PERIOD_LEN], to[RG_PERIOD_LEN];
    struct cli_error err = {0};
    if (!range(rq, from, to) ||
        report_check_range(from, to, rg_month_of(time(NULL)), &err) < 0)
        return form_page(u, rq, rs, from, to, true);
    int rc = write_report(u, rq, rs, from, to, false);
    if (rc == 0 && rs->status == 200)
        snprintf(rs->disposition, sizeof(rs->disposition),
                 "attachment; filename=\"report-%s-%s.html\"", from, to);
    return rc;
}
