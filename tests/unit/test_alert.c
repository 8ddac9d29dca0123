// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of alert: the key=value line and the JSON-lines object. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "alert.h"
#include "unit.h"

/* 2026-11-23T01:15:02.123456Z, the DESIGN.md example's moment. */
#define EXAMPLE_SEC  1795396502
#define EXAMPLE_NSEC 123456789

static void set_tz(const char *tz)
{
	ck_assert_int_eq(setenv("TZ", tz, 1), 0);
	tzset();
}

static struct addr addr_of(const char *s)
{
	struct addr a;

	ck_assert_msg(addr_parse(s, &a) == 0, "bad address %s", s);
	return a;
}

/* The alert of DESIGN.md "Alerts". */
static void example(struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->type = ALERT_CROSS_ZONE;
	a->severity = LOG_CRIT;
	a->ts.tv_sec = EXAMPLE_SEC;
	a->ts.tv_nsec = EXAMPLE_NSEC;
	a->src_zone = "lgwan";
	a->dst_zone = "mynumber";
	a->has_flow = true;
	a->proto = IPPROTO_TCP;
	a->src = addr_of("10.2.0.7");
	a->dst = addr_of("10.1.0.9");
	a->has_ports = true;
	a->sport = 51514;
	a->dport = 445;
	a->iface = "eth2";
	a->action = "dropped";
	a->has_counts = true;
	a->packets = 1;
	a->bytes = 74;
}

static const char *kv(const struct alert *a)
{
	static char buf[2048];
	size_t n = alert_format_kv(a, buf, sizeof(buf));

	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

/*
 * A small strict JSON checker: enough of RFC 8259 to reject what a broken
 * encoder would produce (raw control bytes, bad escapes, malformed UTF-8,
 * stray commas, unbalanced braces).
 */
static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *js_utf8(const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned cp, n;

	if (s[0] < 0x80)
		return p + 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return NULL;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return NULL;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return NULL;
	return p + n;
}

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (hexval(p[i]) < 0)
						return NULL;
				p += 5;
			} else if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
			} else {
				return NULL;
			}
			continue;
		}
		p = js_utf8(p);
		if (!p)
			return NULL;
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	return p;
}

static const char *js_value(const char *p);

static const char *js_object(const char *p)
{
	if (*p++ != '{')
		return NULL;
	p = js_ws(p);
	if (*p == '}')
		return p + 1;
	for (;;) {
		p = js_string(js_ws(p));
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p++ != ':')
			return NULL;
		p = js_value(js_ws(p));
		if (!p)
			return NULL;
		p = js_ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *p)
{
	if (*p == '"')
		return js_string(p);
	if (*p == '{')
		return js_object(p);
	return js_number(p);
}

static bool json_valid(const char *s)
{
	const char *end = js_object(js_ws(s));

	return end && *js_ws(end) == '\0';
}

static const char *json(const struct alert *a)
{
	static char buf[4096];
	size_t n = alert_format_json(a, buf, sizeof(buf));

	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_msg(json_valid(buf), "invalid JSON: %s", buf);
	return buf;
}

START_TEST(test_kv_design_example)
{
	struct alert a;

	example(&a);
	ck_assert_str_eq(kv(&a),
			 "alert=cross-zone severity=crit src_zone=lgwan "
			 "dst_zone=mynumber proto=tcp src=10.2.0.7 sport=51514 "
			 "dst=10.1.0.9 dport=445 iface=eth2 action=dropped "
			 "packets=1 bytes=74");
}
END_TEST

