// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf: read bunri.conf with libconfig, validate every rule of the contract
 * and build the immutable struct conf. libconfig's tree lives only inside
 * conf_load(); nothing of it survives into struct conf.
 *
 * Validation goes on after the first error so that an administrator sees
 * every mistake in one run. Messages are collected and printed sorted by
 * line, so they read in file order whatever order the checks ran in.
 */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "day.h"
#include "utf8.h"
#include "zone.h"

/* Zone, channel and table names become nftables chain and set names. */
#define NAME_MAX_LEN 31
/* IFNAMSIZ - 1 */
#define IFNAME_MAX_LEN 15
/* sizeof(sun_path) - 1 */
#define SOCKET_PATH_MAX 107

struct name_val {
	const char *name;
	int val;
};

static const struct name_val modes[] = {
    {"enforce", CONF_MODE_ENFORCE},
    {"monitor", CONF_MODE_MONITOR},
};

static const struct name_val protos[] = {
    {"tcp", CONF_PROTO_TCP},   {"udp", CONF_PROTO_UDP},
    {"icmp", CONF_PROTO_ICMP}, {"icmpv6", CONF_PROTO_ICMPV6},
    {"any", CONF_PROTO_ANY},
};

static const struct name_val kinds[] = {
    {"mail_textify", CONF_KIND_MAIL_TEXTIFY},
    {"file_sanitize", CONF_KIND_FILE_SANITIZE},
    {"screen_transfer", CONF_KIND_SCREEN_TRANSFER},
    {"virtual_browser", CONF_KIND_VIRTUAL_BROWSER},
    {"proxy", CONF_KIND_PROXY},
    {"local_breakout", CONF_KIND_LOCAL_BREAKOUT},
    {"designated_channel", CONF_KIND_DESIGNATED_CHANNEL},
    {"other", CONF_KIND_OTHER},
};

static const struct name_val severities[] = {
    {"emerg", LOG_EMERG}, {"alert", LOG_ALERT},	    {"crit", LOG_CRIT},
    {"err", LOG_ERR},	  {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
    {"info", LOG_INFO},	  {"debug", LOG_DEBUG},
};

/* LOG_KERN is left out: openlog() silently turns it into LOG_USER. */
static const struct name_val facilities[] = {
    {"daemon", LOG_DAEMON}, {"user", LOG_USER},	    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7}, {"auth", LOG_AUTH},	    {"authpriv", LOG_AUTHPRIV},
    {"cron", LOG_CRON},	    {"ftp", LOG_FTP},	    {"lpr", LOG_LPR},
    {"mail", LOG_MAIL},	    {"news", LOG_NEWS},	    {"syslog", LOG_SYSLOG},
    {"uucp", LOG_UUCP},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const top_keys[] = {"version", "daemon",   "log",  "capture",
				       "zones",	  "channels", "host", NULL};
static const char *const daemon_keys[] = {"mode", "table", "table_owner",
					  "user", "control_socket", NULL};
static const char *const log_keys[] = {
    "facility", "json_file", "repeat_interval", "max_alerts_per_second", NULL};
static const char *const capture_keys[] = {"interfaces", "snaplen", "buffer_mb",
					   "max_flows", NULL};
static const char *const zone_keys[] = {"name",	    "description", "interfaces",
					"networks", "severity",	   "devices",
					"same_as",  NULL};
static const char *const channel_keys[] = {
    "name",  "kind",  "designated",  "from",   "to",	  "src", "dst",
    "proto", "ports", "approved_by", "reason", "expires", NULL};
static const char *const host_keys[] = {"services", NULL};
static const char *const service_keys[] = {"zone", "proto", "ports", "src",
					   NULL};

/* One diagnostic, held back so that all of them print in line order. */
struct msg {
	int line;
	size_t seq;
	char *text;
};

/* A zone network with where it was written, for the duplicate check. */
struct net_ref {
	struct prefix p;
	int zone;
	size_t seq;
	const config_setting_t *s;
};

struct loader {
	const char *name;
	const char *dir; /* where a relative @include is looked for, or NULL */
	FILE *err;
	uint32_t today;
	unsigned errors;
	struct msg *msgs;
	size_t n_msgs;
	size_t cap_msgs;
	struct net_ref *nets;
	size_t n_nets;
	size_t cap_nets;
	/* the same_as setting of each zone, resolved once all are known */
	const config_setting_t **same_as;
	/* a zone network was refused: what channels reach is unknown */
	bool nets_refused;
	struct conf *c;
};

/* Line of @s, or of the nearest enclosing setting that has one. */
static int setting_line(const config_setting_t *s)
{
	while (s) {
		if (config_setting_source_line(s) > 0)
			return config_setting_source_line(s);
		s = config_setting_parent(s);
	}
	return 0;
}

static void msg_vadd(struct loader *l, const config_setting_t *s, int line,
		     const char *tag, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/*
 * The directory to show before @file, a file an error is in, with the
 * '/' after it: an @include'd file is named by the path as written, and a
 * relative one is shown where it was found. "" for the others.
 */
static const char *shown_dir(const struct loader *l, const char *file,
			     const char **slash)
{
	bool rel = file != l->name && file[0] != '/' && l->dir &&
		   strcmp(l->dir, ".") != 0;

	*slash = rel ? "/" : "";
	return rel ? l->dir : "";
}

/*
 * @body, a message about the file, with what it quotes from the file made
 * harmless: a control byte (a newline inside a string, say) becomes \xHH,
 * so that every message stays one line of its own. NULL without memory.
 */
static char *msg_escape(const char *body)
{
	char *out = malloc(4 * strlen(body) + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *b = (const unsigned char *)body; *b; b++) {
		if (*b < 0x20 || *b == 0x7f)
			o += sprintf(o, "\\x%02x", *b);
		else
			*o++ = (char)*b;
	}
	*o = '\0';
	return out;
}

/* At most @max bytes of @s, cut where a UTF-8 character starts. */
static int utf8_cut(const char *s, int max)
{
	int n = (int)strnlen(s, (size_t)max);

	if (s[n] == '\0')
		return n;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void msg_vadd(struct loader *l, const config_setting_t *s, int line,
		     const char *tag, const char *fmt, va_list ap)
{
	const char *file = l->name, *dir, *slash;
	char *body = NULL, *text = NULL;

	if (!l->err)
		return;
	if (s) {
		line = setting_line(s);
		/* an @include'd file names itself */
		if (config_setting_source_file(s))
			file = config_setting_source_file(s);
	}
	dir = shown_dir(l, file, &slash);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	if (body) {
		char *safe = msg_escape(body);

		free(body);
		body = safe;
	}
	if (!body ||
	    (line > 0 ? asprintf(&text, "%s%s%s:%d: %s%s", dir, slash, file,
				 line, tag, body)
		      : asprintf(&text, "%s%s%s: %s%s", dir, slash, file, tag,
				 body)) < 0)
		text = NULL;
	free(body);
	if (text && l->n_msgs == l->cap_msgs) {
		size_t cap = l->cap_msgs ? 2 * l->cap_msgs : 16;
		struct msg *m = realloc(l->msgs, cap * sizeof(*m));

		if (m) {
			l->msgs = m;
			l->cap_msgs = cap;
		}
	}
	if (!text || l->n_msgs == l->cap_msgs) {
		/* out of memory: say so at once rather than lose it */
		fprintf(l->err, "%s: %s\n", file,
			text ? text : "out of memory formatting a message");
		free(text);
		return;
	}
	l->msgs[l->n_msgs].line = line;
	l->msgs[l->n_msgs].seq = l->n_msgs;
	l->msgs[l->n_msgs].text = text;
	l->n_msgs++;
}

static void conf_err(struct loader *l, const config_setting_t *s,
		     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_err(struct loader *l, const config_setting_t *s,
		     const char *fmt, ...)
{
	va_list ap;

	l->errors++;
	va_start(ap, fmt);
	msg_vadd(l, s, 0, "", fmt, ap);
	va_end(ap);
}

static void conf_warn(struct loader *l, const config_setting_t *s,
		      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_warn(struct loader *l, const config_setting_t *s,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vadd(l, s, 0, "warning: ", fmt, ap);
	va_end(ap);
}

static void conf_err_line(struct loader *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_err_line(struct loader *l, int line, const char *fmt, ...)
{
	va_list ap;

	l->errors++;
	va_start(ap, fmt);
	msg_vadd(l, NULL, line, "", fmt, ap);
	va_end(ap);
}

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void msgs_flush(struct loader *l)
{
	if (l->n_msgs)
		qsort(l->msgs, l->n_msgs, sizeof(*l->msgs), msg_cmp);
	for (size_t i = 0; i < l->n_msgs; i++) {
		fprintf(l->err, "%s\n", l->msgs[i].text);
		free(l->msgs[i].text);
	}
	free(l->msgs);
	l->msgs = NULL;
	l->n_msgs = l->cap_msgs = 0;
}

static void oom(struct loader *l)
{
	conf_err(l, NULL, "out of memory");
}

static char *dup_str(struct loader *l, const char *s)
{
	char *d = strdup(s);

	if (!d)
		oom(l);
	return d;
}

/* calloc that reports failure; @n may be 0. */
static void *alloc_array(struct loader *l, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		oom(l);
	return p;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static bool is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

static bool is_list(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

static void type_err(struct loader *l, const config_setting_t *s,
		     const char *ctx, const char *want)
{
	conf_err(l, s, "%s%s must be %s, not %s", ctx, config_setting_name(s),
		 want, type_name(s));
}

/* "a, b, c" of the names of @t, for messages that list the choices. */
static const char *choices(const struct name_val *t, size_t n, char *buf,
			   size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				t[i].name);
	return buf;
}

static int name_lookup(const struct name_val *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].val;
	return -1;
}

static const char *val_name(const struct name_val *t, size_t n, int val)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].val == val)
			return t[i].name;
	return "unknown";
}

/* Report every member of group @g that is not in @known. */
static void keys_check(struct loader *l, const config_setting_t *g,
		       const char *const *known, const char *ctx)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);
		const char *name = config_setting_name(s);
		size_t k;

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], name) == 0)
				break;
		if (!known[k])
			conf_err(l, s, "%sunknown setting '%s'", ctx, name);
	}
}

