/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapfile: classic pcap capture files read in large blocks, each record
 * handed over where it lies in the block. libpcap reads a file a record
 * at a time, each header and each packet copied through stdio into a
 * buffer of its own; for a capture file of small packets that copying
 * costs more than decoding them. Only the classic format of version 2.4
 * (either byte order, microsecond or nanosecond timestamps) is read here:
 * anything else (pcapng, older versions, the "modified" pcap of old Linux
 * patches, a file that is no capture at all) is left to libpcap, which
 * knows those and words the error for what it does not.
 *
 * The file is untrusted input: every header is checked before it is used,
 * and a record cut short by the end of the file is an error that names
 * the byte where it starts.
 */
#ifndef BUNRI_PCAPFILE_H
#define BUNRI_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A record's captured length beyond this is an error (libpcap's bound). */
#define PCAPFILE_MAX_CAPLEN 262144u

struct pcapfile;

/**
 * struct pcapfile_rec - one packet of the file.
 * @ts: capture time, nanoseconds whatever the file's resolution
 * @caplen: bytes captured, at @data; valid until the next pcapfile_next()
 * @len: the packet's length on the wire
 */
struct pcapfile_rec {
	struct timespec ts;
	uint32_t caplen;
	uint32_t len;
	const uint8_t *data;
};

/*
 * Open @path when it is a classic pcap file. Returns NULL with *@other set
 * when it is something else for libpcap to open (pcapng, or no capture),
 * or NULL with the reason in @err (@errlen bytes) when it cannot be read.
 */
struct pcapfile *pcapfile_open(const char *path, bool *other, char *err,
			       size_t errlen);
void pcapfile_close(struct pcapfile *f);

/* The file header's link type (LINKTYPE_*, the FCS bits taken off). */
int pcapfile_linktype(const struct pcapfile *f);

/*
 * The next record: 1 with @r filled, 0 at the end of the file, -1 on an
 * error, worded by pcapfile_error() (a read error, a record cut short, a
 * captured length out of bounds). After 0 or -1 it stays there.
 */
int pcapfile_next(struct pcapfile *f, struct pcapfile_rec *r);
const char *pcapfile_error(const struct pcapfile *f);

#endif
