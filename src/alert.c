// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alert: the two stable renderings of an alert (DESIGN.md "Alerts"): the
 * key=value line for syslog and the JSON-lines object. Both walk the same
 * list of fields in the same order, so they cannot drift apart.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "alert.h"

const char *alert_type_name(enum alert_type t)
{
	switch (t) {
	case ALERT_CROSS_ZONE:
		return "cross-zone";
	case ALERT_UNZONED:
		return "unzoned";
	case ALERT_SPOOFED_SOURCE:
		return "spoofed-source";
	case ALERT_UNKNOWN_DEVICE:
		return "unknown-device";
	case ALERT_RULESET_TAMPERED:
		return "ruleset-tampered";
	case ALERT_RULESET_RESTORED:
		return "ruleset-restored";
	case ALERT_CONFIG_CHANGED:
		return "config-changed";
	case ALERT_CHANNEL_EXPIRING:
		return "channel-expiring";
	case ALERT_CHANNEL_EXPIRED:
		return "channel-expired";
	case ALERT_CAPTURE_LOSS:
		return "capture-loss";
	case ALERT_SUPPRESSED:
		return "alert-suppressed";
	case ALERT_TYPE_MAX:
		break;
	}
	return "unknown";
}

const char *alert_severity_name(int severity)
{
	if (severity < 0)
		return "unknown";
	/* Tolerate a priority that still carries facility bits. */
	switch (LOG_PRI(severity)) {
	case LOG_EMERG:
		return "emerg";
	case LOG_ALERT:
		return "alert";
	case LOG_CRIT:
		return "crit";
	case LOG_ERR:
		return "err";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

const char *alert_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	if (!buf || len == 0)
		return "?";
	snprintf(buf, len, "%u", proto);
	return buf;
}

static void alert_add(struct alert *a, const struct alert_kv *kv)
{
	if (a->n_extra >= ALERT_MAX_EXTRA)
		return;
	a->extra[a->n_extra++] = *kv;
}

void alert_add_str(struct alert *a, const char *key, const char *value)
{
	struct alert_kv kv = {.key = key, .str = value};

	alert_add(a, &kv);
}

void alert_add_num(struct alert *a, const char *key, uint64_t value)
{
	struct alert_kv kv = {.key = key, .num = value, .is_num = true};

	alert_add(a, &kv);
}

/*
 * An snprintf-style output cursor: @pos counts every byte the full text
 * needs, bytes are stored only while they fit with room for the final NUL.
 */
struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool first; /* no field written yet: no separator before the next */
};

static void out_putc(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_puts(struct out *o, const char *s)
{
	while (*s)
		out_putc(o, *s++);
}

static void __attribute__((format(printf, 2, 3)))
out_printf(struct out *o, const char *fmt, ...)
{
	char tmp[64]; /* only numbers and timestamps go through here */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	out_puts(o, tmp);
}

static size_t out_finish(struct out *o)
{
	if (o->len > 0)
		o->buf[o->pos < o->len ? o->pos : o->len - 1] = '\0';
	return o->pos;
}

/*
 * Length of the well-formed UTF-8 sequence at @s (1 to 4), or 0 when the
 * byte at @s does not start one (stray continuation byte, overlong form,
 * surrogate, beyond U+10FFFF, or cut short). The NUL terminator is never a
 * continuation byte, so this cannot read past the string.
 */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* beyond U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The fields of an alert, in the order of DESIGN.md, to either format. */
struct sink {
	void (*str)(struct out *o, const char *key, const char *val);
	void (*num)(struct out *o, const char *key, uint64_t val);
};

/* --- key=value --- */

/*
 * A value is quoted when a reader splitting on spaces and '=' would
 * misread it, or when it holds bytes a syslog consumer may mangle
 * (control bytes, malformed UTF-8). Empty values are quoted too, so that
 * "key=" never appears.
 */
static bool kv_needs_quotes(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	if (!*s)
		return true;
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (n == 0 || is_ctl(*s) || *s == ' ' || *s == '"' || *s == '=')
			return true;
		s += n;
	}
	return false;
}

static void kv_key(struct out *o, const char *key)
{
	if (!o->first)
		out_putc(o, ' ');
	o->first = false;
	out_puts(o, key);
	out_putc(o, '=');
}

static void kv_str(struct out *o, const char *key, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;

	kv_key(o, key);
	if (!kv_needs_quotes(val)) {
		out_puts(o, val);
		return;
	}
	out_putc(o, '"');
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (n == 0 || is_ctl(*s)) {
			out_printf(o, "\\x%02x", *s);
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\')
			out_putc(o, '\\');
		while (n--)
			out_putc(o, (char)*s++);
	}
	out_putc(o, '"');
}

