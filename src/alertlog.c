// SPDX-License-Identifier: GPL-2.0-or-later
/* alertlog: syslog, JSON lines, rate limit and the alerts kept in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alertlog.h"
#include "log.h"

struct alertlog_line {
	char kv[ALERTLOG_LINE];
	char json[ALERTLOG_LINE];
};

struct alertlog_hour {
	int64_t hour; /* hours since the epoch, -1 when unused */
	uint32_t by_type[ALERT_TYPE_MAX];
};

struct alertlog {
	int facility;
	char *json_path;
	int json_fd;
	unsigned rate;
	FILE *mirror;

	time_t window;		/* the second the rate limit counts */
	unsigned in_window;	/* alerts written in it */
	uint64_t window_suppressed;
	int window_severity;	/* most severe suppressed priority */

	struct alertlog_line *ring;
	size_t ring_next;
	size_t ring_used;
	struct alertlog_hour hours[ALERTLOG_HOURS];
	struct alertlog_stats st;
};

static int alertlog_open_json(struct alertlog *l)
{
	if (l->json_fd >= 0)
		close(l->json_fd);
	l->json_fd = -1;
	if (!l->json_path)
		return 0;
	l->json_fd = open(l->json_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (l->json_fd < 0) {
		log_warn("log.json_file %s", l->json_path);
		return -1;
	}
	return 0;
}

struct alertlog *alertlog_new(int facility, const char *json_path,
			      unsigned rate, FILE *mirror)
{
	struct alertlog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->ring = calloc(ALERTLOG_RECENT, sizeof(*l->ring));
	if (!l->ring) {
		free(l);
		return NULL;
	}
	for (size_t i = 0; i < ALERTLOG_HOURS; i++)
		l->hours[i].hour = -1;
	l->json_fd = -1;
	l->mirror = mirror;
	l->window = -1;
	l->window_severity = LOG_DEBUG;
	alertlog_configure(l, facility, json_path, rate);
	return l;
}

void alertlog_free(struct alertlog *l)
{
	if (!l)
		return;
	if (l->json_fd >= 0)
		close(l->json_fd);
	free(l->json_path);
	free(l->ring);
	free(l);
}

int alertlog_configure(struct alertlog *l, int facility,
		       const char *json_path, unsigned rate)
{
	char *p = json_path ? strdup(json_path) : NULL;

	if (json_path && !p)
		return -1;
	free(l->json_path);
	l->json_path = p;
	l->facility = facility;
	l->rate = rate;
	return alertlog_open_json(l);
}

int alertlog_reopen(struct alertlog *l)
{
	return alertlog_open_json(l);
}

static void alertlog_count_hour(struct alertlog *l, enum alert_type t,
				time_t now)
{
	int64_t hour = now / 3600;
	struct alertlog_hour *h = &l->hours[hour % ALERTLOG_HOURS];

	if (h->hour != hour) {
		memset(h, 0, sizeof(*h));
		h->hour = hour;
	}
	h->by_type[t]++;
}

/* Write one alert: syslog, the JSON file, the mirror and the ring. */
static void alertlog_write(struct alertlog *l, const struct alert *a)
{
	struct alertlog_line *line = &l->ring[l->ring_next];

	alert_format_kv(a, line->kv, sizeof(line->kv));
	alert_format_json(a, line->json, sizeof(line->json));
	l->ring_next = (l->ring_next + 1) % ALERTLOG_RECENT;
	if (l->ring_used < ALERTLOG_RECENT)
		l->ring_used++;

	if (l->facility >= 0)
		syslog(l->facility | a->severity, "%s", line->kv);
	if (l->mirror)
		fprintf(l->mirror, "bunrid: %s\n", line->kv);
	if (l->json_fd >= 0) {
		size_t n = strlen(line->json);
		/* One write per line so that concurrent readers never see
		 * half an object; the line is complete or the error counted. */
		line->json[n] = '\n';
		ssize_t w = write(l->json_fd, line->json, n + 1);
		line->json[n] = '\0';
		if (w != (ssize_t)(n + 1))
			l->st.json_errors++;
	}
	l->st.emitted++;
}

static void alertlog_flush_window(struct alertlog *l, const struct timespec *now)
{
	struct alert s;

	if (l->window_suppressed == 0)
		return;
	memset(&s, 0, sizeof(s));
	s.type = ALERT_SUPPRESSED;
	s.severity = l->window_severity < LOG_WARNING ? l->window_severity :
							LOG_WARNING;
	s.ts = *now;
	s.has_counts = false;
	alert_add_num(&s, "suppressed", l->window_suppressed);
	alert_add_num(&s, "limit", l->rate);
	l->window_suppressed = 0;
	l->window_severity = LOG_DEBUG;
	l->st.by_type[ALERT_SUPPRESSED]++;
	alertlog_count_hour(l, ALERT_SUPPRESSED, now->tv_sec);
	alertlog_write(l, &s);
}

void alertlog_tick(struct alertlog *l, const struct timespec *now)
{
	if (now->tv_sec != l->window) {
		alertlog_flush_window(l, now);
		l->window = now->tv_sec;
		l->in_window = 0;
	}
}

void alertlog_emit(struct alertlog *l, const struct alert *a,
		   const struct timespec *now)
{
	alertlog_tick(l, now);
	l->st.by_type[a->type]++;
	alertlog_count_hour(l, a->type, now->tv_sec);
	if (l->rate && l->in_window >= l->rate) {
		l->window_suppressed++;
		l->st.suppressed++;
		if (a->severity < l->window_severity)
			l->window_severity = a->severity;
		return;
	}
	l->in_window++;
	alertlog_write(l, a);
}

void alertlog_stats_get(const struct alertlog *l, struct alertlog_stats *st)
{
	*st = l->st;
}

void alertlog_recent(const struct alertlog *l, size_t n, bool json,
		     FILE *out)
{
	if (n > l->ring_used)
		n = l->ring_used;
	size_t start = (l->ring_next + ALERTLOG_RECENT - n) % ALERTLOG_RECENT;

	if (json)
		fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		const struct alertlog_line *line =
			&l->ring[(start + i) % ALERTLOG_RECENT];
		if (json)
			fprintf(out, "%s%s", i ? "," : "", line->json);
		else
			fprintf(out, "%s\n", line->kv);
	}
	if (json)
		fputs("]\n", out);
}

void alertlog_counts_since(const struct alertlog *l, time_t now,
			   unsigned hours, uint64_t out[ALERT_TYPE_MAX])
{
	if (hours == 0) {
		for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
			out[t] = l->st.by_type[t];
		return;
	}
	memset(out, 0, sizeof(out[0]) * ALERT_TYPE_MAX);
	int64_t last = now / 3600, first = last - hours + 1;
	for (size_t i = 0; i < ALERTLOG_HOURS; i++) {
		const struct alertlog_hour *h = &l->hours[i];
		if (h->hour < first || h->hour > last)
			continue;
		for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
			out[t] += h->by_type[t];
	}
}
