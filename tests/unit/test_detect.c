// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The detection core on decoded packets: batches give exactly what one
 * packet at a time gives, and alert types of the same flow stay apart.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "detect.h"
#include "fragmap.h"
#include "unit.h"
#include "zone.h"

#define TODAY 20261123u
#define T0    1763856000 /* 2025-11-23 00:00:00 UTC */

/* The offline-audit fixture with a small table, so that keys get evicted
 * and come back, and a short repeat interval, so that keys re-alert. */
static const char conf_text[] =
    "version = 1;\n"
    "log: { repeat_interval = 2; };\n"
    "capture: { max_flows = 1024; };\n"
    "zones = (\n"
    "  { name = \"mynumber\"; interfaces = [ \"eth1\" ];\n"
    "    networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ]; severity = "
    "\"crit\";\n"
    "    devices = [ \"02:00:00:00:01:10\" ]; },\n"
    "  { name = \"lgwan\"; interfaces = [ \"eth2\" ];\n"
    "    networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; severity = \"err\"; "
    "},\n"
    "  { name = \"internet\"; interfaces = [ \"eth0\" ];\n"
    "    networks = [ \"203.0.113.0/24\", \"2001:db8::/32\" ]; }\n"
    ");\n"
    "channels = (\n"
    "  { name = \"mail\"; kind = \"mail_textify\"; from = \"internet\";\n"
    "    to = \"lgwan\"; src = [ \"203.0.113.25\" ]; dst = [ \"10.2.0.25\" ];\n"
    "    proto = \"tcp\"; ports = [ 25 ]; },\n"
    "  { name = \"ping\"; kind = \"other\"; from = \"lgwan\"; to = "
    "\"internet\";\n"
    "    dst = [ \"203.0.113.1\" ]; proto = \"icmp\"; }\n"
    ");\n";

static struct conf *conf;

static void setup(void)
{
	conf = conf_load_string(conf_text, "detect.conf", TODAY, stderr);
	ck_assert_ptr_nonnull(conf);
}

static void teardown(void)
{
	conf_free(conf);
	conf = NULL;
}

/* Every alert, as its JSON line, one after another. */
struct record {
	char *text;
	size_t len;
	size_t cap;
	size_t lines;
};

