// SPDX-License-Identifier: GPL-2.0-or-later
/* audit: bunrid -r, a capture file through the detection core. */
#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "decode.h"
#include "detect.h"
#include "pcapfile.h"
#include "zone.h"

/*
 * Two threads share the work, a batch of packets at a time. The reader
 * reads the file and decodes it; the calling thread, the applier, applies
 * each batch (counters, the flow table); the reader then writes the
 * batch's alerts out, as JSON lines, with one call. The rest can be done
 * by either thread, and goes to whichever has time for it: planning
 * detection (zones, policy, flow keys) before a batch is applied, and
 * formatting the alerts it raises, which the applier does as they come or
 * keeps for the reader to do before it writes them. They meet in a ring
 * of AUDIT_RING batches, handed over under one lock: about ten thousand
 * hand-overs a second.
 */
#define AUDIT_RING 8
/*
 * A thread that has to wait sleeps until half the ring is ready for it:
 * waking another thread is a system call and, in a virtual machine, an
 * interrupt, too costly to pay for every batch when one thread has little
 * to do (a capture of mostly permitted traffic leaves the applier idle).
 */
#define AUDIT_HALF (AUDIT_RING / 2)
/*
 * The reader plans a batch when the applier is AUDIT_HALF batches behind
 * it, and the applier leaves the formatting of a batch's alerts to the
 * reader when it is AUDIT_FAR behind: the reader, then the faster of the
 * two even with the planning, takes more of the work, until the two keep
 * pace. (A capture full of alerts: reading, decoding and planning are
 * less work than keeping the flow table and formatting.)
 */
#define AUDIT_FAR (AUDIT_HALF + 1)

/*
 * The alerts of a batch, as JSON lines: @len bytes of @text, which keeps
 * its size from batch to batch. After them come the @n_held alerts of
 * @kept, whose formatting the applier left to the reader: none has extras
 * (an extra's text may live on the applier's stack).
 */
struct audit_alerts {
	char *text;
	size_t len, size;
	struct alert *kept;
	size_t n_held, n_kept;
};

struct audit_pipe {
	pcap_t *p;	     /* the capture, through libpcap; or */
	struct pcapfile *f;  /* a classic pcap file, read in blocks */
	const struct detect *d;
	const struct detect_ctx *ctx;
	FILE *out;			 /* written by the reader */
	struct detect_batch *ring;	 /* AUDIT_RING batches */
	struct audit_alerts alerts[AUDIT_RING]; /* of each batch */
	size_t applying;		 /* the batch being applied */
	bool hold;			 /* its alerts go to the reader */
	/* The text that repeats from alert to alert: each thread's own. */
	struct alert_json_cache *apply_cache, *write_cache;
	uint64_t lost;	     /* alerts lost for want of memory: applier's */
	uint64_t write_lost; /* and the reader's */
	bool planned[AUDIT_RING];	 /* its batch was planned by the reader */
	struct detect_day day;	     /* the reader's, carried across batches */
	struct detect_day apply_day; /* the applier's, for the same */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t filled;	/* batches handed over, ever */
	size_t used;	/* batches applied, ever */
	size_t written; /* batches whose alerts are written, ever */
	bool done;	/* no batch after the last one filled */
	/* A thread asleep on @cond, to be woken: waking is a system call,
	 * made only when someone waits. */
	bool reader_waits;
	bool applier_waits;
	/* The reader's own, read once it has finished: */
	int rc; /* pcap_next_ex()'s last answer */
	char err[PCAP_ERRBUF_SIZE];
	uint64_t undecodable;
};

/* Room in @al's text for @len more bytes and a terminator; false when
 * memory runs out. */
static bool audit_text_grow(struct audit_alerts *al, size_t len)
{
	if (al->size - al->len > len)
		return true;
	size_t size = al->size ? al->size : 4096;
	while (size - al->len <= len)
		size *= 2;
	char *t = realloc(al->text, size);
	if (!t)
		return false;
	al->text = t;
	al->size = size;
	return true;
}

