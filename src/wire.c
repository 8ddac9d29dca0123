// SPDX-License-Identifier: GPL-2.0-or-later
/* wire: child-to-parent messages, encoded by the child, checked by the parent. */
#include <string.h>
#include <sys/socket.h>

#include "wire.h"

/* Keys an alert from the capture process may carry, and their kind. */
static const struct {
	const char *key;
	int is_num; /* -1: a fixed field's string, 0: string extra, 1: number */
} wire_keys[] = {
	{ "src_zone", -1 },   { "dst_zone", -1 },  { "iface", -1 },
	{ "action", -1 },     { "iface_zone", 0 }, { "src", 0 },
	{ "mac", 0 },	      { "listed", 0 },	   { "dropped", 1 },
	{ "dropped_total", 1 }, { "received", 1 },
};

static void put_str(struct wire_alert *w, const char *key, const char *value,
		    bool is_num, uint64_t num)
{
	struct wire_alert_str *s;

	if (w->n_strs >= WIRE_ALERT_STRS || (!is_num && !value))
		return;
	s = &w->strs[w->n_strs++];
	snprintf(s->key, sizeof(s->key), "%s", key);
	if (!is_num)
		snprintf(s->value, sizeof(s->value), "%s", value);
	s->is_num = is_num;
	s->num = num;
}

void wire_alert_encode(const struct alert *a, struct wire_alert *w)
{
	memset(w, 0, sizeof(*w));
	w->h.magic = WIRE_MAGIC;
	w->h.type = WIRE_ALERT;
	w->h.len = sizeof(*w);
	w->type = a->type;
	w->severity = a->severity;
	w->sec = a->ts.tv_sec;
	w->nsec = a->ts.tv_nsec;
	w->has_flow = a->has_flow;
	w->has_ports = a->has_ports;
	w->has_icmp = a->has_icmp;
	w->has_counts = a->has_counts;
	w->proto = a->proto;
	w->icmp_type = a->icmp_type;
	w->icmp_code = a->icmp_code;
	w->src_family = a->src.family;
	w->dst_family = a->dst.family;
	w->sport = a->sport;
	w->dport = a->dport;
	memcpy(w->src, a->src.b, 16);
	memcpy(w->dst, a->dst.b, 16);
	w->packets = a->packets;
	w->bytes = a->bytes;
	put_str(w, "src_zone", a->src_zone, false, 0);
	put_str(w, "dst_zone", a->dst_zone, false, 0);
	put_str(w, "iface", a->iface, false, 0);
	put_str(w, "action", a->action, false, 0);
	for (size_t i = 0; i < a->n_extra; i++)
		put_str(w, a->extra[i].key, a->extra[i].str, a->extra[i].is_num,
			a->extra[i].num);
}

