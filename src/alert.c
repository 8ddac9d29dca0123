// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alert: the two stable renderings of an alert (DESIGN.md "Alerts"): the
 * key=value line for syslog and the JSON-lines object. Both walk the same
 * list of fields in the same order, so they cannot drift apart.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alert.h"
#include "json.h"
#include "utf8.h"

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

bool alert_type_is_traffic(enum alert_type t)
{
	return t == ALERT_CROSS_ZONE || t == ALERT_UNZONED ||
	       t == ALERT_SPOOFED_SOURCE || t == ALERT_UNKNOWN_DEVICE;
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
 * The field writers below are inlined into each of the two formats, with
 * the format's sink known at compile time: the keys' lengths become
 * constants, and so do most copies. A capture-file audit may format an
 * alert per packet.
 */
#define INLINE static inline __attribute__((always_inline))

/*
 * An snprintf-style output cursor: @pos counts every byte the full text
 * needs, bytes are stored only while they fit with room for the final NUL.
 * Everything is formatted by hand: an audit of a capture file formats
 * hundreds of thousands of alerts a second, and printf's machinery was
 * most of that time.
 */

struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool first; /* no field written yet: no separator before the next */
	/* The whole text is known to fit: no byte needs its room checked.
	 * Only ever a constant, so the checks are compiled out. */
	bool fits;
};

/* Bytes that can still be stored (the terminator's byte kept back). */
INLINE size_t out_room(const struct out *o)
{
	if (o->fits)
		return SIZE_MAX / 2;
	return o->pos + 1 < o->len ? o->len - 1 - o->pos : 0;
}

/*
 * @n bytes from @s to @d without a call into libc for the short runs of
 * an alert (names, addresses, the time): two fixed-size moves that
 * overlap in the middle, which never touch a byte outside either range.
 * The length varies from alert to alert, so memcpy() would not be inlined,
 * and its call was a good part of an alert's cost.
 */
INLINE void copy_short(char *d, const char *s, size_t n)
{
	if (__builtin_constant_p(n)) {
		memcpy(d, s, n);
		return;
	}
	/* The compiler cannot see that @n fits @s: it would warn of the
	 * branches for lengths this source never has. */
	__asm__("" : "+r"(s));
	if (n > 32) {
		/* Nor that @n is the length of a string. */
		__asm__("" : "+r"(n));
		memcpy(d, s, n);
	} else if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

INLINE void out_write(struct out *o, const char *s, size_t n)
{
	size_t room = out_room(o);

	if (o->fits || __builtin_expect(n <= room, 1)) {
		copy_short(o->buf + o->pos, s, n);
	} else if (room) {
		/* Cut short, @room < @n: the compiler, not seeing that,
		 * warns of a read past @s. */
		__asm__("" : "+r"(s));
		memcpy(o->buf + o->pos, s, room);
	}
	o->pos += n;
}

INLINE void out_putc(struct out *o, char c)
{
	if (o->fits || o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

/*
 * Length of a name (a zone's, a type's): a loop costs less than the call
 * for a few bytes. Two bytes a step, so that it is not turned back into
 * strlen().
 */
INLINE size_t short_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n + 1])
		n += 2;
	return n + (s[n] != 0);
}

