// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What bunrictl shows: the check's answers on the α-model sample, and the
 * zones, channels and matrix tables holding what bunrictl.8 promises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "view.h"
#include "unit.h"

#define TODAY 20261123u

static struct conf *conf;
static char *text;

static void setup(void)
{
	conf = conf_load(TEST_SRCDIR "/conf/bunri.conf", TODAY, stderr);
	ck_assert_ptr_nonnull(conf);
}

static void teardown(void)
{
	conf_free(conf);
	conf = NULL;
	free(text);
	text = NULL;
}

/* view_check() on "SRC DST [PROTO [PORT]]"; its output lands in text. */
static int check_on(const char *args, bool json, uint32_t today)
{
	char buf[256], *argv[8], *p = buf, *w;
	size_t len = 0;
	int argc = 0, rc;
	FILE *out;

	snprintf(buf, sizeof(buf), "%s", args);
	while ((w = strsep(&p, " ")) != NULL && argc < 8)
		argv[argc++] = w;
	free(text);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	rc = view_check(conf, today, argc, argv, json, out);
	fclose(out);
	return rc;
}

static const char *check(const char *args)
{
	ck_assert_int_eq(check_on(args, false, TODAY), 0);
	return text;
}

static const char *check_json(const char *args)
{
	ck_assert_int_eq(check_on(args, true, TODAY), 0);
	return text;
}

START_TEST(check_full_flow_is_decided_exactly)
{
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 tcp 25"),
			 "permitted: channel mail-textify (mail_textify, "
			 "internet -> lgwan)\n");
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 tcp 26"),
			 "denied: no channel from internet to lgwan permits "
			 "it\n");
	ck_assert_str_eq(check("10.2.0.7 10.2.0.25"),
			 "permitted: intra-zone (lgwan -> lgwan)\n");
	ck_assert_str_eq(check("10.2.0.7 10.2.0.25 any"),
			 "permitted: intra-zone (lgwan -> lgwan)\n");
	ck_assert_str_eq(check("10.2.0.7 10.77.0.1 udp 53"),
			 "denied: no channel from lgwan to internet permits "
			 "it\n");
	ck_assert_str_eq(check("10.2.0.7 203.0.113.10 tcp 3390"),
			 "permitted: channel vdi (screen_transfer, lgwan -> "
			 "internet)\n");
	ck_assert_str_eq(check("203.0.113.10 10.2.0.7 icmp"),
			 "denied: no channel from internet to lgwan permits "
			 "it\n");
}
END_TEST

/* The man page lists "any" as a protocol, and the default. */
START_TEST(check_accepts_any)
{
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 any"),
			 "partly permitted: tcp/25 (mail-textify); other "
			 "traffic from internet to lgwan denied\n");
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 ANY"),
			 "partly permitted: tcp/25 (mail-textify); other "
			 "traffic from internet to lgwan denied\n");
	ck_assert_int_eq(check_on("203.0.113.25 10.2.0.25 any 25", false,
				  TODAY), -1);
	ck_assert_ptr_nonnull(strstr(text, "bad port"));
}
END_TEST

/* Without protocol or port, a channel between the two is not a "denied". */
START_TEST(check_without_proto_or_port_names_the_channels)
{
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25"),
			 "partly permitted: tcp/25 (mail-textify); other "
			 "traffic from internet to lgwan denied\n");
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 tcp"),
			 "partly permitted: tcp/25 (mail-textify); other "
			 "traffic from internet to lgwan denied\n");
	/* No udp channel: for udp the flat answer is the true one. */
	ck_assert_str_eq(check("203.0.113.25 10.2.0.25 udp"),
			 "denied: no channel from internet to lgwan permits "
			 "it\n");
	ck_assert_str_eq(check("10.2.0.7 203.0.113.10"),
			 "partly permitted: tcp/443,3389-3390 (vdi); other "
			 "traffic from lgwan to internet denied\n");
	/* The server's side of vdi may only answer. */
	ck_assert_str_eq(check("203.0.113.10 10.2.0.7 tcp"),
			 "partly permitted: replies of tcp/443,3389-3390 "
			 "(vdi); other traffic from internet to lgwan "
			 "denied\n");
	/* govcloud counts as mynumber for eltax. */
	ck_assert_str_eq(check("192.0.2.7 10.1.0.50"),
			 "partly permitted: tcp/443 (eltax); other traffic "
			 "from internet to mynumber denied\n");
}
END_TEST

