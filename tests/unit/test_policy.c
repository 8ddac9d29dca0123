// SPDX-License-Identifier: GPL-2.0-or-later
/* Policy decisions for every zone pair of the α-model sample. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "policy.h"
#include "ruleset.h"
#include "zone.h"
#include "unit.h"

#define TODAY 20261123u

static struct conf *conf;

static void setup(void)
{
	conf = conf_load(TEST_SRCDIR "/conf/bunri.conf", TODAY, stderr);
	ck_assert_ptr_nonnull(conf);
}

static void teardown(void)
{
	conf_free(conf);
	conf = NULL;
}

static struct flow_tuple tuple(const char *src, const char *dst, int proto,
			       int sport, int dport)
{
	struct flow_tuple t;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(addr_parse(src, &t.src), 0);
	ck_assert_int_eq(addr_parse(dst, &t.dst), 0);
	t.proto = proto;
	t.has_ports = sport >= 0;
	t.sport = sport < 0 ? 0 : sport;
	t.dport = dport < 0 ? 0 : dport;
	return t;
}

/* What @c decides for a flow on @today. */
static struct policy_result decide_in(const struct conf *c, const char *src,
				      const char *dst, int proto, int sport,
				      int dport, uint32_t today)
{
	struct flow_tuple t = tuple(src, dst, proto, sport, dport);
	struct policy_result r;

	policy_decide(c, &t, today, &r);
	return r;
}

static struct policy_result decide_on(const char *src, const char *dst,
				      int proto, int sport, int dport,
				      uint32_t today)
{
	return decide_in(conf, src, dst, proto, sport, dport, today);
}

static struct policy_result decide(const char *src, const char *dst,
				   int proto, int sport, int dport)
{
	return decide_on(src, dst, proto, sport, dport, TODAY);
}

static const char *zname(int z)
{
	return z == ZONE_NONE ? "none" : conf->zones[z].name;
}

static const char *chname(int ch)
{
	return ch < 0 ? "-" : conf->channels[ch].name;
}

/* One representative host per zone of the sample (see conf/bunri.conf). */
static const struct {
	const char *zone;
	const char *host;
} hosts[] = {
	{ "mynumber", "10.1.0.9" },   { "govcloud", "10.100.0.5" },
	{ "lgwan", "10.2.0.7" },      { "internet", "203.0.113.80" },
	{ "mynumber", "fd00:1::9" },  { "lgwan", "fd00:2::7" },
	{ "internet", "2001:db8::80" },
};

static bool same_policy_zone(const char *a, const char *b)
{
	/* govcloud counts as mynumber. */
	if (!strcmp(a, "govcloud"))
		a = "mynumber";
	if (!strcmp(b, "govcloud"))
		b = "mynumber";
	return !strcmp(a, b);
}

START_TEST(every_zone_pair_without_channel)
{
	/* Ports no channel opens: only intra-zone passes. */
	static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	size_t n = sizeof(hosts) / sizeof(hosts[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			struct addr a, b;
			addr_parse(hosts[i].host, &a);
			addr_parse(hosts[j].host, &b);
			if (a.family != b.family)
				continue;
			for (size_t k = 0; k < 3; k++) {
				bool ports = protos[k] != IPPROTO_ICMP;
				struct policy_result r =
					decide(hosts[i].host, hosts[j].host,
					       protos[k], ports ? 40000 : -1,
					       ports ? 9999 : -1);
				ck_assert_str_eq(zname(r.src_zone),
						 hosts[i].zone);
				ck_assert_str_eq(zname(r.dst_zone),
						 hosts[j].zone);
				if (same_policy_zone(hosts[i].zone,
						     hosts[j].zone))
					ck_assert_int_eq(r.verdict,
							 POLICY_INTRA);
				else
					ck_assert_msg(r.verdict == POLICY_DENY,
						      "%s -> %s proto %d: %s",
						      hosts[i].host,
						      hosts[j].host, protos[k],
						      policy_verdict_name(
							      r.verdict));
			}
		}
	}
}
END_TEST

START_TEST(mail_textify_channel_and_reply)
{
	struct policy_result r =
		decide("203.0.113.25", "10.2.0.25", IPPROTO_TCP, 40000, 25);
	ck_assert_int_eq(r.verdict, POLICY_CHANNEL);
	ck_assert_str_eq(chname(r.channel), "mail-textify");

	r = decide("10.2.0.25", "203.0.113.25", IPPROTO_TCP, 25, 40000);
	ck_assert_int_eq(r.verdict, POLICY_REPLY);
	ck_assert_str_eq(chname(r.channel), "mail-textify");

	/* Another internet host, the wrong port, the wrong server, UDP. */
	r = decide("203.0.113.80", "10.2.0.25", IPPROTO_TCP, 40000, 25);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	r = decide("203.0.113.25", "10.2.0.25", IPPROTO_TCP, 40000, 26);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	r = decide("203.0.113.25", "10.2.0.7", IPPROTO_TCP, 40000, 25);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	r = decide("203.0.113.25", "10.2.0.25", IPPROTO_UDP, 40000, 25);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	/* The server cannot open a connection to the relay's port 25. */
	r = decide("10.2.0.25", "203.0.113.25", IPPROTO_TCP, 40000, 25);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
}
END_TEST