START_TEST(test_kv_icmp)
{
	struct alert a;

	example(&a);
	a.proto = IPPROTO_ICMP;
	a.has_ports = false;
	a.has_icmp = true;
	a.icmp_type = 8;
	a.icmp_code = 0;
	a.action = "observed";
	ck_assert_str_eq(kv(&a), "alert=cross-zone severity=crit "
				 "src_zone=lgwan dst_zone=mynumber proto=icmp "
				 "src=10.2.0.7 dst=10.1.0.9 icmp_type=8 "
				 "icmp_code=0 iface=eth2 action=observed "
				 "packets=1 bytes=74");

	a.proto = IPPROTO_ICMPV6;
	a.src = addr_of("fd00:2::7");
	a.dst = addr_of("fd00:1::9");
	a.icmp_type = 128;
	a.icmp_code = 3;
	ck_assert_str_eq(kv(&a), "alert=cross-zone severity=crit "
				 "src_zone=lgwan dst_zone=mynumber "
				 "proto=icmpv6 src=fd00:2::7 dst=fd00:1::9 "
				 "icmp_type=128 icmp_code=3 iface=eth2 "
				 "action=observed packets=1 bytes=74");
}
END_TEST

START_TEST(test_kv_no_transport)
{
	struct alert a;

	/* A non-first fragment: neither ports nor ICMP fields. */
	example(&a);
	a.proto = IPPROTO_UDP;
	a.has_ports = false;
	a.has_icmp = false;
	ck_assert_str_eq(kv(&a), "alert=cross-zone severity=crit "
				 "src_zone=lgwan dst_zone=mynumber proto=udp "
				 "src=10.2.0.7 dst=10.1.0.9 iface=eth2 "
				 "action=dropped packets=1 bytes=74");

	/* An unknown protocol prints as its number. */
	a.proto = 47;
	ck_assert_ptr_nonnull(strstr(kv(&a), " proto=47 src="));
}
END_TEST

START_TEST(test_kv_absent_keys)
{
	struct alert a;

	/* No flow, no zones, no iface (offline audit), no counts. */
	memset(&a, 0, sizeof(a));
	a.type = ALERT_RULESET_TAMPERED;
	a.severity = LOG_ALERT;
	alert_add_num(&a, "pid", 4242);
	alert_add_str(&a, "comm", "nft");
	alert_add_str(&a, "absent", NULL);
	ck_assert_str_eq(kv(&a), "alert=ruleset-tampered severity=alert "
				 "pid=4242 comm=nft");

	/* src_zone "none" is what detection passes for no zone. */
	example(&a);
	a.type = ALERT_UNZONED;
	a.dst_zone = "none";
	a.iface = NULL;
	a.action = NULL;
	a.has_counts = false;
	ck_assert_str_eq(kv(&a), "alert=unzoned severity=crit src_zone=lgwan "
				 "dst_zone=none proto=tcp src=10.2.0.7 "
				 "sport=51514 dst=10.1.0.9 dport=445");
}
END_TEST

START_TEST(test_kv_ipv6_canonical)
{
	struct alert a;

	example(&a);
	a.src = addr_of("FD00:0001:0000:0000:0000:0000:0000:0007");
	a.dst = addr_of("2001:db8:0:0:1:0:0:1");
	ck_assert_ptr_nonnull(strstr(
	    kv(&a), " src=fd00:1::7 sport=51514 dst=2001:db8::1:0:0:1 "));
	a.dst = addr_of("::ffff:10.1.0.9");
	ck_assert_ptr_nonnull(strstr(kv(&a), " dst=::ffff:10.1.0.9 "));
	ck_assert_ptr_nonnull(strstr(json(&a), "\"dst\":\"::ffff:10.1.0.9\""));
}
END_TEST

