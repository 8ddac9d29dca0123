/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alertlog: where the daemon's alerts go. Each alert becomes one syslog
 * line (ident bunrid, the configured facility, the alert's priority) and,
 * when log.json_file is set, one JSON line in that file. At most
 * log.max_alerts_per_second alerts raised by traffic are written per
 * second; the rest are counted and summarised by one alert-suppressed
 * alert when the second is over, so nothing is lost silently. The
 * daemon's own alerts (tampering, capture loss...) are always written. The last ALERTLOG_RECENT alerts stay
 * in memory for `bunrictl alerts`, and counts by type and by hour for
 * `bunrictl report`.
 */
#ifndef BUNRI_ALERTLOG_H
#define BUNRI_ALERTLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "alert.h"

#define ALERTLOG_RECENT 1024
/* A line's usual room; a longer one is formatted to its length. */
#define ALERTLOG_LINE 1024
#define ALERTLOG_HOURS (24 * 31)

struct alertlog;

/**
 * struct alertlog_stats - what happened to alerts.
 * @emitted: written to syslog (and the JSON file)
 * @suppressed: counted by the rate limit instead
 * @json_errors: JSON lines that could not be written
 * @lost: alerts not written at all for want of memory
 * @by_type: alerts raised by type, suppressed ones included
 */
struct alertlog_stats {
	uint64_t emitted;
	uint64_t suppressed;
	uint64_t json_errors;
	uint64_t lost;
	uint64_t by_type[ALERT_TYPE_MAX];
};

/*
 * @facility: syslog facility (LOG_LOCAL4...), -1 for no syslog (tests);
 * @json_path: NULL for none; @rate: alerts per second, 0 for no limit;
 * @mirror: when not NULL, every written line is copied there (foreground).
 */
struct alertlog *alertlog_new(int facility, const char *json_path,
			      unsigned rate, FILE *mirror);
void alertlog_free(struct alertlog *l);

/* Change facility, JSON file and rate (reload). Reopens the JSON file. */
int alertlog_configure(struct alertlog *l, int facility,
		       const char *json_path, unsigned rate);
/* Reopen the JSON file (after logrotate moved it). */
int alertlog_reopen(struct alertlog *l);

/* Write or count @a, at time @now (the rate limit's clock). */
void alertlog_emit(struct alertlog *l, const struct alert *a,
		   const struct timespec *now);
/* Close the rate-limit second if it is over: emits alert-suppressed. */
void alertlog_tick(struct alertlog *l, const struct timespec *now);

void alertlog_stats_get(const struct alertlog *l, struct alertlog_stats *st);

/* The last @n alert lines (key=value or JSON), oldest first. */
void alertlog_recent(const struct alertlog *l, size_t n, bool json,
		     FILE *out);
/*
 * Alerts by type raised in the last @hours hours (0: since start),
 * reckoned from @now.
 */
void alertlog_counts_since(const struct alertlog *l, time_t now,
			   unsigned hours, uint64_t out[ALERT_TYPE_MAX]);

#endif