START_TEST(vdi_port_range)
{
	static const int open_ports[] = { 443, 3389, 3390 };
	static const int closed[] = { 442, 444, 3388, 3391, 80 };

	for (size_t i = 0; i < 3; i++) {
		struct policy_result r = decide("10.2.0.7", "203.0.113.10",
						IPPROTO_TCP, 50000,
						open_ports[i]);
		ck_assert_int_eq(r.verdict, POLICY_CHANNEL);
		ck_assert_str_eq(chname(r.channel), "vdi");
	}
	for (size_t i = 0; i < 5; i++) {
		struct policy_result r = decide("10.2.0.7", "203.0.113.10",
						IPPROTO_TCP, 50000, closed[i]);
		ck_assert_int_eq(r.verdict, POLICY_DENY);
	}
	/* The internet side may not open connections into LGWAN's VDI client. */
	struct policy_result r =
		decide("203.0.113.10", "10.2.0.7", IPPROTO_TCP, 50000, 443);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
}
END_TEST

START_TEST(designated_channel_to_mynumber)
{
	struct policy_result r =
		decide("192.0.2.5", "10.1.0.50", IPPROTO_TCP, 40000, 443);
	ck_assert_int_eq(r.verdict, POLICY_CHANNEL);
	ck_assert_str_eq(chname(r.channel), "eltax");
	ck_assert(conf->channels[r.channel].designated);
	r = decide("10.1.0.50", "192.0.2.5", IPPROTO_TCP, 443, 40000);
	ck_assert_int_eq(r.verdict, POLICY_REPLY);
	/* Only the designated server, only from the designated source. */
	r = decide("192.0.2.5", "10.1.0.9", IPPROTO_TCP, 40000, 443);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	r = decide("203.0.113.80", "10.1.0.50", IPPROTO_TCP, 40000, 443);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	/* A government-cloud host is not the designated server either. */
	r = decide("192.0.2.5", "10.100.0.5", IPPROTO_TCP, 40000, 443);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	ck_assert_str_eq(zname(r.dst_zone), "govcloud");
}
END_TEST

START_TEST(govcloud_counts_as_mynumber)
{
	struct policy_result r =
		decide("10.1.0.9", "10.100.0.5", IPPROTO_TCP, 40000, 443);
	ck_assert_int_eq(r.verdict, POLICY_INTRA);
	ck_assert_str_eq(zname(r.src_zone), "mynumber");
	ck_assert_str_eq(zname(r.dst_zone), "govcloud");
	r = decide("10.100.0.5", "10.2.0.7", IPPROTO_UDP, 53, 53);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	ck_assert_str_eq(zname(r.src_zone), "govcloud");
}
END_TEST

START_TEST(fragment_without_ports_never_matches_port_channel)
{
	struct flow_tuple t = tuple("203.0.113.25", "10.2.0.25", IPPROTO_TCP,
				    -1, -1);
	struct policy_result r;

	policy_decide(conf, &t, TODAY, &r);
	ck_assert_int_eq(r.verdict, POLICY_DENY);

	/* A later fragment is judged on addresses and protocol. */
	t.later_fragment = true;
	policy_decide(conf, &t, TODAY, &r);
	ck_assert_int_eq(r.verdict, POLICY_CHANNEL);
	t = tuple("203.0.113.80", "10.2.0.25", IPPROTO_TCP, -1, -1);
	t.later_fragment = true;
	policy_decide(conf, &t, TODAY, &r);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
}
END_TEST

START_TEST(channel_expiry_against_clock)
{
	/* Find the channel with an expiry date in the sample. */
	int ch = -1;
	for (size_t i = 0; i < conf->n_channels; i++)
		if (conf->channels[i].expires)
			ch = (int)i;
	ck_assert_msg(ch >= 0, "the sample has a channel with expires");
	const struct conf_channel *c = &conf->channels[ch];
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];
	/* A flow the channel permits: its first src/dst or zone hosts. */
	struct flow_tuple t;
	memset(&t, 0, sizeof(t));
	ck_assert_msg(c->n_src && c->n_dst, "expiring channel names src/dst");
	t.src = c->src[0].addr;
	t.dst = c->dst[0].addr;
	t.proto = c->proto;
	t.has_ports = c->n_ports > 0;
	t.sport = 40000;
	t.dport = c->n_ports ? c->ports[0].lo : 0;
	addr_format(&t.src, src, sizeof(src));
	addr_format(&t.dst, dst, sizeof(dst));

	struct policy_result r;
	policy_decide(conf, &t, c->expires, &r);
	ck_assert_msg(r.verdict == POLICY_CHANNEL, "%s -> %s on last day",
		      src, dst);
	policy_decide(conf, &t, c->expires + 1, &r);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	ck_assert(!policy_channel_matches(conf, ch, &t, c->expires + 1));
	ck_assert(policy_channel_matches(conf, ch, &t, c->expires));
}
END_TEST