START_TEST(test_kv_quoting)
{
	struct alert a;

	memset(&a, 0, sizeof(a));
	a.type = ALERT_CONFIG_CHANGED;
	a.severity = LOG_WARNING;
	alert_add_str(&a, "file", "/etc/bunri/bunri.conf");
	alert_add_str(&a, "sp", "two words");
	alert_add_str(&a, "q", "say \"hi\" \\o/");
	alert_add_str(&a, "eq", "a=b");
	alert_add_str(&a, "ctl", "x\ny\t\x7f");
	alert_add_str(&a, "empty", "");
	/* UTF-8 is quoted, as it is; a stray byte is escaped. */
	alert_add_str(&a, "desc", "マイナンバー利用事務系");
	alert_add_str(&a, "bad", "a\xff\xe3\x83z");
	ck_assert_str_eq(kv(&a), "alert=config-changed severity=warning "
				 "file=/etc/bunri/bunri.conf sp=\"two words\" "
				 "q=\"say \\\"hi\\\" \\\\o/\" eq=\"a=b\" "
				 "ctl=\"x\\x0ay\\x09\\x7f\" empty=\"\" "
				 "desc=\"マイナンバー利用事務系\" "
				 "bad=\"a\\xff\\xe3\\x83z\"");

	/*
	 * Unicode spaces (U+3000, U+00A0) a reader may split on: quoted.
	 * Characters a reader may end a line at (NEL, U+2028): escaped. A
	 * backslash: quoted and escaped, so no reader takes it for one.
	 */
	memset(&a, 0, sizeof(a));
	a.type = ALERT_CONFIG_CHANGED;
	a.severity = LOG_WARNING;
	alert_add_str(&a, "file", "/etc/設定\xe3\x80\x80ファイル");
	alert_add_str(&a, "nbsp", "a\xc2\xa0" "b");
	alert_add_str(&a, "nel", "x\xc2\x85y");
	alert_add_str(&a, "ls", "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c");
	alert_add_str(&a, "bs", "back\\slash");
	ck_assert_str_eq(kv(&a), "alert=config-changed severity=warning "
				 "file=\"/etc/設定\xe3\x80\x80ファイル\" "
				 "nbsp=\"a\xc2\xa0" "b\" "
				 "nel=\"x\\xc2\\x85y\" "
				 "ls=\"a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9c\" "
				 "bs=\"back\\\\slash\"");

	memset(&a, 0, sizeof(a));
	a.severity = LOG_INFO;
	a.type = ALERT_CAPTURE_LOSS;
	a.iface = "a\\b";
	ck_assert_str_eq(kv(&a),
			 "alert=capture-loss severity=info iface=\"a\\\\b\"");
}
END_TEST

START_TEST(test_extra_limit)
{
	struct alert a;
	char key[ALERT_MAX_EXTRA + 2][16];

	memset(&a, 0, sizeof(a));
	a.type = ALERT_SUPPRESSED;
	a.severity = LOG_NOTICE;
	for (int i = 0; i < ALERT_MAX_EXTRA + 2; i++) {
		snprintf(key[i], sizeof(key[i]), "k%u", (unsigned)i);
		alert_add_num(&a, key[i], (uint64_t)i);
	}
	ck_assert_uint_eq(a.n_extra, ALERT_MAX_EXTRA);
	ck_assert_str_eq(kv(&a), "alert=alert-suppressed severity=notice "
				 "k0=0 k1=1 k2=2 k3=3 k4=4 k5=5 k6=6 k7=7");
}
END_TEST

START_TEST(test_names)
{
	char buf[8];
	static const char *const types[] = {
	    "cross-zone",     "unzoned",	  "spoofed-source",
	    "unknown-device", "ruleset-tampered", "ruleset-restored",
	    "config-changed", "channel-expiring", "channel-expired",
	    "capture-loss",   "alert-suppressed",
	};
	static const char *const sev[] = {"emerg",   "alert",  "crit", "err",
					  "warning", "notice", "info", "debug"};

	ck_assert_uint_eq(sizeof(types) / sizeof(types[0]), ALERT_TYPE_MAX);
	for (int t = 0; t < ALERT_TYPE_MAX; t++)
		ck_assert_str_eq(alert_type_name((enum alert_type)t), types[t]);
	ck_assert_str_eq(alert_type_name(ALERT_TYPE_MAX), "unknown");
	for (int s = LOG_EMERG; s <= LOG_DEBUG; s++)
		ck_assert_str_eq(alert_severity_name(s), sev[s]);
	ck_assert_str_eq(alert_severity_name(LOG_LOCAL4 | LOG_ERR), "err");
	ck_assert_str_eq(alert_severity_name(-1), "unknown");
	ck_assert_str_eq(alert_proto_name(6, buf, sizeof(buf)), "tcp");
	ck_assert_str_eq(alert_proto_name(17, buf, sizeof(buf)), "udp");
	ck_assert_str_eq(alert_proto_name(1, buf, sizeof(buf)), "icmp");
	ck_assert_str_eq(alert_proto_name(58, buf, sizeof(buf)), "icmpv6");
	ck_assert_str_eq(alert_proto_name(132, buf, sizeof(buf)), "132");
	ck_assert_str_eq(alert_proto_name(0, buf, sizeof(buf)), "0");
}
END_TEST

