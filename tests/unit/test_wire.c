// SPDX-License-Identifier: GPL-2.0-or-later
/* The privilege-separation messages: round trips and hostile input. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "unit.h"
#include "wire.h"

static struct conf *conf;

static void setup(void)
{
	conf = conf_load(TEST_SRCDIR "/conf/bunri.conf", 20261123, stderr);
	ck_assert_ptr_nonnull(conf);
}

static void teardown(void)
{
	conf_free(conf);
}

static void sample_alert(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->type = ALERT_CROSS_ZONE;
	a->severity = LOG_CRIT;
	a->ts.tv_sec = 1790000000;
	a->ts.tv_nsec = 123456000;
	a->src_zone = "lgwan";
	a->dst_zone = "mynumber";
	a->has_flow = true;
	a->proto = IPPROTO_TCP;
	addr_parse("10.2.0.7", &a->src);
	addr_parse("10.1.0.9", &a->dst);
	a->has_ports = true;
	a->sport = 51514;
	a->dport = 445;
	a->iface = "eth2";
	a->action = "dropped";
	a->has_counts = true;
	a->packets = 1;
	a->bytes = 74;
	alert_add_str(a, "iface_zone", "lgwan");
	alert_add_num(a, "received", 42);
}

static void kv(const struct alert *a, char *buf, size_t len)
{
	alert_format_kv(a, buf, len);
}

START_TEST(alert_round_trip)
{
	struct alert a, b;
	struct wire_alert w;
	const char *why = NULL;
	char x[512], y[512];

	sample_alert(&a);
	wire_alert_encode(&a, &w);
	ck_assert_int_eq(wire_type_of(&w, sizeof(w), &why), WIRE_ALERT);
	ck_assert_int_eq(wire_alert_decode(&w, sizeof(w), conf, &b, &why), 0);
	kv(&a, x, sizeof(x));
	kv(&b, y, sizeof(y));
	ck_assert_str_eq(x, y);
}
END_TEST

/* Each hostile change must be refused with a reason. */
static void expect_refused(struct wire_alert *w, size_t len)
{
	struct alert b;
	const char *why = NULL;

	ck_assert_int_eq(wire_alert_decode(w, len, conf, &b, &why), -1);
	ck_assert_ptr_nonnull(why);
}

START_TEST(alert_hostile)
{
	struct alert a;
	struct wire_alert w, bad;

	sample_alert(&a);
	wire_alert_encode(&a, &w);

	expect_refused(&w, sizeof(w) - 1);
	bad = w;
	bad.type = ALERT_TYPE_MAX;
	expect_refused(&bad, sizeof(bad));
	/* Alerts only the daemon raises, forged by the capture process. */
	static const enum alert_type forged[] = {
	    ALERT_RULESET_TAMPERED, ALERT_RULESET_RESTORED,
	    ALERT_CONFIG_CHANGED, ALERT_CHANNEL_EXPIRING,
	    ALERT_CHANNEL_EXPIRED, ALERT_SUPPRESSED};
	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		bad = w;
		bad.type = forged[i];
		expect_refused(&bad, sizeof(bad));
	}
	bad = w;
	bad.severity = 8;
	expect_refused(&bad, sizeof(bad));
	bad = w;
	bad.nsec = 1000000000;
	expect_refused(&bad, sizeof(bad));
	bad = w;
	bad.n_strs = WIRE_ALERT_STRS + 1;
	expect_refused(&bad, sizeof(bad));
	bad = w;
	bad.src_family = 99;
	expect_refused(&bad, sizeof(bad));
	bad = w;
	bad.has_icmp = 1; /* ports and ICMP at once */
	expect_refused(&bad, sizeof(bad));
	/* An unterminated string. */
	bad = w;
	memset(bad.strs[0].value, 'A', sizeof(bad.strs[0].value));
	expect_refused(&bad, sizeof(bad));
	/* A zone the configuration does not have. */
	bad = w;
	strcpy(bad.strs[0].value, "nowhere");
	expect_refused(&bad, sizeof(bad));
	/* An interface not captured. */
	bad = w;
	strcpy(bad.strs[2].value, "wlan9");
	expect_refused(&bad, sizeof(bad));
	/* A key outside the allowed set, and a number posing as a string. */
	bad = w;
	strcpy(bad.strs[4].key, "admin");
	expect_refused(&bad, sizeof(bad));
	bad = w;
	bad.strs[4].is_num = 1;
	expect_refused(&bad, sizeof(bad));
	/* Control bytes in a value (log injection). */
	bad = w;
	strcpy(bad.strs[3].value, "dropped\nalert=fake");
	expect_refused(&bad, sizeof(bad));
	bad = w;
	strcpy(bad.strs[3].value, "allowed");
	expect_refused(&bad, sizeof(bad));
}
END_TEST