INLINE void out_puts(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

/* Decimal digits of @v at the end of @end's buffer; returns the first. */
static const char digit_pairs[] = "00010203040506070809"
				 "10111213141516171819"
				 "20212223242526272829"
				 "30313233343536373839"
				 "40414243444546474849"
				 "50515253545556575859"
				 "60616263646566676869"
				 "70717273747576777879"
				 "80818283848586878889"
				 "90919293949596979899";

INLINE char *fmt_u64(char *end, uint64_t v)
{
	const char *pairs = digit_pairs;
	char *p = end;

	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;

		v /= 100;
		p -= 2;
		p[0] = pairs[i];
		p[1] = pairs[i + 1];
	}
	if (v >= 10) {
		p -= 2;
		p[0] = pairs[v * 2];
		p[1] = pairs[v * 2 + 1];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

/* Decimal digits of @v: 1 to 20. */
INLINE size_t u64_digits(uint64_t v)
{
	size_t n = 1;

	for (; v >= 10000; v /= 10000)
		n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/*
 * Text made in place when it fits: text written a few bytes at a time and
 * then read back as a whole to be copied waits for those writes to land,
 * and that wait was a good part of an alert's cost.
 */
/* The digits of @v, below 10 000, at @p; returns their end. */
INLINE char *put_small(char *p, unsigned v)
{
	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if (v < 100) {
		memcpy(p, digit_pairs + 2 * v, 2);
		return p + 2;
	}
	if (v < 1000) {
		*p = (char)('0' + v / 100);
		memcpy(p + 1, digit_pairs + 2 * (v % 100), 2);
		return p + 3;
	}
	memcpy(p, digit_pairs + 2 * (v / 100), 2);
	memcpy(p + 2, digit_pairs + 2 * (v % 100), 2);
	return p + 4;
}

/*
 * The digits of @v at @p, which has room for them; returns their end.
 * Ports, ICMP types and most counters have five digits or fewer, and go
 * without a count of digits or a loop.
 */
INLINE char *put_num(char *p, uint64_t v)
{
	if (v < 10000)
		return put_small(p, (unsigned)v);
	if (v < 100000) {
		unsigned u = (unsigned)v;

		*p = (char)('0' + u / 10000);
		u %= 10000;
		memcpy(p + 1, digit_pairs + 2 * (u / 100), 2);
		memcpy(p + 3, digit_pairs + 2 * (u % 100), 2);
		return p + 5;
	}
	size_t n = u64_digits(v);

	fmt_u64(p + n, v);
	return p + n;
}

/*
 * put_num() for a buffer with 8 bytes of room past the digits: below
 * 100 000, without a branch on the count of digits. The ports of a flood
 * change their length from one alert to the next at random, and each
 * branch on it was mispredicted time and again.
 */
INLINE char *put_num_wide(char *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v < 100000) {
		/* 0, not 1: zero has a digit too. */
		static const unsigned pow10[] = {0, 10, 100, 1000, 10000};
		unsigned u = (unsigned)v, lo = u % 10000;
		/* Digits from the bit length: 1233 / 4096 is near log10(2). */
		unsigned t = (32 - (unsigned)__builtin_clz(u | 1)) * 1233 >> 12;
		unsigned n = t + (u >= pow10[t]);
		uint16_t hi2, lo2;

		memcpy(&hi2, digit_pairs + 2 * (lo / 100), 2);
		memcpy(&lo2, digit_pairs + 2 * (lo % 100), 2);
		/* The five digits in a word, first in the lowest byte,
		 * shifted down past the leading zeros. */
		uint64_t w = ((uint64_t)('0' + u / 10000) | (uint64_t)hi2 << 8 |
			      (uint64_t)lo2 << 24) >>
			     (8 * (5 - n));

		memcpy(p, &w, sizeof(w));
		return p + n;
	}
#endif
	return put_num(p, v);
}

INLINE void out_u64(struct out *o, uint64_t v)
{
	size_t n = u64_digits(v);

	if (n <= out_room(o)) {
		put_num(o->buf + o->pos, v);
		o->pos += n;
		return;
	}
	char tmp[20]; /* UINT64_MAX has 20 digits */
	out_write(o, fmt_u64(tmp + sizeof(tmp), v), n);
}

INLINE void out_addr(struct out *o, const struct addr *a)
{
	if (out_room(o) >= ADDR_STRLEN) {
		o->pos += addr_text(a, o->buf + o->pos);
		return;
	}
	char tmp[ADDR_STRLEN];
	size_t n = addr_text(a, tmp);
	out_write(o, tmp, n);
}

static size_t out_finish(struct out *o)
{
	if (o->len > 0)
		o->buf[o->pos < o->len ? o->pos : o->len - 1] = '\0';
	return o->pos;
}


static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/**
 * struct key - the key of a field. bunri's own keys are literals that
 * need no escaping, so both spellings are made at compile time (KEY());
 * a caller's key (an extra) has only @name, escaped where a format needs.
 * @kv: "proto=", or NULL; @json: "\"proto\":", or NULL
 */
struct key {
	const char *name;
	const char *kv;
	const char *json;
	size_t kv_len;
	size_t json_len;
};

#define KEY(k)                                                                 \
	(&(const struct key){k, k "=", "\"" k "\":", sizeof(k), sizeof(k) + 2})

/*
 * The fields of an alert, in the order of DESIGN.md, to either format.
 * @plain takes values that are bunri's own text (names from a fixed
 * table, addresses), which need no quoting or escaping either.
 */
struct sink {
	void (*plain)(struct out *o, const struct key *key, const char *val,
		      size_t len);
	void (*addr)(struct out *o, const struct key *key,
		     const struct addr *val);
	void (*str)(struct out *o, const struct key *key, const char *val);
	void (*num)(struct out *o, const struct key *key, uint64_t val);
};

/* --- key=value --- */

/*
 * A character of @n bytes at @s that a reader may take for the end of a
 * line: a C1 control (U+0080 to U+009F, NEL among them) or the line and
 * paragraph separators U+2028, U+2029. Escaped byte by byte, as control
 * bytes are.
 */
static bool is_line_breaking(const unsigned char *s, size_t n)
{
	return (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) ||
	       (n == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
		(s[2] == 0xa8 || s[2] == 0xa9));
}

/*
 * A value is quoted when a reader splitting on spaces and '=' would
 * misread it, or when it holds bytes a syslog consumer may mangle
 * (control bytes, malformed UTF-8). Any value beyond ASCII is quoted as
 * well: Unicode has spaces of its own (U+3000 in Japanese text, U+00A0)
 * that some readers split on. A backslash is quoted, to be escaped.
 * Empty values are quoted too, so that "key=" never appears.
 */
static bool kv_needs_quotes(const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	if (!*s)
		return true;
	for (; *s; s++)
		if (is_ctl(*s) || *s >= 0x80 || *s == ' ' || *s == '"' ||
		    *s == '=' || *s == '\\')
			return true;
	return false;
}

INLINE void kv_key(struct out *o, const struct key *key)
{
	if (!o->first)
		out_putc(o, ' ');
	o->first = false;
	if (key->kv) {
		out_write(o, key->kv, key->kv_len);
		return;
	}
	out_puts(o, key->name);
	out_putc(o, '=');
}

INLINE void kv_plain(struct out *o, const struct key *key, const char *val,
		     size_t len)
{
	kv_key(o, key);
	out_write(o, val, len);
}

INLINE void kv_addr(struct out *o, const struct key *key,
		    const struct addr *val)
{
	kv_key(o, key);
	out_addr(o, val);
}

static void kv_str(struct out *o, const struct key *key, const char *val)
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

		if (n == 0 || is_ctl(*s) || is_line_breaking(s, n)) {
			static const char hex[] = "0123456789abcdef";

			for (size_t i = 0; i < (n ? n : 1); i++, s++) {
				char esc[4] = {'\\', 'x', hex[*s >> 4],
					       hex[*s & 15]};

				out_write(o, esc, sizeof(esc));
			}
			continue;
		}
		if (*s == '"' || *s == '\\')
			out_putc(o, '\\');
		while (n--)
			out_putc(o, (char)*s++);
	}
	out_putc(o, '"');
}