START_TEST(test_json_design_example)
{
	struct alert a;

	set_tz("Asia/Tokyo");
	example(&a);
	ck_assert_str_eq(
	    json(&a), "{\"ts\":\"2026-11-23T10:15:02.123456+09:00\","
		      "\"alert\":\"cross-zone\",\"severity\":\"crit\","
		      "\"src_zone\":\"lgwan\",\"dst_zone\":\"mynumber\","
		      "\"proto\":\"tcp\",\"src\":\"10.2.0.7\",\"sport\":51514,"
		      "\"dst\":\"10.1.0.9\",\"dport\":445,\"iface\":\"eth2\","
		      "\"action\":\"dropped\",\"packets\":1,\"bytes\":74}");

	a.proto = IPPROTO_ICMP;
	a.has_ports = false;
	a.has_icmp = true;
	a.icmp_type = 3;
	a.icmp_code = 13;
	a.has_counts = false;
	alert_add_num(&a, "repeats", UINT64_MAX);
	alert_add_str(&a, "channel", "vdi");
	ck_assert_str_eq(
	    json(&a), "{\"ts\":\"2026-11-23T10:15:02.123456+09:00\","
		      "\"alert\":\"cross-zone\",\"severity\":\"crit\","
		      "\"src_zone\":\"lgwan\",\"dst_zone\":\"mynumber\","
		      "\"proto\":\"icmp\",\"src\":\"10.2.0.7\","
		      "\"dst\":\"10.1.0.9\",\"icmp_type\":3,\"icmp_code\":13,"
		      "\"iface\":\"eth2\",\"action\":\"dropped\","
		      "\"repeats\":18446744073709551615,\"channel\":\"vdi\"}");
}
END_TEST

START_TEST(test_json_escaping)
{
	struct alert a;

	set_tz("UTC");
	memset(&a, 0, sizeof(a));
	a.type = ALERT_CHANNEL_EXPIRING;
	a.severity = LOG_WARNING;
	a.ts.tv_sec = 0;
	alert_add_str(&a, "desc", "インターネット接続系");
	alert_add_str(&a, "q", "say \"hi\" \\o/ a=b");
	alert_add_str(&a, "ctl", "\x01\n\x1f\x7f");
	/* Stray continuation, truncated sequence, overlong '/', surrogate. */
	alert_add_str(&a, "bad", "\x80x\xe3\x83y\xc0\xafz\xed\xa0\x80");
	alert_add_str(&a, "k\"ey", "v");
	alert_add_str(&a, "max", "\xf4\x8f\xbf\xbf");
	alert_add_str(&a, "over", "\xf4\x90\x80\x80");
	ck_assert_str_eq(
	    json(&a), "{\"ts\":\"1970-01-01T00:00:00.000000+00:00\","
		      "\"alert\":\"channel-expiring\",\"severity\":\"warning\","
		      "\"desc\":\"インターネット接続系\","
		      "\"q\":\"say \\\"hi\\\" \\\\o/ a=b\","
		      "\"ctl\":\"\\u0001\\u000a\\u001f\\u007f\","
		      "\"bad\":\"\\ufffdx\\ufffd\\ufffdy\\ufffd\\ufffdz"
		      "\\ufffd\\ufffd\\ufffd\","
		      "\"k\\\"ey\":\"v\","
		      "\"max\":\"\xf4\x8f\xbf\xbf\","
		      "\"over\":\"\\ufffd\\ufffd\\ufffd\\ufffd\"}");
}
END_TEST

