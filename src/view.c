// SPDX-License-Identifier: GPL-2.0-or-later
/* view: zones, channels, matrix, check and graph, as text or JSON. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "day.h"
#include "json.h"
#include "policy.h"
#include "view.h"
#include "zone.h"

static void prefixes_text(const struct prefix *p, size_t n, FILE *out)
{
	char buf[ADDR_STRLEN + 8];

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "",
			prefix_format(&p[i], buf, sizeof(buf)));
}

static void prefixes_json(const struct prefix *p, size_t n, FILE *out)
{
	char buf[ADDR_STRLEN + 8];

	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc(',', out);
		json_string(out, prefix_format(&p[i], buf, sizeof(buf)));
	}
	putc(']', out);
}

static void ports_text(const struct port_range *r, size_t n, FILE *out)
{
	if (n == 0) {
		fputs("any", out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%u", i ? "," : "", r[i].lo);
		if (r[i].hi != r[i].lo)
			fprintf(out, "-%u", r[i].hi);
	}
}

static void ports_json(const struct port_range *r, size_t n, FILE *out)
{
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc(',', out);
		if (r[i].lo == r[i].hi)
			fprintf(out, "%u", r[i].lo);
		else
			fprintf(out, "\"%u-%u\"", r[i].lo, r[i].hi);
	}
	putc(']', out);
}

static void mac_text(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/*
 * A zone's device allow-list. The table's DEVICES column gives only the
 * count, so the addresses follow on a line of their own, where a long list
 * does not push the other columns out of line.
 */
static void devices_text(const struct conf_zone *z, FILE *out)
{
	char mac[18];

	fputs("             devices: ", out);
	if (z->n_devices == 0)
		fputs("(none allowed)", out);
	for (size_t k = 0; k < z->n_devices; k++) {
		mac_text(z->devices[k], mac);
		fprintf(out, "%s%s", k ? "," : "", mac);
	}
	putc('\n', out);
}

void view_zones(const struct conf *c, bool json, FILE *out)
{
	if (json)
		putc('[', out);
	else
		fprintf(out, "%-12s %-10s %-8s %-14s %-7s %s\n", "ZONE",
			"POLICY", "SEVERITY", "INTERFACES", "DEVICES",
			"NETWORKS");
	for (size_t i = 0; i < c->n_zones; i++) {
		const struct conf_zone *z = &c->zones[i];
		const char *pol = c->zones[z->policy].name;
		if (json) {
			fprintf(out, "%s{", i ? "," : "");
			json_kv_str(out, 0, "name", z->name);
			json_kv_str(out, 1, "description", z->description);
			json_kv_str(out, 1, "policy_zone", pol);
			json_kv_str(out, 1, "severity",
				    conf_severity_name(z->severity));
			fputs(",\"interfaces\":[", out);
			for (size_t k = 0; k < z->n_interfaces; k++) {
				if (k)
					putc(',', out);
				json_string(out, z->interfaces[k]);
			}
			fputs("],\"networks\":", out);
			prefixes_json(z->networks, z->n_networks, out);
			if (z->has_devices) {
				char mac[18];

				json_kv_u64(out, 1, "devices", z->n_devices);
				fputs(",\"device_list\":[", out);
				for (size_t k = 0; k < z->n_devices; k++) {
					mac_text(z->devices[k], mac);
					if (k)
						putc(',', out);
					json_string(out, mac);
				}
				putc(']', out);
			}
			putc('}', out);
			continue;
		}
		char ifs[128] = "-";
		size_t used = 0;
		for (size_t k = 0; k < z->n_interfaces && used < sizeof(ifs);
		     k++)
			used += snprintf(ifs + used, sizeof(ifs) - used, "%s%s",
					 k ? "," : "", z->interfaces[k]);
		char dev[16] = "-";
		if (z->has_devices)
			snprintf(dev, sizeof(dev), "%zu", z->n_devices);
		fprintf(out, "%-12s %-10s %-8s %-14s %-7s ", z->name, pol,
			conf_severity_name(z->severity), ifs, dev);
		prefixes_text(z->networks, z->n_networks, out);
		if (z->description)
			fprintf(out, "  # %s", z->description);
		putc('\n', out);
		if (z->has_devices)
			devices_text(z, out);
	}
	if (json)
		fputs("]\n", out);
}