/*
 * Room at the end of a batch's text kept for the next alert: the most a
 * flow alert takes, formatted the fast way (alert_format_json_cached()),
 * is well within it.
 */
#define AUDIT_LINE_ROOM 2048

/* @a as a line at the end of @al's text, formatted with the cache of the
 * thread that does it. */
static bool audit_format(struct audit_alerts *al, const struct alert *a,
			 struct alert_json_cache *cache)
{
	if (!audit_text_grow(al, AUDIT_LINE_ROOM))
		return false;
	size_t room = al->size - al->len;
	size_t need =
	    alert_format_json_cached(cache, a, al->text + al->len, room);

	if (need >= room) {
		if (!audit_text_grow(al, need))
			return false;
		alert_format_json(a, al->text + al->len, need + 1);
	}
	/* The newline where the terminator went. */
	al->text[al->len + need] = '\n';
	al->len += need + 1;
	return true;
}

/* Format the alerts @al holds, in order, after those it has as text. */
static void audit_format_held(struct audit_alerts *al,
			      struct alert_json_cache *cache, uint64_t *lost)
{
	for (size_t i = 0; i < al->n_held; i++)
		if (!audit_format(al, &al->kept[i], cache))
			++*lost;
	al->n_held = 0;
}

/* Keep @a, without extras, for the reader to format; false when memory
 * runs out. */
static bool audit_hold(struct audit_alerts *al, const struct alert *a)
{
	if (al->n_held == al->n_kept) {
		size_t n = al->n_kept ? 2 * al->n_kept : 256;
		struct alert *k = reallocarray(al->kept, n, sizeof(*k));

		if (!k)
			return false;
		al->kept = k;
		al->n_kept = n;
	}
	/* The extras, most of the struct, are read only up to n_extra. */
	memcpy(&al->kept[al->n_held++], a, offsetof(struct alert, extra));
	return true;
}

/* detect's callback, on the applier: @a into its batch's alerts. */
static void audit_keep(const struct alert *a, void *arg)
{
	struct audit_pipe *ap = arg;
	struct audit_alerts *al = &ap->alerts[ap->applying % AUDIT_RING];

	if (ap->hold && a->n_extra == 0) {
		if (audit_hold(al, a))
			return;
		/* No memory to hold it: format it here, after those held. */
	}
	/* An alert with extras is formatted now, after those held before
	 * it, and so is the rest of the batch. */
	if (al->n_held)
		audit_format_held(al, ap->apply_cache, &ap->lost);
	ap->hold = false;
	if (!audit_format(al, a, ap->apply_cache))
		ap->lost++;
}

/* Write the alerts of batch @k, in the order they were raised. */
static void audit_write(struct audit_pipe *ap, size_t k)
{
	struct audit_alerts *al = &ap->alerts[k % AUDIT_RING];

	audit_format_held(al, ap->write_cache, &ap->write_lost);
	if (al->len)
		fwrite(al->text, 1, al->len, ap->out);
	al->len = 0;
}

/* Fill @b with the next packets of the file; returns pcap_next_ex()'s
 * answer that ended it (1: the batch is full). */