START_TEST(test_json_ts_zones)
{
	struct alert a;

	example(&a);
	set_tz("Asia/Tokyo");
	ck_assert_ptr_nonnull(
	    strstr(json(&a), "\"ts\":\"2026-11-23T10:15:02.123456+09:00\""));
	set_tz("UTC");
	ck_assert_ptr_nonnull(
	    strstr(json(&a), "\"ts\":\"2026-11-23T01:15:02.123456+00:00\""));
	/* A negative offset that is not whole hours (NST, UTC-3:30). */
	set_tz("America/St_Johns");
	ck_assert_ptr_nonnull(
	    strstr(json(&a), "\"ts\":\"2026-11-22T21:45:02.123456-03:30\""));
	/* POSIX TZ strings work without tzdata. */
	set_tz("JST-9");
	ck_assert_ptr_nonnull(
	    strstr(json(&a), "\"ts\":\"2026-11-23T10:15:02.123456+09:00\""));
	/* Microseconds keep their leading zeros; nanoseconds truncate. */
	a.ts.tv_nsec = 1999;
	ck_assert_ptr_nonnull(
	    strstr(json(&a), "\"ts\":\"2026-11-23T10:15:02.000001+09:00\""));
	set_tz("UTC");
}
END_TEST

/*
 * The date and offset are kept for the last second formatted: the next
 * second, a step back and a day later must each be computed afresh.
 */
START_TEST(test_json_ts_seconds)
{
	static const struct {
		time_t sec;
		const char *want;
	} v[] = {
	    {EXAMPLE_SEC, "\"ts\":\"2026-11-23T10:15:02.123456+09:00\""},
	    {EXAMPLE_SEC + 1, "\"ts\":\"2026-11-23T10:15:03.123456+09:00\""},
	    {EXAMPLE_SEC, "\"ts\":\"2026-11-23T10:15:02.123456+09:00\""},
	    {EXAMPLE_SEC + 86400 + 3600,
	     "\"ts\":\"2026-11-24T11:15:02.123456+09:00\""},
	    {EXAMPLE_SEC + 86400 + 3600,
	     "\"ts\":\"2026-11-24T11:15:02.123456+09:00\""},
	};
	struct alert a;

	set_tz("Asia/Tokyo");
	example(&a);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		a.ts.tv_sec = v[i].sec;
		ck_assert_msg(strstr(json(&a), v[i].want), "%zu: %s", i,
			      json(&a));
	}
}
END_TEST

/* Dotted quads are formatted by hand: the same text as addr_format(). */
START_TEST(test_ipv4_text)
{
	static const char *const v[] = {"0.0.0.0", "255.255.255.255",
					"1.20.100.9", "10.0.0.100",
					"192.168.10.1"};
	struct alert a;
	char want[128];

	example(&a);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		a.src = addr_of(v[i]);
		a.dst = addr_of(v[(i + 1) % 5]);
		snprintf(want, sizeof(want), " src=%s sport=51514 dst=%s ",
			 v[i], v[(i + 1) % 5]);
		ck_assert_msg(strstr(kv(&a), want), "%s", kv(&a));
		snprintf(want, sizeof(want), "\"src\":\"%s\",", v[i]);
		ck_assert_msg(strstr(json(&a), want), "%s", json(&a));
	}
}
END_TEST

/*
 * For every buffer size from 0 to beyond the need, the output is the
 * full text cut to fit, always terminated, and the return value does not
 * change. Each buffer is allocated at its exact size so ASan catches a
 * write one byte past it.
 */