/* "active", "expired" or "expires in N days" for channel @ch. */
static const char *channel_state(const struct conf_channel *ch, uint32_t today,
				 long *days)
{
	*days = ch->expires ? day_diff(today, ch->expires) : 0;
	if (!ch->expires)
		return "active";
	if (*days < 0)
		return "expired";
	return *days <= 7 ? "expiring" : "active";
}

static void expires_text(uint32_t ymd, char *buf, size_t len)
{
	if (!ymd)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%04u-%02u-%02u", ymd / 10000,
			 ymd / 100 % 100, ymd % 100);
}

void view_channels(const struct conf *c, uint32_t today, bool json,
		   FILE *out)
{
	if (json)
		putc('[', out);
	else
		fprintf(out,
			"%-16s %-18s %-22s %-6s %-12s %-10s %-7s %-9s %s\n",
			"CHANNEL", "KIND", "FROM -> TO", "PROTO", "PORTS",
			"EXPIRES", "DAYS", "STATE", "SRC / DST");
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		char exp[16];
		long days;
		const char *state = channel_state(ch, today, &days);

		expires_text(ch->expires, exp, sizeof(exp));
		if (json) {
			fprintf(out, "%s{", i ? "," : "");
			json_kv_str(out, 0, "name", ch->name);
			json_kv_str(out, 1, "kind", conf_kind_name(ch->kind));
			json_kv_str(out, 1, "from", c->zones[ch->from].name);
			json_kv_str(out, 1, "to", c->zones[ch->to].name);
			json_kv_str(out, 1, "proto", conf_proto_name(ch->proto));
			fputs(",\"ports\":", out);
			ports_json(ch->ports, ch->n_ports, out);
			fputs(",\"src\":", out);
			prefixes_json(ch->src, ch->n_src, out);
			fputs(",\"dst\":", out);
			prefixes_json(ch->dst, ch->n_dst, out);
			json_kv_bool(out, 1, "designated", ch->designated);
			json_kv_str(out, 1, "approved_by", ch->approved_by);
			json_kv_str(out, 1, "reason", ch->reason);
			json_kv_str(out, 1, "expires",
				    ch->expires ? exp : NULL);
			/* Negative once lapsed: the days since. */
			if (ch->expires)
				fprintf(out, ",\"days_left\":%ld", days);
			else
				fputs(",\"days_left\":null", out);
			json_kv_str(out, 1, "state", state);
			putc('}', out);
			continue;
		}
		char ft[64];
		snprintf(ft, sizeof(ft), "%s -> %s", c->zones[ch->from].name,
			 c->zones[ch->to].name);
		fprintf(out, "%-16s %-18s %-22s %-6s ", ch->name,
			conf_kind_name(ch->kind), ft,
			conf_proto_name(ch->proto));
		char *pbuf = NULL;
		size_t plen = 0;
		FILE *pf = open_memstream(&pbuf, &plen);
		if (pf) {
			ports_text(ch->ports, ch->n_ports, pf);
			fclose(pf);
		}
		char left[24] = "-";
		if (ch->expires && days < 0)
			snprintf(left, sizeof(left), "expired");
		else if (ch->expires)
			snprintf(left, sizeof(left), "%ld", days);
		fprintf(out, "%-12s %-10s %-7s %-9s ", pbuf ? pbuf : "?", exp,
			left, state);
		free(pbuf);
		if (ch->n_src)
			prefixes_text(ch->src, ch->n_src, out);
		else
			fprintf(out, "(all %s)", c->zones[ch->from].name);
		fputs(" -> ", out);
		if (ch->n_dst)
			prefixes_text(ch->dst, ch->n_dst, out);
		else
			fprintf(out, "(all %s)", c->zones[ch->to].name);
		if (ch->designated)
			fputs("  designated", out);
		putc('\n', out);
		/* An auditor asks who approved each channel and why; a
		 * missing record is worth seeing, so it is said. */
		fprintf(out, "%-16s approved by %s; reason: %s\n", "",
			ch->approved_by ? ch->approved_by : "(not recorded)",
			ch->reason ? ch->reason : "(not recorded)");
	}
	if (json)
		fputs("]\n", out);
}

