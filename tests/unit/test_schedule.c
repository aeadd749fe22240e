/* test_schedule.c - the open-loop schedule against exact arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/schedule.h"

static void arrivals_on_the_grid(void **state)
{
    (void)state;
    schedule_t s;
    /* 1000/s over 4 workers: each worker every 4 ms, worker 2 shifted 2 ms. */
    schedule_init(&s, 1000, 4, 2, 1000000000ull);
    assert_true(s.on);
    assert_int_equal(schedule_at(&s, 0), 1002000000ull);
    assert_int_equal(schedule_at(&s, 10), 1042000000ull);
    assert_int_equal(schedule_due(&s, 1001999999ull), 0);
    assert_int_equal(schedule_due(&s, 1002000000ull), 1);
    assert_int_equal(schedule_due(&s, 1041999999ull), 10);
    assert_int_equal(schedule_due(&s, 1042000000ull), 11);
}

static void take_never_runs_ahead_and_keeps_intended_times(void **state)
{
    (void)state;
    schedule_t s;
    schedule_init(&s, 100, 1, 0, 0); /* every 10 ms from t=0 */
    mono_ns at;
    assert_true(schedule_take(&s, 0, &at));
    assert_int_equal(at, 0);
    assert_false(schedule_take(&s, 9999999, &at)); /* next is due at 10 ms */
    /* Far behind: every missed arrival is still handed out, with its own
     * intended instant, oldest first. */
    for (uint64_t k = 1; k <= 50; k++) {
        assert_true(schedule_take(&s, 500000000ull, &at));
        assert_int_equal(at, k * 10000000ull);
    }
    assert_false(schedule_take(&s, 500000000ull, &at));
    assert_int_equal(s.started, 51);
}

static void rate_zero_is_off(void **state)
{
    (void)state;
    schedule_t s;
    schedule_init(&s, 0, 1, 0, 5);
    assert_false(s.on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrivals_on_the_grid),
        cmocka_unit_test(take_never_runs_ahead_and_keeps_intended_times),
        cmocka_unit_test(rate_zero_is_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