static void check_truncation(size_t (*fmt)(const struct alert *, char *,
					   size_t),
			     const struct alert *a)
{
	char full[4096];
	size_t need = fmt(a, full, sizeof(full));

	ck_assert_uint_eq(need, strlen(full));
	ck_assert_uint_eq(fmt(a, NULL, 0), need);
	for (size_t len = 1; len <= need + 2; len++) {
		char *buf = malloc(len);

		ck_assert_ptr_nonnull(buf);
		memset(buf, 'Z', len);
		ck_assert_uint_eq(fmt(a, buf, len), need);
		size_t got = len - 1 < need ? len - 1 : need;
		ck_assert_uint_eq(strlen(buf), got);
		ck_assert_int_eq(memcmp(buf, full, got), 0);
		free(buf);
	}
}

START_TEST(test_truncation)
{
	struct alert a;
	char one = 'Q';

	set_tz("Asia/Tokyo");
	example(&a);
	alert_add_str(&a, "desc", "LGWAN接続系 \"x\"\n");
	alert_add_str(&a, "bad", "\xff");
	check_truncation(alert_format_kv, &a);
	check_truncation(alert_format_json, &a);

	/* Addresses and numbers of every length are made in place when
	 * they fit and through a copy when they do not: both ways, at
	 * each cut. */
	example(&a);
	a.src = addr_of("fd00:1234:5:67::89ab:cdef");
	a.dst = addr_of("::ffff:192.0.2.200");
	a.packets = UINT64_MAX;
	a.bytes = 1234567890123ull;
	a.ts.tv_nsec = 7000;
	check_truncation(alert_format_kv, &a);
	check_truncation(alert_format_json, &a);

	/* A buffer of one byte holds only the terminator. */
	ck_assert_uint_gt(alert_format_kv(&a, &one, 1), 0);
	ck_assert_int_eq(one, '\0');
	one = 'Q';
	ck_assert_uint_gt(alert_format_json(&a, &one, 1), 0);
	ck_assert_int_eq(one, '\0');
}
END_TEST

/* @a into exactly the room alert_json_max() promises is enough for (an
 * allocation of that size: ASan sees a byte written past it), the same
 * text as through the checks of a buffer cut to its length. */
static void check_json_max(const struct alert *a)
{
	size_t need = alert_format_json(a, NULL, 0);
	size_t max = alert_json_max(a);

	ck_assert_uint_ge(max, need);
	char *fast = malloc(max + 1), *exact = malloc(need + 1);
	ck_assert_ptr_nonnull(fast);
	ck_assert_ptr_nonnull(exact);
	ck_assert_uint_eq(alert_format_json(a, fast, max + 1), need);
	ck_assert_uint_eq(alert_format_json(a, exact, need + 1), need);
	ck_assert_str_eq(fast, exact);
	free(fast);
	free(exact);
}

/* The longest alerts: every field at its longest, in each shape. */
START_TEST(test_json_max)
{
	static const char *const addrs[] = {
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "::ffff:255.255.255.255", "255.255.255.255",
	    "1111:2222:3333:4444:5555:6666:7777:8888", "::"};
	static const char *const tzs[] = {"UTC", "Asia/Tokyo",
					  "<+1234567890>-23:59:59"};
	char zone[65], iface[] = "\x01\x02\"\\\x1f\x7f\xff\xfe\x03\x04\x05\x06\x07\x08\x0b";
	struct alert a;

	memset(zone, 'z', sizeof(zone) - 1);
	zone[sizeof(zone) - 1] = '\0';
	for (size_t t = 0; t < sizeof(tzs) / sizeof(tzs[0]); t++) {
		set_tz(tzs[t]);
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			example(&a);
			a.type = ALERT_RULESET_TAMPERED;
			a.severity = LOG_WARNING;
			/* In the year 2 147 481 000 or so: 13 digits. */
			a.ts.tv_sec = 67767976233316800 - 3600 * 24 * 400;
			a.ts.tv_nsec = 999999999;
			a.src_zone = zone;
			a.dst_zone = zone;
			a.proto = IPPROTO_ICMPV6;
			a.src = addr_of(addrs[i]);
			a.dst = addr_of(addrs[(i + 1) % 5]);
			a.iface = iface;
			a.action = "observed";
			a.packets = UINT64_MAX;
			a.bytes = UINT64_MAX;
			check_json_max(&a);
			a.has_ports = false;
			a.has_icmp = true;
			a.icmp_type = 255;
			a.icmp_code = 255;
			check_json_max(&a);
			a.proto = 255;
			a.has_icmp = false;
			a.iface = NULL;
			check_json_max(&a);
		}
	}
	/* With extras there is no bound. */
	alert_add_str(&a, "desc", "x");
	ck_assert_uint_eq(alert_json_max(&a), SIZE_MAX);
}
END_TEST