static void record_alert(const struct alert *a, void *arg)
{
	struct record *r = arg;
	char line[1024];
	size_t n = alert_format_json(a, line, sizeof(line));

	ck_assert_uint_lt(n, sizeof(line));
	if (r->len + n + 2 > r->cap) {
		r->cap = (r->len + n + 2) * 2;
		r->text = realloc(r->text, r->cap);
		ck_assert_ptr_nonnull(r->text);
	}
	memcpy(r->text + r->len, line, n);
	r->text[r->len + n] = '\n';
	r->len += n + 1;
	r->text[r->len] = '\0';
	r->lines++;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A few hosts per zone, an unzoned one and a link-local one, so that
 * flows repeat, answer each other and hit the channels. */
static const char *const hosts[] = {
    "10.1.0.5",	    "10.1.0.6",	   "10.2.0.25",	   "10.2.0.7",
    "203.0.113.25", "203.0.113.1", "198.51.100.9", "169.254.1.1",
    "fd00:1::5",    "fd00:2::7",   "2001:db8::25", "2001:db8:ffff::1",
};

static void random_packet(uint64_t *s, struct decoded *p)
{
	uint64_t r = rng_next(s);
	bool v6 = r & 1;
	size_t base = v6 ? 8 : 0, n = v6 ? 4 : 8;

	memset(p, 0, sizeof(*p));
	p->l3 = v6 ? DECODE_L3_IPV6 : DECODE_L3_IPV4;
	ck_assert_int_eq(addr_parse(hosts[base + (r >> 1) % n], &p->tuple.src),
			 0);
	ck_assert_int_eq(addr_parse(hosts[base + (r >> 5) % n], &p->tuple.dst),
			 0);
	p->wire_len = 60 + (uint32_t)(r >> 9) % 1400;
	switch ((r >> 20) % 5) {
	case 0: /* TCP: SYN, or SYN-ACK / ACK (a possible answer) */
	case 1:
		p->tuple.proto = IPPROTO_TCP;
		p->tuple.has_ports = true;
		p->tcp_flags = (r >> 23) & 1 ? 0x12 : 0x02;
		break;
	case 2:
		p->tuple.proto = IPPROTO_UDP;
		p->tuple.has_ports = true;
		break;
	case 3: /* echo request or reply */
		p->tuple.proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		p->has_icmp = true;
		p->icmp_type = (r >> 23) & 1 ? (v6 ? 128 : 8) : (v6 ? 129 : 0);
		break;
	default: /* a fragment: the first has ports, the later ones not */
		p->tuple.proto = IPPROTO_UDP;
		p->fragment = true;
		p->first_fragment = (r >> 23) & 1;
		p->tuple.has_ports = p->first_fragment;
		p->frag_id = (uint32_t)(r >> 44) % 8;
		break;
	}
	if (p->tuple.has_ports) {
		static const uint16_t ports[] = {25, 53, 443, 445, 40000};

		p->tuple.sport = ports[(r >> 24) % 5];
		p->tuple.dport = ports[(r >> 27) % 5];
		/* Many distinct keys too, so that the table overflows. */
		if (p->tuple.dport == 40000)
			p->tuple.dport = (uint16_t)(1024 + (r >> 40) % 4096);
	}
	/* Now and then an ARP sighting of a listed or unknown MAC. */
	if ((r >> 30) % 16 == 0) {
		static const uint8_t mac[6] = {2, 0, 0, 0, 1, 0x10};

		memset(p, 0, sizeof(*p));
		p->l3 = DECODE_L3_ARP;
		p->has_sighting = true;
		memcpy(p->sight_mac, mac, 6);
		p->sight_mac[5] = (uint8_t)(0x10 + (r >> 34) % 2);
		ck_assert_int_eq(addr_parse("10.1.0.5", &p->sight_ip), 0);
		p->wire_len = 60;
	}
}

/* One packet through detection on its own: a batch of one. */
static void one_packet(struct detect *d, const struct decoded *p,
		       const struct detect_ctx *ctx, const struct timespec *ts)
{
	static struct detect_batch b;

	b.n = 1;
	b.dec[0] = *p;
	b.ts[0] = *ts;
	b.day.second = -1;
	detect_batch_plan(d, &b, ctx);
	detect_batch_apply(d, &b, ctx);
}

static void check_same(const struct detect *a, const struct detect *b)
{
	struct detect_stats sa, sb;
	size_t n = conf->n_zones + 1;

	detect_stats_get(a, &sa);
	detect_stats_get(b, &sb);
	ck_assert_int_eq(memcmp(&sa, &sb, sizeof(sa)), 0);
	ck_assert_int_eq(memcmp(detect_pairs(a), detect_pairs(b),
				n * n * sizeof(struct detect_pair)),
			 0);
}

/* Random traffic through detection one packet at a time and through
 * planned and applied batches of random sizes: the same alerts, in the
 * same order, and the same counters. On an interface facing a zone too,
 * where spoofed sources add their own alerts. */
START_TEST(test_batches_equal_single)
{
	static const struct detect_ctx ctxs[] = {
	    {.iface_zone = ZONE_NONE},
	    {.iface = "eth2", .iface_zone = 1, .enforcing = true},
	};
	const struct detect_ctx *ctx = &ctxs[_i];
	enum { N = 40000 };
	struct decoded *p = calloc(N, sizeof(*p));
	struct timespec *ts = calloc(N, sizeof(*ts));
	struct record one = {0}, many = {0};
	uint64_t s = 0x9e3779b97f4a7c15ull;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(ts);
	for (size_t i = 0; i < N; i++) {
		random_packet(&s, &p[i]);
		ts[i].tv_sec = T0 + (time_t)(i / 1000);
		ts[i].tv_nsec = (long)(i % 1000) * 1000000;
	}
	struct detect *a = detect_new(conf, 7, record_alert, &one);
	struct detect *b = detect_new(conf, 7, record_alert, &many);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	for (size_t i = 0; i < N; i++)
		one_packet(a, &p[i], ctx, &ts[i]);
	/* Batches of random sizes, planned a batch ahead of applying, as
	 * the audit's two threads do. */
	struct detect_batch *bt = calloc(2, sizeof(*bt));
	struct detect_day day = {.second = -1};
	ck_assert_ptr_nonnull(bt);
	for (size_t i = 0, k = 0; i < N; k++) {
		struct detect_batch *cur = &bt[k % 2];
		size_t m = 1 + rng_next(&s) % DETECT_BATCH;

		if (m > N - i)
			m = N - i;
		cur->n = m;
		memcpy(cur->dec, &p[i], m * sizeof(*p));
		memcpy(cur->ts, &ts[i], m * sizeof(*ts));
		cur->day = day;
		detect_batch_plan(b, cur, ctx);
		day = cur->day;
		if (k > 0)
			detect_batch_apply(b, &bt[(k - 1) % 2], ctx);
		i += m;
		if (i == N)
			detect_batch_apply(b, cur, ctx);
	}
	free(bt);
	ck_assert_uint_gt(one.lines, 1000);
	ck_assert_uint_eq(one.lines, many.lines);
	ck_assert_str_eq(one.text, many.text);
	check_same(a, b);

	/* The traffic covers what it should: answers, evictions, and (on
	 * the interface) spoofing. */
	struct detect_stats st;
	detect_stats_get(a, &st);
	ck_assert_uint_gt(st.repeats, 0);
	ck_assert_uint_gt(st.flows_evicted, 0);
	ck_assert_uint_gt(st.local, 0);
	ck_assert_uint_gt(st.alerts[ALERT_UNKNOWN_DEVICE], 0);
	ck_assert_uint_gt(st.alerts[ALERT_UNZONED], 0);
	ck_assert_uint_gt(st.fragments_forgotten + st.repeats, 0);
	if (ctx->iface_zone != ZONE_NONE)
		ck_assert_uint_gt(st.alerts[ALERT_SPOOFED_SOURCE], 0);
	detect_free(a);
	detect_free(b);
	free(one.text);
	free(many.text);
	free(p);
	free(ts);
}
END_TEST

static struct decoded udp(const char *src, const char *dst)
{
	struct decoded p;

	memset(&p, 0, sizeof(p));
	p.l3 = DECODE_L3_IPV4;
	ck_assert_int_eq(addr_parse(src, &p.tuple.src), 0);
	ck_assert_int_eq(addr_parse(dst, &p.tuple.dst), 0);
	p.tuple.proto = IPPROTO_UDP;
	p.tuple.has_ports = true;
	p.tuple.sport = 40000;
	p.tuple.dport = 445;
	p.wire_len = 100;
	return p;
}

/* One flow, seen first with a spoofed source on the LGWAN interface,
 * then on a mirror port as plain cross-zone traffic: two alerts, each
 * type keyed on its own. */
START_TEST(test_alert_types_apart)
{
	struct record rec = {0};
	struct detect *d = detect_new(conf, 7, record_alert, &rec);
	struct decoded p = udp("10.1.0.5", "203.0.113.7");
	struct detect_ctx eth2 = {.iface = "eth2", .iface_zone = 1};
	struct detect_ctx mirror = {.iface = "span0", .iface_zone = ZONE_NONE};
	struct timespec ts = {.tv_sec = T0};
	struct detect_stats st;

	ck_assert_ptr_nonnull(d);
	one_packet(d, &p, &eth2, &ts);
	one_packet(d, &p, &mirror, &ts);
	one_packet(d, &p, &eth2, &ts); /* repeats of each */
	one_packet(d, &p, &mirror, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_SPOOFED_SOURCE], 1);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 1);
	ck_assert_uint_eq(st.repeats, 2);
	ck_assert_uint_eq(rec.lines, 2);
	ck_assert_ptr_nonnull(strstr(rec.text, "\"alert\":\"spoofed-source\""));
	ck_assert_ptr_nonnull(strstr(rec.text, "\"alert\":\"cross-zone\""));
	detect_free(d);
	free(rec.text);
}
END_TEST

