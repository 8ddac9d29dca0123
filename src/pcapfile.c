// SPDX-License-Identifier: GPL-2.0-or-later
/* pcapfile: classic pcap files, read a block at a time. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"

/* The file header and each record header (pcap-savefile(5)). */
#define FILE_HDR 24
#define REC_HDR 16

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du

/*
 * Bytes asked of each read(): few enough to be decoded while they are
 * still in the cache the copy brought them to (a megabyte at once was
 * slower by half), many enough for a system call to be cheap beside
 * them. The buffer holds the largest record with its header besides.
 */
#define CHUNK (64u << 10)
#define BLOCK (CHUNK + REC_HDR + PCAPFILE_MAX_CAPLEN)

struct pcapfile {
	int fd;
	bool swapped; /* written in the other byte order */
	bool nsec;    /* timestamps in nanoseconds, not microseconds */
	int linktype;
	int state;	 /* what pcapfile_next() answers once it is not 1 */
	uint8_t *buf;	 /* BLOCK bytes */
	size_t start;	 /* the next record's header */
	size_t end;	 /* bytes read into @buf */
	uint64_t offset; /* file offset of buf[start] */
	char err[160];
};

static uint32_t u32_at(const struct pcapfile *f, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return f->swapped ? __builtin_bswap32(v) : v;
}

/* Is @hdr a classic pcap header this reader takes? Sets the byte order
 * and resolution. */
static bool header_classic(struct pcapfile *f, const uint8_t *hdr)
{
	uint32_t magic;

	memcpy(&magic, hdr, sizeof(magic));
	if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
		f->swapped = false;
	} else if (magic == __builtin_bswap32(MAGIC_USEC) ||
		   magic == __builtin_bswap32(MAGIC_NSEC)) {
		f->swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		return false;
	}
	f->nsec = magic == MAGIC_NSEC;
	/*
	 * Version 2.4, what every writer has written since 1998. Earlier
	 * minors stored caplen and len the other way round, in some files
	 * or all: libpcap knows which.
	 */
	uint16_t major, minor;
	memcpy(&major, hdr + 4, sizeof(major));
	memcpy(&minor, hdr + 6, sizeof(minor));
	if (f->swapped) {
		major = __builtin_bswap16(major);
		minor = __builtin_bswap16(minor);
	}
	if (major != 2 || minor != 4)
		return false;
	/* The link type is the low 26 bits; above them, FCS length flags. */
	f->linktype = (int)(u32_at(f, hdr + 20) & 0x03ffffffu);
	return true;
}

/*
 * Make at least @need bytes from @f->start available, a CHUNK at a time.
 * Returns the bytes available (fewer at the end of the file), or -1 on a
 * read error.
 */
static ssize_t fill(struct pcapfile *f, size_t need)
{
	/* What is left is less than a record: the same few bytes of the
	 * buffer are used over and over, and stay in cache. */
	memmove(f->buf, f->buf + f->start, f->end - f->start);
	f->end -= f->start;
	f->start = 0;
	while (f->end < need) {
		size_t want = BLOCK - f->end < CHUNK ? BLOCK - f->end : CHUNK;
		ssize_t n = read(f->fd, f->buf + f->end, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		f->end += (size_t)n;
	}
	return (ssize_t)(f->end - f->start);
}

struct pcapfile *pcapfile_open(const char *path, bool *other, char *err,
			       size_t errlen)
{
	struct pcapfile *f;
	ssize_t n;

	*other = false;
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd >= 0)
		f->buf = malloc(BLOCK);
	n = f->buf ? fill(f, FILE_HDR) : -1;
	if (n < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		pcapfile_close(f);
		return NULL;
	}
	if (n < FILE_HDR || !header_classic(f, f->buf)) {
		*other = true;
		pcapfile_close(f);
		return NULL;
	}
	f->start = FILE_HDR;
	f->offset = FILE_HDR;
	f->state = 1;
	return f;
}

void pcapfile_close(struct pcapfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	free(f);
}

int pcapfile_linktype(const struct pcapfile *f)
{
	return f->linktype;
}

const char *pcapfile_error(const struct pcapfile *f)
{
	return f->err;
}

static int fail(struct pcapfile *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct pcapfile *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	f->state = -1;
	return -1;
}

int pcapfile_next(struct pcapfile *f, struct pcapfile_rec *r)
{
	ssize_t have;

	if (f->state != 1)
		return f->state;
	have = (ssize_t)(f->end - f->start);
	if (have < REC_HDR) {
		have = fill(f, REC_HDR);
		if (have < 0)
			return fail(f, "read: %s", strerror(errno));
		if (have == 0) {
			f->state = 0;
			return 0;
		}
		if (have < REC_HDR)
			return fail(f,
				    "record header at byte %llu cut short: "
				    "%zd of %d bytes",
				    (unsigned long long)f->offset, have,
				    REC_HDR);
	}

	const uint8_t *h = f->buf + f->start;
	uint32_t frac = u32_at(f, h + 4);
	uint32_t caplen = u32_at(f, h + 8);

	if (caplen > PCAPFILE_MAX_CAPLEN)
		return fail(f,
			    "record at byte %llu: captured length %u is more "
			    "than the maximum of %u",
			    (unsigned long long)f->offset, caplen,
			    PCAPFILE_MAX_CAPLEN);
	if ((size_t)have < REC_HDR + caplen) {
		have = fill(f, REC_HDR + caplen);
		if (have < 0)
			return fail(f, "read: %s", strerror(errno));
		if ((size_t)have < REC_HDR + caplen)
			return fail(f,
				    "record at byte %llu cut short: %zd of "
				    "%u captured bytes",
				    (unsigned long long)f->offset,
				    have - REC_HDR, caplen);
		h = f->buf + f->start; /* the block may have moved */
	}
	r->ts.tv_sec = (time_t)u32_at(f, h);
	r->ts.tv_nsec = f->nsec ? (long)frac : (long)((uint64_t)frac * 1000);
	r->caplen = caplen;
	r->len = u32_at(f, h + 12);
	r->data = h + REC_HDR;
	f->start += REC_HDR + caplen;
	f->offset += REC_HDR + caplen;
	return 1;
}
