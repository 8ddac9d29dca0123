/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftmon: tamper detection for bunri's own nftables table.
 *
 * The kernel multicasts every committed nf_tables change to the
 * NFNLGRP_NFTABLES group: one message per object touched, then an
 * NFT_MSG_NEWGEN carrying the new generation and the pid and name of the
 * committing process. nftmon groups the messages of one transaction, keeps
 * those about the watched table (family inet + name), drops the
 * transactions committed by the daemon's own netlink socket and hands every
 * other one to a callback.
 *
 * The parser (nftmon_parser_*) is pure: it takes buffers of netlink messages
 * and needs neither root nor a socket. nftmon_open() and friends are the
 * thin socket edge for the daemon's epoll loop.
 */
#ifndef BUNRI_NFTMON_H
#define BUNRI_NFTMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFTMON_COMM_LEN	   16 /* TASK_COMM_LEN */
#define NFTMON_SUMMARY_LEN 512
#define NFTMON_REASON_LEN  64

/* Kinds of nf_tables object a transaction can add or delete. */
enum nftmon_kind {
	NFTMON_TABLE,
	NFTMON_CHAIN,
	NFTMON_RULE,
	NFTMON_SET,
	NFTMON_SETELEM, /* counted per element, not per message */
	NFTMON_OBJ,
	NFTMON_FLOWTABLE,
	NFTMON_KIND_MAX,
};

enum nftmon_event_type {
	/* A foreign transaction changed the watched table. */
	NFTMON_EV_CHANGE,
	/*
	 * Events were lost (ENOBUFS, a truncated read or a malformed
	 * message): the caller must compare the live table with what it
	 * committed, since any change may have gone unseen.
	 */
	NFTMON_EV_RESYNC,
};

/**
 * struct nftmon_event - one foreign transaction on the watched table
 * @type: NFTMON_EV_CHANGE or NFTMON_EV_RESYNC (then only @reason is set)
 * @portid: netlink port id of the committing socket (0: the kernel)
 * @gen_id: ruleset generation after the commit (NFTA_GEN_ID), 0 if unknown
 * @has_gen: a NEWGEN closed the transaction (so @gen_id is meaningful)
 * @pid: NFTA_GEN_PROC_PID of the committing process, 0 when absent
 * @comm: NFTA_GEN_PROC_NAME of that process, "" when absent
 * @added: objects added (or replaced) per enum nftmon_kind
 * @deleted: objects deleted per enum nftmon_kind
 * @table_added: the watched table itself was created
 * @table_deleted: the watched table itself was deleted
 * @summary: what changed, items separated by "; ", table-level items
 *	first, e.g. "delete rule chain to_lgwan handle 12; add rule chain
 *	forward handle 13"; cut with "; +N more" when long
 * @reason: for NFTMON_EV_RESYNC, why ("enobufs", "truncated",
 *	"malformed")
 */
struct nftmon_event {
	enum nftmon_event_type type;
	uint32_t portid;
	uint32_t gen_id;
	bool has_gen;
	uint32_t pid;
	char comm[NFTMON_COMM_LEN];
	unsigned int added[NFTMON_KIND_MAX];
	unsigned int deleted[NFTMON_KIND_MAX];
	bool table_added;
	bool table_deleted;
	char summary[NFTMON_SUMMARY_LEN];
	char reason[NFTMON_REASON_LEN];
};

typedef void (*nftmon_cb)(const struct nftmon_event *ev, void *arg);

/* The pure part: turns buffers of nf_tables notifications into events. */
struct nftmon_parser;

/*
 * @table: name of the watched inet table (copied);
 * @ignore_portid: netlink port id of the caller's committing socket,
 * 0 for none. NULL with errno set on failure.
 */
struct nftmon_parser *nftmon_parser_alloc(const char *table,
					  uint32_t ignore_portid);
void nftmon_parser_free(struct nftmon_parser *p);
void nftmon_parser_ignore_portid_set(struct nftmon_parser *p, uint32_t portid);

/*
 * Parses every netlink message in @buf (as one recv() returned it) and
 * calls @cb once per finished foreign transaction that touched the table.
 * A transaction whose NEWGEN has not arrived yet stays pending until a
 * later call. Returns the number of callbacks made, or -1 with errno
 * EBADMSG when a message is truncated or malformed: the messages before it
 * were handled, the rest of the buffer and the pending transaction are
 * dropped (the caller should resync).
 */
int nftmon_parser_feed(struct nftmon_parser *p, const void *buf, size_t len,
		       nftmon_cb cb, void *arg);

/* Forgets the pending transaction (after lost events). */
void nftmon_parser_reset(struct nftmon_parser *p);

/* "table", "chain", "rule", "set", "element", "object", "flowtable". */
const char *nftmon_kind_name(enum nftmon_kind kind);

/* The socket edge. */
struct nftmon;

/*
 * Subscribes to nftables events in the current network namespace (needs
 * CAP_NET_ADMIN). The socket is non-blocking. NULL with errno on failure.
 */
struct nftmon *nftmon_open(const char *table, uint32_t ignore_portid);
void nftmon_close(struct nftmon *m);

/* The fd to watch for EPOLLIN. */
int nftmon_fd(const struct nftmon *m);

/* Port id of the monitoring socket itself (never the one to ignore). */
uint32_t nftmon_portid(const struct nftmon *m);

void nftmon_ignore_portid_set(struct nftmon *m, uint32_t portid);

/*
 * Reads what is queued, without blocking, and calls @cb per foreign
 * transaction and once per loss (NFTMON_EV_RESYNC). Returns the number of
 * callbacks made, or -1 with errno on a socket error other than EAGAIN
 * and ENOBUFS.
 */
int nftmon_dispatch(struct nftmon *m, nftmon_cb cb, void *arg);

#endif
