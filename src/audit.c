// SPDX-License-Identifier: GPL-2.0-or-later
/* audit: bunrid -r, a capture file through the detection core. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "decode.h"
#include "detect.h"
#include "zone.h"

/*
 * Alerts are formatted straight into one large buffer that goes out with
 * a single fwrite() when full: an audit may write close to one alert per
 * packet, and stdio's per-call work was a good part of the time.
 */
#define AUDIT_OUT_SIZE (1u << 20)

struct audit_out {
	FILE *out;
	char *buf; /* AUDIT_OUT_SIZE bytes */
	size_t used;
	char *big; /* an alert longer than the whole buffer */
	size_t big_len;
};

static void audit_flush(struct audit_out *o)
{
	if (o->used)
		fwrite(o->buf, 1, o->used, o->out);
	o->used = 0;
}

/* An alert that does not fit even an empty buffer: formatted on its own. */
static void audit_alert_big(struct audit_out *o, const struct alert *a,
			    size_t need)
{
	if (need >= o->big_len) {
		char *nb = realloc(o->big, need + 1);
		if (!nb)
			return;
		o->big = nb;
		o->big_len = need + 1;
	}
	alert_format_json(a, o->big, o->big_len);
	o->big[need] = '\n';
	fwrite(o->big, 1, need + 1, o->out);
}

static void audit_alert(const struct alert *a, void *arg)
{
	struct audit_out *o = arg;
	size_t room = AUDIT_OUT_SIZE - o->used;
	/* The terminator lands where the newline goes. */
	size_t need = alert_format_json(a, o->buf + o->used, room);

	if (need < room) {
		o->buf[o->used + need] = '\n';
		o->used += need + 1;
		return;
	}
	audit_flush(o);
	if (need < AUDIT_OUT_SIZE) {
		alert_format_json(a, o->buf, AUDIT_OUT_SIZE);
		o->buf[need] = '\n';
		o->used = need + 1;
		return;
	}
	audit_alert_big(o, a, need);
}

int audit_run(const struct conf *c, const char *path, FILE *out, FILE *summary)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct audit_out o = {.out = out};
	struct detect_ctx ctx = {.iface_zone = ZONE_NONE};
	struct {
		struct decoded dec[DETECT_BATCH];
		struct timespec ts[DETECT_BATCH];
		size_t n;
	} b = {.n = 0};
	struct pcap_pkthdr *h;
	const u_char *pkt;
	struct detect *d;
	pcap_t *p;
	int rc, linktype, status = 0;
	uint64_t undecodable = 0;

	p = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(summary, "bunrid: %s: %s\n", path, errbuf);
		return 1;
	}
	linktype = pcap_datalink(p);
	if (!decode_linktype_supported(linktype)) {
		fprintf(summary,
			"bunrid: %s: link type %s (%d) not supported\n", path,
			pcap_datalink_val_to_name(linktype)
			    ? pcap_datalink_val_to_name(linktype)
			    : "?",
			linktype);
		pcap_close(p);
		return 1;
	}
	o.buf = malloc(AUDIT_OUT_SIZE);
	d = o.buf ? detect_new(c, 0, audit_alert, &o) : NULL;
	if (!d) {
		free(o.buf);
		fprintf(summary, "bunrid: %s: out of memory for %u flows\n",
			path, c->max_flows);
		pcap_close(p);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &pkt)) == 1) {
		/* A pcapng file may change link type per interface. */
		if (decode_packet(pcap_datalink(p), pkt, h->caplen, h->len,
				  &b.dec[b.n]) < 0) {
			undecodable++;
			continue;
		}
		b.ts[b.n].tv_sec = h->ts.tv_sec;
		b.ts[b.n].tv_nsec = h->ts.tv_usec; /* nanoseconds: see open */
		if (++b.n == DETECT_BATCH) {
			detect_packets(d, b.dec, b.ts, b.n, &ctx);
			b.n = 0;
		}
	}
	detect_packets(d, b.dec, b.ts, b.n, &ctx);
	audit_flush(&o);
	fflush(out);
	if (rc == PCAP_ERROR) {
		/* A file cut short mid-packet: report what was read, and say
		 * so, but the audit itself stands. */
		fprintf(summary, "bunrid: %s: %s\n", path, pcap_geterr(p));
		status = 1;
	}
	fprintf(summary, "bunrid: offline audit of %s\n", path);
	if (undecodable)
		fprintf(summary, "packets of an unsupported link type: %lu\n",
			(unsigned long)undecodable);
	detect_summary_print(d, summary);
	detect_free(d);
	free(o.buf);
	free(o.big);
	pcap_close(p);
	return status;
}