/* Live channels from zone @a to zone @b, after same_as folding. */
static size_t pair_channels(const struct conf *c, uint32_t today, size_t a,
			    size_t b, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		if (ch->expires && today > ch->expires)
			continue;
		if ((size_t)c->zones[ch->from].policy != (size_t)c->zones[a].policy ||
		    (size_t)c->zones[ch->to].policy != (size_t)c->zones[b].policy)
			continue;
		if (n < max)
			names[n] = ch->name;
		n++;
	}
	return n;
}

static void matrix_cell_text(const struct conf *c, uint32_t today, size_t a,
			     size_t b, char *buf, size_t len)
{
	const char *names[8];
	size_t n, used = 0;

	if (c->zones[a].policy == c->zones[b].policy) {
		snprintf(buf, len, "intra");
		return;
	}
	n = pair_channels(c, today, a, b, names, 8);
	if (n == 0) {
		snprintf(buf, len, "DENY");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 8 && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? "," : "",
				 names[i]);
	if (n > 8 && used < len)
		snprintf(buf + used, len - used, ",+%zu", n - 8);
}

/*
 * The counters of @cells, one line per zone pair that saw anything: in the
 * grid's cells there is no room for packets and bytes both ways.
 */
static void matrix_traffic_text(const struct conf *c,
				const struct view_cell *cells, FILE *out)
{
	size_t nz = c->n_zones;
	bool any = false;

	fprintf(out, "\n%-12s %-12s %14s %16s %14s %16s %10s\n", "FROM", "TO",
		"PASS PACKETS", "PASS BYTES", "DROP PACKETS", "DROP BYTES",
		"ALERTS");
	for (size_t a = 0; a < nz; a++) {
		for (size_t b = 0; b < nz; b++) {
			const struct view_cell *v = &cells[a * nz + b];
			if (!v->pass_packets && !v->pass_bytes &&
			    !v->drop_packets && !v->drop_bytes && !v->alerts)
				continue;
			any = true;
			fprintf(out,
				"%-12s %-12s %14" PRIu64 " %16" PRIu64
				" %14" PRIu64 " %16" PRIu64 " %10" PRIu64 "\n",
				c->zones[a].name, c->zones[b].name,
				v->pass_packets, v->pass_bytes, v->drop_packets,
				v->drop_bytes, v->alerts);
		}
	}
	if (!any)
		fputs("(no traffic counted yet)\n", out);
}

