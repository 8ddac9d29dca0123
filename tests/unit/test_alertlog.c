// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where alerts go: the rate limit and what it spares, long lines, the
 * JSON file when writing to it fails and when it cannot be opened.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "alertlog.h"
#include "log.h"
#include "unit.h"

static char dir[] = "/tmp/test_alertlog_XXXXXX";
static char path[sizeof(dir) + 32];

static void setup(void)
{
	log_init("test_alertlog", false, LOG_LOCAL4);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
}

static void teardown(void)
{
	char sub[sizeof(dir) + 8];

	unlink(path);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
	strcpy(dir, "/tmp/test_alertlog_XXXXXX");
}

static void flow_alert(struct alert *a, unsigned i)
{
	memset(a, 0, sizeof(*a));
	a->type = ALERT_CROSS_ZONE;
	a->severity = LOG_CRIT;
	a->ts.tv_sec = 1790000000;
	a->src_zone = "lgwan";
	a->dst_zone = "mynumber";
	a->has_flow = true;
	a->proto = 6;
	addr_parse("10.2.0.7", &a->src);
	addr_parse("10.1.0.9", &a->dst);
	a->has_ports = true;
	a->sport = (uint16_t)(1024 + i);
	a->dport = 445;
	a->iface = "eth2";
	a->action = "dropped";
	a->has_counts = true;
	a->packets = 1;
	a->bytes = 74;
}

/* The file's lines, each checked to be one whole object. */
static size_t json_lines(const char *file, const char *must_have,
			 size_t *with)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	*with = 0;
	if (!f)
		return 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		ck_assert_msg(line[len - 1] == '\n', "a line without its end");
		ck_assert_msg(line[0] == '{' && line[len - 2] == '}',
			      "not one object: %s", line);
		ck_assert_ptr_null(strchr(line + 1, '{'));
		n++;
		if (must_have && strstr(line, must_have))
			(*with)++;
	}
	free(line);
	fclose(f);
	return n;
}

START_TEST(rate_limit_spares_the_daemons_own)
{
	struct alertlog *l = alertlog_new(-1, path, 3, NULL);
	struct timespec now = {.tv_sec = 1790000000};
	struct alert a;
	size_t with;

	ck_assert_ptr_nonnull(l);
	for (unsigned i = 0; i < 10; i++) {
		flow_alert(&a, i);
		alertlog_emit(l, &a, &now);
	}
	/* A flood must not hide tampering. */
	memset(&a, 0, sizeof(a));
	a.type = ALERT_RULESET_TAMPERED;
	a.severity = LOG_CRIT;
	a.ts = now;
	alert_add_num(&a, "pid", 4242);
	alertlog_emit(l, &a, &now);
	a.type = ALERT_CAPTURE_LOSS;
	alertlog_emit(l, &a, &now);
	now.tv_sec++;
	alertlog_tick(l, &now);

	ck_assert_uint_eq(json_lines(path, "\"cross-zone\"", &with), 6);
	ck_assert_uint_eq(with, 3);
	json_lines(path, "\"ruleset-tampered\"", &with);
	ck_assert_uint_eq(with, 1);
	json_lines(path, "\"capture-loss\"", &with);
	ck_assert_uint_eq(with, 1);
	json_lines(path, "\"suppressed\":7,", &with);
	ck_assert_uint_eq(with, 1);

	struct alertlog_stats st;
	alertlog_stats_get(l, &st);
	ck_assert_uint_eq(st.emitted, 6);
	ck_assert_uint_eq(st.suppressed, 7);
	alertlog_free(l);
}
END_TEST

START_TEST(long_alert_whole)
{
	/* A path longer than a line's usual room: whole in every output. */
	struct alertlog *l = alertlog_new(-1, path, 0, NULL);
	struct timespec now = {.tv_sec = 1790000000};
	char file[3001];
	struct alert a;
	size_t with;

	memset(file, 'x', sizeof(file) - 1);
	file[0] = '/';
	file[sizeof(file) - 1] = '\0';
	memset(&a, 0, sizeof(a));
	a.type = ALERT_CONFIG_CHANGED;
	a.severity = LOG_WARNING;
	a.ts = now;
	alert_add_str(&a, "file", file);
	alert_add_str(&a, "disk_sha256", "ab12");
	alertlog_emit(l, &a, &now);
	ck_assert_uint_eq(json_lines(path, "\"disk_sha256\":\"ab12\"}", &with),
			  1);
	ck_assert_uint_eq(with, 1);

	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	alertlog_recent(l, 1, false, m);
	fclose(m);
	ck_assert_uint_gt(len, sizeof(file));
	ck_assert_ptr_nonnull(strstr(buf, " disk_sha256=ab12\n"));
	free(buf);
	alertlog_free(l);
}
END_TEST

START_TEST(failed_write_leaves_whole_lines)
{
	/*
	 * The file may grow to a limit (as a full disk stops it): a line
	 * that does not fit whole is cut back off, and once there is room
	 * again the next line starts a line of its own.
	 */
	struct alertlog *l = alertlog_new(-1, path, 0, NULL);
	struct timespec now = {.tv_sec = 1790000000};
	struct rlimit lim = {.rlim_cur = 1000, .rlim_max = RLIM_INFINITY};
	struct alert a;
	size_t with;

	ck_assert_ptr_nonnull(l);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned i = 0; i < 20; i++) {
		flow_alert(&a, i);
		alertlog_emit(l, &a, &now);
	}
	struct alertlog_stats st;
	alertlog_stats_get(l, &st);
	ck_assert_uint_gt(st.json_errors, 0);
	size_t kept = json_lines(path, NULL, &with);
	ck_assert_uint_eq(kept + st.json_errors, 20);

	lim.rlim_cur = RLIM_INFINITY;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	flow_alert(&a, 99);
	alertlog_emit(l, &a, &now);
	ck_assert_uint_eq(json_lines(path, "\"sport\":1123,", &with), kept + 1);
	ck_assert_uint_eq(with, 1);
	alertlog_free(l);
}
END_TEST

START_TEST(json_file_tried_again)
{
	/* Its directory made after start: the file is opened on a later
	 * tick, without a reload. */
	char sub[sizeof(dir) + 8], file[sizeof(sub) + 16];
	struct timespec now = {.tv_sec = 1790000000};
	struct alert a;
	size_t with;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/a.jsonl", sub);
	struct alertlog *l = alertlog_new(-1, file, 0, NULL);
	ck_assert_ptr_nonnull(l);
	flow_alert(&a, 1);
	alertlog_emit(l, &a, &now);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	now.tv_sec = time(NULL) + 61;
	alertlog_tick(l, &now);
	flow_alert(&a, 2);
	alertlog_emit(l, &a, &now);
	ck_assert_uint_eq(json_lines(file, "\"sport\":1026,", &with), 1);
	ck_assert_uint_eq(with, 1);
	alertlog_free(l);
	unlink(file);
}
END_TEST

static Suite *alertlog_suite(void)
{
	Suite *s = suite_create("alertlog");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rate_limit_spares_the_daemons_own);
	tcase_add_test(tc, long_alert_whole);
	tcase_add_test(tc, failed_write_leaves_whole_lines);
	tcase_add_test(tc, json_file_tried_again);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(alertlog_suite)
