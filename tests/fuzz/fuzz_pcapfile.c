// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for pcapfile: the input is a capture file, put in a
 * memory file and read both by pcapfile and by libpcap. Beyond the
 * sanitizers, the two must agree on every record they both return (but
 * for libpcap cutting records to the header's snapshot length, and
 * reading the seconds and an out-of-range fraction as signed where the
 * format says unsigned); where
 * libpcap stops at a record it judges malformed, pcapfile may stop there
 * too or read it (libpcap also rejects what is merely odd), but never the
 * other way round, and a record pcapfile returns lies within the file.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[PCAP_ERRBUF_SIZE];
	struct pcapfile_rec r;
	struct pcapfile *f;
	bool other;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	f = pcapfile_open(path, &other, err, sizeof(err));
	if (!f) {
		close(fd);
		return 0;
	}
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
	    path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *pkt;
	uint64_t bytes = 24;
	int rc;

	while ((rc = pcapfile_next(f, &r)) == 1) {
		bytes += 16 + r.caplen;
		if (bytes > size || r.caplen > PCAPFILE_MAX_CAPLEN)
			abort();
		if (!p || pcap_next_ex(p, &h, &pkt) != 1)
			continue; /* libpcap stopped earlier */
		/* libpcap cuts a record longer than the file's snapshot
		 * length down to it; pcapfile keeps what was captured. */
		if (h->caplen > r.caplen || h->len != r.len ||
		    (uint32_t)h->ts.tv_sec != (uint32_t)r.ts.tv_sec ||
		    (r.ts.tv_nsec < 1000000000 &&
		     h->ts.tv_usec != r.ts.tv_nsec) ||
		    memcmp(pkt, r.data, h->caplen) != 0)
			abort();
	}
	if (rc == 0 && bytes != size)
		abort(); /* a clean end must be the end of the file */
	if (rc == -1 && !pcapfile_error(f)[0])
		abort();
	/* Where pcapfile found the end or damage, libpcap reads no more. */
	if (p && rc >= 0 && pcap_next_ex(p, &h, &pkt) == 1)
		abort();
	if (p)
		pcap_close(p);
	pcapfile_close(f);
	close(fd);
	return 0;
}
