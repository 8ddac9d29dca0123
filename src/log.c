// SPDX-License-Identifier: GPL-2.0-or-later
/* log: the daemon's own diagnostics, to syslog and optionally stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static bool log_stderr = true;
static bool log_debugging;
static int log_facility = -1;
static const char *log_ident = "bunrid";

void log_init(const char *ident, bool to_stderr, int facility)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_set_facility(facility);
}

void log_set_debug(bool on)
{
	log_debugging = on;
}

void log_set_facility(int facility)
{
	if (log_facility >= 0)
		closelog();
	log_facility = facility;
	if (facility >= 0)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

static void log_vwrite(int pri, const char *fmt, va_list ap, int err)
	__attribute__((format(printf, 2, 0)));

static void log_vwrite(int pri, const char *fmt, va_list ap, int err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(err));
	}
	if (log_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
	if (log_facility >= 0)
		syslog(pri, "%s", msg);
}

#define LOG_BODY(pri, err)                         \
	do {                                       \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		log_vwrite((pri), fmt, ap, (err)); \
		va_end(ap);                        \
	} while (0)

void log_warn(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_WARNING, err);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void log_debug(const char *fmt, ...)
{
	if (!log_debugging)
		return;
	LOG_BODY(LOG_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
	int err = errno;

	LOG_BODY(LOG_CRIT, err);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