static int audit_fill_pcap(struct audit_pipe *ap, struct detect_batch *b)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int rc;

	b->n = 0;
	while ((rc = pcap_next_ex(ap->p, &h, &pkt)) == 1) {
		/* A pcapng file may change link type per interface. */
		if (decode_packet(pcap_datalink(ap->p), pkt, h->caplen, h->len,
				  &b->dec[b->n]) < 0) {
			ap->undecodable++;
			continue;
		}
		b->ts[b->n].tv_sec = h->ts.tv_sec;
		/*
		 * A classic pcap file's seconds are an unsigned 32-bit count,
		 * which libpcap takes as signed: times past January 2038
		 * would come out before 1970. No capture is that old, so a
		 * negative time is read as the unsigned count it stands for,
		 * as pcapfile.c reads it.
		 */
		if (h->ts.tv_sec < 0 && h->ts.tv_sec >= INT32_MIN)
			b->ts[b->n].tv_sec = (uint32_t)h->ts.tv_sec;
		/* Opened with nanosecond precision: tv_usec holds those. */
		b->ts[b->n].tv_nsec = h->ts.tv_usec;
		if (++b->n == DETECT_BATCH)
			break;
	}
	if (rc == PCAP_ERROR)
		snprintf(ap->err, sizeof(ap->err), "%s", pcap_geterr(ap->p));
	return rc;
}

/* The same from a classic pcap file, with the same answers. */
static int audit_fill_file(struct audit_pipe *ap, struct detect_batch *b)
{
	int linktype = pcapfile_linktype(ap->f);
	struct pcapfile_rec r = {.len = 0};
	int rc;

	b->n = 0;
	while ((rc = pcapfile_next(ap->f, &r)) == 1) {
		/* The link type was checked when the file was opened. */
		decode_packet(linktype, r.data, r.caplen, r.len,
			      &b->dec[b->n]);
		b->ts[b->n] = r.ts;
		if (++b->n == DETECT_BATCH)
			return 1;
	}
	if (rc == 0)
		return PCAP_ERROR_BREAK;
	snprintf(ap->err, sizeof(ap->err), "%s", pcapfile_error(ap->f));
	return PCAP_ERROR;
}

static int audit_fill(struct audit_pipe *ap, struct detect_batch *b)
{
	return ap->f ? audit_fill_file(ap, b) : audit_fill_pcap(ap, b);
}

/* Plan @b with the day cache @day of the thread that does it. */
static void audit_plan(struct audit_pipe *ap, struct detect_batch *b,
		       struct detect_day *day)
{
	b->day = *day;
	detect_batch_plan(ap->d, b, ap->ctx);
	*day = b->day;
}

/*
 * Write the alerts of every batch applied and not yet written, and wait
 * for the applier while fewer than @until batches are written: sleeping,
 * like the applier, until half a ring is there to write (or the last).
 * Called and returns with @ap->lock held.
 */
static void audit_write_until(struct audit_pipe *ap, size_t until)
{
	for (;;) {
		if (ap->written < ap->used) {
			size_t k = ap->written;

			pthread_mutex_unlock(&ap->lock);
			audit_write(ap, k);
			pthread_mutex_lock(&ap->lock);
			ap->written = k + 1;
			continue;
		}
		if (ap->written >= until)
			return;
		ap->reader_waits = true;
		while (ap->used - ap->written < AUDIT_HALF &&
		       ap->used != ap->filled)
			pthread_cond_wait(&ap->cond, &ap->lock);
		ap->reader_waits = false;
	}
}

static void *audit_reader(void *arg)
{
	struct audit_pipe *ap = arg;
	int rc;

	for (size_t k = 0;; k++) {
		/* Batch k's place in the ring is free once the batch
		 * AUDIT_RING before it is written. */
		pthread_mutex_lock(&ap->lock);
		audit_write_until(ap, k >= AUDIT_RING ? k - AUDIT_RING + 1 : 0);
		pthread_mutex_unlock(&ap->lock);

		struct detect_batch *b = &ap->ring[k % AUDIT_RING];
		rc = audit_fill(ap, b);

		/*
		 * Planning goes to whichever thread has time for it. With a
		 * backlog of half a ring the applier is the slower one (a
		 * capture full of alerts): plan here. Otherwise this thread
		 * is (reading and writing are the work), and the applier
		 * plans.
		 */
		pthread_mutex_lock(&ap->lock);
		bool plan_here = k - ap->used >= AUDIT_HALF;
		pthread_mutex_unlock(&ap->lock);
		if (plan_here)
			audit_plan(ap, b, &ap->day);

		pthread_mutex_lock(&ap->lock);
		ap->planned[k % AUDIT_RING] = plan_here;
		ap->filled = k + 1;
		if (rc != 1) {
			ap->rc = rc;
			ap->done = true;
		}
		if (ap->applier_waits &&
		    (ap->filled - ap->used >= AUDIT_HALF || ap->done))
			pthread_cond_signal(&ap->cond);
		if (rc != 1) {
			audit_write_until(ap, ap->filled);
			pthread_mutex_unlock(&ap->lock);
			return NULL;
		}
		pthread_mutex_unlock(&ap->lock);
	}
}

