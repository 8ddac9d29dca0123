// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft: the ruleset IR to libnftnl objects, committed in one nf_tables batch.
 *
 * The expressions are the ones nft 1.0.6 generates for the text that
 * ruleset_print() writes (checked with `nft --debug=netlink,mnl`), so that a
 * table committed here and one loaded with `nft -f` list identically.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft.h"
#include "ruleset.h"

/* Newer than the installed headers; probed at run time. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif

/* nft's set datatypes (its src/datatype.h), as the listing reads them. */
#define NFT_TYPE_IPADDR	      7
#define NFT_TYPE_IP6ADDR      8
#define NFT_TYPE_INET_SERVICE 13
/* nft's set user data: byte orders and its "typeof" description. */
#define UD_KEYBYTEORDER	     0
#define UD_DATABYTEORDER     1
#define UD_MERGE_ELEMENTS    2
#define UD_KEY_TYPEOF	     3
#define UD_DATA_INTERVAL     6
#define BYTEORDER_BIG_ENDIAN 2

/* Receive buffer of dumps, and room of a single request. */
#define DUMP_BUF (64 * 1024)
#define REQ_BUF	 8192

/* Elements per NEWSETELEM message, well below the 64 KiB nest limit. */
#define ELEMS_PER_MSG 128
/* Room reserved for one message in the batch buffer. */
#define MSG_ROOM (128 * 1024)

struct nft {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	bool owner;
	bool no_persist;
	bool no_owner; /* the kernel has no owner flag (before 5.12) */
	bool committed; /* this handle has committed the table once */
	uint32_t flags;
};

struct nft *nft_open(void)
{
	struct nft *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!n->nl || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		if (n->nl)
			mnl_socket_close(n->nl);
		free(n);
		errno = e;
		return NULL;
	}
	n->portid = mnl_socket_get_portid(n->nl);
	n->seq = (uint32_t)time(NULL);
	n->owner = true;
	return n;
}

void nft_close(struct nft *n)
{
	if (!n)
		return;
	mnl_socket_close(n->nl);
	free(n);
}

int nft_fd(const struct nft *n)
{
	return mnl_socket_get_fd(n->nl);
}

void nft_set_owner(struct nft *n, bool on)
{
	n->owner = on;
}

uint32_t nft_table_flags(const struct nft *n)
{
	return n->flags;
}

/* --- dumps ----------------------------------------------------------- */

struct names {
	char (*v)[RS_NAME_MAX];
	uint32_t *flags;
	size_t n, cap;
};

static int names_add(struct names *l, const char *s, uint32_t flags)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		if (!v)
			return -1;
		l->v = v;
		v = realloc(l->flags, cap * sizeof(*l->flags));
		if (!v)
			return -1;
		l->flags = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n], RS_NAME_MAX, "%s", s);
	l->flags[l->n++] = flags;
	return 0;
}

static bool names_has(const struct names *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void names_free(struct names *l)
{
	free(l->v);
	free(l->flags);
	memset(l, 0, sizeof(*l));
}

/* Send the request in @buf and run @cb over every answer. */
static int nft_talk(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data)
{
	char *buf = malloc(DUMP_BUF);
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (!buf)
		return -1;
	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0) {
		free(buf);
		return -1;
	}
	do {
		ret = (int)mnl_socket_recvfrom(n->nl, buf, DUMP_BUF);
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, (size_t)ret, seq, n->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	int e = errno;
	free(buf);
	errno = e;
	return ret < 0 ? -1 : 0;
}

struct live {
	const char *table;
	bool exists;
	uint32_t flags;
	struct names chains; /* flags: LIVE_* */
	struct names sets;   /* named sets only */
	struct names objs;   /* counters */
	struct nft_counter *ctr;
	size_t n_ctr, cap_ctr;
};

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t || nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		return MNL_CB_ERROR;
	}
	if (!strcmp(nftnl_table_get_str(t, NFTNL_TABLE_NAME), lv->table)) {
		lv->exists = true;
		lv->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* A live chain's flags in struct live: what of a base chain differs from
 * how the ruleset makes them. */
#define LIVE_POLICY_DIFF 2u
#define LIVE_PRIO_DIFF	 4u

static uint32_t chain_flags(const struct nftnl_chain *c)
{
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM))
		return 0;
	uint32_t f = 0;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_ACCEPT)
		f |= LIVE_POLICY_DIFF;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_PRIO) ||
	    nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO) != RS_PRIORITY)
		f |= LIVE_PRIO_DIFF;
	return f;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	int ret = MNL_CB_OK;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		ret = MNL_CB_ERROR;
	else if (!strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
			 lv->table) &&
		 names_add(&lv->chains,
			   nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
			   chain_flags(c)))
		ret = MNL_CB_ERROR;
	nftnl_chain_free(c);
	return ret;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_set *s = nftnl_set_alloc();
	int ret = MNL_CB_OK;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0)
		ret = MNL_CB_ERROR;
	else if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), lv->table) &&
		 !(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS) &&
		 names_add(&lv->sets, nftnl_set_get_str(s, NFTNL_SET_NAME), 0))
		ret = MNL_CB_ERROR;
	nftnl_set_free(s);
	return ret;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct live *lv = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	int ret = MNL_CB_OK;

	if (!o || nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		return MNL_CB_ERROR;
	}
	if (!strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), lv->table) &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER) {
		const char *name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
		if (names_add(&lv->objs, name, 0))
			ret = MNL_CB_ERROR;
		if (lv->n_ctr == lv->cap_ctr) {
			size_t cap = lv->cap_ctr ? 2 * lv->cap_ctr : 16;
			void *v = realloc(lv->ctr, cap * sizeof(*lv->ctr));
			if (!v) {
				nftnl_obj_free(o);
				return MNL_CB_ERROR;
			}
			lv->ctr = v;
			lv->cap_ctr = cap;
		}
		struct nft_counter *c = &lv->ctr[lv->n_ctr++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return ret;
}

static void live_free(struct live *lv)
{
	names_free(&lv->chains);
	names_free(&lv->sets);
	names_free(&lv->objs);
	free(lv->ctr);
}

/* The table's chains, named sets and counters as the kernel has them now. */
static int live_read(struct nft *n, const char *table, struct live *lv)
{
	char buf[REQ_BUF];
	struct nlmsghdr *nlh;

	memset(lv, 0, sizeof(*lv));
	lv->table = table;
	nlh = nftnl_table_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
					  NLM_F_DUMP, ++n->seq);
	if (nft_talk(n, nlh, table_cb, lv))
		return -1;
	if (!lv->exists)
		return 0;
	nlh = nftnl_chain_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET,
					  NLM_F_DUMP, ++n->seq);
	if (nft_talk(n, nlh, chain_cb, lv))
		return -1;
	nlh = nftnl_set_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
					NLM_F_DUMP, ++n->seq);
	if (nft_talk(n, nlh, set_cb, lv))
		return -1;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
				    NLM_F_DUMP, ++n->seq);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	return nft_talk(n, nlh, obj_cb, lv);
}

