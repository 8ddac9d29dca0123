// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftmon: watch nftables change events for changes to bunri's table made by
 * anyone but the daemon itself. See include/nftmon.h.
 *
 * The kernel serialises commits under one mutex and, for each, multicasts
 * one message per object touched followed by NFT_MSG_NEWGEN with the new
 * generation and the committing process. Every message of a commit carries
 * the port id of the socket that sent the batch in nlmsg_pid, which is how
 * the daemon's own commits are told apart from foreign ones.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nftmon.h"

/* Newer kernels (6.3+) notify "destroy" commands under their own types. */
#define NFTMON_MSG_DESTROYTABLE	    26
#define NFTMON_MSG_DESTROYFLOWTABLE 32

#define NFTMON_TABLE_MAXLEN 256 /* NFT_TABLE_MAXNAMELEN */
#define NFTMON_ITEM_LEN	    320
#define NFTMON_TABLEOPS_LEN 64
/* Room kept at the end of the summary for "; +N more". */
#define NFTMON_MORE_RESERVE 24

/* Notifications are batched in skbs of up to a few pages; be generous. */
#define NFTMON_RCVBUF_LEN  (64 * 1024)
#define NFTMON_SOCK_RCVBUF (4 * 1024 * 1024)
/* Reads per dispatch, so a flood cannot starve the rest of the loop. */
#define NFTMON_DISPATCH_BUDGET 256

struct nftmon_parser {
	char table[NFTMON_TABLE_MAXLEN];
	uint32_t ignore_portid;

	/* The transaction being gathered (messages before its NEWGEN). */
	bool pending;
	struct nftmon_event ev;
	char tableops[NFTMON_TABLEOPS_LEN];
	char items[NFTMON_SUMMARY_LEN];
	size_t items_len;
	unsigned int more;
};

struct nftmon {
	struct mnl_socket *nl;
	struct nftmon_parser *parser;
	char *buf;
};

/* Which attributes of each object message name its table, itself, etc. */
struct nftmon_spec {
	enum nftmon_kind kind;
	uint16_t table;
	uint16_t name;	 /* 0: none; for rules the chain */
	uint16_t handle; /* 0: none */
	uint16_t elems;	 /* 0: none; set element list */
	uint16_t maxattr;
};

static const struct nftmon_spec nftmon_specs[NFTMON_KIND_MAX] = {
    [NFTMON_TABLE] = {NFTMON_TABLE, NFTA_TABLE_NAME, 0, NFTA_TABLE_HANDLE, 0,
		      NFTA_TABLE_MAX},
    [NFTMON_CHAIN] = {NFTMON_CHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME,
		      NFTA_CHAIN_HANDLE, 0, NFTA_CHAIN_MAX},
    [NFTMON_RULE] = {NFTMON_RULE, NFTA_RULE_TABLE, NFTA_RULE_CHAIN,
		     NFTA_RULE_HANDLE, 0, NFTA_RULE_MAX},
    [NFTMON_SET] = {NFTMON_SET, NFTA_SET_TABLE, NFTA_SET_NAME, NFTA_SET_HANDLE,
		    0, NFTA_SET_MAX},
    [NFTMON_SETELEM] = {NFTMON_SETELEM, NFTA_SET_ELEM_LIST_TABLE,
			NFTA_SET_ELEM_LIST_SET, 0, NFTA_SET_ELEM_LIST_ELEMENTS,
			NFTA_SET_ELEM_LIST_MAX},
    [NFTMON_OBJ] = {NFTMON_OBJ, NFTA_OBJ_TABLE, NFTA_OBJ_NAME, NFTA_OBJ_HANDLE,
		    0, NFTA_OBJ_MAX},
    [NFTMON_FLOWTABLE] = {NFTMON_FLOWTABLE, NFTA_FLOWTABLE_TABLE,
			  NFTA_FLOWTABLE_NAME, NFTA_FLOWTABLE_HANDLE, 0,
			  NFTA_FLOWTABLE_MAX},
};

/* What one object message says, once its attributes are checked. */
struct nftmon_obj {
	const struct nftmon_spec *spec;
	const char *table;
	const char *name;
	uint64_t handle;
	bool has_handle;
	unsigned int nelems;
	bool bad;
};

