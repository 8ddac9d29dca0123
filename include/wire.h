/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wire: the messages the unprivileged capture process sends to the
 * privileged parent (privilege separation). Each message is one datagram
 * of a SOCK_SEQPACKET pair: a header, then a payload of a fixed layout.
 * The parent decodes every message with wire_*_decode(), which checks the
 * size, every field's range, every string (bounded, printable, from the
 * allowed set of keys) and every zone and interface name against its own
 * configuration; a message that fails is a protocol violation and the
 * parent ends the child.
 */
#ifndef BUNRI_WIRE_H
#define BUNRI_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "detect.h"

#define WIRE_MAGIC 0x62756e72u /* "bunr" */
#define WIRE_STR_MAX 64	       /* one string value, terminator included */
#define WIRE_MAX_IFS 64
#define WIRE_ERROR_MAX 128
#define WIRE_MAX_MSG 65536

enum wire_type {
	WIRE_ALERT = 1,
	WIRE_STATS = 2, /* totals and interfaces */
	WIRE_PAIRS = 3, /* one row of the zone-pair counters */
};

struct wire_hdr {
	uint32_t magic;
	uint32_t type;
	uint32_t len; /* of the whole message, header included */
};

/* The strings of an alert travel as (key, value) slots. */
#define WIRE_ALERT_STRS (4 + ALERT_MAX_EXTRA)

struct wire_alert_str {
	char key[24];
	char value[WIRE_STR_MAX];
	uint8_t is_num;
	uint8_t pad[7];
	uint64_t num;
};

struct wire_alert {
	struct wire_hdr h;
	uint32_t type;
	int32_t severity;
	int64_t sec;
	int64_t nsec;
	uint8_t has_flow, has_ports, has_icmp, has_counts;
	uint8_t proto, icmp_type, icmp_code, pad;
	uint8_t src_family, dst_family;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
	uint64_t packets, bytes;
	uint32_t n_strs;
	uint32_t pad2;
	struct wire_alert_str strs[WIRE_ALERT_STRS];
};

struct wire_if {
	char name[WIRE_STR_MAX];
	uint8_t up;
	uint8_t pad[7];
	uint64_t packets;
	uint64_t drops;
	char error[WIRE_ERROR_MAX];
};

struct wire_stats {
	struct wire_hdr h;
	struct detect_stats detect;
	uint64_t memory;
	uint32_t n_ifs;
	uint32_t pad;
	struct wire_if ifs[WIRE_MAX_IFS];
};

struct wire_pairs {
	struct wire_hdr h;
	uint32_t row;
	uint32_t n;
	struct detect_pair cells[]; /* n of them */
};

/* Encode @a into @w. Strings that do not fit are cut (they are ours). */
void wire_alert_encode(const struct alert *a, struct wire_alert *w);

/*
 * Decode and validate @len bytes received from the child into @a, whose
 * strings point into @w (which must stay alive while @a is used). @c is
 * the configuration the child runs with. Returns 0, or -1 with a reason.
 */
int wire_alert_decode(struct wire_alert *w, size_t len, const struct conf *c,
		      struct alert *a, const char **why);

/*
 * The stats message: its size is fixed, and each interface it names is one
 * the child captures on under @c. -1 with a reason when malformed.
 */
int wire_stats_check(const struct wire_stats *w, size_t len,
		     const struct conf *c, const char **why);
/* A row of pair counters: row < n_zones + 1, n == n_zones + 1. */
size_t wire_pairs_size(size_t n);
int wire_pairs_check(const struct wire_pairs *w, size_t len,
		     const struct conf *c, const char **why);

/* The header of @len received bytes: its type, or -1 when malformed. */
int wire_type_of(const void *buf, size_t len, const char **why);

#endif