/* --- IR to libnftnl -------------------------------------------------- */

static int expr_add(struct nftnl_rule *r, const char *name,
		    struct nftnl_expr **out)
{
	*out = nftnl_expr_alloc(name);
	if (!*out)
		return -1;
	nftnl_rule_add_expr(r, *out);
	return 0;
}

static int e_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e;

	if (expr_add(r, "meta", &e))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int e_cmp(struct nftnl_rule *r, uint32_t op, const void *data,
		 uint32_t len)
{
	struct nftnl_expr *e;

	if (expr_add(r, "cmp", &e))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
		     uint32_t len)
{
	struct nftnl_expr *e;

	if (expr_add(r, "payload", &e))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

static const char *set_nl_name(const struct rs_set *s)
{
	return s->anonymous ? "__set%d" : s->name;
}

static int e_lookup(struct nftnl_rule *r, const struct ruleset *rs, int set,
		    bool verdict)
{
	struct nftnl_expr *e;

	if (expr_add(r, "lookup", &e))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
			   set_nl_name(&rs->sets[set]));
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)set + 1);
	if (verdict)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	return 0;
}

static int e_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e;

	if (expr_add(r, "immediate", &e))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return 0;
}

/* ip/ip6 saddr/daddr: the family check, the load; a lookup follows. */
static int e_addr(struct nftnl_rule *r, int family, bool src, int *fam_done)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	/* nft checks the family once per rule and family. */
	if (*fam_done != family) {
		if (e_meta(r, NFT_META_NFPROTO) ||
		    e_cmp(r, NFT_CMP_EQ, &proto, 1))
			return -1;
		*fam_done = family;
	}
	if (family == AF_INET)
		return e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, src ? 12 : 16,
				 4);
	return e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, src ? 8 : 24, 16);
}

static int e_match(struct nftnl_rule *r, const struct ruleset *rs,
		   const struct rs_match *m, int *fam_done)
{
	struct nftnl_expr *e;
	char ifname[16] = {0};
	uint32_t zero = 0;
	uint8_t p8;
	uint16_t port;

	switch (m->kind) {
	case RS_MATCH_IIFNAME:
		memcpy(ifname, m->str, strnlen(m->str, sizeof(ifname) - 1));
		return e_meta(r, NFT_META_IIFNAME) ||
		       e_cmp(r, NFT_CMP_EQ, ifname, sizeof(ifname));
	case RS_MATCH_CT_STATE:
		if (expr_add(r, "ct", &e))
			return -1;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		if (expr_add(r, "bitwise", &e))
			return -1;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &m->value, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
		return e_cmp(r, NFT_CMP_NEQ, &zero, 4);
	case RS_MATCH_SADDR:
	case RS_MATCH_DADDR:
		return e_addr(r, m->family, m->kind == RS_MATCH_SADDR,
			      fam_done) ||
		       e_lookup(r, rs, m->set, false);
	case RS_MATCH_L4PROTO:
		p8 = (uint8_t)m->value;
		return e_meta(r, NFT_META_L4PROTO) ||
		       e_cmp(r, NFT_CMP_EQ, &p8, 1);
	case RS_MATCH_DPORT:
		if (e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2))
			return -1;
		if (m->set >= 0)
			return e_lookup(r, rs, m->set, false);
		port = htons(m->lo);
		if (m->lo == m->hi)
			return e_cmp(r, NFT_CMP_EQ, &port, 2);
		if (e_cmp(r, NFT_CMP_GTE, &port, 2))
			return -1;
		port = htons(m->hi);
		return e_cmp(r, NFT_CMP_LTE, &port, 2);
	}
	return -1;
}

