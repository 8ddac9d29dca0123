// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the detection core behind the decoder: a sequence
 * of packets goes through two detectors, one packet at a time and in
 * planned-then-applied batches whose sizes the input chooses, under a
 * configuration with zones, channels, a device list and the smallest flow
 * table (so that keys are evicted). Every alert is rendered both ways,
 * and as JSON also through the cache of alert_format_json_cached(), which
 * must give the same text; the two detectors must print the same alerts
 * and counters, or it is a crash.
 *
 * Input: the first byte picks the link type, then records of
 *   [1 byte: batch break and time step] [1 byte: length n] [n bytes]
 * each one captured packet.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "detect.h"
#include "zone.h"

static const int fuzz_links[] = {
    DECODE_LINK_ETHERNET,
    DECODE_LINK_RAW,
    DECODE_LINK_LINUX_SLL,
    DECODE_LINK_LINUX_SLL2,
};
#define N_LINKS (sizeof(fuzz_links) / sizeof(fuzz_links[0]))

static const char conf_text[] =
    "version = 1;\n"
    "log: { repeat_interval = 1; };\n"
    "capture: { max_flows = 1024; };\n"
    "zones = (\n"
    "  { name = \"mynumber\"; interfaces = [ \"eth1\" ];\n"
    "    networks = [ \"10.1.0.0/16\", \"fd00:1::/48\" ];\n"
    "    severity = \"crit\"; devices = [ \"02:00:00:00:01:10\" ]; },\n"
    "  { name = \"govcloud\"; same_as = \"mynumber\";\n"
    "    networks = [ \"10.100.0.0/16\" ]; },\n"
    "  { name = \"lgwan\"; interfaces = [ \"eth2\" ];\n"
    "    networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; },\n"
    "  { name = \"internet\"; interfaces = [ \"eth0\" ];\n"
    "    networks = [ \"0.0.0.0/1\", \"2001:db8::/32\" ]; }\n"
    ");\n"
    "channels = (\n"
    "  { name = \"mail\"; kind = \"mail_textify\"; from = \"internet\";\n"
    "    to = \"lgwan\"; dst = [ \"10.2.0.25\" ]; proto = \"tcp\";\n"
    "    ports = [ 25 ]; },\n"
    "  { name = \"ping\"; kind = \"other\"; from = \"lgwan\";\n"
    "    to = \"internet\"; proto = \"icmp\"; }\n"
    ");\n";

static struct conf *conf;
/* Kept from input to input: the names it refers to live as long. */
static struct alert_json_cache *json_cache;

/* The alerts of one detector, rendered both ways, end to end. */
struct sink {
	char *text;
	size_t len, cap;
};

static void sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->text = realloc(s->text, s->cap);
		if (!s->text)
			abort();
	}
	memcpy(s->text + s->len, p, n);
	s->len += n;
}

static void on_alert(const struct alert *a, void *arg)
{
	char line[2048];
	size_t n = alert_format_json(a, line, sizeof(line));

	if (n >= sizeof(line) || strlen(line) != n)
		abort();
	char cached[sizeof(line)];
	if (alert_format_json_cached(json_cache, a, cached, sizeof(cached)) !=
		n ||
	    memcmp(cached, line, n + 1))
		abort();
	sink_put(arg, line, n);
	n = alert_format_kv(a, line, sizeof(line));
	if (n >= sizeof(line) || strlen(line) != n)
		abort();
	sink_put(arg, line, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Asia/Tokyo", 1);
	conf = conf_load_string(conf_text, "fuzz.conf", 20261123, stderr);
	json_cache = alert_json_cache_new();
	if (!conf || !json_cache)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct detect_batch batch, single;
	struct sink one = {0}, many = {0};
	struct detect_ctx ctx = {.iface = "span0", .iface_zone = ZONE_NONE};
	struct timespec now = {.tv_sec = 1763856000};
	struct detect *a, *b;

	if (size < 1)
		return 0;
	int link = fuzz_links[data[0] % N_LINKS];
	/* Half the inputs come in on the LGWAN interface, where sources
	 * from other zones are spoofed. */
	if (data[0] & 0x80) {
		ctx.iface = "eth2";
		ctx.iface_zone = conf_zone_index(conf, "lgwan");
	}
	a = detect_new(conf, 1, on_alert, &one);
	b = detect_new(conf, 1, on_alert, &many);
	if (!a || !b)
		abort();
	batch.n = 0;
	batch.day.second = -1;
	size_t i = 1;
	while (i + 2 <= size) {
		uint8_t ctl = data[i], n = data[i + 1];

		i += 2;
		if (n > size - i)
			n = (uint8_t)(size - i);
		now.tv_nsec += (long)(ctl & 0x3f) * 40000000;
		if (now.tv_nsec >= 1000000000) {
			now.tv_sec++;
			now.tv_nsec -= 1000000000;
		}
		struct decoded *d = &batch.dec[batch.n];
		if (decode_packet(link, data + i, n, n, d) != 0)
			abort();
		i += n;
		/* One packet at a time: a batch of one. */
		single.n = 1;
		single.dec[0] = *d;
		single.ts[0] = now;
		single.day.second = -1;
		detect_batch_plan(a, &single, &ctx);
		detect_batch_apply(a, &single, &ctx);
		batch.ts[batch.n++] = now;
		if ((ctl & 0x40) || batch.n == DETECT_BATCH) {
			detect_batch_plan(b, &batch, &ctx);
			detect_batch_apply(b, &batch, &ctx);
			batch.n = 0;
		}
	}
	detect_batch_plan(b, &batch, &ctx);
	detect_batch_apply(b, &batch, &ctx);

	struct detect_stats sa, sb;
	detect_stats_get(a, &sa);
	detect_stats_get(b, &sb);
	size_t pairs = (conf->n_zones + 1) * (conf->n_zones + 1);
	if (one.len != many.len ||
	    (one.len && memcmp(one.text, many.text, one.len)) ||
	    memcmp(&sa, &sb, sizeof(sa)) ||
	    memcmp(detect_pairs(a), detect_pairs(b),
		   pairs * sizeof(struct detect_pair)))
		abort();
	detect_free(a);
	detect_free(b);
	free(one.text);
	free(many.text);
	return 0;
}
