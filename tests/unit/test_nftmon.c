// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftmon parser: nf_tables notifications are built with libnftnl/libmnl the
 * way the kernel sends them (one message per object, then NEWGEN) and fed
 * to the parser, without a socket or root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nftmon.h"
#include "unit.h"

#define OWN	 555
#define FOREIGN	 777
#define FOREIGN2 888
#define MAXEV	 16

struct buf {
	char data[256 * 1024];
	size_t len;
};

struct seen {
	int n;
	struct nftmon_event ev[MAXEV];
};

static void record(const struct nftmon_event *ev, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, MAXEV);
	s->ev[s->n++] = *ev;
}

/* Starts a message at the end of @b with libnftnl's header builder. */
static struct nlmsghdr *msg_start(struct buf *b, uint16_t cmd, uint16_t family,
				  uint32_t portid)
{
	struct nlmsghdr *nlh;

	ck_assert_uint_lt(b->len + 8192, sizeof(b->data));
	nlh = nftnl_nlmsg_build_hdr(b->data + b->len, cmd, family, 0, 1);
	nlh->nlmsg_pid = portid;
	return nlh;
}

static void msg_end(struct buf *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static void put_table(struct buf *b, uint16_t cmd, uint16_t family,
		      const char *name, uint32_t portid)
{
	struct nlmsghdr *nlh = msg_start(b, cmd, family, portid);
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u64(t, NFTNL_TABLE_HANDLE, 3);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	msg_end(b, nlh);
}

static void put_chain(struct buf *b, uint16_t cmd, const char *table,
		      const char *name, uint32_t portid)
{
	struct nlmsghdr *nlh = msg_start(b, cmd, NFPROTO_INET, portid);
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	msg_end(b, nlh);
}

static void put_rule_fam(struct buf *b, uint16_t cmd, uint16_t family,
			 const char *table, const char *chain, uint64_t handle,
			 uint32_t portid)
{
	struct nlmsghdr *nlh = msg_start(b, cmd, family, portid);
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	msg_end(b, nlh);
}

static void put_rule(struct buf *b, uint16_t cmd, const char *table,
		     const char *chain, uint64_t handle, uint32_t portid)
{
	put_rule_fam(b, cmd, NFPROTO_INET, table, chain, handle, portid);
}

static void put_elems(struct buf *b, uint16_t cmd, const char *table,
		      const char *set, unsigned int n, uint32_t portid)
{
	struct nlmsghdr *nlh = msg_start(b, cmd, NFPROTO_INET, portid);
	struct nftnl_set *s = nftnl_set_alloc();
	unsigned int i;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	for (i = 0; i < n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint32_t key = htonl(0x0a010000 + i);

		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
		nftnl_set_elem_add(s, e);
	}
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	msg_end(b, nlh);
}

/* NEWGEN has no libnftnl builder: put it together with libmnl. */
static void put_gen(struct buf *b, uint32_t portid, uint32_t id, uint32_t pid,
		    const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->data + b->len);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN;
	nlh->nlmsg_pid = portid;
	nlh->nlmsg_seq = 1;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(id));
	if (pid) {
		mnl_attr_put_u32(nlh, NFTA_GEN_PROC_PID, htonl(pid));
		mnl_attr_put_strz(nlh, NFTA_GEN_PROC_NAME, name);
	}
	msg_end(b, nlh);
}

static struct nftmon_parser *parser(void)
{
	struct nftmon_parser *p = nftmon_parser_alloc("bunri", OWN);

	ck_assert_ptr_nonnull(p);
	return p;
}

static int feed(struct nftmon_parser *p, const struct buf *b, struct seen *s)
{
	return nftmon_parser_feed(p, b->data, b->len, record, s);
}

