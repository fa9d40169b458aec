/*
 * test_priority.c - thread_role names the calling thread and moves its nice
 * value relative to the process's, leaving every other thread as it was.
 */
/* gettid and pthread_getname_np are GNU extensions. */
#define _GNU_SOURCE 1

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "priority.h"

struct outcome {
    const char *role;
    int delta;
    int rc;
    int nice_before, nice_after;
    char name[16];
};

static int own_nice(void)
{
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, (id_t)gettid());
    assert_int_equal(errno, 0);
    return nice;
}

static void *run(void *arg)
{
    struct outcome *o = arg;
    o->nice_before = own_nice();
    o->rc = thread_role(o->role, o->delta);
    o->nice_after = own_nice();
    pthread_getname_np(pthread_self(), o->name, sizeof(o->name));
    return NULL;
}

static struct outcome in_thread(const char *role, int delta)
{
    struct outcome o = {.role = role, .delta = delta};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run, &o), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return o;
}

static void test_lower_priority_is_the_threads_own(void **state)
{
    int main_nice = own_nice();
    struct outcome o = in_thread("checkpt", PRIORITY_CHECKPOINTER);
    assert_int_equal(o.rc, 0);
    int want = o.nice_before + PRIORITY_CHECKPOINTER;
    assert_int_equal(o.nice_after, want > 19 ? 19 : want);
    assert_string_equal(o.name, "refgwd-checkpt");
    assert_int_equal(own_nice(), main_nice);
}

static void test_nice_and_name_stay_within_their_limits(void **state)
{
    struct outcome o = in_thread("a-long-role", 100);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.nice_after, 19);
    assert_string_equal(o.name, "refgwd-a-long-r"); /* the kernel's 15 characters */
}

/* Raising needs the right to: with it the committer gains priority, without
 * it the call fails and the thread keeps the process's priority. */
static void test_raised_priority_or_unchanged(void **state)
{
    struct outcome o = in_thread("commit", PRIORITY_COMMITTER);
    assert_string_equal(o.name, "refgwd-commit");
    if (o.rc == 0) {
        assert_int_equal(o.nice_after, o.nice_before + PRIORITY_COMMITTER);
    } else {
        assert_int_equal(o.rc, -1);
        assert_int_equal(o.nice_after, o.nice_before);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lower_priority_is_the_threads_own),
        cmocka_unit_test(test_nice_and_name_stay_within_their_limits),
        cmocka_unit_test(test_raised_priority_or_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