/* A required member; reports its absence at the group's line. */
static const config_setting_t *require(struct loader *l,
				       const config_setting_t *g,
				       const char *ctx, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		conf_err(l, g, "%smissing '%s'", ctx, key);
	return s;
}

/* The string member @key of @g; NULL when absent or not a string. */
static const char *get_string(struct loader *l, const config_setting_t *g,
			      const char *ctx, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		type_err(l, s, ctx, "a string");
		return NULL;
	}
	return config_setting_get_string(s);
}

/* Copy the string member @key into *@out (left alone when absent). */
static void get_string_dup(struct loader *l, const config_setting_t *g,
			   const char *ctx, const char *key, char **out)
{
	const char *s = get_string(l, g, ctx, key);

	if (s) {
		free(*out);
		*out = dup_str(l, s);
	}
}

/* Unsigned member @key in [@min, @max] into *@out (left alone if absent). */
static void get_uint(struct loader *l, const config_setting_t *g,
		     const char *ctx, const char *key, long long min,
		     long long max, unsigned *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;

	if (!s)
		return;
	if (!is_int(s)) {
		type_err(l, s, ctx, "an integer");
		return;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		conf_err(l, s, "%s%s must be between %lld and %lld, not %lld",
			 ctx, key, min, max, v);
		return;
	}
	*out = (unsigned)v;
}

/* Enumerated string member @key into *@out (left alone if absent). */
static void get_enum(struct loader *l, const config_setting_t *g,
		     const char *ctx, const char *key, const struct name_val *t,
		     size_t n, int *out)
{
	const char *s = get_string(l, g, ctx, key);
	char buf[256];
	int v;

	if (!s)
		return;
	v = name_lookup(t, n, s);
	if (v < 0) {
		conf_err(l, config_setting_get_member(g, key),
			 "%sunknown %s '%s' (one of: %s)", ctx, key, s,
			 choices(t, n, buf, sizeof(buf)));
		return;
	}
	*out = v;
}

/* An array or list member; NULL when absent or of another type. */
static const config_setting_t *get_list(struct loader *l,
					const config_setting_t *g,
					const char *ctx, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return NULL;
	if (!is_list(s)) {
		type_err(l, s, ctx, "an array [ ... ] or a list ( ... )");
		return NULL;
	}
	return s;
}

/* Element @i of @list if it is a string, else NULL (reported). */
static const char *elem_string(struct loader *l, const config_setting_t *list,
			       int i, const char *ctx)
{
	const config_setting_t *e = config_setting_get_elem(list, i);

	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		conf_err(l, e, "%s%s: elements must be strings, not %s", ctx,
			 config_setting_name(list), type_name(e));
		return NULL;
	}
	return config_setting_get_string(e);
}

/* Zone, channel and table names: [a-z0-9_-]{1,31}. */
static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > NAME_MAX_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

static void name_check(struct loader *l, const config_setting_t *s,
		       const char *ctx, const char *what, const char *name)
{
	if (!name_valid(name))
		conf_err(l, s,
			 "%sbad %s '%s': 1 to %d characters of a-z, 0-9, "
			 "'_' and '-' (it names nftables objects)",
			 ctx, what, name, NAME_MAX_LEN);
}

/*
 * Why @s is not fit to be free text for people, or NULL: it must be UTF-8
 * (no overlong forms, surrogates or code points beyond U+10FFFF) without
 * control characters (C0, DEL, C1), a tab or a newline included. The views
 * print it as it is, one item a line: a newline would start a line of its
 * own, an escape sequence would drive the administrator's terminal.
 */
static const char *text_invalid(const char *s)
{
	for (const unsigned char *b = (const unsigned char *)s; *b;) {
		size_t n = utf8_seq_len(b);

		if (n == 0)
			return "not UTF-8 text";
		/* C0 and DEL; C1 is U+0080 to U+009F, 0xc2 0x80 to 0xc2 0x9f */
		if (*b < 0x20 || *b == 0x7f ||
		    (n == 2 && b[0] == 0xc2 && b[1] < 0xa0))
			return "contains a control character";
		b += n;
	}
	return NULL;
}

/* Copy the free-text member @key into *@out (left alone when absent). */
static void get_text_dup(struct loader *l, const config_setting_t *g,
			 const char *ctx, const char *key, char **out)
{
	const char *s = get_string(l, g, ctx, key);
	const char *why = s ? text_invalid(s) : NULL;

	if (why) {
		conf_err(l, config_setting_get_member(g, key), "%s%s: %s", ctx,
			 key, why);
		return;
	}
	if (s) {
		free(*out);
		*out = dup_str(l, s);
	}
}

/* What the kernel accepts as an interface name (dev_valid_name()). */
static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > IFNAME_MAX_LEN || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '/' || *s == ':' || *s == 0x7f)
			return false;
	return true;
}

/*
 * Read a list of interface names into *@out and *@n, refusing bad names and
 * names listed twice.
 */
static void ifnames_parse(struct loader *l, const config_setting_t *list,
			  const char *ctx, char ***out, size_t *n)
{
	int len = config_setting_length(list);

	*out = alloc_array(l, len, sizeof(**out));
	if (!*out)
		return;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *s = elem_string(l, list, i, ctx);
		size_t k;

		if (!s)
			continue;
		if (!ifname_valid(s)) {
			conf_err(l, e, "%sbad interface name '%s'", ctx, s);
			continue;
		}
		for (k = 0; k < *n; k++)
			if (strcmp((*out)[k], s) == 0)
				break;
		if (k < *n) {
			conf_err(l, e, "%sinterface %s is listed twice", ctx,
				 s);
			continue;
		}
		(*out)[*n] = dup_str(l, s);
		if ((*out)[*n])
			(*n)++;
	}
}

static int prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

struct pref_ref {
	const struct prefix *p;
	int line;
};