START_TEST(foreign_change_reported)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_chain(&b, NFT_MSG_NEWCHAIN, "bunri", "forward", FOREIGN);
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 5, FOREIGN);
	put_gen(&b, FOREIGN, 42, 1234, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.ev[0].type, NFTMON_EV_CHANGE);
	ck_assert_uint_eq(s.ev[0].portid, FOREIGN);
	ck_assert(s.ev[0].has_gen);
	ck_assert_uint_eq(s.ev[0].gen_id, 42);
	ck_assert_uint_eq(s.ev[0].pid, 1234);
	ck_assert_str_eq(s.ev[0].comm, "nft");
	ck_assert_uint_eq(s.ev[0].added[NFTMON_CHAIN], 1);
	ck_assert_uint_eq(s.ev[0].added[NFTMON_RULE], 1);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_RULE], 0);
	ck_assert(!s.ev[0].table_added && !s.ev[0].table_deleted);
	ck_assert_str_eq(s.ev[0].summary,
			 "add chain forward; add rule chain forward handle 5");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(own_portid_ignored)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_table(&b, NFT_MSG_NEWTABLE, NFPROTO_INET, "bunri", OWN);
	put_chain(&b, NFT_MSG_NEWCHAIN, "bunri", "forward", OWN);
	put_rule(&b, NFT_MSG_DELRULE, "bunri", "forward", 9, OWN);
	put_gen(&b, OWN, 43, 999, "bunrid");
	ck_assert_int_eq(feed(p, &b, &s), 0);
	ck_assert_int_eq(s.n, 0);

	/* The same messages from anyone else are a change. */
	nftmon_parser_ignore_portid_set(p, OWN + 1);
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert_str_eq(s.ev[0].comm, "bunrid");
	ck_assert(s.ev[0].table_added);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_RULE], 1);
	nftmon_parser_free(p);
}
END_TEST

START_TEST(other_tables_ignored)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_table(&b, NFT_MSG_NEWTABLE, NFPROTO_INET, "filter", FOREIGN);
	put_table(&b, NFT_MSG_NEWTABLE, NFPROTO_IPV4, "bunri", FOREIGN);
	put_rule_fam(&b, NFT_MSG_NEWRULE, NFPROTO_IPV6, "bunri", "forward", 2,
		     FOREIGN);
	put_chain(&b, NFT_MSG_NEWCHAIN, "bunri2", "forward", FOREIGN);
	put_chain(&b, NFT_MSG_NEWCHAIN, "bunr", "forward", FOREIGN);
	put_gen(&b, FOREIGN, 44, 1234, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 0);

	/* Mixed: only the watched table's part is reported. */
	b.len = 0;
	put_rule(&b, NFT_MSG_NEWRULE, "filter", "input", 7, FOREIGN);
	put_rule(&b, NFT_MSG_DELRULE, "bunri", "to_lgwan", 12, FOREIGN);
	put_gen(&b, FOREIGN, 45, 1234, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert_uint_eq(s.ev[0].added[NFTMON_RULE], 0);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_RULE], 1);
	ck_assert_str_eq(s.ev[0].summary,
			 "delete rule chain to_lgwan handle 12");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(several_transactions_in_one_buffer)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 20, FOREIGN);
	put_gen(&b, FOREIGN, 50, 100, "nft");
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 21, OWN);
	put_gen(&b, OWN, 51, 200, "bunrid");
	put_table(&b, NFT_MSG_NEWTABLE, NFPROTO_INET, "other", FOREIGN2);
	put_gen(&b, FOREIGN2, 52, 300, "iptables-nft");
	put_elems(&b, NFT_MSG_NEWSETELEM, "bunri", "zone4", 3, FOREIGN2);
	put_gen(&b, FOREIGN2, 53, 301, "python3");
	ck_assert_int_eq(feed(p, &b, &s), 2);
	ck_assert_uint_eq(s.ev[0].gen_id, 50);
	ck_assert_uint_eq(s.ev[0].pid, 100);
	ck_assert_str_eq(s.ev[0].summary, "add rule chain forward handle 20");
	ck_assert_uint_eq(s.ev[1].gen_id, 53);
	ck_assert_uint_eq(s.ev[1].pid, 301);
	ck_assert_str_eq(s.ev[1].comm, "python3");
	ck_assert_uint_eq(s.ev[1].portid, FOREIGN2);
	ck_assert_uint_eq(s.ev[1].added[NFTMON_SETELEM], 3);
	ck_assert_str_eq(s.ev[1].summary, "add 3 elements set zone4");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(transaction_split_across_reads)
{
	struct nftmon_parser *p = parser();
	static struct buf b, b2;
	static struct seen s;

	b.len = b2.len = 0;
	memset(&s, 0, sizeof(s));
	put_rule(&b, NFT_MSG_DELRULE, "bunri", "forward", 4, FOREIGN);
	ck_assert_int_eq(feed(p, &b, &s), 0);
	put_gen(&b2, FOREIGN, 60, 4321, "nft");
	ck_assert_int_eq(feed(p, &b2, &s), 1);
	ck_assert_uint_eq(s.ev[0].pid, 4321);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_RULE], 1);

	/* After a reset (lost events) the pending part is forgotten. */
	ck_assert_int_eq(feed(p, &b, &s), 0);
	nftmon_parser_reset(p);
	ck_assert_int_eq(feed(p, &b2, &s), 0);
	ck_assert_int_eq(s.n, 1);
	nftmon_parser_free(p);
}
END_TEST