static int e_stmt(struct nftnl_rule *r, const struct rs_stmt *s)
{
	struct nftnl_expr *e;

	switch (s->kind) {
	case RS_STMT_COUNTER:
		if (expr_add(r, "objref", &e))
			return -1;
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
				   NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, s->name);
		return 0;
	case RS_STMT_LIMIT:
		if (expr_add(r, "limit", &e))
			return -1;
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, RS_LOG_RATE);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, RS_LOG_BURST);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		return 0;
	case RS_STMT_LOG:
		if (expr_add(r, "log", &e))
			return -1;
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->name);
		return 0;
	}
	return -1;
}

/* The libnftnl rule of @rule in chain @chain. */
static struct nftnl_rule *rule_build(const struct ruleset *rs,
				     const struct rs_chain *chain,
				     const struct rs_rule *rule)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	int fam_done = 0, fail = 0;

	if (!r || !ud)
		goto err;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, rs->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain->name);
	for (size_t i = 0; i < rule->n_match && !fail; i++)
		fail = e_match(r, rs, &rule->match[i], &fam_done);
	for (size_t i = 0; i < rule->n_stmt && !fail; i++)
		fail = e_stmt(r, &rule->stmt[i]);
	switch (rule->verdict) {
	case RS_VERDICT_NONE:
		break;
	case RS_VERDICT_ACCEPT:
		fail = fail || e_verdict(r, NF_ACCEPT, NULL);
		break;
	case RS_VERDICT_DROP:
		fail = fail || e_verdict(r, NF_DROP, NULL);
		break;
	case RS_VERDICT_RETURN:
		fail = fail || e_verdict(r, NFT_RETURN, NULL);
		break;
	case RS_VERDICT_JUMP:
		fail = fail ||
		       e_verdict(r, NFT_JUMP, rs->chains[rule->chain].name);
		break;
	case RS_VERDICT_DADDR_MAP:
		fail = fail || e_addr(r, rule->family, false, &fam_done) ||
		       e_lookup(r, rs, rule->set, true);
		break;
	}
	if (fail ||
	    !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, rule->comment))
		goto err;
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return r;
err:
	nftnl_udata_buf_free(ud);
	nftnl_rule_free(r);
	errno = ENOMEM;
	return NULL;
}

/* The set itself, without elements, with the user data nft attaches. */
static struct nftnl_set *set_build(const struct ruleset *rs, int idx)
{
	const struct rs_set *s = &rs->sets[idx];
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	uint32_t flags = NFT_SET_INTERVAL;

	if (!ns || !ud) {
		nftnl_udata_buf_free(ud);
		nftnl_set_free(ns);
		errno = ENOMEM;
		return NULL;
	}
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, rs->table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, set_nl_name(s));
	nftnl_set_set_u32(ns, NFTNL_SET_ID, (uint32_t)idx + 1);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE,
			  s->key == RS_KEY_IPV4	  ? NFT_TYPE_IPADDR
			  : s->key == RS_KEY_IPV6 ? NFT_TYPE_IP6ADDR
						  : NFT_TYPE_INET_SERVICE);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN,
			  (uint32_t)ruleset_key_len(s->key));
	nftnl_udata_put_u32(ud, UD_KEYBYTEORDER, BYTEORDER_BIG_ENDIAN);
	if (s->is_map) {
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_LEN, 0);
		nftnl_udata_put_u32(ud, UD_DATABYTEORDER, 0);
		nftnl_udata_put_u32(ud, UD_DATA_INTERVAL, 0);
	}
	if (s->anonymous) {
		/* What nft records for "th dport { ... }". */
		static const uint8_t typeof_th_dport[] = {
		    0x00, 0x04, 0x07, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x00, 0x04,
		    0x0b, 0x00, 0x00, 0x00, 0x01, 0x04, 0x02, 0x00, 0x00, 0x00};
		size_t n =
		    s->n_elems * 2 +
		    (s->n_elems && s->elems[0].lo[0] | s->elems[0].lo[1]);
		flags |= NFT_SET_ANONYMOUS | NFT_SET_CONSTANT;
		nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, (uint32_t)n);
		nftnl_udata_put_u32(ud, UD_MERGE_ELEMENTS, 1);
		nftnl_udata_put(ud, UD_KEY_TYPEOF, sizeof(typeof_th_dport),
				typeof_th_dport);
	}
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ns;
}

static bool key_is_zero(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* @b + 1 into @out; false when @b is all ones (the range ends the space). */
static bool key_next(const uint8_t *b, size_t len, uint8_t *out)
{
	memcpy(out, b, len);
	for (size_t i = len; i-- > 0;)
		if (++out[i])
			return true;
	return false;
}

static int elem_add(struct nftnl_set *ns, const uint8_t *key, size_t len,
		    bool end, const char *jump)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -1;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
				       NFT_SET_ELEM_INTERVAL_END);
	if (jump && !end) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, jump);
	}
	nftnl_set_elem_add(ns, e);
	return 0;
}

/* --- the batch ------------------------------------------------------- */

/* What each message of the batch is about, to name it in errors. */
struct msgref {
	const char *kind;
	const char *name;
	const char *extra;
};

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0, seq;
	struct msgref *refs;
	size_t n_refs, cap_refs;
};