/*
 * A link-local address in ARP or neighbour discovery places a device in
 * no zone by itself: the catch-all ::/0 would make every host an
 * internet one. It is of the zone of the interface it was seen on.
 */
START_TEST(test_link_local_sighting)
{
	static const char text[] =
	    "version = 1;\n"
	    "zones = (\n"
	    "  { name = \"lgwan\"; interfaces = [ \"eth2\" ];\n"
	    "    networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; },\n"
	    "  { name = \"internet\"; interfaces = [ \"eth0\" ];\n"
	    "    networks = [ \"0.0.0.0/0\", \"::/0\" ];\n"
	    "    devices = [ \"02:00:00:00:00:01\" ]; }\n"
	    ");\n";
	struct conf *c = conf_load_string(text, "ll.conf", TODAY, stderr);
	struct record rec = {0};
	struct detect_ctx eth2 = {.iface = "eth2", .iface_zone = 0,
				  .new_station = true};
	struct detect_ctx mirror = {.iface = "span0", .iface_zone = ZONE_NONE,
				    .new_station = true};
	struct timespec ts = {.tv_sec = T0};
	struct decoded p;

	ck_assert_ptr_nonnull(c);
	struct detect *d = detect_new(c, 7, record_alert, &rec);
	ck_assert_ptr_nonnull(d);
	memset(&p, 0, sizeof(p));
	p.has_sighting = true;
	static const uint8_t mac[6] = {2, 0, 0, 0, 2, 0x99};
	memcpy(p.sight_mac, mac, 6);
	ck_assert_int_eq(addr_parse("fe80::99", &p.sight_ip), 0);
	one_packet(d, &p, &mirror, &ts); /* no zone to place it in */
	ck_assert_uint_eq(rec.lines, 0);
	one_packet(d, &p, &eth2, &ts); /* the LGWAN's: first seen there */
	ck_assert_uint_eq(rec.lines, 1);
	ck_assert_ptr_nonnull(strstr(rec.text, "\"src_zone\":\"lgwan\""));
	ck_assert_ptr_nonnull(strstr(rec.text, "\"listed\":\"first-seen\""));
	ck_assert_int_eq(addr_parse("169.254.7.7", &p.sight_ip), 0);
	one_packet(d, &p, &mirror, &ts);
	ck_assert_uint_eq(rec.lines, 1);
	detect_free(d);
	conf_free(c);
	free(rec.text);
}
END_TEST

