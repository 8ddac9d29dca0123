// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fake_midnight: an LD_PRELOAD shim for test_daemon.sh that makes local
 * midnight come BUNRI_FAKE_MIDNIGHT_IN seconds after the process starts, so
 * that a channel lapsing "tonight" can be watched without waiting for the
 * night. The wall clock (CLOCK_REALTIME and its coarse variant, time(),
 * gettimeofday()) runs at the normal rate with a fixed offset; the
 * monotonic clocks, and so the daemon's timers, are untouched. The offset is
 * computed once, in the first process that loads the shim, and handed down
 * to its children through the environment so they all agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long fake_offset;

static int real_clock_gettime(clockid_t id, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, id, ts);
}

__attribute__((constructor)) static void fake_init(void)
{
	const char *in = getenv("BUNRI_FAKE_MIDNIGHT_IN");
	const char *off = getenv("BUNRI_FAKE_OFFSET");
	struct timespec now;
	struct tm tm;
	char buf[32];

	if (off) {
		fake_offset = atol(off);
		return;
	}
	if (!in)
		return;
	real_clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	tm.tm_hour = 24;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	time_t midnight = mktime(&tm);
	fake_offset = (long)(midnight - now.tv_sec) - atol(in);
	snprintf(buf, sizeof(buf), "%ld", fake_offset);
	setenv("BUNRI_FAKE_OFFSET", buf, 1);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc = real_clock_gettime(id, ts);

	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += fake_offset;
	return rc;
}

time_t time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
