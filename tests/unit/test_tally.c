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
    uint32_t k[KEYS_MAX];
    int count;
};

static int collect(void *arg, const struct count_key *k, long n, uint32_t sum)
{
    struct seen *s = arg;
    assert_true(s->count < KEYS_MAX);
    s->k[s->count] = sum;
    snprintf(s->line[s->count], sizeof(s->line[0]), "%s|%s|%s|%s|%s|%s", k->month,
             k->event, k->route.sender, k->route.signal, k->attr, k->value);
    s->n[s->count++] = n;
    return 0;
}

/* The count of one key (and its cell key in *k), or -1 when the tally lacks
 * it; fails on a key seen twice. */
static long count_and_key(const struct tally *t, const char *line, uint32_t *k)
{
    struct seen s = {0};
    tally_each(t, collect, &s);
    long n = -1;
    for (int i = 0; i < s.count; i++) {
        if (strcmp(s.line[i], line) == 0) {
            assert_int_equal(n, -1);
            n = s.n[i];
            *k = s.k[i];
        }
    }
    return n;
}

static long count_of(const struct tally *t, const char *line)
{
    uint32_t k;
    return count_and_key(t, line, &k);
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

/* An event's keys: its flow key (routing, no attribute) and one subject key
 * per attribute, which carries no routing at all (SPEC §6 v2: never joined).
 * Each sums the events' record keys mod 2^32. */
static void test_event_keys(void **state)
{
    struct tally *t = tally_new();
    struct count_key k = base_key("school-1", "loverboy");
    strcpy(k.attr, "ignored");
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    subject_of(subject, 0);
    assert_int_equal(tally_add_event(t, &k, subject, 0xfffffff0u), 0);
    assert_int_equal(tally_add_event(t, &k, subject, 0x20u), 0);
    assert_int_equal(keys_in(t), 1 + RG_SUBJECT_ATTRS);
    uint32_t sum;
    assert_int_equal(count_and_key(t, "2026-11|accepted|school-1|loverboy||", &sum), 2);
    assert_int_equal(sum, 0x10u);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        char line[256];
        snprintf(line, sizeof(line), "2026-11|accepted|||%s|%s", rg_subject[i].name,
                 subject[i]);
        assert_int_equal(count_and_key(t, line, &sum), 2);
        assert_int_equal(sum, 0x10u);
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

    struct count_key flow = k;
    memset(&k.route, 0, sizeof(k.route));
    strcpy(k.attr, rg_subject[0].name);
    strcpy(k.value, subject[0]);
    assert_int_equal(tally_add(events, &k, 5, 0), 0);
    assert_int_equal(tally_add(singles, &k, 10, 0), 0);
    assert_int_equal(tally_add(singles, &flow, 100, 0), 0);

    assert_int_equal(tally_merge(events, singles), 0);
    assert_int_equal(keys_in(singles), 0);
    assert_int_equal(keys_in(events), 1 + RG_SUBJECT_ATTRS);
    char line[256];
    snprintf(line, sizeof(line), "2026-11|accepted|||%s|%s", rg_subject[0].name,
             subject[0]);
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
    /* 21 flow keys; the subject keys are the same eight for every sender. */
    assert_int_equal(keys_in(t), 21 + RG_SUBJECT_ATTRS);
    assert_int_equal(count_of(t, "2026-11|accepted|school-1|loverboy||"), 1);
    uint32_t sum;
    for (int i = 0; i < 20; i++) {
        char line[256];
        snprintf(line, sizeof(line), "2026-11|accepted|school-%d|drug_running||",
                 100 + i);
        assert_int_equal(count_and_key(t, line, &sum), 1);
        assert_int_equal(sum, (uint32_t)(i + 1));
    }
    char line[256];
    snprintf(line, sizeof(line), "2026-11|accepted|||%s|%s",
             rg_subject[RG_SUBJECT_ATTRS - 1].name, subject[RG_SUBJECT_ATTRS - 1]);
    assert_int_equal(count_and_key(t, line, &sum), 21);
    assert_int_equal(sum, 1 + 210);
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