const char *nftmon_kind_name(enum nftmon_kind kind)
{
	static const char *const names[NFTMON_KIND_MAX] = {
	    [NFTMON_TABLE] = "table",	      [NFTMON_CHAIN] = "chain",
	    [NFTMON_RULE] = "rule",	      [NFTMON_SET] = "set",
	    [NFTMON_SETELEM] = "element",     [NFTMON_OBJ] = "object",
	    [NFTMON_FLOWTABLE] = "flowtable",
	};

	if ((unsigned int)kind >= NFTMON_KIND_MAX)
		return "unknown";
	return names[kind];
}

/*
 * Names and process names come from whoever made the change and end up in
 * log lines a SIEM parses: keep them to visible ASCII without quotes,
 * backslashes or '='.
 */
static void nftmon_sanitize(char *dst, size_t size, const char *src)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; i + 1 < size && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=')
			c = '?';
		dst[i] = (char)c;
	}
	dst[i] = '\0';
}

struct nftmon_parser *nftmon_parser_alloc(const char *table,
					  uint32_t ignore_portid)
{
	struct nftmon_parser *p;

	if (table == NULL || table[0] == '\0' ||
	    strlen(table) >= NFTMON_TABLE_MAXLEN) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	memcpy(p->table, table, strlen(table) + 1);
	p->ignore_portid = ignore_portid;
	return p;
}

void nftmon_parser_free(struct nftmon_parser *p)
{
	free(p);
}

void nftmon_parser_ignore_portid_set(struct nftmon_parser *p, uint32_t portid)
{
	p->ignore_portid = portid;
}

void nftmon_parser_reset(struct nftmon_parser *p)
{
	p->pending = false;
	memset(&p->ev, 0, sizeof(p->ev));
	p->tableops[0] = '\0';
	p->items[0] = '\0';
	p->items_len = 0;
	p->more = 0;
}

static void nftmon_append(char *buf, size_t size, size_t *len, const char *item)
{
	int n;

	n = snprintf(buf + *len, size - *len, "%s%s", *len ? "; " : "", item);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

/* Adds one description to the summary, or counts it when out of room. */
static void nftmon_item_add(struct nftmon_parser *p, const char *item)
{
	size_t need = strlen(item) + 2;

	if (p->items_len + need >= sizeof(p->items) - NFTMON_MORE_RESERVE) {
		p->more++;
		return;
	}
	nftmon_append(p->items, sizeof(p->items), &p->items_len, item);
}

static void nftmon_emit(struct nftmon_parser *p, nftmon_cb cb, void *arg,
			int *ncb)
{
	struct nftmon_event *ev = &p->ev;
	size_t len = 0;
	char more[NFTMON_MORE_RESERVE];

	ev->type = NFTMON_EV_CHANGE;
	ev->summary[0] = '\0';
	if (p->tableops[0] != '\0')
		nftmon_append(ev->summary, sizeof(ev->summary), &len,
			      p->tableops);
	if (p->items_len)
		nftmon_append(ev->summary, sizeof(ev->summary), &len, p->items);
	if (p->more) {
		snprintf(more, sizeof(more), "+%u more", p->more);
		nftmon_append(ev->summary, sizeof(ev->summary), &len, more);
	}
	cb(ev, arg);
	(*ncb)++;
	nftmon_parser_reset(p);
}

/* Checks one attribute the way its kind needs; unknown ones are skipped. */
static void nftmon_obj_attr(const struct nlattr *a, struct nftmon_obj *o)
{
	const struct nftmon_spec *s = o->spec;
	uint16_t type = mnl_attr_get_type(a);
	const struct nlattr *e;

	if (type == 0 || type > s->maxattr)
		return;
	if (type == s->table || (s->name && type == s->name)) {
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
			o->bad = true;
			return;
		}
		if (type == s->table)
			o->table = mnl_attr_get_str(a);
		else
			o->name = mnl_attr_get_str(a);
	} else if (s->handle && type == s->handle) {
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0) {
			o->bad = true;
			return;
		}
		o->handle = be64toh(mnl_attr_get_u64(a));
		o->has_handle = true;
	} else if (s->elems && type == s->elems) {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0) {
			o->bad = true;
			return;
		}
		mnl_attr_for_each_nested(e, a) o->nelems++;
	}
}

