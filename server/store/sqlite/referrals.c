#include "db.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "db_internal.h"

/* The permutation's key: the store's secret through HMAC with a label of
 * its own, so that it is independent of the digests' keys. */
int db_ids_open(struct db *s)
{
    static const char label[] = "refgw referral ids: AES-128 permutation of seq";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), s->secret, SECRET_LEN, (const unsigned char *)label,
             sizeof(label) - 1, mac, &len) == NULL) {
        ERR_clear_error();
        return db_failed(s, SQLITE_ERROR);
    }
    s->ids = rg_idperm_new(mac);
    OPENSSL_cleanse(mac, sizeof(mac));
    return s->ids != NULL ? 0 : db_failed(s, SQLITE_ERROR);
}

/* The id of the row (seq, stored id): the stored one if it has one. */
static int row_id(struct db *s, long long seq, const unsigned char *stored, char *id,
                  size_t size)
{
    if (stored != NULL) {
        db_copy_str(id, size, (const char *)stored);
        return 0;
    }
    return rg_idperm_encode(s->ids, (uint64_t)seq, id) < 0 ? db_failed(s, SQLITE_ERROR)
                                                           : 0;
}

/* The row an id names: *seq, and in *stored what the row's id column must
 * hold (NULL for an id made from its seq, the id itself for one drawn at
 * random before schema 3), which every lookup compares, so that an id of
 * one kind never reaches a row of the other. found=false: it names none. */
