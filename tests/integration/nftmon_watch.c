// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftmon_watch: the integration driver of tests/integration/test_nftmon.sh.
 * Watches a table with nftmon and prints one line per reported event:
 *
 *   change pid=P comm=C portid=N gen=G table_added=0|1 table_deleted=0|1
 *     added=table:0,chain:1,... deleted=... summary=TEXT
 *   resync reason=R
 *
 * nftmon_watch [-t TABLE] [-s SECONDS] [-o] [-n] [-r BYTES -w SECONDS]
 *   -o  before printing "ready", commit a change of its own to the table
 *       (create it with a chain, then delete it) through its own netlink
 *       socket, as the daemon does
 *   -n  do not tell nftmon that socket's port id (the negative control:
 *       the own change must then be reported)
 *   -r  shrink the monitoring socket's receive buffer to BYTES and
 *   -w  sleep SECONDS after "ready" before reading: together they make the
 *       kernel drop events, which must come out as "resync"
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nftmon.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_counts(const char *label, const unsigned int *n)
{
	int k;

	printf(" %s=", label);
	for (k = 0; k < NFTMON_KIND_MAX; k++)
		printf("%s%s:%u", k ? "," : "",
		       nftmon_kind_name((enum nftmon_kind)k), n[k]);
}

static void print_event(const struct nftmon_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == NFTMON_EV_RESYNC) {
		printf("resync reason=%s\n", ev->reason);
	} else {
		printf("change pid=%u comm=%s portid=%u gen=%u table_added=%d "
		       "table_deleted=%d",
		       ev->pid, ev->comm[0] ? ev->comm : "-", ev->portid,
		       ev->gen_id, ev->table_added, ev->table_deleted);
		print_counts("added", ev->added);
		print_counts("deleted", ev->deleted);
		printf(" summary=%s\n", ev->summary);
	}
	fflush(stdout);
}

/* One batch through @nl: either NEWTABLE+NEWCHAIN or DELTABLE. */
static int commit(struct mnl_socket *nl, const char *table, bool create)
{
	static char sbuf[16384], rbuf[16384];
	struct mnl_nlmsg_batch *b;
	struct nftnl_table *t;
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	ssize_t n;
	int r = -1;

	b = mnl_nlmsg_batch_start(sbuf, sizeof(sbuf));
	t = nftnl_table_alloc();
	c = nftnl_chain_alloc();
	if (!b || !t || !c)
		goto out;
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = nftnl_table_nlmsg_build_hdr(
	    mnl_nlmsg_batch_current(b),
	    create ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE, NFPROTO_INET,
	    create ? NLM_F_CREATE : NLM_F_ACK, seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	mnl_nlmsg_batch_next(b);
	if (create) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "own_chain");
		nlh = nftnl_chain_nlmsg_build_hdr(
		    mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN, NFPROTO_INET,
		    NLM_F_CREATE | NLM_F_ACK, seq++);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) < 0)
		goto out;
	/* One ACK for the last message; any error comes before it. */
	portid = mnl_socket_get_portid(nl);
	do {
		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0)
			goto out;
		r = mnl_cb_run(rbuf, (size_t)n, 0, portid, NULL, NULL);
	} while (r > 0);
out:
	if (r < 0)
		perror("nftmon_watch: commit");
	nftnl_chain_free(c);
	nftnl_table_free(t);
	if (b)
		mnl_nlmsg_batch_stop(b);
	return r < 0 ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: nftmon_watch [-t TABLE] [-s SECONDS] [-o] [-n] "
			"[-r BYTES] [-w SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *table = "bunri";
	bool own = false, no_ignore = false;
	struct mnl_socket *nl;
	struct nftmon *m;
	struct pollfd pfd;
	time_t end;
	int secs = 30, rcvbuf = 0, delay = 0, ch;

	while ((ch = getopt(argc, argv, "t:s:onr:w:")) != -1) {
		switch (ch) {
		case 't':
			table = optarg;
			break;
		case 's':
			secs = atoi(optarg);
			break;
		case 'o':
			own = true;
			break;
		case 'n':
			no_ignore = true;
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 'w':
			delay = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("nftmon_watch: commit socket");
		return 1;
	}
	m = nftmon_open(table, no_ignore ? 0 : mnl_socket_get_portid(nl));
	if (m == NULL) {
		perror("nftmon_watch: nftmon_open");
		return 1;
	}
	if (rcvbuf > 0 && setsockopt(nftmon_fd(m), SOL_SOCKET, SO_RCVBUFFORCE,
				     &rcvbuf, sizeof(rcvbuf)) < 0) {
		perror("nftmon_watch: SO_RCVBUFFORCE");
		return 1;
	}
	if (own &&
	    (commit(nl, table, true) < 0 || commit(nl, table, false) < 0))
		return 1;
	printf("ready pid=%d portid=%u commit_portid=%u\n", (int)getpid(),
	       nftmon_portid(m), mnl_socket_get_portid(nl));
	fflush(stdout);
	if (delay > 0)
		sleep((unsigned int)delay);

	end = time(NULL) + secs;
	pfd.fd = nftmon_fd(m);
	pfd.events = POLLIN;
	while (!stop && time(NULL) < end) {
		if (poll(&pfd, 1, 100) < 0) {
			if (errno == EINTR)
				continue;
			perror("nftmon_watch: poll");
			break;
		}
		if ((pfd.revents & POLLIN) &&
		    nftmon_dispatch(m, print_event, NULL) < 0) {
			perror("nftmon_watch: nftmon_dispatch");
			break;
		}
	}
	nftmon_close(m);
	mnl_socket_close(nl);
	return 0;
}