/* Room for one more message; its header goes at the returned pointer. */
static char *batch_room(struct batch *b, const char *kind, const char *name,
			const char *extra)
{
	if (b->len + MSG_ROOM > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 4 * MSG_ROOM;
		while (b->len + MSG_ROOM > cap)
			cap *= 2;
		char *p = realloc(b->buf, cap);
		if (!p)
			return NULL;
		b->buf = p;
		b->cap = cap;
	}
	if (b->n_refs == b->cap_refs) {
		size_t cap = b->cap_refs ? 2 * b->cap_refs : 256;
		void *p = realloc(b->refs, cap * sizeof(*b->refs));
		if (!p)
			return NULL;
		b->refs = p;
		b->cap_refs = cap;
	}
	b->refs[b->n_refs++] = (struct msgref){kind, name, extra};
	b->seq++;
	return b->buf + b->len;
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* NFT_MSG_NEWTABLE with @flags, or NFT_MSG_DELTABLE. */
static int batch_table(struct batch *b, const char *table, int type,
		       uint32_t flags)
{
	char *p = batch_room(b, "table", table, NULL);
	struct nftnl_table *t = nftnl_table_alloc();

	if (!p || !t) {
		nftnl_table_free(t);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_table_nlmsg_build_hdr(
	    p, type, NFPROTO_INET, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0,
	    b->seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_done(b, nlh);
	return 0;
}

static int batch_chain(struct batch *b, const char *table,
		       const struct rs_chain *ch, const char *name, int type)
{
	char *p = batch_room(b, "chain", name, NULL);
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!p || !c) {
		nftnl_chain_free(c);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_chain_nlmsg_build_hdr(
	    p, (uint16_t)type, NFPROTO_INET,
	    type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0, b->seq);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (ch && ch->hook != RS_HOOK_NONE) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
				    ch->hook == RS_HOOK_FORWARD
					? NF_INET_FORWARD
					: NF_INET_LOCAL_IN);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, RS_PRIORITY);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	batch_done(b, nlh);
	return 0;
}

static int batch_counter(struct batch *b, const char *table, const char *name,
			 int type)
{
	char *p = batch_room(b, "counter", name, NULL);
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!p || !o) {
		nftnl_obj_free(o);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
	    p, (uint16_t)type, NFPROTO_INET,
	    type == NFT_MSG_NEWOBJ ? NLM_F_CREATE : 0, b->seq);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	if (type == NFT_MSG_NEWOBJ) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	}
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	batch_done(b, nlh);
	return 0;
}