/*
 * Walks the attributes after the nfgenmsg header. libmnl's own walk stops
 * quietly at a truncated attribute; here leftover bytes make the message
 * malformed.
 */
static int nftmon_attrs_walk(const struct nlmsghdr *nlh,
			     void (*fn)(const struct nlattr *, void *),
			     void *data)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a;

	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct nfgenmsg));
	while (mnl_attr_ok(a, (int)(end - (const char *)a))) {
		fn(a, data);
		a = mnl_attr_next(a);
	}
	if ((const char *)a < end)
		return -1;
	return 0;
}

static void nftmon_obj_attr_cb(const struct nlattr *a, void *data)
{
	nftmon_obj_attr(a, data);
}

static void nftmon_describe(char *buf, size_t size, bool add,
			    const struct nftmon_obj *o)
{
	const char *verb = add ? "add" : "delete";
	char name[NFTMON_TABLE_MAXLEN];
	int n = 0;

	nftmon_sanitize(name, sizeof(name), o->name ? o->name : "?");
	switch (o->spec->kind) {
	case NFTMON_TABLE:
		n = snprintf(buf, size, "%s table", verb);
		break;
	case NFTMON_RULE:
		n = snprintf(buf, size, "%s rule chain %s", verb, name);
		break;
	case NFTMON_SETELEM:
		n = snprintf(buf, size, "%s %u element%s set %s", verb,
			     o->nelems, o->nelems == 1 ? "" : "s", name);
		break;
	default:
		n = snprintf(buf, size, "%s %s %s", verb,
			     nftmon_kind_name(o->spec->kind), name);
		break;
	}
	if (n > 0 && (size_t)n < size && o->has_handle &&
	    o->spec->kind != NFTMON_TABLE)
		snprintf(buf + n, size - (size_t)n, " handle %llu",
			 (unsigned long long)o->handle);
}

static void nftmon_count(struct nftmon_parser *p, bool add,
			 const struct nftmon_obj *o)
{
	enum nftmon_kind k = o->spec->kind;
	unsigned int n = k == NFTMON_SETELEM ? o->nelems : 1;
	char item[NFTMON_ITEM_LEN];
	size_t len;

	if (add)
		p->ev.added[k] += n;
	else
		p->ev.deleted[k] += n;
	nftmon_describe(item, sizeof(item), add, o);
	if (k != NFTMON_TABLE) {
		nftmon_item_add(p, item);
		return;
	}
	if (add)
		p->ev.table_added = true;
	else
		p->ev.table_deleted = true;
	len = strlen(p->tableops);
	nftmon_append(p->tableops, sizeof(p->tableops), &len, item);
}

/* Maps a message type to (kind, add?); false for what is not a change. */
static bool nftmon_msg_kind(uint16_t msg, enum nftmon_kind *kind, bool *add)
{
	static const struct {
		uint16_t msg;
		enum nftmon_kind kind;
		bool add;
	} map[] = {
	    {NFT_MSG_NEWTABLE, NFTMON_TABLE, true},
	    {NFT_MSG_DELTABLE, NFTMON_TABLE, false},
	    {NFT_MSG_NEWCHAIN, NFTMON_CHAIN, true},
	    {NFT_MSG_DELCHAIN, NFTMON_CHAIN, false},
	    {NFT_MSG_NEWRULE, NFTMON_RULE, true},
	    {NFT_MSG_DELRULE, NFTMON_RULE, false},
	    {NFT_MSG_NEWSET, NFTMON_SET, true},
	    {NFT_MSG_DELSET, NFTMON_SET, false},
	    {NFT_MSG_NEWSETELEM, NFTMON_SETELEM, true},
	    {NFT_MSG_DELSETELEM, NFTMON_SETELEM, false},
	    {NFT_MSG_NEWOBJ, NFTMON_OBJ, true},
	    {NFT_MSG_DELOBJ, NFTMON_OBJ, false},
	    {NFT_MSG_NEWFLOWTABLE, NFTMON_FLOWTABLE, true},
	    {NFT_MSG_DELFLOWTABLE, NFTMON_FLOWTABLE, false},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].msg == msg) {
			*kind = map[i].kind;
			*add = map[i].add;
			return true;
		}
	}
	/* DESTROYTABLE..DESTROYFLOWTABLE follow enum nftmon_kind's order. */
	if (msg < NFTMON_MSG_DESTROYTABLE || msg > NFTMON_MSG_DESTROYFLOWTABLE)
		return false;
	*kind = (enum nftmon_kind)(msg - NFTMON_MSG_DESTROYTABLE);
	*add = false;
	return true;
}