/* A terminated, printable string within @len bytes. */
static bool str_ok(const char *s, size_t len)
{
	const char *end = memchr(s, '\0', len);

	if (!end)
		return false;
	for (; s < end; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool family_ok(uint8_t f)
{
	return f == AF_INET || f == AF_INET6;
}

static bool zone_name_ok(const struct conf *c, const char *name)
{
	return !strcmp(name, "none") || conf_zone_index(c, name) >= 0;
}

/*
 * The alerts a capture process raises: what traffic shows, and its own
 * capture loss. Any other type (ruleset-restored, config-changed...) in
 * its messages would be a taken-over process forging the audit trail.
 */
static bool child_may_raise(uint32_t type)
{
	return type < ALERT_TYPE_MAX &&
	       (alert_type_is_traffic((enum alert_type)type) ||
		type == ALERT_CAPTURE_LOSS);
}

static bool iface_ok(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_capture_interfaces; i++)
		if (!strcmp(c->capture_interfaces[i], name))
			return true;
	return conf_zone_by_interface(c, name) >= 0;
}

int wire_alert_decode(struct wire_alert *w, size_t len, const struct conf *c,
		      struct alert *a, const char **why)
{
	memset(a, 0, sizeof(*a));
	if (len != sizeof(*w) || w->h.len != sizeof(*w)) {
		*why = "alert message of the wrong size";
		return -1;
	}
	if (!child_may_raise(w->type) || w->severity < 0 || w->severity > 7 ||
	    w->sec < 0 || w->nsec < 0 || w->nsec >= 1000000000 ||
	    w->n_strs > WIRE_ALERT_STRS) {
		*why = "alert field out of range";
		return -1;
	}
	if (w->has_flow > 1 || w->has_ports > 1 || w->has_icmp > 1 ||
	    w->has_counts > 1 || (w->has_ports && w->has_icmp) ||
	    (w->has_flow && (!family_ok(w->src_family) ||
			     w->src_family != w->dst_family))) {
		*why = "alert flags inconsistent";
		return -1;
	}
	a->type = w->type;
	a->severity = w->severity;
	a->ts.tv_sec = w->sec;
	a->ts.tv_nsec = w->nsec;
	a->has_flow = w->has_flow;
	a->has_ports = w->has_ports;
	a->has_icmp = w->has_icmp;
	a->has_counts = w->has_counts;
	a->proto = w->proto;
	a->icmp_type = w->icmp_type;
	a->icmp_code = w->icmp_code;
	a->src.family = w->src_family;
	a->dst.family = w->dst_family;
	memcpy(a->src.b, w->src, 16);
	memcpy(a->dst.b, w->dst, 16);
	a->sport = w->sport;
	a->dport = w->dport;
	a->packets = w->packets;
	a->bytes = w->bytes;

	for (uint32_t i = 0; i < w->n_strs; i++) {
		struct wire_alert_str *s = &w->strs[i];
		size_t k;
		if (!str_ok(s->key, sizeof(s->key)) || s->is_num > 1 ||
		    (!s->is_num && !str_ok(s->value, sizeof(s->value)))) {
			*why = "alert string malformed";
			return -1;
		}
		for (k = 0; k < sizeof(wire_keys) / sizeof(wire_keys[0]); k++)
			if (!strcmp(wire_keys[k].key, s->key))
				break;
		if (k == sizeof(wire_keys) / sizeof(wire_keys[0]) ||
		    (wire_keys[k].is_num == 1) != (s->is_num == 1)) {
			*why = "alert key not allowed";
			return -1;
		}
		const char *v = s->value;
		if (!strcmp(s->key, "src_zone") || !strcmp(s->key, "dst_zone") ||
		    !strcmp(s->key, "iface_zone")) {
			if (!zone_name_ok(c, v)) {
				*why = "alert names an unknown zone";
				return -1;
			}
		} else if (!strcmp(s->key, "iface") && !iface_ok(c, v)) {
			*why = "alert names an interface not captured";
			return -1;
		} else if (!strcmp(s->key, "action") && strcmp(v, "dropped") &&
			   strcmp(v, "observed")) {
			*why = "alert action unknown";
			return -1;
		}
		if (!strcmp(s->key, "src_zone"))
			a->src_zone = v;
		else if (!strcmp(s->key, "dst_zone"))
			a->dst_zone = v;
		else if (!strcmp(s->key, "iface"))
			a->iface = v;
		else if (!strcmp(s->key, "action"))
			a->action = v;
		else if (s->is_num)
			alert_add_num(a, s->key, s->num);
		else
			alert_add_str(a, s->key, v);
	}
	return 0;
}

int wire_type_of(const void *buf, size_t len, const char **why)
{
	struct wire_hdr h;

	if (len < sizeof(h)) {
		*why = "message shorter than its header";
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != WIRE_MAGIC || h.len != len) {
		*why = "message header malformed";
		return -1;
	}
	if (h.type != WIRE_ALERT && h.type != WIRE_STATS &&
	    h.type != WIRE_PAIRS) {
		*why = "message of an unknown type";
		return -1;
	}
	return (int)h.type;
}

int wire_stats_check(const struct wire_stats *w, size_t len,
		     const struct conf *c, const char **why)
{
	if (len != sizeof(*w) || w->n_ifs > WIRE_MAX_IFS) {
		*why = "stats message malformed";
		return -1;
	}
	for (uint32_t i = 0; i < w->n_ifs; i++) {
		const struct wire_if *f = &w->ifs[i];
		const char *end = memchr(f->error, '\0', sizeof(f->error));
		bool printable = end != NULL;
		for (const char *e = f->error; end && e < end; e++)
			if ((unsigned char)*e < 0x20 || (unsigned char)*e > 0x7e)
				printable = false;
		if (!str_ok(f->name, sizeof(f->name)) || f->up > 1 ||
		    !printable) {
			*why = "stats interface malformed";
			return -1;
		}
		if (!iface_ok(c, f->name)) {
			*why = "stats interface not in the configuration";
			return -1;
		}
	}
	return 0;
}

size_t wire_pairs_size(size_t n)
{
	return sizeof(struct wire_pairs) + n * sizeof(struct detect_pair);
}

int wire_pairs_check(const struct wire_pairs *w, size_t len,
		     const struct conf *c, const char **why)
{
	size_t n = c->n_zones + 1;

	if (len < sizeof(*w) || w->n != n || len != wire_pairs_size(n) ||
	    w->row >= n) {
		*why = "pairs message malformed";
		return -1;
	}
	return 0;
}
