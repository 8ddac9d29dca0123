// SPDX-License-Identifier: GPL-2.0-or-later
/* Calendar dates as YYYYMMDD: validity, differences, midnight. */
#include <stdlib.h>
#include <time.h>

#include "day.h"
#include "unit.h"

START_TEST(validity)
{
	ck_assert(day_valid(20270331));
	ck_assert(day_valid(20240229));
	ck_assert(!day_valid(20230229));
	ck_assert(day_valid(20000229));
	ck_assert(!day_valid(21000229));
	ck_assert(!day_valid(20261301));
	ck_assert(!day_valid(20261100));
	ck_assert(!day_valid(20260431));
	ck_assert(!day_valid(19691231));
}
END_TEST

START_TEST(differences)
{
	ck_assert_int_eq(day_diff(20261123, 20261130), 7);
	ck_assert_int_eq(day_diff(20261130, 20261123), -7);
	ck_assert_int_eq(day_diff(20261231, 20270101), 1);
	ck_assert_int_eq(day_diff(20240228, 20240301), 2);
	ck_assert_int_eq(day_diff(19700101, 20000101), 10957);
	ck_assert_uint_eq(day_add(20261123, 7), 20261130);
	ck_assert_uint_eq(day_add(20270301, -1), 20270228);
	/* day_add and day_diff agree over a long span. */
	for (long d = -800; d <= 800; d += 7)
		ck_assert_int_eq(day_diff(20261123, day_add(20261123, d)), d);
}
END_TEST

START_TEST(local_midnight)
{
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	/* 2026-11-23 23:59:59 JST is 14:59:59 UTC. */
	time_t t = 1795445999;
	ck_assert_uint_eq(day_of(t), 20261123);
	ck_assert_uint_eq(day_of(t + 1), 20261124);
	ck_assert_int_eq(day_next_midnight(t), t + 1);
	ck_assert_int_eq(day_next_midnight(t + 1), t + 1 + 86400);
}
END_TEST

static Suite *day_suite(void)
{
	Suite *s = suite_create("day");
	TCase *tc = tcase_create("day");

	tcase_add_test(tc, validity);
	tcase_add_test(tc, differences);
	tcase_add_test(tc, local_midnight);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(day_suite)