/* The calling thread's part: apply batches as they come. */
static void audit_apply(struct audit_pipe *ap, struct detect *d)
{
	for (size_t k = 0;; k++) {
		pthread_mutex_lock(&ap->lock);
		if (k == ap->filled && !ap->done) {
			ap->applier_waits = true;
			while (ap->filled - k < AUDIT_HALF && !ap->done)
				pthread_cond_wait(&ap->cond, &ap->lock);
			ap->applier_waits = false;
		}
		bool end = k == ap->filled;
		bool planned = !end && ap->planned[k % AUDIT_RING];
		bool hold = ap->filled - k >= AUDIT_FAR;
		pthread_mutex_unlock(&ap->lock);
		if (end)
			return;

		struct detect_batch *b = &ap->ring[k % AUDIT_RING];
		if (!planned)
			audit_plan(ap, b, &ap->apply_day);
		ap->applying = k;
		ap->hold = hold;
		detect_batch_apply(d, b, ap->ctx);

		pthread_mutex_lock(&ap->lock);
		ap->used = k + 1;
		/* The reader sleeps until half a ring is there to write, or
		 * the last batch. */
		if (ap->reader_waits && (ap->used - ap->written >= AUDIT_HALF ||
					 (ap->done && ap->used == ap->filled)))
			pthread_cond_signal(&ap->cond);
		pthread_mutex_unlock(&ap->lock);
	}
}

/* Read the whole file through @d: on two threads, or on this one alone
 * when no thread can be started. Returns the reader's last answer. */
static int audit_read(struct audit_pipe *ap, struct detect *d)
{
	pthread_t reader;
	int rc;

	if (pthread_create(&reader, NULL, audit_reader, ap) == 0) {
		audit_apply(ap, d);
		pthread_join(reader, NULL);
		return ap->rc;
	}
	do {
		rc = audit_fill(ap, &ap->ring[0]);
		audit_plan(ap, &ap->ring[0], &ap->day);
		ap->applying = 0;
		detect_batch_apply(d, &ap->ring[0], ap->ctx);
		audit_write(ap, 0);
	} while (rc == 1);
	return rc;
}

/*
 * The capture file, read through a stdio buffer of AUDIT_READ_BUF bytes:
 * libpcap reads a header and a packet at a time, and with the default
 * buffer of a page that is a system call every few dozen packets.
 */
#define AUDIT_READ_BUF (1u << 20)

static pcap_t *audit_pcap_open(const char *path, char *errbuf)
{
	/* glibc ignores the size asked for without a buffer to go with it.
	 * Static: standard input keeps it until the process exits. */
	static char buf[AUDIT_READ_BUF];
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	pcap_t *p;

	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	/* A hint: without the buffer the audit only reads more slowly. */
	(void)setvbuf(f, buf, _IOFBF, sizeof(buf));
	/*
	 * Only the reader thread reads it: stdio's lock, taken twice a
	 * packet (header, then data) once a second thread runs, protects
	 * nothing here.
	 */
	(void)__fsetlocking(f, FSETLOCKING_BYCALLER);
	p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p && !is_stdin)
		fclose(f);
	return p;
}

