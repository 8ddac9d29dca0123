/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf: bunri.conf (libconfig syntax) parsed and validated into an immutable
 * struct conf. Nothing outside this module touches libconfig.
 */
#ifndef BUNRI_CONF_H
#define BUNRI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define CONF_DEFAULT_PATH "/etc/bunri/bunri.conf"
#define CONF_DEFAULT_SOCKET "/run/bunri/bunrid.sock"

enum conf_mode {
	CONF_MODE_ENFORCE,
	CONF_MODE_MONITOR,
};

/* Protocols a channel or host service can name. Values are IPPROTO_*. */
enum conf_proto {
	CONF_PROTO_ANY = 0,
	CONF_PROTO_ICMP = 1,
	CONF_PROTO_TCP = 6,
	CONF_PROTO_UDP = 17,
	CONF_PROTO_ICMPV6 = 58,
};

enum conf_kind {
	CONF_KIND_MAIL_TEXTIFY,
	CONF_KIND_FILE_SANITIZE,
	CONF_KIND_SCREEN_TRANSFER,
	CONF_KIND_VIRTUAL_BROWSER,
	CONF_KIND_PROXY,
	CONF_KIND_LOCAL_BREAKOUT,
	CONF_KIND_DESIGNATED_CHANNEL,
	CONF_KIND_OTHER,
};

/** struct port_range - inclusive destination port range, 1..65535. */
struct port_range {
	uint16_t lo;
	uint16_t hi;
};

/**
 * struct conf_zone - one zone.
 * @name: short name used in alerts, rules and channels
 * @description: free text (the Japanese name), may be NULL
 * @interfaces: gateway interfaces that face this zone
 * @networks: prefixes that belong to the zone (IPv4 and IPv6)
 * @severity: syslog priority of alerts about this zone (LOG_CRIT, ...);
 *            default LOG_WARNING
 * @devices: MAC allow-list; @has_devices is false when the key is absent
 * @same_as: index of the zone this one counts as, or -1
 * @policy: index of the zone used for policy: @same_as, or itself
 * @line: line of the zone's group in the file
 */
struct conf_zone {
	char *name;
	char *description;
	char **interfaces;
	size_t n_interfaces;
	struct prefix *networks;
	size_t n_networks;
	int severity;
	uint8_t (*devices)[6];
	size_t n_devices;
	bool has_devices;
	int same_as;
	int policy;
	int line;
};

/**
 * struct conf_channel - one permitted cross-zone channel.
 * @from, @to: zone indices as written (before same_as folding)
 * @src, @dst: prefix lists; n == 0 means "all of the zone"
 * @proto: enum conf_proto
 * @ports: destination ports; n == 0 means any port (or a protocol
 *         without ports)
 * @expires: last valid day as YYYYMMDD, 0 when the channel does not expire.
 *           It lapses at the following midnight, local time.
 */
struct conf_channel {
	char *name;
	enum conf_kind kind;
	bool designated;
	int from;
	int to;
	struct prefix *src;
	size_t n_src;
	struct prefix *dst;
	size_t n_dst;
	int proto;
	struct port_range *ports;
	size_t n_ports;
	char *approved_by;
	char *reason;
	uint32_t expires;
	int line;
};

/**
 * struct conf_service - a service of the gateway itself that a zone may reach.
 */
struct conf_service {
	int zone;
	int proto;
	struct port_range *ports;
	size_t n_ports;
	struct prefix *src;
	size_t n_src;
	int line;
};

struct zone_table;

/**
 * struct conf - the whole configuration, immutable once conf_load() returns.
 * @path: the file it was read from
 * @table_owner: claim the table with the kernel's owner flag, so that no
 *               other process can change it (default); false leaves it
 *               open and relies on detection and restore alone
 * @facility: syslog facility (LOG_LOCAL4, ...)
 * @json_file: NULL when no JSON-lines copy is wanted
 * @capture_interfaces: NULL/0 when the key is absent (every zone interface)
 * @has_host: a host group is present (input/output hooks are managed)
 * @zones_lookup: longest-prefix lookup built from the zones' networks
 */
struct conf {
	char *path;
	/* The files "@include"d, as found (in order of first setting), each
	 * one once; the daemon watches them beside @path. */
	char **includes;
	size_t n_includes;

	enum conf_mode mode;
	char *table;
	bool table_owner;
	char *user;
	char *control_socket;

	int facility;
	char *json_file;
	unsigned repeat_interval;
	unsigned max_alerts_per_second;

	char **capture_interfaces;
	size_t n_capture_interfaces;
	unsigned snaplen;
	unsigned buffer_mb;
	unsigned max_flows;

	struct conf_zone *zones;
	size_t n_zones;
	struct conf_channel *channels;
	size_t n_channels;

	bool has_host;
	struct conf_service *services;
	size_t n_services;

	struct zone_table *zones_lookup;
};

/*
 * Read and validate @path. Errors are printed to @err as "FILE:LINE: message"
 * (one per line) and NULL is returned; warnings are printed as
 * "FILE:LINE: warning: message" and do not fail. @today is the local date as
 * YYYYMMDD, used to warn about channels that have already expired.
 */
struct conf *conf_load(const char *path, uint32_t today, FILE *err);
/* The same from text in memory; @name stands for the file in messages. */
struct conf *conf_load_string(const char *text, const char *name,
			      uint32_t today, FILE *err);
void conf_free(struct conf *c);

/*
 * The first error in @msgs, the text conf_load() printed: warnings sort
 * among the errors by line, and the one line a refused reload answers
 * should say why. Returns the start of that line, its length (without the
 * newline) in *@len; NULL when no line is an error.
 */
const char *conf_msgs_first_error(const char *msgs, size_t *len);

/* Index of the zone called @name, or -1. */
int conf_zone_index(const struct conf *c, const char *name);
/* Index of the zone whose interfaces include @ifname, or -1. */
int conf_zone_by_interface(const struct conf *c, const char *ifname);

/* Names for the enums, as written in the file. */
const char *conf_proto_name(int proto);
const char *conf_kind_name(enum conf_kind kind);
const char *conf_mode_name(enum conf_mode mode);
/* "crit", "err", ... for a syslog priority. */
const char *conf_severity_name(int severity);

/* Today's local date as YYYYMMDD. */
uint32_t conf_today(void);

#endif
