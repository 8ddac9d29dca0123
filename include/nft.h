/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft: commit a struct ruleset to the kernel in one nf_tables netlink batch
 * through libnftnl and libmnl, read the table's named counters back, and
 * check that the live table is still the one committed.
 *
 * Ownership: the table is created with the `owner` flag (and `persist` where
 * the kernel knows it), so it belongs to the netlink socket nft_open()
 * returned. Keep that socket open for the daemon's life: while it is open no
 * other process can change or delete the table (`nft delete table inet
 * bunri` fails with "Operation not permitted"); when it closes an owner-only
 * table is deleted by the kernel, while an owner+persist table stays in place
 * (fail closed), loses its owner and can be deleted by the administrator or
 * reclaimed by the next bunrid.
 */
#ifndef BUNRI_NFT_H
#define BUNRI_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ruleset.h"

struct nft;

/* Open and bind a netfilter netlink socket. NULL with errno on failure. */
struct nft *nft_open(void);
void nft_close(struct nft *n);
int nft_fd(const struct nft *n);

/*
 * Request the owner (and persist) table flags when the table is created:
 * on by default. Off leaves the table like one `nft -f` would create.
 */
void nft_set_owner(struct nft *n, bool on);
/* Table flags (NFT_TABLE_F_*) the last successful commit set. */
uint32_t nft_table_flags(const struct nft *n);

/*
 * Replace table @rs->table with @rs in one batch: the table and base chains
 * stay (created if missing), every rule is flushed, the old sets and the
 * regular chains and counters the new ruleset no longer has are deleted,
 * the new sets, chains and rules are added, missing counters added (never
 * reset). On failure nothing changed; the kernel's reasons are written to
 * @err, one per refused message, naming the object ("set z_lgwan_v4_g3:
 * File exists"), and -1 is returned with errno set.
 */
int nft_commit(struct nft *n, const struct ruleset *rs, char *err,
	       size_t errlen);

/*
 * Replace the whole table with @rs in one batch: an existing table of that
 * name is deleted and created afresh (owned, with new base chains) in the
 * same transaction, so no packet meets a gap. Counters start from zero.
 * nft_commit() does this by itself on a handle's first commit; the daemon
 * uses it to restore a table someone tampered with, whose base chains can
 * no longer be trusted.
 */
int nft_commit_fresh(struct nft *n, const struct ruleset *rs, char *err,
		     size_t errlen);

/*
 * Delete table @table (the administrator's explicit removal of the rules),
 * in one batch. Returns 0, or -1 with the kernel's reason in @err.
 */
int nft_table_remove(struct nft *n, const char *table, char *err,
		     size_t errlen);

/*
 * A generation number not used by any set of table @table yet (1 + the
 * highest "_g<N>" suffix found), for the next ruleset_build().
 */
int nft_generation_next(struct nft *n, const char *table, unsigned *gen);

/** struct nft_counter - one named counter of the table, read back. */
struct nft_counter {
	char name[RS_NAME_MAX];
	uint64_t packets;
	uint64_t bytes;
};

/*
 * The named counters of table @table, in the kernel's order. Returns the
 * count and a malloc'd array in *@out; -1 with errno on failure (ENOENT when
 * the table does not exist).
 */
ssize_t nft_counters_read(struct nft *n, const char *table,
			  struct nft_counter **out);

/*
 * Compare the live table with @rs: not dormant, the same chains (base
 * chains with their policy and priority), named sets and their elements,
 * counters present, and in each chain the same rules in the same order,
 * expression by expression. Returns 1 when it matches, 0
 * when it differs (the first difference described in @why), -1 on error.
 */
int nft_verify(struct nft *n, const struct ruleset *rs, char *why,
	       size_t whylen);

#endif