/*
 * Open the capture for @ap. A classic pcap file is read in blocks
 * (pcapfile.c); standard input, pcapng, a link type bunri does not decode
 * and anything that is no capture go through libpcap, which reads the
 * first two and words what is wrong with the others. Returns 0, or -1
 * with the reason in @errbuf.
 */
static int audit_open(struct audit_pipe *ap, const char *path, char *errbuf)
{
	bool other = true;

	if (strcmp(path, "-")) {
		ap->f = pcapfile_open(path, &other, errbuf, PCAP_ERRBUF_SIZE);
		if (ap->f && decode_linktype_supported(pcapfile_linktype(ap->f)))
			return 0;
		pcapfile_close(ap->f);
		ap->f = NULL;
		if (!other)
			return -1;
	}
	ap->p = audit_pcap_open(path, errbuf);
	return ap->p ? 0 : -1;
}

static void audit_close(struct audit_pipe *ap)
{
	pcapfile_close(ap->f);
	if (ap->p)
		pcap_close(ap->p);
}

/* The ring of @ap; the batches' texts grow as alerts come. */
static int audit_alloc(struct audit_pipe *ap)
{
	ap->ring = calloc(AUDIT_RING, sizeof(*ap->ring));
	ap->apply_cache = alert_json_cache_new();
	ap->write_cache = alert_json_cache_new();
	return ap->ring && ap->apply_cache && ap->write_cache ? 0 : -1;
}

static void audit_release(struct audit_pipe *ap)
{
	for (size_t i = 0; i < AUDIT_RING; i++) {
		free(ap->alerts[i].text);
		free(ap->alerts[i].kept);
	}
	free(ap->ring);
	alert_json_cache_free(ap->apply_cache);
	alert_json_cache_free(ap->write_cache);
}

int audit_run(const struct conf *c, const char *path, FILE *out, FILE *summary)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct detect_ctx ctx = {.iface_zone = ZONE_NONE};
	struct audit_pipe ap = {
	    .ctx = &ctx,
	    .day = {.second = -1},
	    .apply_day = {.second = -1},
	    .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER,
	};
	struct detect *d;
	int rc, linktype, status = 0;

	if (audit_open(&ap, path, errbuf) < 0) {
		fprintf(summary, "bunrid: %s: %s\n", path, errbuf);
		return 1;
	}
	linktype = ap.p ? pcap_datalink(ap.p) : pcapfile_linktype(ap.f);
	if (!decode_linktype_supported(linktype)) {
		fprintf(summary,
			"bunrid: %s: link type %s (%d) not supported\n", path,
			pcap_datalink_val_to_name(linktype)
			    ? pcap_datalink_val_to_name(linktype)
			    : "?",
			linktype);
		audit_close(&ap);
		return 1;
	}
	ap.out = out;
	d = audit_alloc(&ap) == 0 ? detect_new(c, 0, audit_keep, &ap) : NULL;
	if (!d) {
		audit_release(&ap);
		fprintf(summary, "bunrid: %s: out of memory for %u flows\n",
			path, c->max_flows);
		audit_close(&ap);
		return 1;
	}
	ap.d = d;
	rc = audit_read(&ap, d);
	fflush(out);
	if (rc == PCAP_ERROR) {
		/* A file cut short mid-packet: report what was read, and say
		 * so, but the audit itself stands. */
		fprintf(summary, "bunrid: %s: %s\n", path, ap.err);
		status = 1;
	}
	fprintf(summary, "bunrid: offline audit of %s\n", path);
	if (ap.undecodable)
		fprintf(summary, "packets of an unsupported link type: %lu\n",
			(unsigned long)ap.undecodable);
	if (ap.lost + ap.write_lost) {
		fprintf(summary, "alerts not written for want of memory: %lu\n",
			(unsigned long)(ap.lost + ap.write_lost));
		status = 1;
	}
	detect_summary_print(d, summary);
	detect_free(d);
	audit_release(&ap);
	audit_close(&ap);
	return status;
}
