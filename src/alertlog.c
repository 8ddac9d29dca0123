// SPDX-License-Identifier: GPL-2.0-or-later
/* alertlog: syslog, JSON lines, rate limit and the alerts kept in memory. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "alertlog.h"
#include "log.h"

/* A written alert's two lines, each as long as it is. */
struct alertlog_line {
	char *kv;
	char *json;
};

struct alertlog_hour {
	int64_t hour; /* hours since the epoch, -1 when unused */
	uint32_t by_type[ALERT_TYPE_MAX];
};

struct alertlog {
	int facility;
	char *json_path;
	int json_fd;
	bool json_warned;   /* its trouble is logged once, till it is over */
	time_t json_retry;  /* when to try opening it again */
	time_t json_logged; /* when a failed write was last logged */
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

/* How often a JSON file that could not be opened is tried again, and a
 * failing write logged: the daemon goes on meanwhile. */
#define ALERTLOG_JSON_RETRY 60

/* Open (again) the JSON file; @now: the clock its retries go by. */
static int alertlog_open_json(struct alertlog *l, time_t now)
{
	if (l->json_fd >= 0)
		close(l->json_fd);
	l->json_fd = -1;
	if (!l->json_path)
		return 0;
	l->json_fd = open(l->json_path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	l->json_retry = now + ALERTLOG_JSON_RETRY;
	if (l->json_fd < 0) {
		if (!l->json_warned)
			log_warn("log.json_file %s (tried again every %d s)",
				 l->json_path, ALERTLOG_JSON_RETRY);
		l->json_warned = true;
		return -1;
	}
	if (l->json_warned)
		log_info("log.json_file %s: open", l->json_path);
	l->json_warned = false;
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
	for (size_t i = 0; i < ALERTLOG_RECENT; i++) {
		free(l->ring[i].kv);
		free(l->ring[i].json);
	}
	free(l->ring);
	free(l);
}

int alertlog_configure(struct alertlog *l, int facility,
		       const char *json_path, unsigned rate)
{
	char *p = json_path ? strdup(json_path) : NULL;

	if (json_path && !p)
		return -1;
	if (!p || !l->json_path || strcmp(p, l->json_path))
		l->json_warned = false; /* another file: its own trouble */
	free(l->json_path);
	l->json_path = p;
	l->facility = facility;
	l->rate = rate;
	return alertlog_open_json(l, time(NULL));
}

int alertlog_reopen(struct alertlog *l)
{
	return alertlog_open_json(l, time(NULL));
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

/*
 * @a formatted by @fmt, as long as it is (a path in an alert may be long),
 * with room for a newline after it; NULL without memory.
 */
static char *alertlog_format(const struct alert *a,
			     size_t (*fmt)(const struct alert *, char *,
					   size_t))
{
	char small[ALERTLOG_LINE];
	size_t n = fmt(a, small, sizeof(small));
	char *text = malloc(n + 2);

	if (!text)
		return NULL;
	if (n < sizeof(small))
		memcpy(text, small, n + 1);
	else
		fmt(a, text, n + 1);
	return text;
}

/*
 * The line @json and its newline at the end of the JSON file, in one
 * write, so that a reader never sees half an object. A write that fails
 * part way is cut back off the file, so that the next line starts a line
 * of its own; the failure is counted, and logged now and then.
 */
static void alertlog_write_json(struct alertlog *l, char *json)
{
	size_t n = strlen(json);
	ssize_t w;

	json[n] = '\n';
	w = write(l->json_fd, json, n + 1);
	json[n] = '\0';
	if (w == (ssize_t)(n + 1))
		return;
	int err = w < 0 ? errno : ENOSPC;

	/* Appending leaves the offset at the end of what was written. */
	off_t end = w > 0 ? lseek(l->json_fd, 0, SEEK_CUR) - w : -1;
	if (end >= 0 && ftruncate(l->json_fd, end) < 0)
		err = errno;
	l->st.json_errors++;
	time_t now = time(NULL);
	if (now - l->json_logged >= ALERTLOG_JSON_RETRY) {
		l->json_logged = now;
		log_warnx("log.json_file %s: %s: %" PRIu64
			  " alert lines not written so far (syslog has them)",
			  l->json_path, strerror(err), l->st.json_errors);
	}
}

/* Write one alert: syslog, the JSON file, the mirror and the ring. */
static void alertlog_write(struct alertlog *l, const struct alert *a)
{
	struct alertlog_line *line = &l->ring[l->ring_next];
	char *kv = alertlog_format(a, alert_format_kv);
	char *json = alertlog_format(a, alert_format_json);

	if (!kv || !json) {
		free(kv);
		free(json);
		log_warnx("out of memory: an alert of type %s not written",
			  alert_type_name(a->type));
		l->st.lost++;
		return;
	}
	free(line->kv);
	free(line->json);
	line->kv = kv;
	line->json = json;
	l->ring_next = (l->ring_next + 1) % ALERTLOG_RECENT;
	if (l->ring_used < ALERTLOG_RECENT)
		l->ring_used++;

	if (l->facility >= 0)
		syslog(l->facility | a->severity, "%s", kv);
	if (l->mirror)
		fprintf(l->mirror, "bunrid: %s\n", kv);
	if (l->json_fd >= 0)
		alertlog_write_json(l, json);
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
	if (l->json_path && l->json_fd < 0 && now->tv_sec >= l->json_retry)
		alertlog_open_json(l, now->tv_sec);
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
	/*
	 * The limit is for what traffic raises, which anyone on the network
	 * can multiply; the daemon's own alerts (tampering, capture loss,
	 * expiry, a changed file) are few, and a flood must not hide them.
	 */
	bool traffic = alert_type_is_traffic(a->type);

	if (l->rate && traffic && l->in_window >= l->rate) {
		l->window_suppressed++;
		l->st.suppressed++;
		if (a->severity < l->window_severity)
			l->window_severity = a->severity;
		return;
	}
	l->in_window += traffic;
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