/* The answer of an alerted flow counts into that alert; it is found
 * through a batch as well, when both are in the same one. */
START_TEST(test_answer_in_batch)
{
	struct record rec = {0};
	struct detect *d = detect_new(conf, 7, record_alert, &rec);
	struct detect_ctx ctx = {.iface_zone = ZONE_NONE};
	struct detect_stats st;
	struct detect_batch *b = calloc(1, sizeof(*b));

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(b);
	b->n = 3;
	b->dec[0] = udp("10.1.0.5", "10.2.0.7");
	b->dec[1] = udp("10.2.0.7", "10.1.0.5");
	b->dec[1].tuple.sport = 445;
	b->dec[1].tuple.dport = 40000;
	b->dec[2] = b->dec[0];
	b->ts[0].tv_sec = b->ts[1].tv_sec = T0;
	b->ts[2].tv_sec = T0 + 3;
	b->day.second = -1;
	detect_batch_plan(d, b, &ctx);
	detect_batch_apply(d, b, &ctx);
	detect_stats_get(d, &st);
	/* The request, then the answer counted into it, then the request
	 * again after repeat_interval with both packets of the interval. */
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 2);
	ck_assert_uint_eq(st.repeats, 1);
	ck_assert_ptr_nonnull(strstr(rec.text, "\"packets\":2,\"bytes\":200"));

	/* A batch later (its port alerted before the batch began), the
	 * answer again; and a packet from that host's port 40000, which no
	 * alerted flow goes to: a flow of its own. */
	b->n = 2;
	b->dec[0] = b->dec[1];
	b->dec[1] = udp("10.2.0.7", "10.1.0.5");
	b->ts[0].tv_sec = b->ts[1].tv_sec = T0 + 4;
	detect_batch_plan(d, b, &ctx);
	detect_batch_apply(d, b, &ctx);
	free(b);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 3);
	ck_assert_uint_eq(st.repeats, 2);
	ck_assert_ptr_nonnull(strstr(rec.text, "\"src\":\"10.2.0.7\",\"sport\":40000,"));
	detect_free(d);
	free(rec.text);
}
END_TEST

/* A fragment of the datagram @id; the first carries ports. */
static struct decoded fragment(struct decoded p, uint32_t id, bool first)
{
	p.fragment = true;
	p.first_fragment = first;
	p.frag_id = id;
	p.tuple.has_ports = first;
	if (!first)
		p.tuple.sport = p.tuple.dport = 0;
	return p;
}

static void send_fragment(struct detect *d, struct decoded p, uint32_t id,
			  bool first, const struct detect_ctx *ctx,
			  const struct timespec *ts)
{
	struct decoded f = fragment(p, id, first);

	one_packet(d, &f, ctx, ts);
}

static const struct detect_pair *pair(const struct detect *d, int src,
				      int dst)
{
	return &detect_pairs(d)[(size_t)src * (conf->n_zones + 1) +
				(size_t)dst];
}

/*
 * The later fragments of a datagram go where its first fragment went, as
 * the kernel reassembles before it judges: counted into its alert, or
 * permitted with it; not a port-less flow key of their own, and not let
 * by because a channel between the same hosts matches their addresses.
 * A later fragment whose first is unknown, too old, or of another
 * protocol is judged on its own.
 */