START_TEST(delete_table_summary)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	/* The kernel notifies a table's contents before the table. */
	put_rule(&b, NFT_MSG_DELRULE, "bunri", "forward", 2, FOREIGN);
	put_rule(&b, NFT_MSG_DELRULE, "bunri", "forward", 3, FOREIGN);
	put_chain(&b, NFT_MSG_DELCHAIN, "bunri", "forward", FOREIGN);
	put_table(&b, NFT_MSG_DELTABLE, NFPROTO_INET, "bunri", FOREIGN);
	put_gen(&b, FOREIGN, 70, 77, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert(s.ev[0].table_deleted);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_TABLE], 1);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_CHAIN], 1);
	ck_assert_uint_eq(s.ev[0].deleted[NFTMON_RULE], 2);
	ck_assert_str_eq(s.ev[0].summary,
			 "delete table; delete rule chain forward handle 2; "
			 "delete rule chain forward handle 3; "
			 "delete chain forward");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(long_summary_is_cut)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;
	unsigned int i;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 200; i++)
		put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 100 + i,
			 FOREIGN);
	put_gen(&b, FOREIGN, 80, 1, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert_uint_eq(s.ev[0].added[NFTMON_RULE], 200);
	ck_assert_uint_lt(strlen(s.ev[0].summary), NFTMON_SUMMARY_LEN);
	ck_assert_ptr_nonnull(strstr(s.ev[0].summary, " more"));
	ck_assert_ptr_nonnull(
	    strstr(s.ev[0].summary, "add rule chain forward handle 100"));
	nftmon_parser_free(p);
}
END_TEST

START_TEST(lost_newgen_still_reported)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 5, FOREIGN);
	/* FOREIGN's NEWGEN never came; FOREIGN2 changes the table next. */
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 6, FOREIGN2);
	put_gen(&b, OWN, 90, 1, "bunrid");
	ck_assert_int_eq(feed(p, &b, &s), 2);
	ck_assert_uint_eq(s.ev[0].portid, FOREIGN);
	ck_assert(!s.ev[0].has_gen);
	ck_assert_uint_eq(s.ev[0].pid, 0);
	ck_assert_uint_eq(s.ev[1].portid, FOREIGN2);
	ck_assert_str_eq(s.ev[1].comm, "");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(process_name_sanitized)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "a b=\"c", 5, FOREIGN);
	put_gen(&b, FOREIGN, 91, 5, "x y=\"\\z");
	ck_assert_int_eq(feed(p, &b, &s), 1);
	ck_assert_str_eq(s.ev[0].comm, "x?y???z");
	ck_assert_str_eq(s.ev[0].summary, "add rule chain a?b??c handle 5");
	nftmon_parser_free(p);
}
END_TEST

START_TEST(non_changes_ignored)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;
	struct nlmsghdr *nlh;

	b.len = 0;
	memset(&s, 0, sizeof(s));
	/* Counter resets, traces and other subsystems are not changes. */
	put_rule(&b, NFT_MSG_GETRULE, "bunri", "forward", 5, FOREIGN);
	nlh = msg_start(&b, NFT_MSG_GETOBJ_RESET, NFPROTO_INET, FOREIGN);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, "bunri");
	msg_end(&b, nlh);
	nlh = msg_start(&b, NFT_MSG_TRACE, NFPROTO_INET, 0);
	msg_end(&b, nlh);
	nlh = msg_start(&b, NFT_MSG_NEWRULE, NFPROTO_INET, FOREIGN);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | NFT_MSG_NEWRULE;
	msg_end(&b, nlh);
	put_gen(&b, FOREIGN, 92, 5, "nft");
	ck_assert_int_eq(feed(p, &b, &s), 0);
	nftmon_parser_free(p);
}
END_TEST