START_TEST(unzoned_without_default_zone)
{
	static const char text[] =
		"version = 1;\n"
		"zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		"          { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; } );\n";
	struct conf *c = conf_load_string(text, "t.conf", TODAY, stderr);
	ck_assert_ptr_nonnull(c);
	struct flow_tuple t = tuple("10.1.0.1", "192.168.1.1", IPPROTO_UDP, 1,
				    2);
	struct policy_result r;
	policy_decide(c, &t, TODAY, &r);
	ck_assert_int_eq(r.verdict, POLICY_UNZONED);
	ck_assert_int_eq(r.dst_zone, ZONE_NONE);
	ck_assert_int_eq(r.src_zone, conf_zone_index(c, "a"));
	t = tuple("10.1.0.1", "10.2.0.1", IPPROTO_UDP, 1, 2);
	policy_decide(c, &t, TODAY, &r);
	ck_assert_int_eq(r.verdict, POLICY_DENY);
	conf_free(c);
}
END_TEST

/*
 * A channel from a zone that counts as another (same_as) is that zone's
 * own: without a src, its networks, not all of the other zone's. In the
 * ruleset too, where its rule matches a set of them.
 */
START_TEST(channel_from_a_same_as_zone_is_its_own)
{
	static const char text[] =
	    "version = 1;\n"
	    "zones = ( { name = \"mn\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	    "  { name = \"gc\"; same_as = \"mn\"; networks = [ "
	    "\"10.100.0.0/16\" ]; },\n"
	    "  { name = \"lg\"; networks = [ \"10.2.0.0/16\" ]; } );\n"
	    "channels = ( { name = \"from-gc\"; from = \"gc\"; to = \"lg\";\n"
	    "  proto = \"tcp\"; ports = [ 80 ]; },\n"
	    "  { name = \"to-gc\"; from = \"lg\"; to = \"gc\"; proto = \"tcp\";\n"
	    "  ports = [ 443 ]; },\n"
	    "  { name = \"from-mn\"; from = \"mn\"; to = \"lg\"; proto = \"tcp\";\n"
	    "  ports = [ 22 ]; } );\n";
	struct conf *c = conf_load_string(text, "t.conf", TODAY, stderr);
#define VERDICT(src, dst, port)                                                \
	decide_in(c, src, dst, IPPROTO_TCP, 40000, port, TODAY).verdict

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(VERDICT("10.100.0.5", "10.2.0.7", 80), POLICY_CHANNEL);
	ck_assert_int_eq(VERDICT("10.1.0.9", "10.2.0.7", 80), POLICY_DENY);
	ck_assert_int_eq(VERDICT("10.2.0.7", "10.1.0.9", 443), POLICY_DENY);
	ck_assert_int_eq(VERDICT("10.2.0.7", "10.100.0.5", 443), POLICY_CHANNEL);
	/* Naming the zone the other counts as covers both. */
	ck_assert_int_eq(VERDICT("10.100.0.5", "10.2.0.7", 22), POLICY_CHANNEL);
#undef VERDICT

	struct ruleset *rs = NULL;
	bool src_set = false, dst_set = false;
	ck_assert_int_eq(ruleset_build(c, TODAY, 1, &rs, stderr), 0);
	for (size_t i = 0; i < rs->n_sets; i++) {
		src_set |= !strcmp(rs->sets[i].name, "ch_from-gc_src_v4_g1");
		dst_set |= !strcmp(rs->sets[i].name, "ch_to-gc_dst_v4_g1");
	}
	ck_assert(src_set && dst_set);
	ruleset_free(rs);
	conf_free(c);
}
END_TEST

START_TEST(ipv4_mapped_addresses_follow_ipv4_zones)
{
	struct policy_result r = decide("::ffff:10.2.0.7", "::ffff:10.2.0.25",
					IPPROTO_TCP, 1, 25);
	ck_assert_int_eq(r.verdict, POLICY_INTRA);
	ck_assert_str_eq(zname(r.src_zone), "lgwan");
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("alpha");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_zone_pair_without_channel);
	tcase_add_test(tc, mail_textify_channel_and_reply);
	tcase_add_test(tc, vdi_port_range);
	tcase_add_test(tc, designated_channel_to_mynumber);
	tcase_add_test(tc, govcloud_counts_as_mynumber);
	tcase_add_test(tc, fragment_without_ports_never_matches_port_channel);
	tcase_add_test(tc, channel_expiry_against_clock);
	tcase_add_test(tc, ipv4_mapped_addresses_follow_ipv4_zones);
	tcase_add_test(tc, channel_from_a_same_as_zone_is_its_own);
	suite_add_tcase(s, tc);
	tc = tcase_create("synthetic");
	tcase_add_test(tc, unzoned_without_default_zone);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(policy_suite)
