/* Unit tests of tally.c: the counts a batch gathers before they are written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

#define KEYS_MAX 256

/* What a tally holds, as "event|sender|signal|attr|value" = n lines. */
struct seen {
    char line[KEYS_MAX][256];
    long n[KEYS_MAX];
    int count;
};

static int collect(void *arg, const struct count_key *k, long n)
{
    struct seen *s = arg;
    assert_true(s->count < KEYS_MAX);
    snprintf(s->line[s->count], sizeof(s->line[0]), "%s|%s|%s|%s|%s|%s", k->month,
             k->event, k->route.sender, k->route.signal, k->attr, k->value);
    s->n[s->count++] = n;
    return 0;
}

/* The count of one key, or -1 when the tally lacks it; fails on a key seen twice. */
static long count_of(const struct tally *t, const char *line)
{
    struct seen s = {0};
    tally_each(t, collect, &s);
    long n = -1;
    for (int i = 0; i < s.count; i++) {
        if (strcmp(s.line[i], line) == 0) {
            assert_int_equal(n, -1);
            n = s.n[i];
        }
    }
    return n;
}

static int keys_in(const struct tally *t)
{
    struct seen s = {0};
    tally_each(t, collect, &s);
    return s.count;
}

static struct count_key base_key(const char *sender, const char *signal)
{
    struct count_key k;
    memset(&k, 0, sizeof(k));
    strcpy(k.month, "2026-11");
    strcpy(k.event, "accepted");
    strcpy(k.route.sender, sender);
    strcpy(k.route.sender_type, "school");
    strcpy(k.route.recipient, "ec-1");
    strcpy(k.route.recipient_type, "expertise_centre");
    strcpy(k.route.signal, signal);
    strcpy(k.route.urgency, "normal");
    return k;
}

static void subject_of(char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX], int variant)
{
    memset(subject, 0, RG_SUBJECT_ATTRS * RG_VALUE_MAX);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const struct rg_enum *v = &rg_subject[i].values;
        strcpy(subject[i], v->values[(size_t)variant % v->count]);
    }
}

/* An event's keys: one without attribute and one per subject attribute. */
static void test_event_keys(void **state)
{
    struct tally *t = tally_new();
    struct count_key k = base_key("school-1", "loverboy");
    strcpy(k.attr, "ignored");
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    subject_of(subject, 0);
    assert_int_equal(tally_add_event(t, &k, subject, 2), 0);
    assert_int_equal(keys_in(t), 1 + RG_SUBJECT_ATTRS);
    assert_int_equal(count_of(t, "2026-11|accepted|school-1|loverboy||"), 2);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        char line[256];
        snprintf(line, sizeof(line), "2026-11|accepted|school-1|loverboy|%s|%s",
                 rg_subject[i].name, subject[i]);
        assert_int_equal(count_of(t, line), 2);
    }
    tally_free(t);
}

/*
 * A key added one by one and the same key added with an event's land in one
 * slot, and merging finds them too: the two ways must hash alike, or the
 * store would write a counter twice.
 */
static void test_event_and_single_keys_are_the_same_keys(void **state)
{
    struct tally *events = tally_new(), *singles = tally_new();
    struct count_key k = base_key("school-1", "loverboy");
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    subject_of(subject, 1);
    assert_int_equal(tally_add_event(events, &k, subject, 1), 0);

    strcpy(k.attr, rg_subject[0].name);
    strcpy(k.value, subject[0]);
    assert_int_equal(tally_add(events, &k, 5), 0);
    assert_int_equal(tally_add(singles, &k, 10), 0);
    memset(k.attr, 0, sizeof(k.attr));
    memset(k.value, 0, sizeof(k.value));
    assert_int_equal(tally_add(singles, &k, 100), 0);

    assert_int_equal(tally_merge(events, singles), 0);
    assert_int_equal(keys_in(singles), 0);
    assert_int_equal(keys_in(events), 1 + RG_SUBJECT_ATTRS);
    char line[256];
    snprintf(line, sizeof(line), "2026-11|accepted|school-1|loverboy|%s|%s",
             rg_subject[0].name, subject[0]);
    assert_int_equal(count_of(events, line), 1 + 5 + 10);
    assert_int_equal(count_of(events, "2026-11|accepted|school-1|loverboy||"), 1 + 100);
    tally_free(events);
    tally_free(singles);
}

/* A cleared tally starts again from zero, and growing keeps every count. */
static void test_clear_and_grow(void **state)
{
    struct tally *t = tally_new();
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    subject_of(subject, 0);
    struct count_key k = base_key("school-1", "loverboy");
    assert_int_equal(tally_add_event(t, &k, subject, 7), 0);
    tally_clear(t);
    assert_int_equal(keys_in(t), 0);
    assert_int_equal(tally_add_event(t, &k, subject, 1), 0);
    assert_int_equal(count_of(t, "2026-11|accepted|school-1|loverboy||"), 1);

    /* Enough senders that the table grows several times (it starts at 64). */
    char sender[16];
    for (int i = 0; i < 20; i++) {
        snprintf(sender, sizeof(sender), "school-%d", 100 + i);
        k = base_key(sender, "drug_running");
        assert_int_equal(tally_add_event(t, &k, subject, i + 1), 0);
    }
    assert_int_equal(keys_in(t), 21 * (1 + RG_SUBJECT_ATTRS));
    assert_int_equal(count_of(t, "2026-11|accepted|school-1|loverboy||"), 1);
    for (int i = 0; i < 20; i++) {
        char line[256];
        snprintf(line, sizeof(line), "2026-11|accepted|school-%d|drug_running|%s|%s",
                 100 + i, rg_subject[RG_SUBJECT_ATTRS - 1].name,
                 subject[RG_SUBJECT_ATTRS - 1]);
        assert_int_equal(count_of(t, line), i + 1);
    }
    tally_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_keys),
        cmocka_unit_test(test_event_and_single_keys_are_the_same_keys),
        cmocka_unit_test(test_clear_and_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