static void kv_num(struct out *o, const char *key, uint64_t val)
{
	kv_key(o, key);
	out_printf(o, "%" PRIu64, val);
}

/* --- JSON --- */

/* A JSON string; malformed UTF-8 becomes U+FFFD so the line stays valid. */
static void out_json_string(struct out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	out_putc(o, '"');
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (n == 0) {
			out_puts(o, "\\ufffd");
			s++;
		} else if (is_ctl(*s)) {
			out_printf(o, "\\u%04x", *s);
			s++;
		} else {
			if (*s == '"' || *s == '\\')
				out_putc(o, '\\');
			while (n--)
				out_putc(o, (char)*s++);
		}
	}
	out_putc(o, '"');
}

static void json_key(struct out *o, const char *key)
{
	if (!o->first)
		out_putc(o, ',');
	o->first = false;
	out_json_string(o, key);
	out_putc(o, ':');
}

static void json_str(struct out *o, const char *key, const char *val)
{
	json_key(o, key);
	out_json_string(o, val);
}

static void json_num(struct out *o, const char *key, uint64_t val)
{
	json_key(o, key);
	out_printf(o, "%" PRIu64, val);
}

/*
 * RFC 3339 in local time with its offset: 2026-11-23T10:15:02.123456+09:00.
 * localtime_r() need not re-read TZ: the daemon calls tzset() at start-up.
 */
static void json_ts(struct out *o, const struct timespec *ts)
{
	struct tm tm;
	time_t sec = ts->tv_sec;
	long usec = ts->tv_nsec / 1000;

	/* A malformed tv_nsec must not print a seventh digit. */
	if (usec < 0 || usec > 999999)
		usec = 0;
	if (!localtime_r(&sec, &tm)) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;

	json_key(o, "ts");
	out_printf(o, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06ld%c%02ld:%02ld\"",
		   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, usec, sign, off / 3600,
		   off % 3600 / 60);
}

/* --- both --- */

static void put_str(const struct sink *k, struct out *o, const char *key,
		    const char *val)
{
	if (val)
		k->str(o, key, val);
}

static void alert_fields_flow(const struct alert *a, const struct sink *k,
			      struct out *o)
{
	char pbuf[8], src[ADDR_STRLEN], dst[ADDR_STRLEN];

	k->str(o, "proto", alert_proto_name(a->proto, pbuf, sizeof(pbuf)));
	k->str(o, "src", addr_format(&a->src, src, sizeof(src)));
	if (a->has_ports)
		k->num(o, "sport", a->sport);
	k->str(o, "dst", addr_format(&a->dst, dst, sizeof(dst)));
	if (a->has_ports) {
		k->num(o, "dport", a->dport);
	} else if (a->has_icmp) {
		k->num(o, "icmp_type", a->icmp_type);
		k->num(o, "icmp_code", a->icmp_code);
	}
}

static void alert_fields(const struct alert *a, const struct sink *k,
			 struct out *o)
{
	k->str(o, "alert", alert_type_name(a->type));
	k->str(o, "severity", alert_severity_name(a->severity));
	put_str(k, o, "src_zone", a->src_zone);
	put_str(k, o, "dst_zone", a->dst_zone);
	if (a->has_flow)
		alert_fields_flow(a, k, o);
	put_str(k, o, "iface", a->iface);
	put_str(k, o, "action", a->action);
	if (a->has_counts) {
		k->num(o, "packets", a->packets);
		k->num(o, "bytes", a->bytes);
	}
	for (size_t i = 0; i < a->n_extra && i < ALERT_MAX_EXTRA; i++) {
		const struct alert_kv *kv = &a->extra[i];

		if (!kv->key)
			continue;
		if (kv->is_num)
			k->num(o, kv->key, kv->num);
		else
			put_str(k, o, kv->key, kv->str);
	}
}

size_t alert_format_kv(const struct alert *a, char *buf, size_t len)
{
	static const struct sink kv = {.str = kv_str, .num = kv_num};
	struct out o = {.buf = buf, .len = len, .first = true};

	alert_fields(a, &kv, &o);
	return out_finish(&o);
}

size_t alert_format_json(const struct alert *a, char *buf, size_t len)
{
	static const struct sink json = {.str = json_str, .num = json_num};
	struct out o = {.buf = buf, .len = len, .first = true};

	out_putc(&o, '{');
	json_ts(&o, &a->ts);
	alert_fields(a, &json, &o);
	out_putc(&o, '}');
	return out_finish(&o);
}
