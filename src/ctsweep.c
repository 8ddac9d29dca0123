// SPDX-License-Identifier: GPL-2.0-or-later
/* ctsweep: tracked connections the policy no longer permits, deleted. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ctsweep.h"

static bool addr_is_loopback(const struct addr *a)
{
	static const uint8_t v6_lo[16] = {[15] = 1};

	if (a->family == AF_INET)
		return a->b[0] == 127;
	return a->family == AF_INET6 && !memcmp(a->b, v6_lo, 16);
}

static bool addr_in(const struct addr *a, const struct addr *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_equal(&set[i], a))
			return true;
	return false;
}

bool ct_permitted(const struct conf *c, uint32_t today,
		  const struct flow_tuple *t, const struct addr *local,
		  size_t n_local)
{
	struct policy_result r;

	if (addr_is_loopback(&t->src) || addr_is_loopback(&t->dst) ||
	    addr_in(&t->src, local, n_local) || addr_in(&t->dst, local, n_local))
		return true;
	policy_decide(c, t, today, &r);
	/* Not POLICY_REPLY: no rule lets a connection start that way. */
	return r.verdict == POLICY_INTRA || r.verdict == POLICY_CHANNEL;
}

/* --- the kernel's side: ctnetlink through libmnl --- */

struct sweep {
	const struct conf *conf;
	uint32_t today;
	struct addr *local;
	size_t n_local;
	struct mnl_socket *del; /* deletions go on a socket of their own */
	uint32_t del_portid;
	uint32_t del_seq;
	struct ct_sweep_stats *st;
};

/* The addresses of this namespace's interfaces. */
static int local_addrs(struct addr **out, size_t *n)
{
	struct ifaddrs *ifa, *i;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next)
		cap += i->ifa_addr && (i->ifa_addr->sa_family == AF_INET ||
				       i->ifa_addr->sa_family == AF_INET6);
	*out = calloc(cap ? cap : 1, sizeof(**out));
	if (!*out) {
		freeifaddrs(ifa);
		return -1;
	}
	for (i = ifa; i; i = i->ifa_next) {
		struct addr *a = &(*out)[*n];

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a->family = AF_INET;
			memcpy(a->b,
			       &((struct sockaddr_in *)(void *)i->ifa_addr)
				    ->sin_addr,
			       4);
			(*n)++;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a->family = AF_INET6;
			memcpy(a->b,
			       &((struct sockaddr_in6 *)(void *)i->ifa_addr)
				    ->sin6_addr,
			       16);
			(*n)++;
		}
	}
	freeifaddrs(ifa);
	return 0;
}

/* The attributes nested in @nest, by type, up to @max. */
static void nested(const struct nlattr *nest, const struct nlattr **tb,
		   unsigned max)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_nested(a, nest)
	{
		unsigned type = mnl_attr_get_type(a);

		if (type <= max)
			tb[type] = a;
	}
}

/*
 * The source of a CTA_TUPLE_* attribute into the source side of @t
 * (@src_side) or its destination side; ports from network order. False
 * when malformed.
 */
static bool tuple_side(const struct nlattr *tuple, uint8_t family,
		       struct flow_tuple *t, bool src_side)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1],
		*pr[CTA_PROTO_MAX + 1];
	struct addr *a = src_side ? &t->src : &t->dst;
	int at = family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC;
	size_t len = family == AF_INET ? 4 : 16;

	nested(tuple, tb, CTA_TUPLE_MAX);
	if (!tb[CTA_TUPLE_IP] || !tb[CTA_TUPLE_PROTO])
		return false;
	nested(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX);
	nested(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX);
	if (!ip[at] || mnl_attr_get_payload_len(ip[at]) != len ||
	    !pr[CTA_PROTO_NUM])
		return false;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->b, mnl_attr_get_payload(ip[at]), len);
	t->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	if ((t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP) &&
	    pr[CTA_PROTO_SRC_PORT]) {
		uint16_t port = ntohs(mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT]));

		t->has_ports = true;
		if (src_side)
			t->sport = port;
		else
			t->dport = port;
	}
	return true;
}

/* A deletion and its answer; a dump's part (the kernel's own size). */
#define CT_MSG_ROOM  4096
#define CT_DUMP_ROOM 32768

