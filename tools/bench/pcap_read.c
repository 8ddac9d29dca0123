// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcap_read: the baseline of bench_audit.sh, a bare libpcap read loop over
 * a capture file that only counts packets and bytes (and reads one byte of
 * each, so the data is really brought in).
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	uint64_t n = 0, bytes = 0, sum = 0;
	pcap_t *pc;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_read FILE\n");
		return 2;
	}
	pc = pcap_open_offline(argv[1], err);
	if (!pc) {
		fprintf(stderr, "pcap_read: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
		n++;
		bytes += h->len;
		sum += h->caplen ? p[h->caplen - 1] : 0;
	}
	pcap_close(pc);
	printf("%llu packets %llu bytes (%llu)\n", (unsigned long long)n,
	       (unsigned long long)bytes, (unsigned long long)(sum & 0xff));
	return rc == PCAP_ERROR ? 1 : 0;
}