START_TEST(truncated_rejected)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;
	size_t cut;
	int r;

	b.len = 0;
	put_chain(&b, NFT_MSG_NEWCHAIN, "bunri", "forward", FOREIGN);
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 5, FOREIGN);
	put_gen(&b, FOREIGN, 93, 5, "nft");
	/* Every cut: no crash, never a report of a half transaction. */
	for (cut = 1; cut < b.len; cut++) {
		memset(&s, 0, sizeof(s));
		nftmon_parser_reset(p);
		r = nftmon_parser_feed(p, b.data, cut, record, &s);
		ck_assert_int_le(r, 0);
		ck_assert_int_eq(s.n, 0);
		if (r < 0)
			ck_assert_int_eq(errno, EBADMSG);
	}
	/* A cut inside the first header is always an error. */
	ck_assert_int_eq(nftmon_parser_feed(p, b.data, 10, record, &s), -1);
	/* And the parser still works afterwards. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(feed(p, &b, &s), 1);
	nftmon_parser_free(p);
}
END_TEST

START_TEST(malformed_rejected)
{
	struct nftmon_parser *p = parser();
	static struct buf b;
	static struct seen s;
	struct nlmsghdr *nlh;
	struct nlattr *a;

	/* A table name without its NUL terminator. */
	b.len = 0;
	memset(&s, 0, sizeof(s));
	nlh = msg_start(&b, NFT_MSG_NEWCHAIN, NFPROTO_INET, FOREIGN);
	mnl_attr_put(nlh, NFTA_CHAIN_TABLE, 5, "bunri");
	msg_end(&b, nlh);
	put_gen(&b, FOREIGN, 94, 5, "nft");
	ck_assert_int_eq(feed(p, &b, &s), -1);
	ck_assert_int_eq(errno, EBADMSG);

	/* An attribute claiming more bytes than the message holds. */
	b.len = 0;
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 5, FOREIGN);
	nlh = (struct nlmsghdr *)b.data;
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct nfgenmsg));
	a->nla_len = 200;
	put_gen(&b, FOREIGN, 95, 5, "nft");
	ck_assert_int_eq(feed(p, &b, &s), -1);

	/* A handle of the wrong size. */
	b.len = 0;
	nlh = msg_start(&b, NFT_MSG_NEWRULE, NFPROTO_INET, FOREIGN);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, "bunri");
	mnl_attr_put_u32(nlh, NFTA_RULE_HANDLE, 1);
	msg_end(&b, nlh);
	ck_assert_int_eq(feed(p, &b, &s), -1);

	/* A message too short for its nfgenmsg header. */
	b.len = 0;
	nlh = mnl_nlmsg_put_header(b.data);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
	msg_end(&b, nlh);
	ck_assert_int_eq(feed(p, &b, &s), -1);

	/* A NEWGEN whose pid is not 32 bits. */
	b.len = 0;
	put_rule(&b, NFT_MSG_NEWRULE, "bunri", "forward", 5, FOREIGN);
	nlh = msg_start(&b, NFT_MSG_NEWGEN, AF_UNSPEC, FOREIGN);
	mnl_attr_put_u16(nlh, NFTA_GEN_PROC_PID, 1);
	msg_end(&b, nlh);
	ck_assert_int_eq(feed(p, &b, &s), -1);
	ck_assert_int_eq(s.n, 0);
	nftmon_parser_free(p);
}
END_TEST

START_TEST(bad_arguments)
{
	char longname[300];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(nftmon_parser_alloc(NULL, 0));
	ck_assert_ptr_null(nftmon_parser_alloc("", 0));
	ck_assert_ptr_null(nftmon_parser_alloc(longname, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(nftmon_kind_name(NFTMON_SETELEM), "element");
	ck_assert_str_eq(nftmon_kind_name(NFTMON_KIND_MAX), "unknown");
}
END_TEST

static Suite *nftmon_suite(void)
{
	Suite *s = suite_create("nftmon");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, foreign_change_reported);
	tcase_add_test(tc, own_portid_ignored);
	tcase_add_test(tc, other_tables_ignored);
	tcase_add_test(tc, several_transactions_in_one_buffer);
	tcase_add_test(tc, transaction_split_across_reads);
	tcase_add_test(tc, delete_table_summary);
	tcase_add_test(tc, long_summary_is_cut);
	tcase_add_test(tc, lost_newgen_still_reported);
	tcase_add_test(tc, process_name_sanitized);
	tcase_add_test(tc, non_changes_ignored);
	tcase_add_test(tc, truncated_rejected);
	tcase_add_test(tc, malformed_rejected);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(nftmon_suite)