/*
 * The cached formatter against the plain one: alerts of every shape, with
 * names whose pointers repeat (the cache's hits) and names that change
 * from alert to alert (its misses, past the table's size), into a roomy
 * buffer (its fast way), the exact room, and buffers cut short.
 */
/* A number of any length, 1 to 20 digits, from @x. */
static uint64_t any_length(unsigned x)
{
	uint64_t v = (uint64_t)x * 0x9e3779b97f4a7c15ull, p = 1;
	unsigned digits = x % 21;

	if (digits == 20)
		return UINT64_MAX - x;
	for (unsigned i = 0; i < digits; i++)
		p *= 10;
	return v % p;
}

static void check_cached(struct alert_json_cache *c, const struct alert *a)
{
	char want[4096], got[4096];
	size_t need = alert_format_json(a, want, sizeof(want));

	ck_assert_uint_lt(need, sizeof(want));
	memset(got, 'X', sizeof(got));
	ck_assert_uint_eq(alert_format_json_cached(c, a, got, sizeof(got)),
			  need);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(alert_format_json_cached(c, a, got, need + 1), need);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(alert_format_json_cached(c, a, got, need / 2), need);
	ck_assert_int_eq(strncmp(got, want, need / 2 - 1), 0);
	ck_assert_uint_eq(strlen(got), need / 2 - 1);
}

/* The numbers of @a in its text, as printf() writes them. */
static void check_numbers(struct alert_json_cache *c, const struct alert *a)
{
	char got[4096], want[128];

	alert_format_json_cached(c, a, got, sizeof(got));
	snprintf(want, sizeof(want), ",\"packets\":%llu,\"bytes\":%llu}",
		 (unsigned long long)a->packets, (unsigned long long)a->bytes);
	ck_assert_msg(strstr(got, want), "%s lacks %s", got, want);
	if (a->has_ports)
		snprintf(want, sizeof(want), "\"sport\":%u,", a->sport);
	else
		snprintf(want, sizeof(want), "\"icmp_type\":%u,", a->icmp_type);
	ck_assert_msg(strstr(got, want), "%s lacks %s", got, want);
	if (a->has_ports)
		snprintf(want, sizeof(want), "\"dport\":%u,", a->dport);
	else
		snprintf(want, sizeof(want), "\"icmp_code\":%u,", a->icmp_code);
	ck_assert_msg(strstr(got, want), "%s lacks %s", got, want);
}