void view_matrix(const struct conf *c, uint32_t today,
		 const struct view_cell *cells, bool json, FILE *out)
{
	size_t nz = c->n_zones;

	if (json) {
		fputs("{\"zones\":[", out);
		for (size_t i = 0; i < nz; i++) {
			if (i)
				putc(',', out);
			json_string(out, c->zones[i].name);
		}
		fputs("],\"cells\":[", out);
		int first = 1;
		for (size_t a = 0; a < nz; a++) {
			for (size_t b = 0; b < nz; b++) {
				const char *names[64];
				size_t n = pair_channels(c, today, a, b, names,
							 64);
				bool intra = c->zones[a].policy ==
					     c->zones[b].policy;
				fprintf(out, "%s{", first ? "" : ",");
				first = 0;
				json_kv_str(out, 0, "from", c->zones[a].name);
				json_kv_str(out, 1, "to", c->zones[b].name);
				json_kv_str(out, 1, "policy",
					    intra ? "intra" :
					    n ? "channels" : "deny");
				fputs(",\"channels\":[", out);
				for (size_t k = 0; !intra && k < n && k < 64;
				     k++) {
					if (k)
						putc(',', out);
					json_string(out, names[k]);
				}
				putc(']', out);
				if (cells) {
					const struct view_cell *v =
						&cells[a * nz + b];
					json_kv_u64(out, 1, "pass_packets",
						    v->pass_packets);
					json_kv_u64(out, 1, "pass_bytes",
						    v->pass_bytes);
					json_kv_u64(out, 1, "drop_packets",
						    v->drop_packets);
					json_kv_u64(out, 1, "drop_bytes",
						    v->drop_bytes);
					json_kv_u64(out, 1, "alerts",
						    v->alerts);
				}
				putc('}', out);
			}
		}
		fputs("]}\n", out);
		return;
	}

	fprintf(out, "%-12s", "from \\ to");
	for (size_t b = 0; b < nz; b++)
		fprintf(out, " %-22s", c->zones[b].name);
	putc('\n', out);
	for (size_t a = 0; a < nz; a++) {
		fprintf(out, "%-12s", c->zones[a].name);
		for (size_t b = 0; b < nz; b++) {
			char cell[23];
			matrix_cell_text(c, today, a, b, cell, sizeof(cell));
			fprintf(out, " %-22s", cell);
		}
		putc('\n', out);
	}
	if (cells)
		matrix_traffic_text(c, cells, out);
}

static int proto_parse(const char *s)
{
	static const struct {
		const char *name;
		int proto;
	} p[] = { { "tcp", IPPROTO_TCP },	{ "udp", IPPROTO_UDP },
		  { "icmp", IPPROTO_ICMP },	{ "icmpv6", IPPROTO_ICMPV6 },
		  { "ipv6-icmp", IPPROTO_ICMPV6 } };

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strcasecmp(s, p[i].name))
			return p[i].proto;
	char *end;
	long n = strtol(s, &end, 10);
	return *s && !*end && n >= 0 && n <= 255 ? (int)n : -1;
}

/**
 * struct check_query - the flow the administrator asked about.
 * @t: addresses, and the protocol and port when given
 * @any_proto: no protocol given, or "any"
 * @any_port: TCP or UDP without a port
 *
 * With either flag set the question covers many flows, and one verdict of
 * policy_decide() may be true of some and false of others.
 */
struct check_query {
	struct flow_tuple t;
	bool any_proto;
	bool any_port;
};

static int check_parse(int argc, char *const argv[], struct check_query *q,
		       FILE *out)
{
	struct flow_tuple *t = &q->t;

	memset(q, 0, sizeof(*q));
	if (argc < 2 || argc > 4) {
		fprintf(out, "usage: check SRC DST [PROTO [PORT]]\n");
		return -1;
	}
	if (addr_parse(argv[0], &t->src) < 0 ||
	    addr_parse(argv[1], &t->dst) < 0) {
		fprintf(out, "check: not an address: %s\n",
			addr_parse(argv[0], &t->src) < 0 ? argv[0] : argv[1]);
		return -1;
	}
	if (t->src.family != t->dst.family) {
		fprintf(out, "check: %s and %s are of different families\n",
			argv[0], argv[1]);
		return -1;
	}
	q->any_proto = argc < 3 || !strcasecmp(argv[2], "any");
	if (!q->any_proto) {
		int p = proto_parse(argv[2]);
		if (p < 0) {
			fprintf(out, "check: unknown protocol: %s\n", argv[2]);
			return -1;
		}
		t->proto = p;
	}
	q->any_port = !q->any_proto && argc < 4 &&
		      (t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP);
	if (argc == 4) {
		char *end;
		long port = strtol(argv[3], &end, 10);
		if (!*argv[3] || *end || port < 1 || port > 65535 ||
		    (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP)) {
			fprintf(out, "check: bad port for %s: %s\n", argv[2],
				argv[3]);
			return -1;
		}
		t->has_ports = true;
		t->dport = port;
	}
	return 0;
}