START_TEST(header_hostile)
{
	struct wire_hdr h = { .magic = WIRE_MAGIC, .type = WIRE_ALERT,
			      .len = sizeof(h) };
	const char *why;

	ck_assert_int_eq(wire_type_of(&h, sizeof(h) - 1, &why), -1);
	h.magic = 0;
	ck_assert_int_eq(wire_type_of(&h, sizeof(h), &why), -1);
	h.magic = WIRE_MAGIC;
	h.type = 77;
	ck_assert_int_eq(wire_type_of(&h, sizeof(h), &why), -1);
	h.type = WIRE_STATS;
	h.len = 5000; /* says more than arrived */
	ck_assert_int_eq(wire_type_of(&h, sizeof(h), &why), -1);
}
END_TEST

START_TEST(stats_and_pairs)
{
	static struct wire_stats s;
	const char *why;
	size_t n = conf->n_zones + 1;
	size_t size = wire_pairs_size(n);
	struct wire_pairs *p = calloc(1, size);

	memset(&s, 0, sizeof(s));
	s.h.magic = WIRE_MAGIC;
	s.h.type = WIRE_STATS;
	s.h.len = sizeof(s);
	s.n_ifs = 1;
	strcpy(s.ifs[0].name, "eth0");
	strcpy(s.ifs[0].error, "That device is not up");
	ck_assert_int_eq(wire_stats_check(&s, sizeof(s), conf, &why), 0);
	/* An interface the configuration does not capture on. */
	strcpy(s.ifs[0].name, "eth9");
	ck_assert_int_eq(wire_stats_check(&s, sizeof(s), conf, &why), -1);
	ck_assert_str_eq(why, "stats interface not in the configuration");
	strcpy(s.ifs[0].name, "eth0");
	s.n_ifs = WIRE_MAX_IFS + 1;
	ck_assert_int_eq(wire_stats_check(&s, sizeof(s), conf, &why), -1);
	s.n_ifs = 1;
	s.ifs[0].error[3] = '\033';
	ck_assert_int_eq(wire_stats_check(&s, sizeof(s), conf, &why), -1);
	s.ifs[0].error[3] = 'x';
	memset(s.ifs[0].name, 'e', sizeof(s.ifs[0].name));
	ck_assert_int_eq(wire_stats_check(&s, sizeof(s), conf, &why), -1);

	p->h.magic = WIRE_MAGIC;
	p->h.type = WIRE_PAIRS;
	p->h.len = size;
	p->n = n;
	p->row = n - 1;
	ck_assert_int_eq(wire_pairs_check(p, size, conf, &why), 0);
	p->row = n;
	ck_assert_int_eq(wire_pairs_check(p, size, conf, &why), -1);
	p->row = 0;
	p->n = n + 1;
	ck_assert_int_eq(wire_pairs_check(p, size, conf, &why), -1);
	p->n = n;
	ck_assert_int_eq(wire_pairs_check(p, size - 1, conf, &why), -1);
	free(p);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alert_round_trip);
	tcase_add_test(tc, alert_hostile);
	tcase_add_test(tc, header_hostile);
	tcase_add_test(tc, stats_and_pairs);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wire_suite)
