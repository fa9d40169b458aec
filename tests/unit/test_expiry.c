/* Unit tests of expiry.c: when a certificate's end is warned about, and how. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "expiry.h"

#define DAY 86400LL
#define NOW 1800000000LL

static void test_stages(void **state)
{
    assert_int_equal(expiry_stage(EXPIRY_NONE, NOW), 0);
    assert_int_equal(expiry_stage(NOW + 400 * DAY, NOW), 0);
    assert_int_equal(expiry_stage(NOW + 14 * DAY + 1, NOW), 0);
    assert_int_equal(expiry_stage(NOW + 14 * DAY, NOW), 1);
    assert_int_equal(expiry_stage(NOW + 3 * DAY + 1, NOW), 1);
    assert_int_equal(expiry_stage(NOW + 3 * DAY, NOW), 2);
    assert_int_equal(expiry_stage(NOW + 1, NOW), 2);
    /* Then one stage a day: a warning every day after. */
    assert_int_equal(expiry_stage(NOW, NOW), 3);
    assert_int_equal(expiry_stage(NOW - DAY + 1, NOW), 3);
    assert_int_equal(expiry_stage(NOW - DAY, NOW), 4);
    assert_int_equal(expiry_stage(NOW - 10 * DAY - 5, NOW), 13);
}

/* A caller that warns each time the stage grows says it 14 and 3 days
 * before and once a day after, however often it looks. */
static void test_warnings_over_a_month(void **state)
{
    long long at = NOW + 20 * DAY;
    int said = 0, warnings = 0;
    for (long long t = NOW; t < NOW + 30 * DAY; t += 600) {
        int stage = expiry_stage(at, t);
        if (stage > said) {
            said = stage;
            warnings++;
        }
    }
    assert_int_equal(warnings, 2 + 10); /* at 14 and 3 days, then days 0..9 after */
}

static void test_describe(void **state)
{
    char out[256];
    expiry_describe(CERT_CRL, NOW + 6 * DAY + 5, NOW, out, sizeof(out));
    assert_string_equal(out, "tls.crl: the CRL's nextUpdate is in 6 days "
                             "(2027-01-21T08:00:05Z)");
    expiry_describe(CERT_SERVER, NOW + 2 * 3600, NOW, out, sizeof(out));
    assert_non_null(strstr(out, "tls.cert: the server certificate expires in 2 hours"));
    expiry_describe(CERT_CA, NOW + 60, NOW, out, sizeof(out));
    assert_non_null(strstr(out, "tls.client_ca: the client CA certificate expires in"
                                " less than an hour"));
    expiry_describe(CERT_CRL, NOW - 2 * DAY - 1, NOW, out, sizeof(out));
    assert_non_null(strstr(out, "tls.crl: the CRL passed its nextUpdate 2 days ago"));
    assert_non_null(strstr(out, "every client is refused"));
    assert_string_equal(cert_label(CERT_SERVER), "server");
    assert_string_equal(cert_label(CERT_CA), "ca");
    assert_string_equal(cert_label(CERT_CRL), "crl");
    assert_string_equal(cert_key(CERT_CA), "tls.client_ca");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_warnings_over_a_month),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