static int pref_ref_cmp(const void *a, const void *b)
{
	const struct pref_ref *x = a, *y = b;
	int r = prefix_cmp(x->p, y->p);

	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Channel and service address lists become interval sets in the kernel,
 * which refuse overlapping elements: refuse them here, with a line, rather
 * than have the ruleset commit fail later.
 */
static void prefixes_overlap_check(struct loader *l, const char *ctx,
				   const char *key, const struct prefix *p,
				   const int *lines, size_t n)
{
	struct pref_ref *r, *cur = NULL;
	char a[ADDR_STRLEN + 4], b[ADDR_STRLEN + 4];

	if (n < 2)
		return;
	r = alloc_array(l, n, sizeof(*r));
	if (!r)
		return;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct pref_ref){&p[i], lines[i]};
	qsort(r, n, sizeof(*r), pref_ref_cmp);
	/*
	 * Prefixes either nest or are disjoint, so in address order each one
	 * either lies inside the widest one still open or starts after it.
	 */
	for (size_t i = 0; i < n; i++) {
		if (!cur || !prefix_covers(cur->p, r[i].p)) {
			cur = &r[i];
			continue;
		}
		prefix_format(r[i].p, a, sizeof(a));
		prefix_format(cur->p, b, sizeof(b));
		if (prefix_cmp(cur->p, r[i].p) == 0)
			conf_err_line(l, r[i].line,
				      "%s%s %s is listed twice (line %d)", ctx,
				      key, a, cur->line);
		else
			conf_err_line(l, r[i].line,
				      "%s%s %s overlaps %s (line %d)", ctx, key,
				      a, b, cur->line);
	}
	free(r);
}

/*
 * A prefix within ::ffff:0:0/96 names IPv4 addresses, but an IPv4 packet
 * is matched as IPv4, in the kernel and in zone_lookup(): such a prefix
 * would be folded into the IPv4 ones or never match. Refuse it (when @p is
 * one), saying how to write it; a shorter prefix that also holds other
 * IPv6 addresses (::/0) stays.
 */
static bool prefix_mapped_refused(struct loader *l, const config_setting_t *e,
				  const char *ctx, const char *what,
				  const char *s, const struct prefix *p)
{
	struct prefix v4;
	char buf[ADDR_STRLEN + 4];

	if (p->addr.family != AF_INET6 || p->len < 96 ||
	    !addr_unmap_v4(&p->addr, &v4.addr))
		return false;
	v4.len = p->len - 96;
	/* as it was written: a bare address stays bare */
	if (strchr(s, '/'))
		prefix_format(&v4, buf, sizeof(buf));
	else
		addr_format(&v4.addr, buf, sizeof(buf));
	conf_err(l, e, "%s%s '%s' is an IPv4-mapped address: write it as %s",
		 ctx, what, s, buf);
	return true;
}

/* A list of prefixes; bad ones are reported and left out. */
static void prefixes_parse(struct loader *l, const config_setting_t *list,
			   const char *ctx, struct prefix **out, size_t *n)
{
	int len = config_setting_length(list);
	char what[32];

	snprintf(what, sizeof(what), "%s",
		 strcmp(config_setting_name(list), "networks") == 0
		     ? "network"
		     : config_setting_name(list));
	int *lines = alloc_array(l, len, sizeof(*lines));

	*out = alloc_array(l, len, sizeof(**out));
	if (!*out || !lines) {
		free(lines);
		return;
	}
	for (int i = 0; i < len; i++) {
		const char *s = elem_string(l, list, i, ctx);
		const char *why;

		if (!s)
			continue;
		if (prefix_parse(s, &(*out)[*n], &why) < 0) {
			conf_err(l, config_setting_get_elem(list, i),
				 "%sbad %s '%s': %s", ctx, what, s, why);
			continue;
		}
		if (prefix_mapped_refused(l, config_setting_get_elem(list, i),
					  ctx, what, s, &(*out)[*n]))
			continue;
		lines[*n] = setting_line(config_setting_get_elem(list, i));
		(*n)++;
	}
	prefixes_overlap_check(l, ctx, config_setting_name(list), *out, lines,
			       *n);
	free(lines);
}

/* "N" or "LO-HI", decimal, 1..65535. */
static int port_string_parse(const char *s, struct port_range *r,
			     const char **why)
{
	unsigned long v[2] = {0, 0};
	int k = 0;

	for (const char *q = s;; k++) {
		size_t digits = 0;

		while (q[digits] >= '0' && q[digits] <= '9')
			digits++;
		if (digits == 0 || digits > 5) {
			*why = digits ? "beyond 65535"
				      : "malformed (a port or \"low-high\")";
			return -1;
		}
		v[k] = strtoul(q, NULL, 10);
		q += digits;
		if (*q == '\0')
			break;
		if (*q != '-' || k == 1) {
			*why = "malformed (a port or \"low-high\")";
			return -1;
		}
		q++;
	}
	if (k == 0)
		v[1] = v[0];
	if (v[0] == 0 || v[1] == 0) {
		*why = "port 0 is not a valid port";
		return -1;
	}
	if (v[0] > 65535 || v[1] > 65535) {
		*why = "beyond 65535";
		return -1;
	}
	if (v[0] > v[1]) {
		*why = "reversed range";
		return -1;
	}
	r->lo = v[0];
	r->hi = v[1];
	return 0;
}

/* One element of a ports list (or a lone scalar) into @r. */
static int port_elem_parse(struct loader *l, const config_setting_t *e,
			   const char *ctx, struct port_range *r)
{
	const char *why;

	if (is_int(e)) {
		long long v = config_setting_get_int64(e);

		if (v < 1 || v > 65535) {
			conf_err(l, e, "%sbad port %lld: ports are 1 to 65535",
				 ctx, v);
			return -1;
		}
		r->lo = r->hi = v;
		return 0;
	}
	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		if (port_string_parse(config_setting_get_string(e), r, &why) <
		    0) {
			conf_err(l, e, "%sbad port '%s': %s", ctx,
				 config_setting_get_string(e), why);
			return -1;
		}
		return 0;
	}
	conf_err(l, e,
		 "%sports must be numbers or \"low-high\" strings, not %s", ctx,
		 type_name(e));
	return -1;
}

static int port_range_cmp(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/*
 * The ports member of @g: a number, a "low-high" string, or an array or
 * list of them. The result is sorted with overlapping and adjacent ranges
 * merged, the form an nftables interval set needs.
 */
static void ports_parse(struct loader *l, const config_setting_t *g,
			const char *ctx, struct port_range **out, size_t *n)
{
	const config_setting_t *s = config_setting_get_member(g, "ports");
	int len;
	size_t m = 0;

	if (!s)
		return;
	if (config_setting_is_group(s)) {
		type_err(l, s, ctx, "a port or a list of ports");
		return;
	}
	len = is_list(s) ? config_setting_length(s) : 1;
	if (len == 0) {
		conf_err(l, s, "%sports is empty (leave it out for any port)",
			 ctx);
		return;
	}
	*out = alloc_array(l, len, sizeof(**out));
	if (!*out)
		return;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e =
		    is_list(s) ? config_setting_get_elem(s, i) : s;

		if (port_elem_parse(l, e, ctx, &(*out)[*n]) == 0)
			(*n)++;
	}
	if (*n == 0)
		return;
	qsort(*out, *n, sizeof(**out), port_range_cmp);
	for (size_t i = 1; i < *n; i++) {
		if ((unsigned)(*out)[i].lo <= (unsigned)(*out)[m].hi + 1) {
			if ((*out)[i].hi > (*out)[m].hi)
				(*out)[m].hi = (*out)[i].hi;
		} else {
			(*out)[++m] = (*out)[i];
		}
	}
	*n = m + 1;
}

/* "YYYY-MM-DD", a real calendar date, as YYYYMMDD; 0 when bad. */
static uint32_t date_parse(const char *s)
{
	uint32_t ymd = 0;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		ymd = ymd * 10 + (uint32_t)(s[i] - '0');
	}
	return day_valid(ymd) ? ymd : 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "xx:xx:xx:xx:xx:xx" */
static int mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hex_val(s[3 * i]), lo = hex_val(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = hi << 4 | lo;
	}
	return 0;
}

