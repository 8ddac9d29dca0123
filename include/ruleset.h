/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ruleset: the enforcing nftables ruleset, built from a configuration as a
 * plain intermediate representation (IR). Pure: no sockets, no kernel.
 *
 * Two back ends walk the same IR: ruleset_print() writes it in `nft -f`
 * syntax (`bunrid -n`), nft.c translates it into libnftnl objects and
 * commits it in one netlink batch. The IR only has the few match and
 * statement kinds the ruleset needs, each one mapping to exactly the
 * expressions nft itself generates for the printed text.
 */
#ifndef BUNRI_RULESET_H
#define BUNRI_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

struct conf;

/* Object names are at most this long, terminator included (NFT_NAME_MAXLEN). */
#define RS_NAME_MAX 256
/* Base chains run just before the usual filter tables (firewalld, docker). */
#define RS_PRIORITY (-5)
/* Rate of every log statement, per second, and its burst in packets. */
#define RS_LOG_RATE  10
#define RS_LOG_BURST 20

enum rs_hook {
	RS_HOOK_NONE, /* a regular chain */
	RS_HOOK_FORWARD,
	RS_HOOK_INPUT,
};

/* Key type of a set: addresses of one family, or transport ports. */
enum rs_key {
	RS_KEY_IPV4,
	RS_KEY_IPV6,
	RS_KEY_PORT,
};

/**
 * struct rs_elem - one interval element [@lo, @hi] of a set or map.
 * @lo, @hi: key in network byte order, key length bytes used (4, 16 or 2)
 * @chain: for a verdict map, index of the chain the element jumps to
 */
struct rs_elem {
	uint8_t lo[16];
	uint8_t hi[16];
	int chain;
};

/**
 * struct rs_set - a named interval set, an interval verdict map, or an
 * anonymous constant set used inline by one rule (port lists).
 * @name: name in the table; anonymous sets are printed inline and get
 *        "__set%d" names from the netlink back end
 * @is_map: data is a verdict (always "jump chain")
 * @anonymous: bound to the one rule that uses it
 */
struct rs_set {
	char name[RS_NAME_MAX];
	enum rs_key key;
	bool is_map;
	bool anonymous;
	struct rs_elem *elems;
	size_t n_elems;
	size_t cap;
};

enum rs_match_kind {
	RS_MATCH_IIFNAME,  /* meta iifname "@str" */
	RS_MATCH_CT_STATE, /* ct state & @value != 0 */
	RS_MATCH_SADDR,	   /* ip/ip6 saddr @set (@family, @set) */
	RS_MATCH_DADDR,	   /* ip/ip6 daddr @set */
	RS_MATCH_L4PROTO,  /* meta l4proto @value */
	RS_MATCH_DPORT,	   /* th dport: @lo..@hi, or anonymous @set if >= 0 */
};

/**
 * struct rs_match - one match primitive of a rule.
 * @family: AF_INET or AF_INET6 for address matches
 * @set: index into ruleset.sets, or -1
 * @value: ct state bits (NF_CT_STATE_BIT and friends) or IPPROTO_*
 * @lo, @hi: a single port (@lo == @hi) or a port range, host order
 * @str: interface name
 */
struct rs_match {
	enum rs_match_kind kind;
	int family;
	int set;
	uint32_t value;
	uint16_t lo, hi;
	char str[16];
};

enum rs_stmt_kind {
	RS_STMT_COUNTER, /* counter name @name */
	RS_STMT_LIMIT,	 /* limit rate RS_LOG_RATE/second burst RS_LOG_BURST */
	RS_STMT_LOG,	 /* log prefix @name */
};

struct rs_stmt {
	enum rs_stmt_kind kind;
	char name[RS_NAME_MAX];
};

enum rs_verdict {
	RS_VERDICT_NONE, /* continue with the next rule */
	RS_VERDICT_ACCEPT,
	RS_VERDICT_DROP,
	RS_VERDICT_RETURN,
	RS_VERDICT_JUMP,      /* to chain @chain */
	RS_VERDICT_DADDR_MAP, /* ip/ip6 daddr vmap @set (@family) */
};

#define RS_RULE_MATCHES 4
#define RS_RULE_STMTS	2

/**
 * struct rs_rule - matches, then statements, then a verdict.
 * @comment: the channel or the DESIGN.md rule this rule implements
 */
struct rs_rule {
	struct rs_match match[RS_RULE_MATCHES];
	size_t n_match;
	struct rs_stmt stmt[RS_RULE_STMTS];
	size_t n_stmt;
	enum rs_verdict verdict;
	int chain;
	int set;
	int family;
	char *comment;
};

/**
 * struct rs_chain - a base chain (@hook != RS_HOOK_NONE, policy accept,
 * priority RS_PRIORITY) or a regular chain, with its rules in order.
 */
struct rs_chain {
	char name[RS_NAME_MAX];
	enum rs_hook hook;
	struct rs_rule *rules;
	size_t n_rules;
	size_t cap;
};

/**
 * struct ruleset - the whole table.
 * @table: table name (family inet)
 * @gen: generation number, the suffix of every named set ("_g3")
 * @counters: named counters, created if missing and never reset
 */
struct ruleset {
	char table[RS_NAME_MAX];
	unsigned gen;
	struct rs_chain *chains;
	size_t n_chains;
	struct rs_set *sets;
	size_t n_sets;
	char (*counters)[RS_NAME_MAX];
	size_t n_counters;
	size_t cap_chains, cap_sets, cap_counters;
};

/*
 * Build the ruleset of @c for the day @today (YYYYMMDD; channels expired
 * before it are left out) with set names suffixed by generation @gen.
 * Returns 0 and *@out, or -1 with errno set (ENOMEM; EINVAL when a name
 * cannot be expressed, with a message in @err if non-NULL).
 */
int ruleset_build(const struct conf *c, uint32_t today, unsigned gen,
		  struct ruleset **out, FILE *err);
void ruleset_free(struct ruleset *rs);

/* Print @rs as a complete `nft -f` transaction. Returns 0, or -1 on error. */
int ruleset_print(const struct ruleset *rs, FILE *f);

/* Lookups by name; -1 when absent. */
int ruleset_chain_index(const struct ruleset *rs, const char *name);
int ruleset_set_index(const struct ruleset *rs, const char *name);
int ruleset_counter_index(const struct ruleset *rs, const char *name);

/* Key length in bytes of a set key type: 4, 16 or 2. */
size_t ruleset_key_len(enum rs_key key);

#endif
