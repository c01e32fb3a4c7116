/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kms_client/kc_breaker.h"

#define OPEN_US 5000000u

static void open_after_failures(struct kc_breaker *b, uint64_t now)
{
	for (int i = 0; i < 2; i++)
		assert_false(kc_breaker_record_failure(b, now, false));
	assert_true(kc_breaker_record_failure(b, now, false));
}

static void breaker_opens_after_threshold(void **state)
{
	struct kc_breaker b;
	bool trial;
	kc_breaker_init(&b, 3, OPEN_US);
	assert_true(kc_breaker_admit(&b, 0, &trial));
	assert_false(trial);
	open_after_failures(&b, 100);
	assert_true(kc_breaker_blocks(&b));
	assert_false(kc_breaker_admit(&b, 100 + OPEN_US - 1, &trial));
}

static void breaker_success_resets_count(void **state)
{
	struct kc_breaker b;
	kc_breaker_init(&b, 3, OPEN_US);
	assert_false(kc_breaker_record_failure(&b, 0, false));
	assert_false(kc_breaker_record_failure(&b, 0, false));
	assert_false(kc_breaker_record_success(&b, false));
	assert_false(kc_breaker_record_failure(&b, 0, false));
	assert_false(kc_breaker_record_failure(&b, 0, false));
	assert_false(kc_breaker_blocks(&b));
}

static void breaker_one_trial_closes(void **state)
{
	struct kc_breaker b;
	bool trial;
	kc_breaker_init(&b, 3, OPEN_US);
	open_after_failures(&b, 0);

	assert_true(kc_breaker_admit(&b, OPEN_US, &trial));
	assert_true(trial);
	assert_false(kc_breaker_admit(&b, OPEN_US, &trial));
	assert_false(trial);
	/* A late failure of a request sent before the breaker opened does
	 * not count while the trial runs. */
	assert_false(kc_breaker_record_failure(&b, OPEN_US, false));
	assert_true(kc_breaker_record_success(&b, true));
	assert_false(kc_breaker_blocks(&b));
	assert_true(kc_breaker_admit(&b, OPEN_US, &trial));
	assert_false(trial);
}

static void breaker_failed_trial_reopens(void **state)
{
	struct kc_breaker b;
	bool trial;
	kc_breaker_init(&b, 3, OPEN_US);
	open_after_failures(&b, 0);
	assert_true(kc_breaker_admit(&b, OPEN_US, &trial));
	assert_true(kc_breaker_record_failure(&b, OPEN_US + 10, true));
	assert_false(kc_breaker_admit(&b, 2 * OPEN_US, &trial));
	assert_true(kc_breaker_admit(&b, 2 * OPEN_US + 10, &trial));
	assert_true(trial);
}

static void breaker_abandoned_trial(void **state)
{
	struct kc_breaker b;
	bool trial;
	kc_breaker_init(&b, 1, OPEN_US);
	assert_true(kc_breaker_record_failure(&b, 0, false));
	assert_true(kc_breaker_admit(&b, OPEN_US, &trial));
	kc_breaker_abandon_trial(&b, OPEN_US + 1);
	assert_true(kc_breaker_admit(&b, OPEN_US + 1, &trial));
	assert_true(trial);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(breaker_opens_after_threshold),
		cmocka_unit_test(breaker_success_resets_count),
		cmocka_unit_test(breaker_one_trial_closes),
		cmocka_unit_test(breaker_failed_trial_reopens),
		cmocka_unit_test(breaker_abandoned_trial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