INLINE void kv_num(struct out *o, const struct key *key, uint64_t val)
{
	kv_key(o, key);
	out_u64(o, val);
}

/* --- JSON --- */

/* A JSON string, escaped as json.c escapes every JSON bunri prints. */
INLINE void out_json_string(struct out *o, const char *str)
{
	size_t room = out_room(o);

	o->pos += json_string_format(room ? o->buf + o->pos : NULL, room, str);
}

INLINE void json_key(struct out *o, const struct key *key)
{
	if (!o->first)
		out_putc(o, ',');
	o->first = false;
	if (key->json) {
		out_write(o, key->json, key->json_len);
		return;
	}
	out_json_string(o, key->name);
	out_putc(o, ':');
}

INLINE void json_plain_str(struct out *o, const struct key *key,
			   const char *val, size_t len)
{
	json_key(o, key);
	out_putc(o, '"');
	out_write(o, val, len);
	out_putc(o, '"');
}

INLINE void json_addr(struct out *o, const struct key *key,
		      const struct addr *val)
{
	json_key(o, key);
	out_putc(o, '"');
	out_addr(o, val);
	out_putc(o, '"');
}

INLINE void json_str(struct out *o, const struct key *key, const char *val)
{
	json_key(o, key);
	out_json_string(o, val);
}

INLINE void json_num(struct out *o, const struct key *key, uint64_t val)
{
	json_key(o, key);
	out_u64(o, val);
}

/*
 * The part of a timestamp that changes once a second: the local date and
 * time ("2026-11-23T10:15:02") and the offset ("+09:00"). Alerts come in
 * bursts within one second, and localtime_r() is costly, so the last
 * second's text is kept, per thread. It stays valid while the time zone
 * does: tzset() (a test switching TZ) rewrites tzname, timezone and
 * daylight, which localtime_r() also sets for the time it converts, so a
 * change of any of them since that call means the zone may have changed.
 */