static int batch_delset(struct batch *b, const char *table, const char *name)
{
	char *p = batch_room(b, "set", name, NULL);
	struct nftnl_set *s = nftnl_set_alloc();

	if (!p || !s) {
		nftnl_set_free(s);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_set_nlmsg_build_hdr(
	    p, NFT_MSG_DELSET, NFPROTO_INET, 0, b->seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_done(b, nlh);
	return 0;
}

static int batch_flush(struct batch *b, const char *table)
{
	char *p = batch_room(b, "rules of table", table, NULL);
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!p || !r) {
		nftnl_rule_free(r);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(
	    p, NFT_MSG_DELRULE, NFPROTO_INET, 0, b->seq);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	batch_done(b, nlh);
	return 0;
}

/* What set_elems_walk() hands each element to: non-zero on failure. */
typedef int (*elem_fn)(void *arg, const uint8_t *key, size_t len, bool end,
		       const char *jump);

/*
 * Set @idx's elements as the kernel holds them, from element *@i on, at
 * most @max of them (*@i moves past them): for an interval set, each
 * range's start (with its chain, in a map) and the end after it, and
 * before the first, as nft opens such a set, an end at zero unless the
 * first range starts there. Returns non-zero if @fn failed for any.
 */
static int set_elems_walk(const struct ruleset *rs, int idx, size_t *i,
			  size_t max, elem_fn fn, void *arg)
{
	const struct rs_set *s = &rs->sets[idx];
	size_t len = ruleset_key_len(s->key);
	uint8_t next[16];
	int fail = 0;

	if (*i == 0 && s->n_elems && !key_is_zero(s->elems[0].lo, len)) {
		memset(next, 0, sizeof(next));
		fail |= fn(arg, next, len, true, NULL);
	}
	for (size_t k = 0; k < max && *i < s->n_elems; k++, ++*i) {
		const struct rs_elem *e = &s->elems[*i];
		const char *jump = s->is_map ? rs->chains[e->chain].name : NULL;

		fail |= fn(arg, e->lo, len, false, jump);
		if (key_next(e->hi, len, next))
			fail |= fn(arg, next, len, true, NULL);
	}
	return fail;
}

static int elem_to_set(void *ns, const uint8_t *key, size_t len, bool end,
		       const char *jump)
{
	return elem_add(ns, key, len, end, jump);
}

/* The set and its elements, ELEMS_PER_MSG per message, as nft sends them. */
static int batch_set(struct batch *b, const struct ruleset *rs, int idx)
{
	const struct rs_set *s = &rs->sets[idx];
	struct nftnl_set *ns = set_build(rs, idx);
	char *p =
	    batch_room(b, "set", s->anonymous ? "(anonymous)" : s->name, NULL);

	if (!ns || !p) {
		nftnl_set_free(ns);
		return -1;
	}
	struct nlmsghdr *nlh = nftnl_set_nlmsg_build_hdr(
	    p, NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE, b->seq);
	nftnl_set_nlmsg_build_payload(nlh, ns);
	batch_done(b, nlh);
	nftnl_set_free(ns);

	size_t i = 0;
	while (i < s->n_elems) {
		ns = nftnl_set_alloc();
		p = batch_room(b, "elements of set",
			       s->anonymous ? "(anonymous)" : s->name, NULL);
		if (!ns || !p) {
			nftnl_set_free(ns);
			return -1;
		}
		nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
		nftnl_set_set_str(ns, NFTNL_SET_TABLE, rs->table);
		nftnl_set_set_str(ns, NFTNL_SET_NAME, set_nl_name(s));
		nftnl_set_set_u32(ns, NFTNL_SET_ID, (uint32_t)idx + 1);
		int fail = set_elems_walk(rs, idx, &i, ELEMS_PER_MSG,
					  elem_to_set, ns);
		nlh = nftnl_set_nlmsg_build_hdr(
		    p, NFT_MSG_NEWSETELEM, NFPROTO_INET, NLM_F_CREATE, b->seq);
		nftnl_set_elems_nlmsg_build_payload(nlh, ns);
		nftnl_set_free(ns);
		if (fail)
			return -1;
		batch_done(b, nlh);
	}
	return 0;
}

static int batch_rule(struct batch *b, const struct ruleset *rs,
		      const struct rs_chain *ch, const struct rs_rule *rule)
{
	struct nftnl_rule *r = rule_build(rs, ch, rule);
	char *p = batch_room(b, "rule in chain", ch->name, rule->comment);

	if (!r || !p) {
		nftnl_rule_free(r);
		return -1;
	}
	struct nlmsghdr *nlh =
	    nftnl_rule_nlmsg_build_hdr(p, NFT_MSG_NEWRULE, NFPROTO_INET,
				       NLM_F_CREATE | NLM_F_APPEND, b->seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	batch_done(b, nlh);
	return 0;
}

/* Every message of the transaction, in the order nft would send them. */
static int batch_fill(struct batch *b, const struct ruleset *rs,
		      const struct live *lv, uint32_t flags)
{
	const char *t = rs->table;

	if (!lv->exists || flags != lv->flags)
		if (batch_table(b, t, NFT_MSG_NEWTABLE, flags))
			return -1;
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!names_has(&lv->chains, rs->chains[i].name) &&
		    batch_chain(b, t, &rs->chains[i], rs->chains[i].name,
				NFT_MSG_NEWCHAIN))
			return -1;
	if (lv->exists && batch_flush(b, t))
		return -1;
	for (size_t i = 0; i < lv->sets.n; i++)
		if (batch_delset(b, t, lv->sets.v[i]))
			return -1;
	for (size_t i = 0; i < lv->chains.n; i++)
		if (ruleset_chain_index(rs, lv->chains.v[i]) < 0 &&
		    batch_chain(b, t, NULL, lv->chains.v[i], NFT_MSG_DELCHAIN))
			return -1;
	for (size_t i = 0; i < lv->objs.n; i++)
		if (ruleset_counter_index(rs, lv->objs.v[i]) < 0 &&
		    batch_counter(b, t, lv->objs.v[i], NFT_MSG_DELOBJ))
			return -1;
	for (size_t i = 0; i < rs->n_counters; i++)
		if (!names_has(&lv->objs, rs->counters[i]) &&
		    batch_counter(b, t, rs->counters[i], NFT_MSG_NEWOBJ))
			return -1;
	for (size_t i = 0; i < rs->n_sets; i++)
		if (batch_set(b, rs, (int)i))
			return -1;
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i].n_rules; j++)
			if (batch_rule(b, rs, &rs->chains[i],
				       &rs->chains[i].rules[j]))
				return -1;
	return 0;
}

static void err_append(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_append(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used = err ? strnlen(err, errlen) : 0;
	va_list ap;

	if (!err || used + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

/*
 * Send the batch in one sendmsg (the kernel applies all of it or none) and
 * collect the error of every refused message. The kernel handles the batch
 * before sendto() returns, so every error is already queued on the socket.
 */
static int batch_send(struct nft *n, struct batch *b, char *err, size_t errlen,
		      int *table_errno)
{
	int fd = mnl_socket_get_fd(n->nl);
	int size = (int)(b->len > (1u << 30) ? 1u << 30 : b->len + 65536);
	int rsize = 4 * 1024 * 1024;
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
	char rbuf[8192];
	int first = 0, count = 0;

	/* A big batch needs a big send buffer (needs CAP_NET_ADMIN). */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rsize, sizeof(rsize));
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&snl,
		   sizeof(snl)) < 0) {
		err_append(err, errlen, "batch of %zu bytes: %s\n", b->len,
			   strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* Too many errors to queue: still refused. */
				first = first ? first : ENOBUFS;
				continue;
			}
			return -1;
		}
		int len = (int)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf;
		     mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			if (!e->error)
				continue;
			uint32_t k = h->nlmsg_seq - b->seq0;
			int code = -e->error;
			const struct msgref *m =
			    k < b->n_refs ? &b->refs[k] : NULL;
			if (m && !strcmp(m->kind, "table"))
				*table_errno = code;
			first = first ? first : code;
			if (++count > 20)
				continue;
			if (m && m->extra)
				err_append(err, errlen, "%s %s (\"%s\"): %s\n",
					   m->kind, m->name, m->extra,
					   strerror(code));
			else if (m)
				err_append(err, errlen, "%s %s: %s\n", m->kind,
					   m->name, strerror(code));
			else
				err_append(err, errlen, "message %u: %s\n", k,
					   strerror(code));
		}
	}
	if (count > 20)
		err_append(err, errlen, "... %d errors in all\n", count);
	if (first) {
		errno = first;
		return -1;
	}
	return 0;
}