static void devices_parse(struct loader *l, const config_setting_t *list,
			  const char *ctx, struct conf_zone *z)
{
	int len = config_setting_length(list);

	z->has_devices = true;
	z->devices = alloc_array(l, len, sizeof(*z->devices));
	if (!z->devices)
		return;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *s = elem_string(l, list, i, ctx);
		size_t k;

		if (!s)
			continue;
		if (mac_parse(s, z->devices[z->n_devices]) < 0) {
			conf_err(l, e,
				 "%sbad MAC address '%s' (xx:xx:xx:xx:xx:xx)",
				 ctx, s);
			continue;
		}
		for (k = 0; k < z->n_devices; k++)
			if (memcmp(z->devices[k], z->devices[z->n_devices],
				   6) == 0)
				break;
		if (k < z->n_devices) {
			conf_err(l, e, "%sdevice %s is listed twice", ctx, s);
			continue;
		}
		z->n_devices++;
	}
}

/* A zone's name for messages: it may be missing when that is the error. */
static const char *zone_name(const struct conf_zone *z)
{
	return z->name ? z->name : "?";
}

static int net_ref_add(struct loader *l, const struct prefix *p, int zone,
		       const config_setting_t *s)
{
	if (l->n_nets == l->cap_nets) {
		size_t cap = l->cap_nets ? 2 * l->cap_nets : 64;
		struct net_ref *n = realloc(l->nets, cap * sizeof(*n));

		if (!n) {
			oom(l);
			return -1;
		}
		l->nets = n;
		l->cap_nets = cap;
	}
	l->nets[l->n_nets] = (struct net_ref){*p, zone, l->n_nets, s};
	l->n_nets++;
	return 0;
}

static void zone_networks_parse(struct loader *l, const config_setting_t *g,
				const char *ctx, struct conf_zone *z, int idx)
{
	const config_setting_t *list = get_list(l, g, ctx, "networks");
	int len;

	if (!list)
		return;
	len = config_setting_length(list);
	z->networks = alloc_array(l, len, sizeof(*z->networks));
	if (!z->networks)
		return;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *s = elem_string(l, list, i, ctx);
		const char *why;

		if (!s)
			continue;
		if (prefix_parse(s, &z->networks[z->n_networks], &why) < 0) {
			conf_err(l, e, "%sbad network '%s': %s", ctx, s, why);
			l->nets_refused = true;
			continue;
		}
		if (prefix_mapped_refused(l, e, ctx, "network", s,
					  &z->networks[z->n_networks])) {
			l->nets_refused = true;
			continue;
		}
		if (net_ref_add(l, &z->networks[z->n_networks], idx, e) < 0)
			return;
		z->n_networks++;
	}
}

/* An interface may face one zone only: that is what anti-spoofing uses. */
static void zone_interfaces_check(struct loader *l,
				  const config_setting_t *list, const char *ctx,
				  int idx)
{
	const struct conf *c = l->c;

	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, i);
		const char *s = config_setting_get_string(e);

		if (!s)
			continue;
		for (int o = 0; o < idx; o++) {
			const struct conf_zone *y = &c->zones[o];

			for (size_t k = 0; k < y->n_interfaces; k++)
				if (strcmp(y->interfaces[k], s) == 0)
					conf_err(l, e,
						 "%sinterface %s is already in "
						 "zone '%s' (line %d)",
						 ctx, s, zone_name(y), y->line);
		}
	}
}

static void zone_parse(struct loader *l, const config_setting_t *g, int idx)
{
	struct conf_zone *z = &l->c->zones[idx];
	const config_setting_t *s;
	const char *name;
	char ctx[64];

	z->line = setting_line(g);
	z->severity = LOG_WARNING;
	z->same_as = -1;
	z->policy = idx;
	if (!config_setting_is_group(g)) {
		conf_err(l, g,
			 "zones: each zone must be a group { ... }, not %s",
			 type_name(g));
		return;
	}
	snprintf(ctx, sizeof(ctx), "zone #%d: ", idx + 1);
	name = get_string(l, g, ctx, "name");
	if (name)
		snprintf(ctx, sizeof(ctx), "zone '%.*s': ", utf8_cut(name, 40),
			 name);
	keys_check(l, g, zone_keys, ctx);
	s = require(l, g, ctx, "name");
	if (name) {
		name_check(l, s, "", "zone name", name);
		for (int o = 0; o < idx; o++)
			if (l->c->zones[o].name &&
			    strcmp(l->c->zones[o].name, name) == 0)
				conf_err(
				    l, s,
				    "zone '%s' is already defined at line %d",
				    name, l->c->zones[o].line);
		z->name = dup_str(l, name);
	}
	get_text_dup(l, g, ctx, "description", &z->description);
	s = get_list(l, g, ctx, "interfaces");
	if (s) {
		ifnames_parse(l, s, ctx, &z->interfaces, &z->n_interfaces);
		zone_interfaces_check(l, s, ctx, idx);
	}
	zone_networks_parse(l, g, ctx, z, idx);
	s = config_setting_get_member(g, "networks");
	if (!s || (is_list(s) && config_setting_length(s) == 0))
		conf_warn(l, s ? s : g,
			  "%sno networks: no address will ever be in it", ctx);
	get_enum(l, g, ctx, "severity", severities, N_OF(severities),
		 &z->severity);
	s = get_list(l, g, ctx, "devices");
	if (s)
		devices_parse(l, s, ctx, z);
	s = config_setting_get_member(g, "same_as");
	if (s && config_setting_type(s) != CONFIG_TYPE_STRING)
		type_err(l, s, ctx, "a string");
	else
		l->same_as[idx] = s;
}

