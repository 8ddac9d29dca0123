// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcap_count: the baseline of bench_capture.sh. A bare libpcap loop that
 * opens an interface as bunrid's capture opens a mirror port (snaplen,
 * promiscuous, 10 ms timeout, buffer size, both directions, non-blocking
 * with poll) and only counts what it reads, so the ratio of bunrid's rate
 * to this one is the cost of decoding, detection and privilege separation.
 *
 * usage: pcap_count IFACE [BUFFER_MB [SNAPLEN]]
 * Prints "ready" once capturing; on SIGINT/SIGTERM prints
 * "packets N drops D ifdrops I" and exits.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void count(u_char *user, const struct pcap_pkthdr *h,
		  const u_char *bytes)
{
	unsigned long long *n = (unsigned long long *)user;

	(void)h;
	(void)bytes;
	(*n)++;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	unsigned long long n = 0;
	struct pcap_stat ps;
	struct sigaction sa;
	struct pollfd pfd;
	pcap_t *p;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: pcap_count IFACE [BUFFER_MB [SNAPLEN]]\n");
		return 2;
	}
	int buffer_mb = argc > 2 ? atoi(argv[2]) : 32;
	int snaplen = argc > 3 ? atoi(argv[3]) : 160;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	p = pcap_create(argv[1], errbuf);
	if (!p) {
		fprintf(stderr, "pcap_count: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	pcap_set_snaplen(p, snaplen);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, 10);
	pcap_set_buffer_size(p, buffer_mb << 20);
	if (pcap_activate(p) < 0) {
		fprintf(stderr, "pcap_count: %s: %s\n", argv[1], pcap_geterr(p));
		return 1;
	}
	if (pcap_setnonblock(p, 1, errbuf) < 0 ||
	    (pfd.fd = pcap_get_selectable_fd(p)) < 0) {
		fprintf(stderr, "pcap_count: %s: set-up: %s %s\n", argv[1],
			pcap_geterr(p), errbuf);
		return 1;
	}
	pfd.events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		int r = poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			break;
		/* Same per-wakeup budget as bunrid (CAPTURE_BUDGET). */
		while (pcap_dispatch(p, 256, count, (u_char *)&n) > 0 && !stop)
			;
	}
	/* What is still in the ring was captured too. */
	while (pcap_dispatch(p, -1, count, (u_char *)&n) > 0)
		;
	memset(&ps, 0, sizeof(ps));
	pcap_stats(p, &ps);
	printf("packets %llu drops %u ifdrops %u\n", n, ps.ps_drop,
	       ps.ps_ifdrop);
	pcap_close(p);
	return 0;
}