struct nftmon_gen {
	uint32_t id, pid;
	bool has_id, has_pid;
	const char *name;
	bool bad;
};

static void nftmon_gen_attr_cb(const struct nlattr *a, void *data)
{
	struct nftmon_gen *g = data;

	switch (mnl_attr_get_type(a)) {
	case NFTA_GEN_ID:
	case NFTA_GEN_PROC_PID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
			g->bad = true;
			return;
		}
		if (mnl_attr_get_type(a) == NFTA_GEN_ID) {
			g->id = ntohl(mnl_attr_get_u32(a));
			g->has_id = true;
		} else {
			g->pid = ntohl(mnl_attr_get_u32(a));
			g->has_pid = true;
		}
		break;
	case NFTA_GEN_PROC_NAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) {
			g->bad = true;
			return;
		}
		g->name = mnl_attr_get_str(a);
		break;
	default:
		break;
	}
}

static int nftmon_gen_handle(struct nftmon_parser *p,
			     const struct nlmsghdr *nlh, nftmon_cb cb,
			     void *arg, int *ncb)
{
	struct nftmon_gen g = {0};

	if (nftmon_attrs_walk(nlh, nftmon_gen_attr_cb, &g) < 0 || g.bad)
		return -1;
	if (!p->pending)
		return 0;
	/*
	 * Foreign messages followed by our own NEWGEN mean the foreign
	 * NEWGEN was lost: report them anyway, without process details.
	 */
	if (nlh->nlmsg_pid == p->ev.portid) {
		p->ev.has_gen = g.has_id;
		p->ev.gen_id = g.id;
		p->ev.pid = g.has_pid ? g.pid : 0;
		if (g.name)
			nftmon_sanitize(p->ev.comm, sizeof(p->ev.comm), g.name);
	}
	nftmon_emit(p, cb, arg, ncb);
	return 0;
}

static int nftmon_obj_handle(struct nftmon_parser *p,
			     const struct nlmsghdr *nlh, enum nftmon_kind kind,
			     bool add, nftmon_cb cb, void *arg, int *ncb)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct nftmon_obj o = {.spec = &nftmon_specs[kind]};

	if (nftmon_attrs_walk(nlh, nftmon_obj_attr_cb, &o) < 0 || o.bad)
		return -1;
	if (nlh->nlmsg_pid == p->ignore_portid && p->ignore_portid != 0)
		return 0;
	if (nfg->nfgen_family != NFPROTO_INET || o.table == NULL ||
	    strcmp(o.table, p->table) != 0)
		return 0;
	/* A different committer before a NEWGEN: that NEWGEN was lost. */
	if (p->pending && p->ev.portid != nlh->nlmsg_pid)
		nftmon_emit(p, cb, arg, ncb);
	p->pending = true;
	p->ev.portid = nlh->nlmsg_pid;
	nftmon_count(p, add, &o);
	return 0;
}

static int nftmon_msg_handle(struct nftmon_parser *p,
			     const struct nlmsghdr *nlh, nftmon_cb cb,
			     void *arg, int *ncb)
{
	enum nftmon_kind kind;
	uint16_t msg;
	bool add;

	/* NLMSG_NOOP, NLMSG_DONE and the like carry no change. */
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return 0;
	if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(MNL_ALIGN(sizeof(struct nfgenmsg))))
		return -1;
	msg = nlh->nlmsg_type & 0xff;
	if (msg == NFT_MSG_NEWGEN)
		return nftmon_gen_handle(p, nlh, cb, arg, ncb);
	if (!nftmon_msg_kind(msg, &kind, &add))
		return 0;
	return nftmon_obj_handle(p, nlh, kind, add, cb, arg, ncb);
}