static int net_ref_cmp(const void *a, const void *b)
{
	const struct net_ref *x = a, *y = b;
	int r = prefix_cmp(&x->p, &y->p);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The same prefix twice would leave its zone to the order of the file. */
static void networks_unique_check(struct loader *l)
{
	const struct conf *c = l->c;
	char buf[ADDR_STRLEN + 4];
	size_t first = 0;

	if (l->n_nets)
		qsort(l->nets, l->n_nets, sizeof(*l->nets), net_ref_cmp);
	for (size_t i = 1; i < l->n_nets; i++) {
		const struct net_ref *a, *b = &l->nets[i];

		if (prefix_cmp(&l->nets[first].p, &b->p) != 0) {
			first = i;
			continue;
		}
		a = &l->nets[first];
		prefix_format(&b->p, buf, sizeof(buf));
		if (a->zone == b->zone)
			conf_err(l, b->s,
				 "zone '%s': network %s is listed twice "
				 "(line %d)",
				 zone_name(&c->zones[b->zone]), buf,
				 setting_line(a->s));
		else
			conf_err(l, b->s,
				 "zone '%s': network %s is already in zone "
				 "'%s' (line %d)",
				 zone_name(&c->zones[b->zone]), buf,
				 zone_name(&c->zones[a->zone]),
				 setting_line(a->s));
	}
}

static void same_as_resolve(struct loader *l)
{
	struct conf *c = l->c;

	for (size_t i = 0; i < c->n_zones; i++) {
		const config_setting_t *s = l->same_as[i];
		const char *t;
		int j;

		if (!s)
			continue;
		t = config_setting_get_string(s);
		j = conf_zone_index(c, t);
		if (j < 0) {
			conf_err(l, s,
				 "zone '%s': same_as names unknown zone '%s'",
				 zone_name(&c->zones[i]), t);
		} else if ((size_t)j == i) {
			conf_err(l, s, "zone '%s': same_as names itself",
				 zone_name(&c->zones[i]));
		} else if (l->same_as[j]) {
			conf_err(l, s,
				 "zone '%s': same_as '%s', which is itself "
				 "same_as '%s': chains are not allowed",
				 zone_name(&c->zones[i]), t,
				 config_setting_get_string(l->same_as[j]));
		} else {
			c->zones[i].same_as = j;
			c->zones[i].policy = j;
		}
	}
}

/* Zone @i takes part in the ruleset under its own name: a policy zone
 * whose name is valid and not a repeat of an earlier one (both reported). */
static bool zone_named_in_ruleset(const struct conf *c, int i)
{
	const char *name = i >= 0 ? c->zones[i].name : NULL;

	return name && c->zones[i].policy == i && name_valid(name) &&
	       conf_zone_index(c, name) == i;
}

/*
 * The ruleset names the counters and the chain of each ordered pair of
 * policy zones X, Y by joining the names with '_' (pass_X_Y, drop_X_Y,
 * pair_X_Y), and zone names may hold '_': zones a, b_c, a_b and c would
 * give pass_a_b_c twice, and the kernel refuses the second. Every other
 * name made from a zone or channel name has a fixed text before it and a
 * suffix of fixed length after it (to_X, z_X_v4_g3, ch_C_src_v6_g3), so
 * distinct names keep those distinct.
 *
 * X1_Y1 and X2_Y2 are one name, with X1 the shorter, exactly when
 * X2 = X1_M and Y1 = M_Y2 for some M: for each zone X2 that starts with
 * another zone's name and '_', look for each Y2 whether M_Y2 is a zone.
 * X2 and Y1 are the names that overlap; the later of them is reported,
 * at its name, against the other.
 */
static void zone_names_clash_check(struct loader *l,
				   const config_setting_t *list)
{
	const struct conf *c = l->c;
	int n = (int)c->n_zones;
	char y1[2 * NAME_MAX_LEN + 2];

	for (int x2 = 0; x2 < n; x2++) {
		if (!zone_named_in_ruleset(c, x2))
			continue;
		for (int x1 = 0; x1 < n; x1++) {
			const char *a = c->zones[x2].name;
			const char *b = c->zones[x1].name;
			size_t k = b ? strlen(b) : 0;

			if (!zone_named_in_ruleset(c, x1) ||
			    strncmp(a, b, k) != 0 || a[k] != '_')
				continue;
			for (int y2 = 0; y2 < n; y2++) {
				int y, at, other;

				if (y2 == x2 || !zone_named_in_ruleset(c, y2))
					continue;
				snprintf(y1, sizeof(y1), "%s_%s", a + k + 1,
					 c->zones[y2].name);
				y = conf_zone_index(c, y1);
				if (y == x1 || !zone_named_in_ruleset(c, y))
					continue;
				at = x2 > y ? x2 : y;
				other = x2 != y ? (x2 > y ? y : x2) : x1;
				conf_err(l,
					 config_setting_get_member(
					     config_setting_get_elem(list, at),
					     "name"),
					 "zone '%s': its ruleset names would "
					 "clash with zone '%s' (pass_%s_%s is "
					 "both %s>%s and %s>%s)",
					 c->zones[at].name,
					 c->zones[other].name, b, y1, b, y1, a,
					 c->zones[y2].name);
			}
		}
	}
}

/*
 * Could any address of @p fall, by longest match, into a zone whose policy
 * zone is @policy? Sound, not complete: "no" is certain, so it may be an
 * error. For each network N of that policy zone overlapping @p, the part
 * they share is lost only if a more specific network of another policy
 * zone covers all of it.
 */
static bool prefix_reaches(const struct conf *c, const struct prefix *p,
			   int policy)
{
	for (size_t z = 0; z < c->n_zones; z++) {
		if (c->zones[z].policy != policy)
			continue;
		for (size_t i = 0; i < c->zones[z].n_networks; i++) {
			const struct prefix *n = &c->zones[z].networks[i];
			const struct prefix *shared;
			bool lost = false;

			if (prefix_covers(n, p))
				shared = p;
			else if (prefix_covers(p, n))
				shared = n;
			else
				continue;
			for (size_t y = 0; y < c->n_zones && !lost; y++) {
				if (c->zones[y].policy == policy)
					continue;
				for (size_t k = 0;
				     k < c->zones[y].n_networks && !lost; k++) {
					const struct prefix *m =
					    &c->zones[y].networks[k];

					lost = m->len > n->len &&
					       prefix_covers(m, shared);
				}
			}
			if (!lost)
				return true;
		}
	}
	return false;
}

static void prefixes_reach_check(struct loader *l, const config_setting_t *list,
				 const char *ctx, const struct prefix *p,
				 size_t n, int zone)
{
	const struct conf *c = l->c;
	char buf[ADDR_STRLEN + 4];

	/* With a zone network refused, the zones are not what the file
	 * says: "could never match" would point at the wrong line. */
	if (zone < 0 || l->nets_refused)
		return;
	for (size_t i = 0; i < n; i++) {
		if (prefix_reaches(c, &p[i], c->zones[zone].policy))
			continue;
		prefix_format(&p[i], buf, sizeof(buf));
		conf_err(l, list,
			 "%s%s %s is not in zone '%s': it could never match",
			 ctx, config_setting_name(list), buf,
			 c->zones[zone].name);
	}
}

/* A zone-name member: its index, or -1 (absent, unknown: reported). */
static int zone_ref(struct loader *l, const config_setting_t *g,
		    const char *ctx, const char *key)
{
	const char *name;
	int z;

	if (!require(l, g, ctx, key))
		return -1;
	name = get_string(l, g, ctx, key);
	if (!name)
		return -1;
	z = conf_zone_index(l->c, name);
	if (z < 0)
		conf_err(l, config_setting_get_member(g, key),
			 "%s%s names unknown zone '%s'", ctx, key, name);
	return z;
}

/* src/dst/ports/proto, shared by channels and host services. */
static void match_parse(struct loader *l, const config_setting_t *g,
			const char *ctx, const char *key, int zone,
			struct prefix **p, size_t *n)
{
	const config_setting_t *list = get_list(l, g, ctx, key);

	if (!list)
		return;
	if (config_setting_length(list) == 0) {
		conf_err(l, list,
			 "%s%s is empty (leave it out for the whole "
			 "zone)",
			 ctx, key);
		return;
	}
	prefixes_parse(l, list, ctx, p, n);
	prefixes_reach_check(l, list, ctx, *p, *n, zone);
}

static void proto_ports_parse(struct loader *l, const config_setting_t *g,
			      const char *ctx, int *proto,
			      struct port_range **ports, size_t *n_ports)
{
	*proto = CONF_PROTO_ANY;
	get_enum(l, g, ctx, "proto", protos, N_OF(protos), proto);
	ports_parse(l, g, ctx, ports, n_ports);
	if (config_setting_get_member(g, "ports") && *proto != CONF_PROTO_TCP &&
	    *proto != CONF_PROTO_UDP)
		conf_err(l, config_setting_get_member(g, "ports"),
			 "%sports need proto tcp or udp, not %s", ctx,
			 conf_proto_name(*proto));
}

static bool policy_named(const struct conf *c, int z, const char *name)
{
	const char *n = c->zones[c->zones[z].policy].name;

	return n && strcmp(n, name) == 0;
}

/* from/to rules: a real crossing, and the My Number exception. */
static void channel_zones_check(struct loader *l, const config_setting_t *g,
				const struct conf_channel *ch)
{
	const struct conf *c = l->c;
	const struct conf_zone *f, *t;

	if (ch->from < 0 || ch->to < 0)
		return;
	f = &c->zones[ch->from];
	t = &c->zones[ch->to];
	if (ch->from == ch->to) {
		conf_err(l, config_setting_get_member(g, "to"),
			 "channel '%s': from and to are the same zone '%s'",
			 ch->name, f->name);
		return;
	}
	if (f->policy == t->policy) {
		conf_err(l, config_setting_get_member(g, "to"),
			 "channel '%s': from '%s' and to '%s' are the same "
			 "zone for policy (same_as '%s')",
			 ch->name, f->name, t->name, c->zones[f->policy].name);
		return;
	}
	if (!ch->designated && ((policy_named(c, ch->from, "mynumber") &&
				 policy_named(c, ch->to, "internet")) ||
				(policy_named(c, ch->from, "internet") &&
				 policy_named(c, ch->to, "mynumber"))))
		conf_err(l, g,
			 "channel '%s': the mynumber and internet zones may "
			 "only be joined by a designated channel "
			 "(designated = true)",
			 ch->name);
}

static void channel_parse(struct loader *l, const config_setting_t *g, int idx)
{
	struct conf_channel *ch = &l->c->channels[idx];
	const config_setting_t *s;
	const char *name, *date;
	char ctx[72];
	int kind = CONF_KIND_OTHER;

	ch->line = setting_line(g);
	ch->from = ch->to = -1;
	if (!config_setting_is_group(g)) {
		conf_err(
		    l, g,
		    "channels: each channel must be a group { ... }, not %s",
		    type_name(g));
		return;
	}
	snprintf(ctx, sizeof(ctx), "channel #%d: ", idx + 1);
	name = get_string(l, g, ctx, "name");
	if (name)
		snprintf(ctx, sizeof(ctx), "channel '%.*s': ", utf8_cut(name, 40),
			 name);
	keys_check(l, g, channel_keys, ctx);
	s = require(l, g, ctx, "name");
	if (name) {
		name_check(l, s, "", "channel name", name);
		for (int o = 0; o < idx; o++)
			if (l->c->channels[o].name &&
			    strcmp(l->c->channels[o].name, name) == 0)
				conf_err(l, s,
					 "channel '%s' is already defined at "
					 "line %d",
					 name, l->c->channels[o].line);
		ch->name = dup_str(l, name);
	}
	if (!ch->name && !(ch->name = dup_str(l, "?")))
		return;
	get_enum(l, g, ctx, "kind", kinds, N_OF(kinds), &kind);
	ch->kind = kind;
	s = config_setting_get_member(g, "designated");
	if (s && config_setting_type(s) != CONFIG_TYPE_BOOL)
		type_err(l, s, ctx, "true or false");
	else if (s)
		ch->designated = config_setting_get_bool(s);
	ch->from = zone_ref(l, g, ctx, "from");
	ch->to = zone_ref(l, g, ctx, "to");
	match_parse(l, g, ctx, "src", ch->from, &ch->src, &ch->n_src);
	match_parse(l, g, ctx, "dst", ch->to, &ch->dst, &ch->n_dst);
	proto_ports_parse(l, g, ctx, &ch->proto, &ch->ports, &ch->n_ports);
	get_text_dup(l, g, ctx, "approved_by", &ch->approved_by);
	get_text_dup(l, g, ctx, "reason", &ch->reason);
	date = get_string(l, g, ctx, "expires");
	if (date) {
		s = config_setting_get_member(g, "expires");
		ch->expires = date_parse(date);
		if (!ch->expires)
			conf_err(l, s,
				 "%sbad expires date '%s' (YYYY-MM-DD, a real "
				 "date)",
				 ctx, date);
		else if (l->today && ch->expires < l->today)
			conf_warn(l, s, "%sexpired on %s: it permits nothing",
				  ctx, date);
	}
	channel_zones_check(l, g, ch);
}

static void service_parse(struct loader *l, const config_setting_t *g, int idx)
{
	struct conf_service *sv = &l->c->services[idx];
	char ctx[48];

	sv->line = setting_line(g);
	sv->zone = -1;
	snprintf(ctx, sizeof(ctx), "host service #%d: ", idx + 1);
	if (!config_setting_is_group(g)) {
		conf_err(l, g, "%smust be a group { ... }, not %s", ctx,
			 type_name(g));
		return;
	}
	keys_check(l, g, service_keys, ctx);
	sv->zone = zone_ref(l, g, ctx, "zone");
	proto_ports_parse(l, g, ctx, &sv->proto, &sv->ports, &sv->n_ports);
	match_parse(l, g, ctx, "src", sv->zone, &sv->src, &sv->n_src);
}

static const config_setting_t *group_get(struct loader *l,
					 const config_setting_t *root,
					 const char *key,
					 const char *const *known)
{
	const config_setting_t *g = config_setting_get_member(root, key);
	char ctx[32];

	if (!g)
		return NULL;
	if (!config_setting_is_group(g)) {
		conf_err(l, g, "%s must be a group { ... }, not %s", key,
			 type_name(g));
		return NULL;
	}
	snprintf(ctx, sizeof(ctx), "%s: ", key);
	keys_check(l, g, known, ctx);
	return g;
}

static void daemon_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *g;
	int mode = CONF_MODE_ENFORCE;

	g = group_get(l, root, "daemon", daemon_keys);
	if (!g)
		return;
	get_enum(l, g, "daemon: ", "mode", modes, N_OF(modes), &mode);
	c->mode = mode;
	get_string_dup(l, g, "daemon: ", "table", &c->table);
	if (config_setting_get_member(g, "table") && c->table)
		name_check(l, config_setting_get_member(g, "table"),
			   "daemon: ", "table name", c->table);
	const config_setting_t *s = config_setting_get_member(g, "table_owner");
	if (s && config_setting_type(s) != CONFIG_TYPE_BOOL)
		type_err(l, s, "daemon: ", "true or false");
	else if (s)
		c->table_owner = config_setting_get_bool(s);
	get_string_dup(l, g, "daemon: ", "user", &c->user);
	if (c->user && c->user[0] == '\0')
		conf_err(l, config_setting_get_member(g, "user"),
			 "daemon: user is empty");
	get_string_dup(l, g, "daemon: ", "control_socket", &c->control_socket);
	if (config_setting_get_member(g, "control_socket") &&
	    c->control_socket &&
	    (c->control_socket[0] != '/' ||
	     strlen(c->control_socket) > SOCKET_PATH_MAX))
		conf_err(l, config_setting_get_member(g, "control_socket"),
			 "daemon: control_socket must be an absolute path of "
			 "at most %d bytes",
			 SOCKET_PATH_MAX);
}