struct ts_cache {
	bool valid;
	time_t sec;
	char *tzname0, *tzname1;
	long timezone;
	int daylight;
	char date[48];
	size_t date_len;
	char off[24];
	size_t off_len;
};

static _Thread_local struct ts_cache ts_cache;

static inline bool ts_cache_fresh(const struct ts_cache *c, time_t sec)
{
	return c->valid && c->sec == sec && c->tzname0 == tzname[0] &&
	       c->tzname1 == tzname[1] && c->timezone == timezone &&
	       c->daylight == daylight;
}

/* localtime_r() need not re-read TZ: the daemon calls tzset() at start-up. */
static void ts_cache_fill(struct ts_cache *c, time_t sec)
{
	struct tm tm;
	int n;

	if (!localtime_r(&sec, &tm)) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;

	/* Once a second: printf's exact widths for any year are worth it. */
	n = snprintf(c->date, sizeof(c->date), "%04d-%02d-%02dT%02d:%02d:%02d",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec);
	c->date_len = n < 0 ? 0 : (size_t)n;
	n = snprintf(c->off, sizeof(c->off), "%c%02ld:%02ld", sign, off / 3600,
		     off % 3600 / 60);
	c->off_len = n < 0 ? 0 : (size_t)n;
	c->sec = sec;
	c->tzname0 = tzname[0];
	c->tzname1 = tzname[1];
	c->timezone = timezone;
	c->daylight = daylight;
	c->valid = true;
}

/* The most ts_text() writes. */
#define TS_TEXT_MAX                                                            \
	(sizeof(((struct ts_cache *)0)->date) + sizeof(".000000") +            \
	 sizeof(((struct ts_cache *)0)->off))

/*
 * RFC 3339 in local time with its offset, 2026-11-23T10:15:02.123456+09:00,
 * at @p, which has room for TS_TEXT_MAX bytes; returns its end.
 */
INLINE char *ts_text(char *p, const struct timespec *ts)
{
	struct ts_cache *c = &ts_cache;
	long usec = ts->tv_nsec / 1000;

	/* A malformed tv_nsec must not print a seventh digit. */
	if (usec < 0 || usec > 999999)
		usec = 0;
	if (!ts_cache_fresh(c, ts->tv_sec))
		ts_cache_fill(c, ts->tv_sec);
	copy_short(p, c->date, c->date_len);
	p += c->date_len;
	/* Three pairs of digits, each from a division by a constant. */
	unsigned u = (unsigned)usec, hi = u / 10000, lo = u % 100;

	p[0] = '.';
	memcpy(p + 1, digit_pairs + 2 * hi, 2);
	memcpy(p + 3, digit_pairs + 2 * (u / 100 % 100), 2);
	memcpy(p + 5, digit_pairs + 2 * lo, 2);
	p += 7;
	copy_short(p, c->off, c->off_len);
	return p + c->off_len;
}

/* The time in place when it fits (see out_u64()). */
INLINE void json_ts(struct out *o, const struct timespec *ts)
{
	json_key(o, KEY("ts"));
	out_putc(o, '"');
	if (out_room(o) >= TS_TEXT_MAX) {
		char *at = o->buf + o->pos;

		o->pos += (size_t)(ts_text(at, ts) - at);
	} else {
		char tmp[TS_TEXT_MAX];

		out_write(o, tmp, (size_t)(ts_text(tmp, ts) - tmp));
	}
	out_putc(o, '"');
}

/* --- both --- */

INLINE void put_str(const struct sink *k, struct out *o, const struct key *key,
		    const char *val)
{
	if (val)
		k->str(o, key, val);
}

/*
 * A value that is bunri's own text: names from a fixed table, zone names
 * (a-z, 0-9, '_' and '-', checked when the configuration is loaded and
 * again at the capture process's boundary, src/wire.c), the action.
 * Neither format quotes or escapes it.
 */
INLINE void put_plain(const struct sink *k, struct out *o,
		      const struct key *key, const char *val)
{
	if (val)
		k->plain(o, key, val, short_len(val));
}

/* The fields before the addresses: the type to the protocol. */
INLINE void alert_fields_head(const struct alert *a, const struct sink *k,
			      struct out *o)
{
	char pbuf[8];