START_TEST(test_json_cached_same_text)
{
	static const char *const addrs[] = {"10.2.0.7",
					    "192.168.255.1",
					    "0.0.0.0",
					    "fd00:0:dcc:d57b::1",
					    "fe80::1",
					    "::ffff:10.1.2.3",
					    "2001:db8:0:1:2:3:4:5",
					    "::"};
	/* The last name but one is too long for the cache's text: alerts
	 * naming it go the plain way. */
	static const char *const zones[] = {
	    "lgwan", "mynumber", "internet", "none", "z_9-a",
	    "a_zone_name_of_one_hundred_and_twenty_characters_which_is_"
	    "longer_than_any_administrator_would_write_but_still_valid_xx",
	    NULL};
	static const char *const ifaces[] = {NULL, "eth1", "br-\"x\"\x01"};
	static const char *const actions[] = {"observed", "dropped", NULL};
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					 IPPROTO_ICMPV6, 47};
	static const char *const tzs[] = {"UTC", "Asia/Tokyo"};
	struct alert_json_cache *c = alert_json_cache_new();
	char names[700][12];
	unsigned seed = 7;
	struct alert a;

	ck_assert_ptr_nonnull(c);
	for (size_t i = 0; i < 700; i++)
		snprintf(names[i], sizeof(names[i]), "zone%zu", i);
	for (size_t t = 0; t < 2; t++) {
		set_tz(tzs[t]);
		for (int round = 0; round < 20000; round++) {
			unsigned r = (unsigned)rand_r(&seed);

			example(&a);
			a.type = (enum alert_type)(r % ALERT_TYPE_MAX);
			a.severity = (int)(r >> 4) % 8;
			/* A fifth of the alerts name a zone seen once in a
			 * while: more kinds than the table has slots. */
			a.src_zone = r % 5 == 0 ? names[(r >> 8) % 700]
						: zones[(r >> 8) % 7];
			a.dst_zone = zones[(r >> 12) % 7];
			a.proto = protos[(r >> 16) % 5];
			a.src = addr_of(addrs[(r >> 19) % 8]);
			a.dst = addr_of(addrs[(r >> 22) % 8]);
			a.has_ports = r >> 25 & 1;
			a.has_icmp = !a.has_ports && (r >> 26 & 1);
			a.sport = (uint16_t)rand_r(&seed);
			a.dport = (uint16_t)(r >> 3);
			a.icmp_type = (uint8_t)(r >> 5);
			a.icmp_code = (uint8_t)(r >> 13);
			a.iface = ifaces[(r >> 27) % 3];
			a.action = actions[(r >> 29) % 3];
			a.packets = r % 3 ? 1 : any_length(rand_r(&seed));
			a.bytes = r % 7 ? 64 : any_length(rand_r(&seed));
			a.ts.tv_sec = 1700000000 + (r % 5) * 86399;
			a.ts.tv_nsec =
			    r % 11 == 0 ? -1 : (long)(r % 1000000000);
			a.has_flow = round % 50 != 0;
			a.has_counts = round % 70 != 0;
			if (round % 90 == 0)
				alert_add_str(&a, "listed", "no");
			check_cached(c, &a);
		}
	}
	/* Numbers at each change of length, in every numeric field. */
	static const uint64_t edges[] = {0,	9,     10,     99,    100,
					 999,	1000,  9999,   10000, 65535,
					 99999, 100000, 999999, UINT64_MAX};
	example(&a);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		a.packets = edges[i];
		a.bytes = edges[(i + 3) % (sizeof(edges) / sizeof(edges[0]))];
		a.sport = (uint16_t)(edges[i] > 65535 ? 65535 : edges[i]);
		a.dport = (uint16_t)(edges[i] > 65535 ? 1 : edges[i]);
		a.has_ports = true;
		a.has_icmp = false;
		check_cached(c, &a);
		check_numbers(c, &a);
		a.has_ports = false;
		a.has_icmp = true;
		a.icmp_type = (uint8_t)edges[i];
		a.icmp_code = (uint8_t)(edges[i] >> 1);
		check_cached(c, &a);
		check_numbers(c, &a);
	}
	alert_json_cache_free(c);
}
END_TEST

static Suite *alert_suite(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_kv_design_example);
	tcase_add_test(tc, test_kv_icmp);
	tcase_add_test(tc, test_kv_no_transport);
	tcase_add_test(tc, test_kv_absent_keys);
	tcase_add_test(tc, test_kv_ipv6_canonical);
	tcase_add_test(tc, test_kv_quoting);
	tcase_add_test(tc, test_extra_limit);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_json_design_example);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_json_ts_zones);
	tcase_add_test(tc, test_json_ts_seconds);
	tcase_add_test(tc, test_ipv4_text);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_json_max);
	tcase_add_test(tc, test_json_cached_same_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(alert_suite)