static int batch_control(struct batch *b, uint16_t type)
{
	char *p = batch_room(
	    b, "batch", type == NFNL_MSG_BATCH_BEGIN ? "begin" : "end", NULL);

	if (!p)
		return -1;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(p);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = b->seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	batch_done(b, nlh);
	return 0;
}

static int commit_once(struct nft *n, const struct ruleset *rs, uint32_t flags,
		       bool fresh, char *err, size_t errlen, int *table_errno)
{
	struct live lv;
	struct batch b = {0};
	int ret = -1;

	if (live_read(n, rs->table, &lv)) {
		err_append(err, errlen, "table %s: cannot read: %s\n",
			   rs->table, strerror(errno));
		live_free(&lv);
		return -1;
	}
	/*
	 * A table of our name that nobody owns and that is not a persistent
	 * orphan (the fail-safe table loaded by nft -f at boot, or one an
	 * administrator made) cannot be given the owner flag in place: it is
	 * deleted and created afresh, owned, in the same transaction, so no
	 * packet meets a gap. An orphan is claimed; an owned one keeps its
	 * flags (ours, or another process's, which the kernel then refuses).
	 */
	bool takeover = lv.exists &&
			(fresh || (n->owner && !(lv.flags & (NFT_TABLE_F_OWNER |
							     NFT_TABLE_F_PERSIST))));
	if (lv.exists && !takeover &&
	    !((lv.flags & NFT_TABLE_F_PERSIST) &&
	      !(lv.flags & NFT_TABLE_F_OWNER) && n->owner))
		flags = lv.flags;
	b.seq0 = b.seq = n->seq + 1;
	b.seq--;
	if (takeover) {
		live_free(&lv);
		memset(&lv, 0, sizeof(lv));
		lv.table = rs->table;
	}
	if (batch_control(&b, NFNL_MSG_BATCH_BEGIN) ||
	    (takeover && batch_table(&b, rs->table, NFT_MSG_DELTABLE, 0)) ||
	    batch_fill(&b, rs, &lv, flags) ||
	    batch_control(&b, NFNL_MSG_BATCH_END)) {
		err_append(err, errlen, "building the batch: %s\n",
			   strerror(errno ? errno : ENOMEM));
		goto out;
	}
	n->seq = b.seq;
	ret = batch_send(n, &b, err, errlen, table_errno);
	if (!ret) {
		n->flags = flags;
		n->committed = true;
	}
out : {
	int e = errno;
	free(b.buf);
	free(b.refs);
	live_free(&lv);
	errno = e;
}
	return ret;
}

static int commit(struct nft *n, const struct ruleset *rs, bool fresh,
		  char *err, size_t errlen)
{
	uint32_t flags = 0;

	if (err && errlen)
		err[0] = '\0';
	if (n->owner && !n->no_owner)
		flags = NFT_TABLE_F_OWNER |
			(n->no_persist ? 0 : NFT_TABLE_F_PERSIST);
	int table_errno = 0;
	int ret = commit_once(n, rs, flags, fresh, err, errlen, &table_errno);
	if (ret && (flags & NFT_TABLE_F_PERSIST) &&
	    (table_errno == EOPNOTSUPP || table_errno == EINVAL)) {
		/* A kernel before 6.9 has no persist flag: owner only. */
		n->no_persist = true;
		flags &= ~NFT_TABLE_F_PERSIST;
		if (err && errlen)
			err[0] = '\0';
		table_errno = 0;
		ret = commit_once(n, rs, flags, fresh, err, errlen,
				  &table_errno);
	}
	if (ret && (flags & NFT_TABLE_F_OWNER) &&
	    (table_errno == EOPNOTSUPP || table_errno == EINVAL)) {
		/* Before 5.12 there is no owner flag either: the table is
		 * then guarded by detection and restore alone. */
		n->no_owner = true;
		if (err && errlen)
			err[0] = '\0';
		table_errno = 0;
		ret = commit_once(n, rs, 0, fresh, err, errlen, &table_errno);
	}
	return ret;
}

int nft_commit(struct nft *n, const struct ruleset *rs, char *err,
	       size_t errlen)
{
	/* The first commit of a process replaces whatever table of that name
	 * it finds, base chains included: a leftover chain "forward" hooked
	 * elsewhere must not be reused. */
	return commit(n, rs, !n->committed, err, errlen);
}

int nft_commit_fresh(struct nft *n, const struct ruleset *rs, char *err,
		     size_t errlen)
{
	return commit(n, rs, true, err, errlen);
}

int nft_table_remove(struct nft *n, const char *table, char *err,
		     size_t errlen)
{
	struct batch b = {0};
	int table_errno = 0, ret = -1;

	if (err && errlen)
		err[0] = '\0';
	b.seq0 = b.seq = n->seq + 1;
	b.seq--;
	if (batch_control(&b, NFNL_MSG_BATCH_BEGIN) ||
	    batch_table(&b, table, NFT_MSG_DELTABLE, 0) ||
	    batch_control(&b, NFNL_MSG_BATCH_END)) {
		err_append(err, errlen, "building the batch: %s\n",
			   strerror(errno ? errno : ENOMEM));
		goto out;
	}
	n->seq = b.seq;
	ret = batch_send(n, &b, err, errlen, &table_errno);
	if (!ret)
		n->committed = false;
out:
	free(b.buf);
	free(b.refs);
	return ret;
}