	put_plain(k, o, KEY("alert"), alert_type_name(a->type));
	put_plain(k, o, KEY("severity"), alert_severity_name(a->severity));
	put_plain(k, o, KEY("src_zone"), a->src_zone);
	put_plain(k, o, KEY("dst_zone"), a->dst_zone);
	if (a->has_flow)
		put_plain(k, o, KEY("proto"),
			  alert_proto_name(a->proto, pbuf, sizeof(pbuf)));
}

INLINE void alert_fields_flow(const struct alert *a, const struct sink *k,
			      struct out *o)
{
	k->addr(o, KEY("src"), &a->src);
	if (a->has_ports)
		k->num(o, KEY("sport"), a->sport);
	k->addr(o, KEY("dst"), &a->dst);
	if (a->has_ports) {
		k->num(o, KEY("dport"), a->dport);
	} else if (a->has_icmp) {
		k->num(o, KEY("icmp_type"), a->icmp_type);
		k->num(o, KEY("icmp_code"), a->icmp_code);
	}
}

/* The fields between the addresses and the counters. */
INLINE void alert_fields_tail(const struct alert *a, const struct sink *k,
			      struct out *o)
{
	put_str(k, o, KEY("iface"), a->iface);
	put_plain(k, o, KEY("action"), a->action);
}

INLINE void alert_fields(const struct alert *a, const struct sink *k,
			 struct out *o)
{
	alert_fields_head(a, k, o);
	if (a->has_flow)
		alert_fields_flow(a, k, o);
	alert_fields_tail(a, k, o);
	if (a->has_counts) {
		k->num(o, KEY("packets"), a->packets);
		k->num(o, KEY("bytes"), a->bytes);
	}
	for (size_t i = 0; i < a->n_extra && i < ALERT_MAX_EXTRA; i++) {
		const struct alert_kv *kv = &a->extra[i];

		if (!kv->key)
			continue;
		const struct key key = {.name = kv->key};

		if (kv->is_num)
			k->num(o, &key, kv->num);
		else
			put_str(k, o, &key, kv->str);
	}
}

size_t alert_format_kv(const struct alert *a, char *buf, size_t len)
{
	static const struct sink kv = {
	    .plain = kv_plain, .addr = kv_addr, .str = kv_str, .num = kv_num};
	struct out o = {.buf = buf, .len = len, .first = true};

	alert_fields(a, &kv, &o);
	return out_finish(&o);
}

static const struct sink json_sink = {.plain = json_plain_str,
				      .addr = json_addr,
				      .str = json_str,
				      .num = json_num};

INLINE size_t format_json(const struct alert *a, char *buf, size_t len,
			  const bool fits)
{
	struct out o = {.buf = buf, .len = len, .first = true, .fits = fits};

	out_putc(&o, '{');
	json_ts(&o, &a->ts);
	alert_fields(a, &json_sink, &o);
	out_putc(&o, '}');
	return out_finish(&o);
}

/*
 * The most a JSON alert without extras can take beside its names: every
 * key with its punctuation, the time (the cached date and offset are
 * bounded by their buffers), the longest type, severity and protocol
 * names, two addresses, ports or ICMP type and code, and two counters of
 * 20 digits. The unit test formats the longest alerts it can make into
 * exactly this room.
 */
#define JSON_FIXED_MAX                                                         \
	(sizeof("{\"ts\":\"\"") + sizeof(((struct ts_cache *)0)->date) +     \
	 sizeof(".000000") + sizeof(((struct ts_cache *)0)->off) +             \
	 sizeof(",\"alert\":\"ruleset-tampered\"") +                         \
	 sizeof(",\"severity\":\"warning\"") + sizeof(",\"src_zone\":\"\"") + \
	 sizeof(",\"dst_zone\":\"\"") + sizeof(",\"proto\":\"icmpv6\"") +     \
	 2 * (sizeof(",\"src\":\"\"") + ADDR_STRLEN) +                        \
	 sizeof(",\"icmp_type\":255,\"icmp_code\":255") +                     \
	 sizeof(",\"iface\":\"\"") + sizeof(",\"action\":\"\"") +              \
	 2 * sizeof(",\"packets\":18446744073709551615") + sizeof("}"))

