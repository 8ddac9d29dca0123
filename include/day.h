/* SPDX-License-Identifier: GPL-2.0-or-later */
/* day: calendar dates as YYYYMMDD integers (channel expiry). */
#ifndef BUNRI_DAY_H
#define BUNRI_DAY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* True when @ymd is a real calendar date (1970..9999). */
bool day_valid(uint32_t ymd);
/* Days from @from to @to (negative when @to is earlier). */
long day_diff(uint32_t from, uint32_t to);
/* @ymd moved by @days. */
uint32_t day_add(uint32_t ymd, long days);
/* The local date at @t as YYYYMMDD. */
uint32_t day_of(time_t t);
/* The next local midnight after @t (when a day's expiry takes effect). */
time_t day_next_midnight(time_t t);

#endif
