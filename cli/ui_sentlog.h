/*
 * ui_sentlog.h - the referrals this organisation sent from the staff page,
 * kept where the person chose (--sent-file FILE), never on the gateway: one
 * line "ID<TAB>TO<TAB>SENT-AT" each, appended and fsynced once the gateway
 * has accepted the referral. Without a file the list lives only as long as
 * the page. Ids and recipients only: nothing about the young person.
 *
 * A file that is there is read at start; a line that is not of that shape
 * is skipped (and counted), so that a hand-edited file does not stop the
 * page. The file is created with mode 0600 and never followed as a link.
 */
#ifndef REFGW_CLI_UI_SENTLOG_H
#define REFGW_CLI_UI_SENTLOG_H

#include <stddef.h>
#include <time.h>

#include "cli.h"
#include "ids.h"
#include "referral.h"

struct ui_sent {
    char id[RG_ID_LEN + 1];
    char to[RG_ORG_ID_MAX + 1];
    char at[RG_TIME_LEN]; /* when it was sent, RFC 3339 UTC */
};

struct ui_sentlog;

/* The list of path (NULL: in memory only). NULL with err (exit 1) when the
 * file cannot be opened or read. */
struct ui_sentlog *ui_sentlog_open(const char *path, struct cli_error *err);

/* Adds a referral sent at `at` (once: an id already listed is not added
 * again). 0, or -1 with err when it cannot be written (it is then listed
 * for this run only). */
int ui_sentlog_add(struct ui_sentlog *l, const char *id, const char *to, time_t at,
                   struct cli_error *err);

/* How many are listed; the i-th, newest first. */
size_t ui_sentlog_count(const struct ui_sentlog *l);
const struct ui_sent *ui_sentlog_newest(const struct ui_sentlog *l, size_t i);

/* The file, or NULL when the list is in memory only; lines skipped at start. */
const char *ui_sentlog_path(const struct ui_sentlog *l);
size_t ui_sentlog_skipped(const struct ui_sentlog *l);

void ui_sentlog_free(struct ui_sentlog *l);

#endif