/*
 * Does channel @i permit some flow of @q between its two addresses, in its
 * forward direction or, with @reply, as the answer to one? Policy is asked
 * about a flow on the channel's own protocol and first port, so that what
 * counts as a match stays policy's to say.
 */
static bool check_channel_covers(const struct conf *c, uint32_t today,
				 const struct check_query *q, size_t i,
				 bool reply)
{
	const struct conf_channel *ch = &c->channels[i];
	struct flow_tuple t = q->t;

	if (!q->any_proto && ch->proto != CONF_PROTO_ANY &&
	    ch->proto != q->t.proto)
		return false;
	if (ch->proto != CONF_PROTO_ANY)
		t.proto = ch->proto;
	if (ch->n_ports) {
		t.has_ports = true;
		t.dport = ch->ports[0].lo;
	}
	if (reply) {
		t.src = q->t.dst;
		t.dst = q->t.src;
	}
	return policy_channel_matches(c, (int)i, &t, today);
}

/* "tcp/25" or "tcp/443,3389-3390"; "icmp" or "any" without ports. */
static void check_l4_text(const struct conf_channel *ch, FILE *out)
{
	fputs(conf_proto_name(ch->proto), out);
	if (ch->n_ports) {
		putc('/', out);
		ports_text(ch->ports, ch->n_ports, out);
	}
}

/*
 * Channels that permit part of what @q asks about, forwards and then as
 * replies; how many. Text: "tcp/25 (mail-textify), replies of tcp/443
 * (vdi)"; JSON: the elements of "permitted_for"; nothing when @out is NULL.
 */
static size_t check_partial(const struct conf *c, uint32_t today,
			    const struct check_query *q, bool json, FILE *out)
{
	size_t n = 0;

	for (int reply = 0; reply <= 1; reply++) {
		for (size_t i = 0; i < c->n_channels; i++) {
			const struct conf_channel *ch = &c->channels[i];
			if (!check_channel_covers(c, today, q, i, reply))
				continue;
			if (!out) {
				/* Only counting. */
			} else if (json) {
				fprintf(out, "%s{", n ? "," : "");
				json_kv_str(out, 0, "channel", ch->name);
				json_kv_str(out, 1, "kind",
					    conf_kind_name(ch->kind));
				json_kv_str(out, 1, "direction",
					    reply ? "reply" : "forward");
				json_kv_str(out, 1, "proto",
					    conf_proto_name(ch->proto));
				fputs(",\"ports\":", out);
				ports_json(ch->ports, ch->n_ports, out);
				putc('}', out);
			} else {
				fprintf(out, "%s%s", n ? ", " : "",
					reply ? "replies of " : "");
				check_l4_text(ch, out);
				fprintf(out, " (%s)", ch->name);
			}
			n++;
		}
	}
	return n;
}

/*
 * Would the flow pass? When the protocol or the port was left out and no
 * channel permits every flow between the two addresses, the answer names
 * the channels that permit some of them: a flat "denied" would be false
 * for those.
 */
