// SPDX-License-Identifier: GPL-2.0-or-later
/* capture: libpcap handles on zone interfaces and mirror ports. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "decode.h"
#include "log.h"
#include "zone.h"

struct capture_if {
	char *name;
	int zone;
	bool has_hwaddr;
	uint8_t hwaddr[6];
	pcap_t *p;
	int fd;
	int linktype;
	time_t retry_at;
	uint64_t packets;
	uint64_t drops;	     /* summed over closed handles and this one */
	uint64_t drops_open; /* of the open handle, last seen */
	uint64_t drops_reported;
	char error[PCAP_ERRBUF_SIZE];
	struct capture *cap;
};

struct capture {
	const struct conf *conf;
	struct ev *ev;
	bool monitor;
	bool reopen;
	detect_alert_fn fn;
	void *arg;
	struct detect *detect;
	struct capture_if *ifs;
	size_t n_ifs;
	/* Packets decoded and not yet through detection, all captured in
	 * the same context: detection takes them a batch at a time. */
	struct detect_batch *batch;
	size_t pending;
	struct detect_ctx batch_ctx;
};

static void capture_if_close(struct capture_if *ci)
{
	if (!ci->p)
		return;
	ev_del(ci->cap->ev, ci->fd);
	pcap_close(ci->p);
	ci->p = NULL;
	ci->fd = -1;
	ci->drops_open = 0;
}

static void capture_if_fail(struct capture_if *ci, time_t now, const char *what)
{
	if (strcmp(ci->error, what) != 0)
		log_warnx("capture %s: %s (retrying every %d s)", ci->name,
			  what, CAPTURE_RETRY_SECONDS);
	snprintf(ci->error, sizeof(ci->error), "%s", what);
	capture_if_close(ci);
	ci->retry_at = now + CAPTURE_RETRY_SECONDS;
}

/* Detection of the packets pending, at the latest when a read ends. */
static void capture_flush(struct capture *cap)
{
	if (!cap->pending)
		return;
	cap->batch->n = cap->pending;
	detect_batch_plan(cap->detect, cap->batch, &cap->batch_ctx);
	detect_batch_apply(cap->detect, cap->batch, &cap->batch_ctx);
	cap->pending = 0;
}

static void capture_packet(u_char *user, const struct pcap_pkthdr *h,
			   const u_char *bytes)
{
	struct capture_if *ci = (struct capture_if *)user;
	struct capture *cap = ci->cap;
	struct detect_batch *b = cap->batch;
	size_t n = cap->pending;
	struct decoded *d = &b->dec[n];
	struct detect_ctx ctx = {
	    .iface = ci->name,
	    .iface_zone = ci->zone,
	    .new_station = true,
	};

	ci->packets++;
	if (decode_packet(ci->linktype, bytes, h->caplen, h->len, d) < 0)
		return;
	/* Only a frame sent to the gateway meets its ruleset: one a switch
	 * floods past it (promiscuous capture) is merely observed. */
	ctx.enforcing = !cap->monitor && ci->zone != ZONE_NONE &&
			(!ci->has_hwaddr || ci->linktype != DLT_EN10MB ||
			 !memcmp(d->dst_mac, ci->hwaddr, 6));
	/* A batch shares one context: a packet of another starts a new one. */
	if (n > 0 && (cap->batch_ctx.iface != ctx.iface ||
		      cap->batch_ctx.enforcing != ctx.enforcing)) {
		capture_flush(cap);
		b->dec[0] = *d;
		n = 0;
	}
	cap->batch_ctx = ctx;
	b->ts[n].tv_sec = h->ts.tv_sec;
	b->ts[n].tv_nsec = (long)h->ts.tv_usec * 1000;
	cap->pending = n + 1;
	if (cap->pending == DETECT_BATCH)
		capture_flush(cap);
}

static void capture_readable(int fd, uint32_t events, void *arg)
{
	struct capture_if *ci = arg;
	int n;

	(void)fd;
	(void)events;
	n = pcap_dispatch(ci->p, CAPTURE_BUDGET, capture_packet, (u_char *)ci);
	capture_flush(ci->cap);
	if (n == PCAP_ERROR) {
		char why[PCAP_ERRBUF_SIZE];
		snprintf(why, sizeof(why), "%s", pcap_geterr(ci->p));
		capture_if_fail(ci, time(NULL), why);
	}
}

/* The interface's own Ethernet address, to tell frames sent to it. */
static void capture_if_hwaddr(struct capture_if *ci)
{
	struct ifreq ifr;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ci->has_hwaddr = false;
	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ci->name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
	    ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER) {
		memcpy(ci->hwaddr, ifr.ifr_hwaddr.sa_data, 6);
		ci->has_hwaddr = true;
	}
	close(fd);
}