START_TEST(test_fragments_follow_first)
{
	struct record rec = {0};
	struct detect *d = detect_new(conf, 7, record_alert, &rec);
	struct detect_ctx ctx = {.iface_zone = ZONE_NONE};
	struct timespec ts = {.tv_sec = T0};
	struct detect_stats st;
	struct decoded nfs = udp("10.2.0.7", "10.1.0.5");
	struct decoded v6 = udp("10.2.0.7", "10.1.0.5");
	struct decoded smtp = udp("203.0.113.25", "10.2.0.25");

	ck_assert_ptr_nonnull(d);
	nfs.tuple.dport = 2049;
	send_fragment(d, nfs, 77, true, &ctx, &ts);
	send_fragment(d, nfs, 77, false, &ctx, &ts);
	send_fragment(d, nfs, 77, false, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 1);
	ck_assert_uint_eq(st.repeats, 2);
	ck_assert_uint_eq(pair(d, 1, 0)->deny_packets, 3);
	ck_assert_ptr_nonnull(strstr(rec.text, "\"dport\":2049"));

	/* IPv6: the same, by the fragment header's identification. */
	v6.l3 = DECODE_L3_IPV6;
	ck_assert_int_eq(addr_parse("fd00:2::7", &v6.tuple.src), 0);
	ck_assert_int_eq(addr_parse("fd00:1::5", &v6.tuple.dst), 0);
	send_fragment(d, v6, 0x80000001, true, &ctx, &ts);
	send_fragment(d, v6, 0x80000001, false, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 2);
	ck_assert_uint_eq(st.repeats, 3);

	/* The mail channel's hosts, another port: the first fragment is
	 * forbidden, and so are the rest, which the channel would pass on
	 * their addresses. Then port 25: all permitted. */
	smtp.tuple.proto = IPPROTO_TCP;
	smtp.tuple.dport = 26;
	send_fragment(d, smtp, 5, true, &ctx, &ts);
	send_fragment(d, smtp, 5, false, &ctx, &ts);
	ck_assert_uint_eq(pair(d, 2, 1)->deny_packets, 2);
	ck_assert_uint_eq(pair(d, 2, 1)->pass_packets, 0);
	smtp.tuple.dport = 25;
	send_fragment(d, smtp, 6, true, &ctx, &ts);
	send_fragment(d, smtp, 6, false, &ctx, &ts);
	ck_assert_uint_eq(pair(d, 2, 1)->pass_packets, 2);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 3);
	ck_assert_uint_eq(st.repeats, 4);

	/* Judged alone, on addresses, as before: an unknown identification,
	 * another protocol, and a first fragment over FRAGMAP_LIFE_US old.
	 * Each is a port-less key: one alert, then its repeats. */
	send_fragment(d, nfs, 78, false, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 4);
	struct decoded tcp = nfs;
	tcp.tuple.proto = IPPROTO_TCP;
	send_fragment(d, tcp, 77, false, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 5);
	struct timespec late = {.tv_sec = T0 + 30};
	send_fragment(d, nfs, 77, false, &ctx, &late);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 6);

	/* Each interface's copy apart: a first fragment seen on a mirror
	 * port says nothing of what the LGWAN interface saw. */
	struct detect_ctx eth2 = {.iface = "eth2", .iface_zone = 1};
	struct decoded nfs2 = udp("10.2.0.8", "10.1.0.6");
	nfs2.tuple.dport = 2049;
	send_fragment(d, nfs2, 9, true, &ctx, &ts);
	send_fragment(d, nfs2, 9, false, &eth2, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 8);
	send_fragment(d, nfs2, 9, false, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_eq(st.alerts[ALERT_CROSS_ZONE], 8);
	ck_assert_uint_eq(st.repeats, 5);
	ck_assert_uint_eq(st.fragments_forgotten, 0);
	detect_free(d);
	free(rec.text);
}
END_TEST

/* More live datagrams than the map holds: some are forgotten, and
 * counted. */
START_TEST(test_fragments_forgotten)
{
	struct record rec = {0};
	struct detect *d = detect_new(conf, 7, record_alert, &rec);
	struct detect_ctx ctx = {.iface_zone = ZONE_NONE};
	struct timespec ts = {.tv_sec = T0};
	struct decoded p = udp("10.2.0.7", "10.2.0.8"); /* intra-zone */
	struct detect_stats st;

	ck_assert_ptr_nonnull(d);
	for (uint32_t id = 0; id <= FRAGMAP_SLOTS; id++)
		send_fragment(d, p, id, true, &ctx, &ts);
	detect_stats_get(d, &st);
	ck_assert_uint_gt(st.fragments_forgotten, 0);
	ck_assert_uint_eq(rec.lines, 0);
	detect_free(d);
	free(rec.text);
}
END_TEST

static Suite *detect_suite(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("detect");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_batches_equal_single, 0, 2);
	tcase_add_test(tc, test_alert_types_apart);
	tcase_add_test(tc, test_answer_in_batch);
	tcase_add_test(tc, test_link_local_sighting);
	tcase_add_test(tc, test_fragments_follow_first);
	tcase_add_test(tc, test_fragments_forgotten);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(detect_suite)