/* A ctnetlink request of @type in @buf, for @family. */
static struct nlmsghdr *ct_msg(char *buf, uint8_t type, uint16_t flags,
			       uint32_t seq, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static int ct_delete(struct sweep *s, uint8_t family,
		     const struct nlattr *orig, const struct nlattr *zone)
{
	char buf[CT_MSG_ROOM];
	uint32_t seq = ++s->del_seq;
	struct nlmsghdr *nlh =
	    ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, seq, family);
	ssize_t n;

	/* The connection as the kernel named it: its first tuple, whole. */
	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED,
		     mnl_attr_get_payload_len(orig),
		     mnl_attr_get_payload(orig));
	if (zone)
		mnl_attr_put(nlh, CTA_ZONE, mnl_attr_get_payload_len(zone),
			     mnl_attr_get_payload(zone));
	if (mnl_socket_sendto(s->del, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(s->del, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (mnl_cb_run(buf, (size_t)n, seq, s->del_portid, NULL, NULL) < 0)
		return errno == ENOENT ? 0 : -1; /* gone meanwhile: fine */
	return 0;
}

static int on_conn(const struct nlmsghdr *nlh, void *data)
{
	struct sweep *s = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *orig = NULL, *reply = NULL, *zone = NULL;
	struct flow_tuple t;
	struct flow_tuple back;

	mnl_attr_for_each(a, nlh, sizeof(*nfg))
	{
		switch (mnl_attr_get_type(a)) {
		case CTA_TUPLE_ORIG:
			orig = a;
			break;
		case CTA_TUPLE_REPLY:
			reply = a;
			break;
		case CTA_ZONE:
			zone = a;
			break;
		}
	}
	if (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6)
		return MNL_CB_OK;
	if (!orig || !reply)
		return MNL_CB_OK;
	/*
	 * The flow as the forward rules saw it: from the first direction's
	 * source to the reply's source, which is the first direction's
	 * destination after any destination NAT.
	 */
	memset(&t, 0, sizeof(t));
	memset(&back, 0, sizeof(back));
	if (!tuple_side(orig, nfg->nfgen_family, &t, true) ||
	    !tuple_side(reply, nfg->nfgen_family, &back, false))
		return MNL_CB_OK;
	t.dst = back.dst;
	t.dport = back.dport;
	t.has_ports = t.has_ports && back.has_ports;
	s->st->seen++;
	if (ct_permitted(s->conf, s->today, &t, s->local, s->n_local))
		return MNL_CB_OK;
	if (ct_delete(s, nfg->nfgen_family, orig, zone) < 0)
		s->st->failed++;
	else
		s->st->deleted++;
	return MNL_CB_OK;
}

static struct mnl_socket *ct_socket(uint32_t *portid)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	*portid = mnl_socket_get_portid(nl);
	return nl;
}

int ct_sweep(const struct conf *c, uint32_t today, struct ct_sweep_stats *st)
{
	struct sweep s = {.conf = c, .today = today, .st = st};
	char buf[CT_DUMP_ROOM];
	struct nlmsghdr *nlh;
	struct mnl_socket *dump;
	uint32_t portid, seq = (uint32_t)time(NULL);
	int rc = -1, saved;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if (local_addrs(&s.local, &s.n_local) < 0)
		return -1;
	dump = ct_socket(&portid);
	s.del = ct_socket(&s.del_portid);
	if (!dump || !s.del)
		goto out;
	nlh = ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq, AF_UNSPEC);
	if (mnl_socket_sendto(dump, nlh, nlh->nlmsg_len) < 0)
		goto out;
	/* Deleted as the dump goes, on the other socket: nothing is kept,
	 * however many connections there are. */
	for (;;) {
		n = mnl_socket_recvfrom(dump, buf, sizeof(buf));
		if (n < 0)
			goto out;
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, on_conn, &s);
		if (r < 0)
			goto out;
		if (r == MNL_CB_STOP)
			break;
	}
	rc = 0;
out:
	saved = errno;
	if (dump)
		mnl_socket_close(dump);
	if (s.del)
		mnl_socket_close(s.del);
	free(s.local);
	errno = saved;
	return rc;
}