static int capture_if_open(struct capture_if *ci, time_t now)
{
	const struct conf *c = ci->cap->conf;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char why[PCAP_ERRBUF_SIZE + 64];
	pcap_t *p;
	int rc;

	p = pcap_create(ci->name, errbuf);
	if (!p) {
		capture_if_fail(ci, now, errbuf);
		return -1;
	}
	pcap_set_snaplen(p, (int)c->snaplen);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
	pcap_set_buffer_size(p, (int)c->buffer_mb << 20);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", pcap_geterr(p));
		pcap_close(p);
		capture_if_fail(ci, now, why);
		return -1;
	}
	if (rc > 0)
		log_warnx("capture %s: %s", ci->name, pcap_geterr(p));
	/* Zone interfaces: inbound only, each forwarded packet seen once. */
	if (ci->zone != ZONE_NONE && pcap_setdirection(p, PCAP_D_IN) < 0)
		log_warnx("capture %s: direction: %s", ci->name,
			  pcap_geterr(p));
	ci->linktype = pcap_datalink(p);
	if (!decode_linktype_supported(ci->linktype)) {
		snprintf(why, sizeof(why), "link type %d not supported",
			 ci->linktype);
		pcap_close(p);
		capture_if_fail(ci, now, why);
		return -1;
	}
	if (pcap_setnonblock(p, 1, errbuf) < 0 ||
	    (ci->fd = pcap_get_selectable_fd(p)) < 0) {
		snprintf(why, sizeof(why), "non-blocking: %s", errbuf);
		pcap_close(p);
		capture_if_fail(ci, now, why);
		return -1;
	}
	ci->p = p;
	capture_if_hwaddr(ci);
	if (ev_add(ci->cap->ev, ci->fd, EPOLLIN, capture_readable, ci) < 0) {
		capture_if_fail(ci, now, strerror(errno));
		return -1;
	}
	if (ci->error[0])
		log_info("capture %s: open again", ci->name);
	ci->error[0] = '\0';
	log_debug("capture %s: open, zone %s, link type %d", ci->name,
		  ci->zone == ZONE_NONE ? "(mirror)" : c->zones[ci->zone].name,
		  ci->linktype);
	return 0;
}

static int capture_add_if(struct capture *cap, const char *name)
{
	for (size_t i = 0; i < cap->n_ifs; i++)
		if (!strcmp(cap->ifs[i].name, name))
			return 0;
	struct capture_if *ci = &cap->ifs[cap->n_ifs];
	ci->name = strdup(name);
	if (!ci->name)
		return -1;
	ci->zone = conf_zone_by_interface(cap->conf, name);
	ci->fd = -1;
	ci->cap = cap;
	cap->n_ifs++;
	return 0;
}

struct capture *capture_new(const struct conf *c, struct ev *ev, bool monitor,
			    detect_alert_fn fn, void *arg)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	size_t max = c->n_capture_interfaces;

	if (!cap)
		return NULL;
	for (size_t z = 0; z < c->n_zones; z++)
		max += c->zones[z].n_interfaces;
	cap->conf = c;
	cap->ev = ev;
	cap->monitor = monitor;
	cap->reopen = true;
	cap->fn = fn;
	cap->arg = arg;
	cap->ifs = calloc(max ? max : 1, sizeof(*cap->ifs));
	cap->detect = detect_new(c, 0, fn, arg);
	cap->batch = calloc(1, sizeof(*cap->batch));
	if (!cap->ifs || !cap->detect || !cap->batch)
		goto fail;
	cap->batch->day.second = -1;
	if (c->capture_interfaces) {
		for (size_t i = 0; i < c->n_capture_interfaces; i++)
			if (capture_add_if(cap, c->capture_interfaces[i]) < 0)
				goto fail;
	} else {
		for (size_t z = 0; z < c->n_zones; z++)
			for (size_t i = 0; i < c->zones[z].n_interfaces; i++)
				if (capture_add_if(
					cap, c->zones[z].interfaces[i]) < 0)
					goto fail;
	}
	time_t now = time(NULL);
	for (size_t i = 0; i < cap->n_ifs; i++)
		capture_if_open(&cap->ifs[i], now);
	return cap;
fail:
	capture_free(cap);
	return NULL;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	for (size_t i = 0; i < cap->n_ifs; i++) {
		capture_if_close(&cap->ifs[i]);
		free(cap->ifs[i].name);
	}
	free(cap->ifs);
	detect_free(cap->detect);
	free(cap->batch);
	free(cap);
}

static void capture_if_check_drops(struct capture_if *ci,
				   const struct timespec *now)
{
	struct capture *cap = ci->cap;
	struct pcap_stat ps;

	if (pcap_stats(ci->p, &ps) < 0)
		return;
	uint64_t open_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	if (open_drops > ci->drops_open) {
		ci->drops += open_drops - ci->drops_open;
		ci->drops_open = open_drops;
	}
	if (ci->drops == ci->drops_reported)
		return;

	struct alert a;
	memset(&a, 0, sizeof(a));
	a.type = ALERT_CAPTURE_LOSS;
	a.severity = LOG_ERR;
	a.ts = *now;
	a.iface = ci->name;
	alert_add_num(&a, "dropped", ci->drops - ci->drops_reported);
	alert_add_num(&a, "dropped_total", ci->drops);
	alert_add_num(&a, "received", ci->packets);
	ci->drops_reported = ci->drops;
	cap->fn(&a, cap->arg);
}

void capture_tick(struct capture *cap, const struct timespec *now)
{
	for (size_t i = 0; i < cap->n_ifs; i++) {
		struct capture_if *ci = &cap->ifs[i];
		if (!ci->p && cap->reopen && now->tv_sec >= ci->retry_at)
			capture_if_open(ci, now->tv_sec);
		if (ci->p)
			capture_if_check_drops(ci, now);
	}
}

void capture_set_reopen(struct capture *cap, bool on)
{
	cap->reopen = on;
}

size_t capture_n_ifs(const struct capture *cap)
{
	return cap->n_ifs;
}

void capture_if_stats_get(const struct capture *cap, size_t i,
			  struct capture_if_stats *st)
{
	const struct capture_if *ci = &cap->ifs[i];

	st->name = ci->name;
	st->up = ci->p != NULL;
	st->zone = ci->zone;
	st->packets = ci->packets;
	st->drops = ci->drops;
	st->error = ci->error;
}

struct detect *capture_detect(struct capture *cap)
{
	return cap->detect;
}