size_t alert_json_max(const struct alert *a)
{
	size_t n = JSON_FIXED_MAX;

	if (a->n_extra)
		return SIZE_MAX;
	if (a->src_zone)
		n += short_len(a->src_zone);
	if (a->dst_zone)
		n += short_len(a->dst_zone);
	if (a->action)
		n += short_len(a->action);
	if (a->iface)
		n += 6 * strlen(a->iface); /* each byte escaped: \u00XX */
	return n;
}

/*
 * Most alerts go to a buffer with room to spare: those are formatted
 * without a check per byte, which was a fifth of the time of one.
 */
size_t alert_format_json(const struct alert *a, char *buf, size_t len)
{
	if (len > alert_json_max(a))
		return format_json(a, buf, len, true);
	return format_json(a, buf, len, false);
}

/* --- JSON of flow alerts, with the text that repeats kept --- */

/*
 * An audit of a capture file may format an alert for most packets, and
 * most of each line repeats from one alert to the next: the run from the
 * type to the protocol, and the one from the interface to the key of the
 * packet count, depend only on a few fields that take few values. A cache
 * keeps those two runs of text, made once by the code above, in a small
 * table indexed by those fields; only the time, the addresses, the ports
 * and the counters are formatted for each alert.
 *
 * The table is open-addressed: a flood between 8 zones over three
 * protocols has a few hundred kinds of alert, too many for a slot each
 * without collisions. When TMPL_PROBES slots from a kind's own are all
 * taken by others, it takes its own slot over.
 */
#define TMPL_SLOTS    512
#define TMPL_PROBES   8
#define TMPL_HEAD_MAX 192
#define TMPL_TAIL_MAX 96

struct tmpl {
	/* The fields the text is made of: its key in the table. */
	const char *src_zone, *dst_zone, *iface, *action;
	enum alert_type type;
	int severity;
	uint8_t proto;
	bool usable; /* the text fits: else these go the slow way */
	uint16_t head_len, tail_len;
	/* ,"alert":"cross-zone", ... ,"proto":"udp","src":" */
	char head[TMPL_HEAD_MAX];
	/* ,"iface":"eth1","action":"observed","packets": */
	char tail[TMPL_TAIL_MAX];
};

/* @sig, the hash of each slot's key (0: empty), is read first: it is
 * small enough to stay in the nearest cache, the texts are not. */
struct alert_json_cache {
	uint64_t sig[TMPL_SLOTS];
	struct tmpl slot[TMPL_SLOTS];
};

struct alert_json_cache *alert_json_cache_new(void)
{
	return calloc(1, sizeof(struct alert_json_cache));
}

void alert_json_cache_free(struct alert_json_cache *c)
{
	free(c);
}

/*
 * Room a line of the fast way may take: the time, its two runs at their
 * longest (each may be copied whole, whatever its length: see put_run()),
 * two addresses with their keys and ports, ICMP type and code, and two
 * counters of 20 digits.
 */
#define FLOW_JSON_ROOM                                                         \
	(sizeof("{\"ts\":\"\"") + TS_TEXT_MAX + 2 * ADDR_STRLEN +              \
	 sizeof("\",\"sport\":65535,\"dst\":\"\",\"dport\":65535") +           \
	 sizeof(",\"icmp_type\":255,\"icmp_code\":255") +                      \
	 2 * sizeof("18446744073709551615,\"bytes\":") + sizeof("}") +         \
	 TMPL_HEAD_MAX + TMPL_TAIL_MAX)

/* The hash of @a's kind: its slot in the top bits, never 0. */
static uint64_t tmpl_hash(const struct alert *a)
{
	uint64_t h = (uint64_t)(uintptr_t)a->src_zone * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)(uintptr_t)a->dst_zone * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)(uintptr_t)a->action * 0x165667b19e3779f9ull;
	h ^= (uint64_t)(uintptr_t)a->iface * 0x27d4eb2f165667c5ull;
	h ^= ((uint64_t)a->type << 16 | (uint64_t)a->proto << 8 |
	      (uint64_t)(a->severity & 0xff)) *
	     0xff51afd7ed558ccdull;
	return h | 1;
}

#define TMPL_HOME(h) ((size_t)((h) >> 55)) /* TMPL_SLOTS */

static bool tmpl_matches(const struct tmpl *t, const struct alert *a)
{
	return t->src_zone == a->src_zone &&
	       t->dst_zone == a->dst_zone && t->action == a->action &&
	       t->iface == a->iface && t->type == a->type &&
	       t->severity == a->severity && t->proto == a->proto;
}

