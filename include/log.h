/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log: the daemon's own diagnostics (not alerts), in the manner of OpenBSD's
 * log.c: log_warn() appends strerror(errno), log_warnx() does not; fatal()
 * and fatalx() log and exit 1.
 */
#ifndef BUNRI_LOG_H
#define BUNRI_LOG_H

#include <stdbool.h>

/*
 * @to_stderr: also write to stderr (foreground, tools, tests);
 * @facility: syslog facility (LOG_DAEMON, LOG_LOCAL4, ...) or -1 for none.
 */
void log_init(const char *ident, bool to_stderr, int facility);
void log_set_debug(bool on);
void log_set_facility(int facility);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