int nft_generation_next(struct nft *n, const char *table, unsigned *gen)
{
	struct live lv;
	unsigned max = 0;

	if (live_read(n, table, &lv)) {
		live_free(&lv);
		return -1;
	}
	for (size_t i = 0; i < lv.sets.n; i++) {
		const char *g = strrchr(lv.sets.v[i], '_');
		if (g && g[1] == 'g') {
			unsigned long v = strtoul(g + 2, NULL, 10);
			if (v > max && v < 0xffffffffu)
				max = (unsigned)v;
		}
	}
	live_free(&lv);
	*gen = max + 1;
	return 0;
}

ssize_t nft_counters_read(struct nft *n, const char *table,
			  struct nft_counter **out)
{
	struct live lv;

	if (live_read(n, table, &lv)) {
		live_free(&lv);
		return -1;
	}
	if (!lv.exists) {
		live_free(&lv);
		errno = ENOENT;
		return -1;
	}
	*out = lv.ctr;
	ssize_t cnt = (ssize_t)lv.n_ctr;
	lv.ctr = NULL;
	live_free(&lv);
	return cnt;
}

/* --- verification ---------------------------------------------------- */

struct rule_dump {
	const char *table;
	struct nftnl_rule **v;
	size_t n, cap;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), d->table)) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		void *v = realloc(d->v, cap * sizeof(*d->v));
		if (!v) {
			nftnl_rule_free(r);
			return MNL_CB_ERROR;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = r;
	return MNL_CB_OK;
}

struct canon {
	char *s;
	size_t len;
	FILE *f;
};

/*
 * A rule as text, expression by expression, with the kernel's names of
 * anonymous sets ("__set3") and set ids left out: they differ by design.
 */
static int canon_expr(struct nftnl_expr *e, void *data)
{
	struct canon *c = data;
	char buf[1024];
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!strcmp(name, "lookup")) {
		const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		fprintf(c->f, "[lookup %s dreg %u]",
			strncmp(set, "__set", 5) ? set : "__set",
			nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)
			    ? nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG)
			    : 99);
		return 0;
	}
	if (!strcmp(name, "log")) {
		/* The kernel reports its default level; nft sends none. */
		fprintf(c->f, "[log %s]",
			nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX));
		return 0;
	}
	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	fprintf(c->f, "[%s %s]", name, buf);
	return 0;
}

static char *canon_rule(struct nftnl_rule *r)
{
	struct canon c = {0};
	uint32_t len = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);

	c.f = open_memstream(&c.s, &c.len);
	if (!c.f)
		return NULL;
	fprintf(c.f, "%s:", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	nftnl_expr_foreach(r, canon_expr, &c);
	if (ud && len > 2)
		fprintf(c.f, " comment %.*s", (int)len - 2,
			(const char *)ud + 2);
	fclose(c.f);
	return c.s;
}

static int verify_rules(struct nft *n, const struct ruleset *rs, char *why,
			size_t whylen)
{
	char buf[REQ_BUF];
	struct rule_dump d = {.table = rs->table};
	struct nlmsghdr *nlh = nftnl_rule_nlmsg_build_hdr(
	    buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, ++n->seq);
	int ret = 1;
	size_t k = 0;

	if (nft_talk(n, nlh, rule_cb, &d))
		ret = -1;
	for (size_t i = 0; i < rs->n_chains && ret == 1; i++) {
		const struct rs_chain *ch = &rs->chains[i];
		size_t j = 0;
		for (size_t m = 0; m < d.n && ret == 1; m++) {
			if (strcmp(nftnl_rule_get_str(d.v[m], NFTNL_RULE_CHAIN),
				   ch->name))
				continue;
			k++;
			if (j >= ch->n_rules) {
				snprintf(why, whylen,
					 "chain %s has an extra rule",
					 ch->name);
				ret = 0;
				break;
			}
			struct nftnl_rule *want =
			    rule_build(rs, ch, &ch->rules[j++]);
			char *a = canon_rule(d.v[m]);
			char *b = want ? canon_rule(want) : NULL;
			if (!a || !b)
				ret = -1;
			else if (strcmp(a, b)) {
				snprintf(why, whylen,
					 "chain %s rule %zu differs: %s",
					 ch->name, j, a);
				ret = 0;
			}
			free(a);
			free(b);
			nftnl_rule_free(want);
		}
		if (ret == 1 && j != ch->n_rules) {
			snprintf(why, whylen, "chain %s lacks %zu rules",
				 ch->name, ch->n_rules - j);
			ret = 0;
		}
	}
	if (ret == 1 && k != d.n) {
		snprintf(why, whylen, "rules in chains bunri does not know");
		ret = 0;
	}
	for (size_t i = 0; i < d.n; i++)
		nftnl_rule_free(d.v[i]);
	free(d.v);
	return ret;
}

/*
 * An element as text, to compare: its key in hex, whether it ends an
 * interval, and the chain a map's element jumps to. NULL without memory.
 */