/* Make @t's text for alerts like @a, with the writers the slow way uses. */
static void tmpl_make(struct tmpl *t, const struct alert *a)
{
	struct out o = {.buf = t->head, .len = sizeof(t->head)};

	t->src_zone = a->src_zone;
	t->dst_zone = a->dst_zone;
	t->iface = a->iface;
	t->action = a->action;
	t->type = a->type;
	t->severity = a->severity;
	t->proto = a->proto;

	/* The time comes before: no field is the first. */
	alert_fields_head(a, &json_sink, &o);
	json_key(&o, KEY("src"));
	out_putc(&o, '"');
	t->usable = o.pos < sizeof(t->head);
	t->head_len = (uint16_t)o.pos;

	o = (struct out){.buf = t->tail, .len = sizeof(t->tail)};
	alert_fields_tail(a, &json_sink, &o);
	json_key(&o, KEY("packets"));
	t->usable = t->usable && o.pos < sizeof(t->tail);
	t->tail_len = (uint16_t)o.pos;
}

/*
 * A run of @n bytes, copied in one of three fixed sizes up to @size, the
 * most it can hold: straight-line stores are cheaper than a loop over a
 * length that changes from alert to alert, and what lies past @n is
 * written over next.
 */
INLINE char *put_run(char *p, const char *run, size_t n, size_t size)
{
	/* Half or two thirds as much when that holds it, as it mostly
	 * does: a branch or two, which go the same way alert after alert,
	 * against as many fewer stores. */
	if (n <= size / 2)
		memcpy(p, run, size / 2);
	else if (n <= size / 3 * 2)
		memcpy(p, run, size / 3 * 2);
	else
		memcpy(p, run, size);
	return p + n;
}

INLINE char *put_lit(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUT_LIT(p, s) put_lit(p, s, sizeof(s) - 1)

/* The line of a flow alert like @t's into @p, which has FLOW_JSON_ROOM
 * bytes; returns its end. The same text as format_json(). */
static char *flow_json(const struct tmpl *t, const struct alert *a, char *p)
{
	p = PUT_LIT(p, "{\"ts\":\"");
	p = ts_text(p, &a->ts);
	*p++ = '"';

	p = put_run(p, t->head, t->head_len, sizeof(t->head));
	p += addr_text(&a->src, p);
	if (a->has_ports) {
		p = PUT_LIT(p, "\",\"sport\":");
		p = put_num_wide(p, a->sport);
		p = PUT_LIT(p, ",\"dst\":\"");
	} else {
		p = PUT_LIT(p, "\",\"dst\":\"");
	}
	p += addr_text(&a->dst, p);
	*p++ = '"';
	if (a->has_ports) {
		p = PUT_LIT(p, ",\"dport\":");
		p = put_num_wide(p, a->dport);
	} else if (a->has_icmp) {
		p = PUT_LIT(p, ",\"icmp_type\":");
		p = put_num(p, a->icmp_type);
		p = PUT_LIT(p, ",\"icmp_code\":");
		p = put_num(p, a->icmp_code);
	}
	p = put_run(p, t->tail, t->tail_len, sizeof(t->tail));
	p = put_num(p, a->packets);
	p = PUT_LIT(p, ",\"bytes\":");
	p = put_num(p, a->bytes);
	*p++ = '}';
	*p = '\0';
	return p;
}

size_t alert_format_json_cached(struct alert_json_cache *c,
				const struct alert *a, char *buf, size_t len)
{
	if (!a->has_flow || !a->has_counts || a->n_extra)
		return alert_format_json(a, buf, len);

	uint64_t h = tmpl_hash(a);
	size_t home = TMPL_HOME(h), j = home;
	struct tmpl *t = NULL;

	for (size_t i = 0; i < TMPL_PROBES; i++) {
		j = (home + i) % TMPL_SLOTS;
		if (c->sig[j] == h && tmpl_matches(&c->slot[j], a)) {
			t = &c->slot[j];
			break;
		}
		if (!c->sig[j])
			break;
	}
	if (!t) {
		/* Into the first empty slot on the way, else its own. */
		if (c->sig[j])
			j = home;
		t = &c->slot[j];
		c->sig[j] = h;
		tmpl_make(t, a);
	}
	if (!t->usable || len < FLOW_JSON_ROOM)
		return alert_format_json(a, buf, len);
	return (size_t)(flow_json(t, a, buf) - buf);
}