static void log_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *g = group_get(l, root, "log", log_keys);

	if (!g)
		return;
	get_enum(l, g, "log: ", "facility", facilities, N_OF(facilities),
		 &c->facility);
	get_string_dup(l, g, "log: ", "json_file", &c->json_file);
	if (c->json_file && c->json_file[0] != '/')
		conf_err(l, config_setting_get_member(g, "json_file"),
			 "log: json_file must be an absolute path");
	get_uint(l, g, "log: ", "repeat_interval", 0, 86400,
		 &c->repeat_interval);
	get_uint(l, g, "log: ", "max_alerts_per_second", 1, 1000000,
		 &c->max_alerts_per_second);
}

static void capture_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *g, *s;

	g = group_get(l, root, "capture", capture_keys);
	if (!g)
		return;
	s = get_list(l, g, "capture: ", "interfaces");
	if (s)
		ifnames_parse(l, s, "capture: ", &c->capture_interfaces,
			      &c->n_capture_interfaces);
	/* enough for Ethernet, VLAN, IPv6 with options and a TCP header */
	get_uint(l, g, "capture: ", "snaplen", 96, 262144, &c->snaplen);
	get_uint(l, g, "capture: ", "buffer_mb", 1, 4096, &c->buffer_mb);
	get_uint(l, g, "capture: ", "max_flows", 1024, 100000000,
		 &c->max_flows);
}