/* "denied" when no channel covers the two addresses at all. */
START_TEST(check_flat_denied_only_without_any_channel)
{
	ck_assert_str_eq(check("10.2.0.7 10.1.0.9"),
			 "denied: no channel from lgwan to mynumber permits "
			 "it\n");
	/* mail-textify names its relay: another Internet host has none. */
	ck_assert_str_eq(check("203.0.113.99 10.2.0.25"),
			 "denied: no channel from internet to lgwan permits "
			 "it\n");
	/* Lapsed: mail-textify's last day is 2029-03-31. */
	ck_assert_int_eq(check_on("203.0.113.25 10.2.0.25", false, 20290401),
			 0);
	ck_assert_str_eq(text, "denied: no channel from internet to lgwan "
			       "permits it\n");
	ck_assert_int_eq(check_on("203.0.113.25 10.2.0.25", false, 20290331),
			 0);
	ck_assert_ptr_nonnull(strstr(text, "partly permitted"));
}
END_TEST

START_TEST(check_json_adds_permitted_for)
{
	ck_assert_str_eq(check_json("203.0.113.25 10.2.0.25 tcp 25"),
			 "{\"verdict\":\"permitted\",\"reason\":\"channel\","
			 "\"src_zone\":\"internet\",\"dst_zone\":\"lgwan\","
			 "\"channel\":\"mail-textify\"}\n");
	ck_assert_str_eq(check_json("203.0.113.25 10.2.0.25"),
			 "{\"verdict\":\"partial\",\"reason\":\"denied\","
			 "\"src_zone\":\"internet\",\"dst_zone\":\"lgwan\","
			 "\"channel\":null,\"permitted_for\":[{\"channel\":"
			 "\"mail-textify\",\"kind\":\"mail_textify\","
			 "\"direction\":\"forward\",\"proto\":\"tcp\","
			 "\"ports\":[25]}]}\n");
	ck_assert_str_eq(check_json("10.2.0.7 10.1.0.9"),
			 "{\"verdict\":\"denied\",\"reason\":\"denied\","
			 "\"src_zone\":\"lgwan\",\"dst_zone\":\"mynumber\","
			 "\"channel\":null}\n");
}
END_TEST

START_TEST(check_malformed_arguments)
{
	ck_assert_int_eq(check_on("10.2.0.7", false, TODAY), -1);
	ck_assert_int_eq(check_on("10.2.0.7 10.1.0.9 gre", false, TODAY), -1);
	ck_assert_ptr_nonnull(strstr(text, "unknown protocol: gre"));
	ck_assert_int_eq(check_on("10.2.0.7 10.1.0.9 icmp 8", false, TODAY),
			 -1);
	ck_assert_int_eq(check_on("10.2.0.7 fd00:1::9", false, TODAY), -1);
}
END_TEST

/* A channel for every protocol answers a check without one exactly. */
START_TEST(check_channel_of_any_protocol)
{
	struct conf *c = conf_load_string(
		"version = 1;\n"
		"zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"  { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"channels = ( { name = \"all\"; from = \"a\"; to = \"b\"; } );\n",
		"any.conf", TODAY, stderr);
	char *argv[] = { "10.1.0.1", "10.2.0.1" };
	size_t len = 0;
	FILE *out;

	ck_assert_ptr_nonnull(c);
	out = open_memstream(&text, &len);
	ck_assert_int_eq(view_check(c, TODAY, 2, argv, false, out), 0);
	fclose(out);
	ck_assert_str_eq(text, "permitted: channel all (other, a -> b)\n");
	conf_free(c);
}
END_TEST

static const char *channels(bool json)
{
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	view_channels(conf, TODAY, json, out);
	fclose(out);
	return text;
}

/* bunrictl.8: approver, reason, expiry date and the days left. */
START_TEST(channels_show_approval_and_days_left)
{
	const char *t = channels(false);
	const char *mail = strstr(t, "\nmail-textify ");

	ck_assert_ptr_nonnull(strstr(t, " DAYS "));
	ck_assert_ptr_nonnull(mail);
	/* 2026-11-23 .. 2029-03-31 */
	ck_assert_ptr_nonnull(strstr(mail, " 2029-03-31 859 "));
	ck_assert_ptr_nonnull(strstr(mail, "approved by 情報政策課長; reason: "
					   "インターネットメールの無害化"));
	free(text);
	text = NULL;
	t = channels(true);
	ck_assert_ptr_nonnull(strstr(t, "\"expires\":\"2029-03-31\","
					"\"days_left\":859,"));
	ck_assert_ptr_nonnull(strstr(t, "\"expires\":null,"
					"\"days_left\":null,"));
}
END_TEST

START_TEST(channels_say_expired_and_missing_approval)
{
	struct conf *c = conf_load_string(
		"version = 1;\n"
		"zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"  { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
		"channels = ( { name = \"old\"; from = \"a\"; to = \"b\";\n"
		"  expires = \"2026-11-20\"; } );\n",
		"old.conf", TODAY, NULL);
	size_t len = 0;
	FILE *out;

	ck_assert_ptr_nonnull(c);
	out = open_memstream(&text, &len);
	view_channels(c, TODAY, false, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, " 2026-11-20 expired "));
	ck_assert_ptr_nonnull(strstr(text, "approved by (not recorded); "
					   "reason: (not recorded)\n"));
	free(text);
	out = open_memstream(&text, &len);
	view_channels(c, TODAY, true, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "\"days_left\":-3,"));
	conf_free(c);
}
END_TEST