static int resolve_id(struct db *s, const char *id, long long *seq, const char **stored,
                      bool *found)
{
    uint64_t v;
    *seq = 0; /* read only when found; said for the compiler's flow analysis */
    if (rg_idperm_decode(s->ids, id, strlen(id), &v)) {
        *found = v <= INT64_MAX;
        *seq = (long long)v;
        *stored = NULL;
        return 0;
    }
    sqlite3_stmt *st = db_prepared(s, S_SEQ_OF_ID);
    db_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *seq = sqlite3_column_int64(st, 0);
    *stored = id;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* Whether the sender already used this client_ref (key): then *outcome says
 * whether with the same content (digest), and id and *state are the earlier
 * referral's. A referral that has ended keeps no digest (SPEC §6): a resend
 * is then a repeat, whatever it holds. */
static int find_ref(struct db *s, const unsigned char key[DIGEST_LEN],
                    const unsigned char digest[DIGEST_LEN], char id[RG_ID_LEN + 1],
                    enum put_outcome *outcome, enum referral_state *state, bool *found)
{
    long long seq;
    if (db_ref_find(s, key, &seq, found) < 0)
        return -1;
    if (!*found)
        return 0;
    sqlite3_stmt *st = db_prepared(s, S_FIND_REF);
    sqlite3_bind_int64(st, 1, seq);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        /* A key names a referral for ever: one without its row is damage. */
        return db_failed(s, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
    }
    if (row_id(s, seq, sqlite3_column_text(st, 0), id, RG_ID_LEN + 1) < 0) {
        sqlite3_reset(st);
        return -1;
    }
    int kept = sqlite3_column_bytes(st, 1);
    bool same = kept == 0 ||
                (kept == DIGEST_LEN &&
                 CRYPTO_memcmp(sqlite3_column_blob(st, 1), digest, DIGEST_LEN) == 0);
    *state = (enum referral_state)sqlite3_column_int(st, 2);
    *outcome = same ? PUT_DUPLICATE : PUT_CONFLICT;
    sqlite3_reset(st);
    return 0;
}

/* The bytes of r's body its content row takes: all of it, unless the row
 * would pass half a page (with its subject attributes, and 160 bytes kept
 * for the record's and the cell's headers and the page's own); the rest
 * goes to content_tail. Rows of a page to themselves were half empty for a
 * 2 KB referral, and the WAL, its sync and the checkpointer paid for the
 * whole page (bench/notes.md). */
static size_t content_head(const struct db *s, const struct rg_referral *r)
{
    long long row = s->page_size / 2 - 160;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        row -= (long long)strlen(r->subject[i]);
    if (row < 0) /* pages smaller than refgwd makes: all of it in the tail */
        row = 0;
    return r->body_len < (size_t)row ? r->body_len : (size_t)row;
}

static int insert_blob(struct db *s, enum stmt_id id, sqlite3_int64 seq,
                       const char *bytes, size_t len)
{
    sqlite3_stmt *st = db_prepared(s, id);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_blob(st, 2, bytes, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

int db_put(struct db *s, const struct rg_referral *r, const struct rg_routing *p,
           const struct put_digests *d, time_t now, char id[RG_ID_LEN + 1],
           enum put_outcome *outcome, enum referral_state *state)
{
    const unsigned char *key = d->ref_key, *digest = d->content;
    bool has_ref = r->client_ref[0] != '\0', found = false;
    /* A repeated send stores nothing: answered even when the disk is short. */
    if (has_ref && find_ref(s, key, digest, id, outcome, state, &found) < 0)
        return -1;
    if (found)
        return 0;
    /* Sends leave the disk's reserve to what drains the store (room.h). */
    struct room_cost cost = room_cost_put(s->room, r->body_len);
    if (!room_admits(s->room, cost))
        return db_space_refuse(s);
    /* The record key (SPEC §6): every counter this referral's events add to
     * sums it; kept with the routing until the referral ends. */
    uint32_t rkey;
    if (rg_random_pooled(&rkey, sizeof(rkey)) < 0)
        return db_failed(s, SQLITE_ERROR);

    /* No id column: the id is the new seq under the permutation. */
    sqlite3_stmt *st = db_prepared(s, S_INSERT_REFERRAL);
    db_bind_text(st, 1, p->sender);
    db_bind_text(st, 2, p->sender_type);
    db_bind_text(st, 3, p->recipient);
    db_bind_text(st, 4, p->recipient_type);
    db_bind_text(st, 5, p->signal);
    db_bind_text(st, 6, p->urgency);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
    sqlite3_bind_blob(st, 8, digest, DIGEST_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, rkey);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    sqlite3_int64 seq = sqlite3_last_insert_rowid(s->db);
    if (row_id(s, seq, NULL, id, RG_ID_LEN + 1) < 0 ||
        (has_ref && db_ref_add(s, key, seq) < 0))
        return -1;

    size_t head = content_head(s, r);
    st = db_prepared(s, S_INSERT_CONTENT);
    sqlite3_bind_int64(st, 1, seq);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        db_bind_text(st, 2 + i, r->subject[i]);
    sqlite3_bind_blob(st, 10, r->body, (int)head, SQLITE_STATIC);
    sqlite3_bind_int(st, 11, r->sealed);
    rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    if (head < r->body_len &&
        insert_blob(s, S_INSERT_TAIL, seq, r->body + head, r->body_len - head) < 0)
        return -1;

    /* Counted as accepted later (db_count_accepted), from a tally. */
    struct ending e = {.seq = seq, .route = *p, .rkey = rkey};
    memcpy(e.subject, r->subject, sizeof(e.subject));
    size_t keys = tally_size(s->batch_accepted);
    if (db_count_put(s, now, &e) < 0)
        return -1;
    /* Counting it will write its new keys' rows (three periods each). */
    struct room_cost rows =
        room_cost_rows(s->room, 3 * (long long)(tally_size(s->batch_accepted) - keys));
    cost.wal += rows.wal;
    cost.fresh += rows.fresh;
    if (!room_admits(s->room, cost))
        return db_space_refuse(s); /* the savepoint's rollback undoes it */
    room_charge(s->room, cost);
    *outcome = PUT_CREATED;
    return 0;
}

static int read_item(struct db *s, sqlite3_stmt *st, struct inbox_item *it)
{
    if (row_id(s, sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1), it->id,
               sizeof(it->id)) < 0)
        return -1;
    db_column_copy(st, 2, it->from, sizeof(it->from));
    db_column_copy(st, 3, it->from_type, sizeof(it->from_type));
    it->created_at = (time_t)sqlite3_column_int64(st, 4);
    db_column_copy(st, 5, it->signal, sizeof(it->signal));
    db_column_copy(st, 6, it->urgency, sizeof(it->urgency));
    it->deliveries = sqlite3_column_int(st, 7) + 1;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        db_column_copy(st, 8 + i, it->subject[i], sizeof(it->subject[i]));
    /* The body is its content row's bytes, then its tail's if it has one. */
    const void *head = sqlite3_column_blob(st, 16), *rest = sqlite3_column_blob(st, 18);
    size_t head_len = (size_t)sqlite3_column_bytes(st, 16);
    size_t rest_len = (size_t)sqlite3_column_bytes(st, 18);
    it->body = malloc(head_len + rest_len + 1);
    if (it->body == NULL)
        return -1;
    if (head_len > 0)
        memcpy(it->body, head, head_len);
    if (rest_len > 0)
        memcpy(it->body + head_len, rest, rest_len);
    it->body_len = head_len + rest_len;
    it->body[it->body_len] = '\0';
    it->sealed = sqlite3_column_int(st, 17) != 0;
    return 0;
}

int db_inbox(struct db *s, const char *recipient, int limit, size_t max_bytes,
             time_t now, struct inbox_item **items, size_t *count)
{
    *items = calloc((size_t)limit, sizeof(**items));
    *count = 0;
    if (*items == NULL)
        return db_failed(s, SQLITE_NOMEM);
    long long *seqs = calloc((size_t)limit, sizeof(*seqs));
    if (seqs == NULL)
        return db_failed(s, SQLITE_NOMEM);

    sqlite3_stmt *st = db_prepared(s, S_SELECT_PENDING);
    db_bind_text(st, 1, recipient);
    sqlite3_bind_int(st, 2, limit);
    size_t bytes = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* The whole body: its content row's part and its tail's. */
        size_t len =
            (size_t)sqlite3_column_bytes(st, 16) + (size_t)sqlite3_column_bytes(st, 18);
        if (*count > 0 && bytes + len > max_bytes)
            break;
        seqs[*count] = sqlite3_column_int64(st, 0);
        if (read_item(s, st, &(*items)[*count]) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        bytes += len;
        (*count)++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(seqs);
        return db_failed(s, rc);
    }
    for (size_t i = 0; i < *count; i++) {
        st = db_prepared(s, S_MARK_DELIVERED);
        sqlite3_bind_int64(st, 1, seqs[i]);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            free(seqs);
            return db_failed(s, rc);
        }
    }
    free(seqs);
    struct room_cost each = room_cost_delivery(s->room);
    struct room_cost all = {each.wal * (long long)*count,
                            each.fresh * (long long)*count};
    room_charge(s->room, all);
    return 0;
}

/* Columns 0 and 2-15 of S_SELECT_FOR_END and S_SELECT_UNCOUNTED (column 1
 * differs: the state or the creation time). */
void db_read_ending(sqlite3_stmt *st, struct ending *e)
{
    e->seq = sqlite3_column_int64(st, 0);
    struct rg_routing *r = &e->route;
    db_column_copy(st, 2, r->sender, sizeof(r->sender));
    db_column_copy(st, 3, r->sender_type, sizeof(r->sender_type));
    db_column_copy(st, 4, r->recipient, sizeof(r->recipient));
    db_column_copy(st, 5, r->recipient_type, sizeof(r->recipient_type));
    db_column_copy(st, 6, r->signal, sizeof(r->signal));
    db_column_copy(st, 7, r->urgency, sizeof(r->urgency));
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        db_column_copy(st, 8 + i, e->subject[i], sizeof(e->subject[i]));
    e->rkey = (uint32_t)sqlite3_column_int64(st, 16);
}

/* Reads what counting the end of referral seq (whose id column holds stored)
 * needs; found=false if not recipient's. */
static int load_ending(struct db *s, long long seq, const char *stored,
                       const char *recipient, struct ending *e, bool *found)
{
    sqlite3_stmt *st = db_prepared(s, S_SELECT_FOR_END);
    sqlite3_bind_int64(st, 1, seq);
    db_bind_text(st, 2, recipient);
    if (stored != NULL)
        db_bind_text(st, 3, stored);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        db_read_ending(st, e);
        e->state = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* Erases the content of a pending referral, moves it to its end state and counts. */
static int end_referral(struct db *s, const struct ending *e, enum stmt_id mark,
                        const char *event, time_t now)
{
    /* Counting a send as accepted needs the subject this erases. */
    if (db_count_accepted(s) < 0)
        return -1;
    int rc = SQLITE_DONE;
    const enum stmt_id erase[] = {S_DELETE_CONTENT, S_DELETE_TAIL};
    for (size_t i = 0; i < sizeof(erase) / sizeof(erase[0]) && rc == SQLITE_DONE; i++) {
        sqlite3_stmt *st = db_prepared(s, erase[i]);
        sqlite3_bind_int64(st, 1, e->seq);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    s->erased = true; /* copies may stay in the connection's buffers: db_refresh */
    sqlite3_stmt *st = db_prepared(s, mark);
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    room_charge(s->room, room_cost_end(s->room));
    return db_count_event(s, now, event, e);
}

int db_ack(struct db *s, const char *recipient, const char *id, time_t now, bool *found)
{
    struct ending e;
    long long seq;
    const char *stored;
    if (resolve_id(s, id, &seq, &stored, found) < 0 ||
        (*found && load_ending(s, seq, stored, recipient, &e, found) < 0))
        return -1;
    /* An expired referral's content is gone; acknowledging it changes nothing. */
    if (!*found || e.state >= STATE_ACKNOWLEDGED) {
        *found = *found && e.state == STATE_ACKNOWLEDGED;
        return 0;
    }
    return end_referral(s, &e, S_MARK_ACKED, "acknowledged", now);
}

int db_status(struct db *s, const char *sender, const char *id,
              struct referral_status *out, bool *found)
{
    long long seq;
    const char *stored;
    if (resolve_id(s, id, &seq, &stored, found) < 0)
        return -1;
    if (!*found)
        return 0;
    sqlite3_stmt *st = db_prepared(s, S_STATUS);
    sqlite3_bind_int64(st, 1, seq);
    db_bind_text(st, 2, sender);
    if (stored != NULL)
        db_bind_text(st, 3, stored);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        db_column_copy(st, 0, out->to, sizeof(out->to));
        out->state = (enum referral_state)sqlite3_column_int(st, 1);
        out->created_at = (time_t)sqlite3_column_int64(st, 2);
        out->delivered_at = (time_t)sqlite3_column_int64(st, 3);
        out->acknowledged_at = (time_t)sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

int db_expire(struct db *s, time_t cutoff, time_t now, int max, int *expired)
{
    *expired = 0;
    struct {
        long long seq;
        bool has_id;
        char id[RG_ID_LEN + 1]; /* stored before schema 3 */
        char recipient[RG_ORG_ID_MAX + 1];
    } *due = calloc((size_t)max, sizeof(*due));
    if (due == NULL)
        return db_failed(s, SQLITE_NOMEM);
    sqlite3_stmt *st = db_prepared(s, S_SELECT_EXPIRED);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
        due[n].seq = sqlite3_column_int64(st, 0);
        due[n].has_id = sqlite3_column_type(st, 1) != SQLITE_NULL;
        db_column_copy(st, 1, due[n].id, sizeof(due[n].id));
        db_column_copy(st, 2, due[n].recipient, sizeof(due[n].recipient));
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(due);
        return db_failed(s, rc);
    }
    for (int i = 0; i < n; i++) {
        struct ending e;
        bool found;
        if (load_ending(s, due[i].seq, due[i].has_id ? due[i].id : NULL,
                        due[i].recipient, &e, &found) < 0 ||
            (found && end_referral(s, &e, S_MARK_EXPIRED, "expired", now) < 0)) {
            free(due);
            return -1;
        }
        *expired += found;
    }
    free(due);
    return 0;
}