static void zones_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *s = config_setting_get_member(root, "zones");
	int n;

	if (!s) {
		conf_err(l, NULL,
			 "missing 'zones': at least one zone is needed");
		return;
	}
	if (!config_setting_is_list(s)) {
		type_err(l, s, "", "a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(s);
	if (n == 0) {
		conf_err(l, s, "zones is empty: at least one zone is needed");
		return;
	}
	c->zones = alloc_array(l, n, sizeof(*c->zones));
	l->same_as = alloc_array(l, n, sizeof(*l->same_as));
	if (!c->zones || !l->same_as)
		return;
	for (int i = 0; i < n; i++) {
		c->n_zones++;
		zone_parse(l, config_setting_get_elem(s, i), i);
	}
	networks_unique_check(l);
	same_as_resolve(l);
	zone_names_clash_check(l, s);
}

/*
 * A channel end named by a zone that counts as another (same_as) is that
 * zone's own addresses, not all of the other's: without a src (dst) list,
 * the zone's networks are the list, for the monitor and the ruleset
 * alike. A channel naming the other zone covers both, as policy does.
 */
static void channel_own_zone(struct loader *l, const config_setting_t *g,
			     const struct conf_channel *ch, int zone,
			     struct prefix **list, size_t *n, const char *key)
{
	const struct conf *c = l->c;

	/* A list given stands, even when all of it was refused (the
	 * errors say so). */
	if (zone < 0 || c->zones[zone].policy == zone || *list)
		return;
	const struct conf_zone *z = &c->zones[zone];
	if (z->n_networks == 0) {
		conf_err(l, g,
			 "channel '%s': zone '%s' counts as '%s' and has no "
			 "networks of its own: give the channel a %s list",
			 ch->name ? ch->name : "?", z->name,
			 c->zones[z->policy].name, key);
		return;
	}
	*list = alloc_array(l, z->n_networks, sizeof(**list));
	if (!*list)
		return;
	memcpy(*list, z->networks, z->n_networks * sizeof(**list));
	*n = z->n_networks;
}

static void channels_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *s = config_setting_get_member(root, "channels");
	int n;

	if (!s)
		return;
	if (!config_setting_is_list(s)) {
		type_err(l, s, "", "a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(s);
	c->channels = alloc_array(l, n, sizeof(*c->channels));
	if (!c->channels)
		return;
	for (int i = 0; i < n; i++) {
		c->n_channels++;
		channel_parse(l, config_setting_get_elem(s, i), i);
	}
	for (int i = 0; i < n; i++) {
		struct conf_channel *ch = &c->channels[i];
		const config_setting_t *g = config_setting_get_elem(s, i);

		channel_own_zone(l, g, ch, ch->from, &ch->src, &ch->n_src,
				 "src");
		channel_own_zone(l, g, ch, ch->to, &ch->dst, &ch->n_dst, "dst");
	}
}

static void host_parse(struct loader *l, const config_setting_t *root)
{
	struct conf *c = l->c;
	const config_setting_t *g = group_get(l, root, "host", host_keys);
	const config_setting_t *s;
	int n;

	if (!g)
		return;
	c->has_host = true;
	s = config_setting_get_member(g, "services");
	if (!s)
		return;
	if (!config_setting_is_list(s)) {
		type_err(l, s, "host: ", "a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(s);
	c->services = alloc_array(l, n, sizeof(*c->services));
	if (!c->services)
		return;
	for (int i = 0; i < n; i++) {
		c->n_services++;
		service_parse(l, config_setting_get_elem(s, i), i);
	}
}

static void version_check(struct loader *l, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "version");

	if (!s)
		conf_err(l, NULL, "missing 'version' (version = 1;)");
	else if (!is_int(s))
		type_err(l, s, "", "an integer");
	else if (config_setting_get_int64(s) != 1)
		conf_err(l, s, "version must be 1, not %lld",
			 config_setting_get_int64(s));
}

static int defaults_set(struct loader *l)
{
	struct conf *c = l->c;

	c->mode = CONF_MODE_ENFORCE;
	c->table = dup_str(l, "bunri");
	c->user = dup_str(l, "bunri");
	c->control_socket = dup_str(l, CONF_DEFAULT_SOCKET);
	c->table_owner = true;
	c->facility = LOG_LOCAL4;
	c->repeat_interval = 60;
	c->max_alerts_per_second = 100;
	c->snaplen = 160;
	c->buffer_mb = 32;
	c->max_flows = 1000000;
	return c->table && c->user && c->control_socket ? 0 : -1;
}

static void lookup_build(struct loader *l)
{
	struct conf *c = l->c;
	struct zone_prefix *p = alloc_array(l, l->n_nets, sizeof(*p));

	if (!p)
		return;
	for (size_t i = 0; i < l->n_nets; i++) {
		p[i].prefix = l->nets[i].p;
		p[i].zone = l->nets[i].zone;
	}
	c->zones_lookup = zone_table_build(p, l->n_nets);
	if (!c->zones_lookup)
		conf_err(l, NULL, "cannot build the zone lookup: %s",
			 strerror(errno));
	free(p);
}

/* Add the file setting @s comes from, and those of the settings in it,
 * to the includes of @l->c: those not from the main file. */
static void includes_collect(struct loader *l, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	struct conf *c = l->c;

	if (file) {
		const char *slash, *dir = shown_dir(l, file, &slash);
		char *full = NULL;
		bool seen = false;

		if (asprintf(&full, "%s%s%s", dir, slash, file) < 0) {
			oom(l);
			return;
		}
		for (size_t i = 0; i < c->n_includes && !seen; i++)
			seen = !strcmp(c->includes[i], full);
		if (seen) {
			free(full);
		} else {
			char **v = realloc(c->includes, (c->n_includes + 1) *
							    sizeof(*v));
			if (!v) {
				free(full);
				oom(l);
				return;
			}
			c->includes = v;
			c->includes[c->n_includes++] = full;
		}
	}
	for (int i = 0; i < config_setting_length(s); i++)
		includes_collect(l, config_setting_get_elem(s, (unsigned)i));
}

/* Validate the parsed tree @cfg into a new struct conf, or NULL. */
static struct conf *conf_build(struct loader *l, config_t *cfg,
			       const char *path)
{
	const config_setting_t *root = config_root_setting(cfg);

	l->c = calloc(1, sizeof(*l->c));
	if (!l->c) {
		oom(l);
		return NULL;
	}
	l->c->path = dup_str(l, path);
	if (defaults_set(l) == 0) {
		keys_check(l, root, top_keys, "");
		version_check(l, root);
		daemon_parse(l, root);
		log_parse(l, root);
		capture_parse(l, root);
		zones_parse(l, root);
		channels_parse(l, root);
		host_parse(l, root);
		if (l->errors == 0)
			lookup_build(l);
		if (l->errors == 0)
			includes_collect(l, root);
	}
	free(l->nets);
	free(l->same_as);
	if (l->errors) {
		conf_free(l->c);
		return NULL;
	}
	return l->c;
}

static struct conf *conf_finish(struct loader *l, config_t *cfg, int ok,
				const char *path)
{
	struct conf *c = NULL;

	if (!ok) {
		const char *file = config_error_file(cfg), *slash;

		l->errors++;
		if (!file)
			file = l->name;
		const char *dir = shown_dir(l, file, &slash);
		if (l->err && config_error_line(cfg) > 0)
			fprintf(l->err, "%s%s%s:%d: %s\n", dir, slash, file,
				config_error_line(cfg), config_error_text(cfg));
		else if (l->err)
			fprintf(l->err, "%s%s%s: %s\n", dir, slash, file,
				config_error_text(cfg));
	} else {
		c = conf_build(l, cfg, path);
	}
	if (l->err)
		msgs_flush(l);
	else
		free(l->msgs);
	config_destroy(cfg);
	return c;
}

/*
 * libconfig's scanner ends the process when it cannot read a file (a
 * directory: EISDIR), and a FIFO would keep it waiting for ever: the file
 * and every file it @includes are opened here first, without waiting, and
 * refused unless they are regular files. Returns @path open for reading,
 * or NULL after saying why on @err (@shown, @line: where it is named).
 */
static FILE *regular_open(const char *path, const char *shown, int line,
			  FILE *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	const char *why = NULL;
	FILE *f = NULL;

	if (fd < 0)
		why = strerror(errno);
	else if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (!(f = fdopen(fd, "r")))
		why = strerror(errno);
	if (!why)
		return f;
	if (err && line > 0)
		fprintf(err, "%s:%d: @include \"%s\": %s\n", shown, line, path,
			why);
	else if (err)
		fprintf(err, "%s: %s\n", path, why);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Deeper than libconfig goes: it says so itself. */
#define INCLUDE_DEPTH_MAX 10

static bool includes_check(const struct loader *l, FILE *f,
			   const char *shown, int depth);

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/*
 * The number at *@q, of the file @shown, line @line: libconfig 1.5 reads
 * a plain integer into an int and wraps one that does not fit without a
 * word (ports = [ 4294967321 ] would be port 25): such a number is
 * refused here. An integer with an L suffix is 64 bits to it, and a
 * number with a point or an exponent is a float. *@q is left on the
 * number's last character.
 */
static bool int_fits(const char **q, const char *shown, int line, FILE *err)
{
	const char *s = *q, *e = s;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v = 0;
	bool big = false;

	for (e = hex ? s + 2 : s;; e++) {
		unsigned d;

		if (*e >= '0' && *e <= '9')
			d = (unsigned)(*e - '0');
		else if (hex && *e >= 'a' && *e <= 'f')
			d = (unsigned)(*e - 'a' + 10);
		else if (hex && *e >= 'A' && *e <= 'F')
			d = (unsigned)(*e - 'A' + 10);
		else
			break;
		if (v > (1ull << 40))
			big = true;
		else
			v = v * (hex ? 16 : 10) + d;
	}
	*q = e - 1;
	/* Followed by a suffix (L), a point or an exponent, or part of a
	 * word: not a plain integer. */
	if (word_char(*e))
		return true;
	if (!big && v <= 2147483647ull)
		return true;
	if (err)
		fprintf(err, "%s:%d: number %.*s is too large (at most %d)\n",
			shown, line, (int)(e - s), s, 2147483647);
	return false;
}

/* The file @path, named by an @include of @shown at @line: a regular
 * file, and so are those it includes. */
static bool include_check(const struct loader *l, const char *path,
			  const char *shown, int line, int depth)
{
	const char *dir, *slash;
	char *as_shown = NULL;
	bool ok;

	/* Named in messages as the parser's messages name it. */
	dir = shown_dir(l, path, &slash);
	if (asprintf(&as_shown, "%s%s%s", dir, slash, path) < 0) {
		if (l->err)
			fprintf(l->err, "%s: out of memory\n", shown);
		return false;
	}
	FILE *f = regular_open(path, shown, line, l->err);

	ok = f && (depth >= INCLUDE_DEPTH_MAX ||
		   includes_check(l, f, as_shown, depth + 1));
	if (f)
		fclose(f);
	free(as_shown);
	return ok;
}

/*
 * The @include directives of the file @f (shown as @shown), as libconfig's
 * scanner finds them: at the start of a line, outside comments, the path
 * in double quotes with \\ and \" escapes. Relative paths are taken from
 * the working directory, as libconfig takes them. Its integers too, which
 * libconfig would wrap when too large (int_fits()).
 */
static bool includes_check(const struct loader *l, FILE *f,
			   const char *shown, int depth)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	bool in_comment = false, ok = true;
	int line = 1;

	if (!m) {
		if (l->err)
			fprintf(l->err, "%s: %s\n", shown, strerror(errno));
		return false;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	if (ferror(f)) {
		if (l->err)
			fprintf(l->err, "%s: %s\n", shown, strerror(errno));
		ok = false;
	}
	if (fclose(m) != 0 || !text) {
		free(text);
		return false;
	}
	for (const char *p = ok ? text : ""; *p; line++) {
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (!in_comment && !strncmp(q, "@include", 8) &&
		    (q[8] == ' ' || q[8] == '\t')) {
			q += 8;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"') {
				char name[4096];
				size_t k = 0;

				for (q++; *q && *q != '"' && *q != '\n'; q++) {
					if (*q == '\\' &&
					    (q[1] == '\\' || q[1] == '"'))
						q++;
					if (k < sizeof(name) - 1)
						name[k++] = *q;
				}
				name[k] = '\0';
				if (*q == '"' &&
				    !include_check(l, name, shown, line, depth))
					ok = false;
			}
		}
		/* The rest of the line: comments begin and end, strings and
		 * line comments hide what looks like either. */
		for (q = p; *q && *q != '\n'; q++) {
			if (in_comment) {
				if (q[0] == '*' && q[1] == '/') {
					in_comment = false;
					q++;
				}
			} else if (q[0] == '/' && q[1] == '*') {
				in_comment = true;
				q++;
			} else if (q[0] == '#' || (q[0] == '/' && q[1] == '/')) {
				while (q[1] && q[1] != '\n')
					q++;
			} else if (q[0] == '"') {
				for (q++; *q && *q != '"' && *q != '\n'; q++)
					if (*q == '\\' && q[1] && q[1] != '\n')
						q++;
				if (*q != '"')
					q--;
			} else if (*q >= '0' && *q <= '9' &&
				   (q == p || !word_char(q[-1]))) {
				if (!int_fits(&q, shown, line, l->err))
					ok = false;
			}
		}
		p = *q ? q + 1 : q;
	}
	free(text);
	return ok;
}

struct conf *conf_load(const char *path, uint32_t today, FILE *err)
{
	struct loader l = {.name = path, .err = err, .today = today};
	config_t cfg;
	FILE *f = regular_open(path, path, 0, err);
	int ok;

	if (!f)
		return NULL;
	config_init(&cfg);
	/*
	 * A relative "@include" path is taken from the file's own directory,
	 * not from wherever bunrid was started (under systemd, "/"): the
	 * file is parsed from there. (libconfig's include directory would
	 * be put before absolute paths too.) Nothing else runs meanwhile:
	 * configurations are loaded before any thread starts, and the
	 * daemon's one thread loads them.
	 */
	char *dir = strdup(path);
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool moved = false;
	if (dir) {
		l.dir = dirname(dir);
		moved = here >= 0 && chdir(l.dir) == 0;
	}
	bool readable = includes_check(&l, f, path, 0);

	ok = readable && fseek(f, 0, SEEK_SET) == 0 && config_read(&cfg, f);
	fclose(f);
	if (moved && fchdir(here) < 0 && err)
		fprintf(err, "%s: cannot return to the working directory: %s\n",
			path, strerror(errno));
	if (here >= 0)
		close(here);
	struct conf *c = NULL;

	if (readable) {
		c = conf_finish(&l, &cfg, ok, path);
	} else {
		config_destroy(&cfg);
	}
	free(dir);
	return c;
}

struct conf *conf_load_string(const char *text, const char *name,
			      uint32_t today, FILE *err)
{
	struct loader l = {.name = name, .err = err, .today = today};
	config_t cfg;
	int ok;

	config_init(&cfg);
	ok = config_read_string(&cfg, text);
	return conf_finish(&l, &cfg, ok, name);
}

/*
 * A warning is "LOCATION: warning: ...", LOCATION being "FILE:LINE" or
 * "FILE"; an error's own text may quote ": warning: " only after its
 * location and a ": ". (A file whose name holds ": " has its warnings taken
 * for errors: the first line is then shown, as before.)
 */
static bool msg_is_warning(const char *line, size_t len)
{
	const char *w = memmem(line, len, ": warning: ", 11);

	return w && !memmem(line, (size_t)(w - line), ": ", 2);
}

const char *conf_msgs_first_error(const char *msgs, size_t *len)
{
	for (const char *p = msgs; p && *p;) {
		size_t n = strcspn(p, "\n");

		if (!msg_is_warning(p, n)) {
			*len = n;
			return p;
		}
		p += n + (p[n] == '\n');
	}
	*len = 0;
	return NULL;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	free(c->path);
	strv_free(c->includes, c->n_includes);
	free(c->table);
	free(c->user);
	free(c->control_socket);
	free(c->json_file);
	strv_free(c->capture_interfaces, c->n_capture_interfaces);
	for (size_t i = 0; i < c->n_zones; i++) {
		struct conf_zone *z = &c->zones[i];

		free(z->name);
		free(z->description);
		strv_free(z->interfaces, z->n_interfaces);
		free(z->networks);
		free(z->devices);
	}
	free(c->zones);
	for (size_t i = 0; i < c->n_channels; i++) {
		struct conf_channel *ch = &c->channels[i];

		free(ch->name);
		free(ch->src);
		free(ch->dst);
		free(ch->ports);
		free(ch->approved_by);
		free(ch->reason);
	}
	free(c->channels);
	for (size_t i = 0; i < c->n_services; i++) {
		free(c->services[i].ports);
		free(c->services[i].src);
	}
	free(c->services);
	zone_table_free(c->zones_lookup);
	free(c);
}

int conf_zone_index(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_zones; i++)
		if (c->zones[i].name && strcmp(c->zones[i].name, name) == 0)
			return i;
	return -1;
}

int conf_zone_by_interface(const struct conf *c, const char *ifname)
{
	for (size_t i = 0; i < c->n_zones; i++)
		for (size_t k = 0; k < c->zones[i].n_interfaces; k++)
			if (strcmp(c->zones[i].interfaces[k], ifname) == 0)
				return i;
	return -1;
}

const char *conf_proto_name(int proto)
{
	return val_name(protos, N_OF(protos), proto);
}

const char *conf_kind_name(enum conf_kind kind)
{
	return val_name(kinds, N_OF(kinds), kind);
}

const char *conf_mode_name(enum conf_mode mode)
{
	return val_name(modes, N_OF(modes), mode);
}

const char *conf_severity_name(int severity)
{
	return val_name(severities, N_OF(severities), severity);
}

uint32_t conf_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}