static char *elem_text(const void *key, size_t len, bool end,
		       const char *chain)
{
	const uint8_t *k = key;
	char hex[2 * 16 + 1] = "";
	char *t = NULL;

	for (size_t i = 0; i < len && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	if (asprintf(&t, "%s%s%s%s", hex, end ? " end" : "",
		     chain ? " jump " : "", chain ? chain : "") < 0)
		return NULL;
	return t;
}

struct elem_list {
	char **v;
	size_t n, cap;
};

static int elem_list_add(struct elem_list *l, char *t)
{
	if (!t)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			free(t);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = t;
	return 0;
}

static void elem_list_free(struct elem_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The elements of set @idx as batch_set() sends them. */
static int elem_to_list(void *l, const uint8_t *key, size_t len, bool end,
			const char *jump)
{
	return elem_list_add(l, elem_text(key, len, end, jump));
}

static int elems_expected(const struct ruleset *rs, int idx,
			  struct elem_list *l)
{
	size_t i = 0;

	return set_elems_walk(rs, idx, &i, SIZE_MAX, elem_to_list, l) ? -1 : 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elem_list *l = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	int ret = MNL_CB_OK;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	it = nftnl_set_elems_iter_create(s);
	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e && ret == MNL_CB_OK;
	     e = nftnl_set_elems_iter_next(it)) {
		uint32_t len = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		bool end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			   (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			    NFT_SET_ELEM_INTERVAL_END);
		const char *chain =
		    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN)
			? nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN)
			: NULL;

		if (!key || elem_list_add(l, elem_text(key, len, end, chain)))
			ret = MNL_CB_ERROR;
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return ret;
}

/*
 * The live elements of named set @idx against what was committed: an
 * element added, removed or pointed elsewhere while change events were
 * lost is seen here. 1 same, 0 different (@why), -1 unreadable.
 */
static int verify_elems(struct nft *n, const struct ruleset *rs, int idx,
			char *why, size_t whylen)
{
	char buf[REQ_BUF];
	struct elem_list want = {0}, have = {0};
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret = 1;

	if (!s)
		return -1;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, rs->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set_nl_name(&rs->sets[idx]));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
				    NLM_F_DUMP, ++n->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	if (elems_expected(rs, idx, &want) < 0 ||
	    nft_talk(n, nlh, elem_cb, &have) < 0) {
		ret = -1;
		goto out;
	}
	qsort(want.v, want.n, sizeof(*want.v), str_cmp);
	qsort(have.v, have.n, sizeof(*have.v), str_cmp);
	for (size_t i = 0; i < want.n || i < have.n; i++) {
		const char *w = i < want.n ? want.v[i] : NULL;
		const char *h = i < have.n ? have.v[i] : NULL;

		if (w && h && !strcmp(w, h))
			continue;
		/* Name one element: one the set has and should not, else
		 * one it lacks. */
		if (h && (!w || strcmp(h, w) < 0))
			snprintf(why, whylen, "set %s has an element added: %s",
				 rs->sets[idx].name, h);
		else
			snprintf(why, whylen, "set %s lacks an element: %s",
				 rs->sets[idx].name, w);
		ret = 0;
		break;
	}
out:
	elem_list_free(&want);
	elem_list_free(&have);
	return ret;
}

int nft_verify(struct nft *n, const struct ruleset *rs, char *why,
	       size_t whylen)
{
	struct live lv;
	int ret = 1;

	if (live_read(n, rs->table, &lv)) {
		live_free(&lv);
		return -1;
	}
	if (!lv.exists) {
		snprintf(why, whylen, "table %s is gone", rs->table);
		ret = 0;
	} else if (lv.flags & NFT_TABLE_F_DORMANT) {
		snprintf(why, whylen, "table %s was made dormant", rs->table);
		ret = 0;
	}
	for (size_t i = 0; i < lv.chains.n && ret == 1; i++)
		if (lv.chains.flags[i] & (LIVE_POLICY_DIFF | LIVE_PRIO_DIFF)) {
			snprintf(why, whylen, "chain %s: its %s changed",
				 lv.chains.v[i],
				 lv.chains.flags[i] & LIVE_POLICY_DIFF
				     ? "policy"
				     : "priority");
			ret = 0;
		}
	for (size_t i = 0; i < rs->n_chains && ret == 1; i++)
		if (!names_has(&lv.chains, rs->chains[i].name)) {
			snprintf(why, whylen, "chain %s is gone",
				 rs->chains[i].name);
			ret = 0;
		}
	for (size_t i = 0; i < lv.chains.n && ret == 1; i++)
		if (ruleset_chain_index(rs, lv.chains.v[i]) < 0) {
			snprintf(why, whylen, "chain %s was added",
				 lv.chains.v[i]);
			ret = 0;
		}
	size_t named = 0;
	for (size_t i = 0; i < rs->n_sets && ret == 1; i++) {
		if (rs->sets[i].anonymous)
			continue;
		named++;
		if (!names_has(&lv.sets, rs->sets[i].name)) {
			snprintf(why, whylen, "set %s is gone",
				 rs->sets[i].name);
			ret = 0;
		}
	}
	if (ret == 1 && named != lv.sets.n) {
		snprintf(why, whylen, "sets were added");
		ret = 0;
	}
	for (size_t i = 0; i < rs->n_counters && ret == 1; i++)
		if (!names_has(&lv.objs, rs->counters[i])) {
			snprintf(why, whylen, "counter %s is gone",
				 rs->counters[i]);
			ret = 0;
		}
	live_free(&lv);
	if (ret == 1)
		ret = verify_rules(n, rs, why, whylen);
	for (size_t i = 0; i < rs->n_sets && ret == 1; i++)
		if (!rs->sets[i].anonymous)
			ret = verify_elems(n, rs, (int)i, why, whylen);
	return ret;
}