/* bunrictl.8: packets and bytes passed and denied, and the alerts. */
START_TEST(matrix_shows_bytes)
{
	size_t nz = conf->n_zones, len = 0;
	struct view_cell *cells = calloc(nz * nz, sizeof(*cells));
	int l = conf_zone_index(conf, "lgwan");
	int m = conf_zone_index(conf, "mynumber");
	FILE *out;

	ck_assert_ptr_nonnull(cells);
	cells[l * nz + m] = (struct view_cell){ .pass_packets = 0,
						.pass_bytes = 0,
						.drop_packets = 3,
						.drop_bytes = 222,
						.alerts = 1 };
	out = open_memstream(&text, &len);
	view_matrix(conf, TODAY, cells, false, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "PASS BYTES"));
	ck_assert_ptr_nonnull(strstr(text, "DROP BYTES"));
	ck_assert_ptr_nonnull(strstr(text, "\nlgwan        mynumber     "));
	ck_assert_ptr_nonnull(strstr(text, " 3              222          1\n"));
	free(text);
	memset(cells, 0, nz * nz * sizeof(*cells));
	out = open_memstream(&text, &len);
	view_matrix(conf, TODAY, cells, false, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "(no traffic counted yet)\n"));
	free(text);
	out = open_memstream(&text, &len);
	view_matrix(conf, TODAY, NULL, false, out);
	fclose(out);
	ck_assert_ptr_null(strstr(text, "PASS BYTES"));
	free(cells);
}
END_TEST

/* bunrictl.8: each zone's device list, not only how long it is. */
START_TEST(zones_list_devices)
{
	struct conf *c = conf_load_string(
		"version = 1;\n"
		"zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ];\n"
		"  devices = [ \"02:00:00:00:01:10\", \"02:00:00:00:01:1F\" ]; },\n"
		"  { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n",
		"dev.conf", TODAY, stderr);
	size_t len = 0;
	FILE *out;

	ck_assert_ptr_nonnull(c);
	out = open_memstream(&text, &len);
	view_zones(c, false, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "devices: 02:00:00:00:01:10,"
					   "02:00:00:00:01:1f\n"));
	/* b keeps no list: no devices line after its row. */
	ck_assert_ptr_null(strstr(strstr(text, "\nb "), "devices:"));
	free(text);
	out = open_memstream(&text, &len);
	view_zones(c, true, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "\"devices\":2,\"device_list\":"
					   "[\"02:00:00:00:01:10\","
					   "\"02:00:00:00:01:1f\"]"));
	conf_free(c);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("alpha");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, check_full_flow_is_decided_exactly);
	tcase_add_test(tc, check_accepts_any);
	tcase_add_test(tc, check_without_proto_or_port_names_the_channels);
	tcase_add_test(tc, check_flat_denied_only_without_any_channel);
	tcase_add_test(tc, check_json_adds_permitted_for);
	tcase_add_test(tc, check_malformed_arguments);
	tcase_add_test(tc, check_channel_of_any_protocol);
	tcase_add_test(tc, channels_show_approval_and_days_left);
	tcase_add_test(tc, channels_say_expired_and_missing_approval);
	tcase_add_test(tc, matrix_shows_bytes);
	tcase_add_test(tc, zones_list_devices);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(view_suite)
