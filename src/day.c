// SPDX-License-Identifier: GPL-2.0-or-later
/* day: YYYYMMDD dates, converted through a day count (proleptic Gregorian). */
#include "day.h"

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

bool day_valid(uint32_t ymd)
{
	long y = ymd / 10000;
	int m = ymd / 100 % 100, d = ymd % 100;

	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= month_days(y, m);
}

/* Days since 1970-01-01 (the civil-from-days algorithm, inverted). */
static long day_number(uint32_t ymd)
{
	long y = ymd / 10000;
	long m = ymd / 100 % 100, d = ymd % 100;

	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static uint32_t day_from_number(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	return (uint32_t)(y * 10000 + m * 100 + d);
}

long day_diff(uint32_t from, uint32_t to)
{
	return day_number(to) - day_number(from);
}

uint32_t day_add(uint32_t ymd, long days)
{
	return day_from_number(day_number(ymd) + days);
}

uint32_t day_of(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (uint32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
			  tm.tm_mday);
}

time_t day_next_midnight(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_mday += 1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}
