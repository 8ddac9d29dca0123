/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alert: one event of DESIGN.md "Alerts", and its two stable renderings:
 * the key=value line for syslog and the JSON-lines object.
 */
#ifndef BUNRI_ALERT_H
#define BUNRI_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

enum alert_type {
	ALERT_CROSS_ZONE,
	ALERT_UNZONED,
	ALERT_SPOOFED_SOURCE,
	ALERT_UNKNOWN_DEVICE,
	ALERT_RULESET_TAMPERED,
	ALERT_RULESET_RESTORED,
	ALERT_CONFIG_CHANGED,
	ALERT_CHANNEL_EXPIRING,
	ALERT_CHANNEL_EXPIRED,
	ALERT_CAPTURE_LOSS,
	ALERT_SUPPRESSED,
	ALERT_TYPE_MAX,
};

#define ALERT_MAX_EXTRA 8

/**
 * struct alert_kv - an extra key of an alert (mac, channel, pid, ...).
 * @is_num: @num is printed (a JSON number); otherwise @str (a JSON string)
 */
struct alert_kv {
	const char *key;
	const char *str;
	uint64_t num;
	bool is_num;
};

/**
 * struct alert - one event. Strings are borrowed, not owned.
 * @severity: syslog priority (LOG_CRIT, ...)
 * @ts: when it happened (capture time for packets)
 * @src_zone, @dst_zone: zone names; NULL prints nothing, and "none" is
 *                       what detection passes for an address in no zone
 * @has_flow: @proto, @src, @dst are valid; then @has_ports or @has_icmp
 *            says which of the transport fields are
 * @iface: interface, NULL when not known (offline audit)
 * @action: "dropped", "observed" or NULL
 * @packets, @bytes: printed when @has_counts
 * @extra: further keys, printed after the fixed ones in order
 */
struct alert {
	enum alert_type type;
	int severity;
	struct timespec ts;
	const char *src_zone;
	const char *dst_zone;
	bool has_flow;
	uint8_t proto;
	struct addr src;
	struct addr dst;
	bool has_ports;
	uint16_t sport;
	uint16_t dport;
	bool has_icmp;
	uint8_t icmp_type;
	uint8_t icmp_code;
	const char *iface;
	const char *action;
	bool has_counts;
	uint64_t packets;
	uint64_t bytes;
	size_t n_extra;
	struct alert_kv extra[ALERT_MAX_EXTRA];
};

/* "cross-zone", "unzoned", ... as in DESIGN.md. */
const char *alert_type_name(enum alert_type t);
/*
 * Whether alerts of type @t are raised by traffic (cross-zone, unzoned,
 * spoofed-source, unknown-device), which anyone on the network can
 * multiply, rather than by the daemon's own events.
 */
bool alert_type_is_traffic(enum alert_type t);
/* "crit", "err", "warning", ... for a syslog priority. */
const char *alert_severity_name(int severity);
/* Protocol as printed: "tcp", "udp", "icmp", "icmpv6", or the number. */
const char *alert_proto_name(uint8_t proto, char *buf, size_t len);

/* Append an extra key; ignored beyond ALERT_MAX_EXTRA. */
void alert_add_str(struct alert *a, const char *key, const char *value);
void alert_add_num(struct alert *a, const char *key, uint64_t value);

/*
 * The key=value line of DESIGN.md ("alert=cross-zone severity=crit ..."),
 * without a newline. Values with spaces, quotes, '=', '\\', control bytes
 * or anything beyond ASCII are double-quoted, with \" and \\ escaped and
 * control bytes, C1 controls, U+2028, U+2029 and malformed UTF-8 as \xHH
 * a byte. Returns
 * the length it needed (snprintf-style); output is always terminated.
 */
size_t alert_format_kv(const struct alert *a, char *buf, size_t len);

/*
 * The JSON-lines object: the same keys, numbers as JSON numbers, plus "ts"
 * in RFC 3339 with the local time zone's offset ("+09:00"), microseconds
 * included. No newline. Same return convention.
 */
size_t alert_format_json(const struct alert *a, char *buf, size_t len);

/*
 * At least the length alert_format_json() returns for @a, cheaply: into a
 * buffer longer than this, @a is formatted without a check per byte.
 * SIZE_MAX for an alert with extras (those are not bounded).
 */
size_t alert_json_max(const struct alert *a);

/*
 * alert_format_json()'s text, the same to the byte, made faster for runs
 * of flow alerts: the text of the fields that repeat from one to the next
 * (names, protocol, interface, action) is kept in @c. It refers to those
 * strings by their address: they must not change or go while @c is in
 * use. A cache serves one thread at a time.
 */
struct alert_json_cache;
struct alert_json_cache *alert_json_cache_new(void);
void alert_json_cache_free(struct alert_json_cache *c);
size_t alert_format_json_cached(struct alert_json_cache *c,
				const struct alert *a, char *buf, size_t len);

#endif