int nftmon_parser_feed(struct nftmon_parser *p, const void *buf, size_t len,
		       nftmon_cb cb, void *arg)
{
	const struct nlmsghdr *nlh = buf;
	int left, ncb = 0;

	if (len > NFTMON_RCVBUF_LEN * 16) {
		errno = EMSGSIZE;
		return -1;
	}
	left = (int)len;
	while (left > 0) {
		if (!mnl_nlmsg_ok(nlh, left) ||
		    nftmon_msg_handle(p, nlh, cb, arg, &ncb) < 0) {
			nftmon_parser_reset(p);
			errno = EBADMSG;
			return -1;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return ncb;
}

struct nftmon *nftmon_open(const char *table, uint32_t ignore_portid)
{
	unsigned int grp = NFNLGRP_NFTABLES;
	int rcvbuf = NFTMON_SOCK_RCVBUF;
	struct nftmon *m;
	int saved;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->parser = nftmon_parser_alloc(table, ignore_portid);
	m->buf = malloc(NFTMON_RCVBUF_LEN);
	if (m->parser == NULL || m->buf == NULL)
		goto fail;
	m->nl =
	    mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (m->nl == NULL)
		goto fail;
	if (mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* A bigger queue makes ENOBUFS rarer; FORCE needs CAP_NET_ADMIN. */
	if (setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET,
				 SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		goto fail;
	return m;
fail:
	saved = errno;
	nftmon_close(m);
	errno = saved;
	return NULL;
}

void nftmon_close(struct nftmon *m)
{
	if (m == NULL)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	nftmon_parser_free(m->parser);
	free(m->buf);
	free(m);
}

int nftmon_fd(const struct nftmon *m)
{
	return mnl_socket_get_fd(m->nl);
}

uint32_t nftmon_portid(const struct nftmon *m)
{
	return mnl_socket_get_portid(m->nl);
}

void nftmon_ignore_portid_set(struct nftmon *m, uint32_t portid)
{
	nftmon_parser_ignore_portid_set(m->parser, portid);
}

static void nftmon_resync(struct nftmon *m, const char *reason, nftmon_cb cb,
			  void *arg)
{
	struct nftmon_event ev = {.type = NFTMON_EV_RESYNC};

	nftmon_parser_reset(m->parser);
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	cb(&ev, arg);
}

/*
 * One read. Returns the callbacks made, 0 at EAGAIN with *more cleared, or
 * -1 on a socket error.
 */
static int nftmon_read(struct nftmon *m, nftmon_cb cb, void *arg, bool *more)
{
	struct sockaddr_nl sa;
	struct iovec iov = {m->buf, NFTMON_RCVBUF_LEN};
	struct msghdr msg = {
	    .msg_name = &sa,
	    .msg_namelen = sizeof(sa),
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	};
	ssize_t n;
	int r;

	n = recvmsg(nftmon_fd(m), &msg, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*more = false;
			return 0;
		}
		if (errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			nftmon_resync(m, "enobufs", cb, arg);
			return 1;
		}
		return -1;
	}
	/* Only the kernel may speak for nf_tables. */
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
		return 0;
	if (msg.msg_flags & MSG_TRUNC) {
		nftmon_resync(m, "truncated", cb, arg);
		return 1;
	}
	r = nftmon_parser_feed(m->parser, m->buf, (size_t)n, cb, arg);
	if (r < 0) {
		nftmon_resync(m, "malformed", cb, arg);
		return 1;
	}
	return r;
}

int nftmon_dispatch(struct nftmon *m, nftmon_cb cb, void *arg)
{
	bool more = true;
	int i, r, total = 0;

	for (i = 0; more && i < NFTMON_DISPATCH_BUDGET; i++) {
		r = nftmon_read(m, cb, arg, &more);
		if (r < 0)
			return -1;
		total += r;
	}
	return total;
}