int view_check(const struct conf *c, uint32_t today, int argc,
	       char *const argv[], bool json, FILE *out)
{
	struct check_query q;
	struct policy_result r;

	if (check_parse(argc, argv, &q, out) < 0)
		return -1;
	policy_decide(c, &q.t, today, &r);

	const char *sz = r.src_zone < 0 ? "none" : c->zones[r.src_zone].name;
	const char *dz = r.dst_zone < 0 ? "none" : c->zones[r.dst_zone].name;
	const char *chn = r.channel < 0 ? NULL : c->channels[r.channel].name;
	bool pass = policy_permitted(r.verdict);
	bool partial = r.verdict == POLICY_DENY &&
		       (q.any_proto || q.any_port) &&
		       check_partial(c, today, &q, false, NULL) > 0;
	if (json) {
		fputc('{', out);
		json_kv_str(out, 0, "verdict",
			    pass ? "permitted" : partial ? "partial" : "denied");
		json_kv_str(out, 1, "reason", policy_verdict_name(r.verdict));
		json_kv_str(out, 1, "src_zone", sz);
		json_kv_str(out, 1, "dst_zone", dz);
		json_kv_str(out, 1, "channel", chn);
		if (partial) {
			fputs(",\"permitted_for\":[", out);
			check_partial(c, today, &q, true, out);
			putc(']', out);
		}
		fputs("}\n", out);
		return 0;
	}
	switch (r.verdict) {
	case POLICY_INTRA:
		fprintf(out, "permitted: intra-zone (%s -> %s)\n", sz, dz);
		break;
	case POLICY_CHANNEL:
	case POLICY_REPLY:
		fprintf(out, "permitted: %schannel %s (%s, %s -> %s)\n",
			r.verdict == POLICY_REPLY ? "reply of " : "", chn,
			conf_kind_name(c->channels[r.channel].kind), sz, dz);
		break;
	case POLICY_DENY:
		if (partial) {
			fputs("partly permitted: ", out);
			check_partial(c, today, &q, false, out);
			fprintf(out, "; other traffic from %s to %s denied\n",
				sz, dz);
			break;
		}
		fprintf(out, "denied: no channel from %s to %s permits it\n",
			sz, dz);
		break;
	case POLICY_UNZONED:
		fprintf(out, "denied: %s is in no zone\n",
			r.src_zone < 0 ? argv[0] : argv[1]);
		break;
	}
	return 0;
}

/* Text inside a DOT double-quoted string: quotes and backslashes escaped. */
static void dot_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', out);
		if ((unsigned char)*s >= 0x20)
			putc(*s, out);
	}
}

void view_graph(const struct conf *c, uint32_t today, bool json, FILE *out)
{
	if (json) {
		fputs("{\"nodes\":[", out);
		for (size_t i = 0; i < c->n_zones; i++) {
			fprintf(out, "%s{", i ? "," : "");
			json_kv_str(out, 0, "zone", c->zones[i].name);
			json_kv_str(out, 1, "description",
				    c->zones[i].description);
			json_kv_str(out, 1, "same_as",
				    c->zones[i].same_as < 0 ? NULL :
				    c->zones[c->zones[i].same_as].name);
			putc('}', out);
		}
		fputs("],\"edges\":[", out);
		int first = 1;
		for (size_t i = 0; i < c->n_channels; i++) {
			const struct conf_channel *ch = &c->channels[i];
			long days;
			fprintf(out, "%s{", first ? "" : ",");
			first = 0;
			json_kv_str(out, 0, "from", c->zones[ch->from].name);
			json_kv_str(out, 1, "to", c->zones[ch->to].name);
			json_kv_str(out, 1, "channel", ch->name);
			json_kv_str(out, 1, "kind", conf_kind_name(ch->kind));
			json_kv_str(out, 1, "state",
				    channel_state(ch, today, &days));
			putc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	fputs("digraph bunri {\n\trankdir=LR;\n"
	      "\tnode [shape=box, style=rounded];\n",
	      out);
	for (size_t i = 0; i < c->n_zones; i++) {
		const struct conf_zone *z = &c->zones[i];
		fprintf(out, "\t\"%s\" [label=\"%s", z->name, z->name);
		if (z->description) {
			fputs("\\n", out);
			dot_text(out, z->description);
		}
		fputs("\"];\n", out);
		if (z->same_as >= 0)
			fprintf(out,
				"\t\"%s\" -> \"%s\" [style=dashed, dir=none, "
				"label=\"same_as\"];\n",
				z->name, c->zones[z->same_as].name);
	}
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		long days;
		const char *state = channel_state(ch, today, &days);
		fprintf(out, "\t\"%s\" -> \"%s\" [label=\"%s\\n%s %s\"%s];\n",
			c->zones[ch->from].name, c->zones[ch->to].name,
			ch->name, conf_kind_name(ch->kind),
			conf_proto_name(ch->proto),
			!strcmp(state, "expired") ? ", style=dotted, color=gray" :
			ch->designated ? ", color=red" : "");
	}
	fputs("}\n", out);
}
