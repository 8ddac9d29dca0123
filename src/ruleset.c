// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruleset: build the enforcing ruleset of a configuration as plain data, and
 * print it in `nft -f` syntax. See include/ruleset.h and DESIGN.md
 * "Enforcement" / "Runtime behaviour".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conf.h"
#include "ruleset.h"
#include "zone.h"

/* Conntrack state bits as the kernel's ct expression reports them. */
#define CT_INVALID     0x01u
#define CT_ESTABLISHED 0x02u
#define CT_RELATED     0x04u

typedef unsigned __int128 u128;

struct build {
	const struct conf *c;
	struct ruleset *rs;
	FILE *err;
};

size_t ruleset_key_len(enum rs_key key)
{
	switch (key) {
	case RS_KEY_IPV4:
		return 4;
	case RS_KEY_IPV6:
		return 16;
	case RS_KEY_PORT:
		return 2;
	}
	return 0;
}

static u128 key_to_u128(const uint8_t *b, size_t len)
{
	u128 v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 8 | b[i];
	return v;
}

static void u128_to_key(u128 v, uint8_t *b, size_t len)
{
	memset(b, 0, 16);
	for (size_t i = len; i-- > 0;) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Grow *@p (elements of @size) to hold @need, doubling. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	memset((char *)q + *cap * size, 0, (n - *cap) * size);
	*p = q;
	*cap = n;
	return 0;
}

/*
 * Object names come from the configuration; nft identifiers take letters,
 * digits, '_' and '-', so anything else becomes '_'. A collision this
 * creates is caught when the object is added twice.
 */
static int name_fmt(char *dst, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int name_fmt(char *dst, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(dst, RS_NAME_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= RS_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = dst; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			*p = '_';
	return 0;
}

int ruleset_chain_index(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!strcmp(rs->chains[i].name, name))
			return (int)i;
	return -1;
}

int ruleset_set_index(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_sets; i++)
		if (!rs->sets[i].anonymous && !strcmp(rs->sets[i].name, name))
			return (int)i;
	return -1;
}

int ruleset_counter_index(const struct ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_counters; i++)
		if (!strcmp(rs->counters[i], name))
			return (int)i;
	return -1;
}

static int dup_name(struct build *b, const char *what, const char *name)
{
	if (b->err)
		fprintf(b->err, "%s: ruleset: two %ss named %s\n",
			b->c->path ? b->c->path : "config", what, name);
	errno = EINVAL;
	return -1;
}

static int chain_add(struct build *b, const char *name, enum rs_hook hook)
{
	struct ruleset *rs = b->rs;

	if (ruleset_chain_index(rs, name) >= 0)
		return dup_name(b, "chain", name);
	if (grow((void **)&rs->chains, &rs->cap_chains, rs->n_chains + 1,
		 sizeof(*rs->chains)))
		return -1;
	struct rs_chain *ch = &rs->chains[rs->n_chains];
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->hook = hook;
	return (int)rs->n_chains++;
}

static int set_add(struct build *b, const char *name, enum rs_key key,
		   bool is_map, bool anonymous)
{
	struct ruleset *rs = b->rs;

	if (!anonymous && ruleset_set_index(rs, name) >= 0)
		return dup_name(b, "set", name);
	if (grow((void **)&rs->sets, &rs->cap_sets, rs->n_sets + 1,
		 sizeof(*rs->sets)))
		return -1;
	struct rs_set *s = &rs->sets[rs->n_sets];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key = key;
	s->is_map = is_map;
	s->anonymous = anonymous;
	return (int)rs->n_sets++;
}

/* Append [lo, hi] (host-order integers) jumping to @chain (maps). */
static int set_elem_add(struct rs_set *s, u128 lo, u128 hi, int chain)
{
	size_t len = ruleset_key_len(s->key);

	if (s->n_elems) {
		struct rs_elem *last = &s->elems[s->n_elems - 1];
		if (last->chain == chain &&
		    key_to_u128(last->hi, len) + 1 == lo) {
			u128_to_key(hi, last->hi, len);
			return 0;
		}
	}
	if (grow((void **)&s->elems, &s->cap, s->n_elems + 1,
		 sizeof(*s->elems)))
		return -1;
	struct rs_elem *e = &s->elems[s->n_elems++];
	u128_to_key(lo, e->lo, len);
	u128_to_key(hi, e->hi, len);
	e->chain = chain;
	return 0;
}

static int counter_add(struct build *b, const char *name)
{
	struct ruleset *rs = b->rs;

	if (ruleset_counter_index(rs, name) >= 0)
		return dup_name(b, "counter", name);
	if (grow((void **)&rs->counters, &rs->cap_counters, rs->n_counters + 1,
		 sizeof(*rs->counters)))
		return -1;
	snprintf(rs->counters[rs->n_counters++], RS_NAME_MAX, "%s", name);
	return 0;
}

/*
 * A new rule at the end of chain @chain. The pointer is valid until the next
 * rule is added to that chain. Quotes would end the comment in nft syntax.
 */
static struct rs_rule *rule_add(struct build *b, int chain, const char *fmt,
				...) __attribute__((format(printf, 3, 4)));
static struct rs_rule *rule_add(struct build *b, int chain, const char *fmt,
				...)
{
	struct rs_chain *ch = &b->rs->chains[chain];
	va_list ap;

	if (grow((void **)&ch->rules, &ch->cap, ch->n_rules + 1,
		 sizeof(*ch->rules)))
		return NULL;
	struct rs_rule *r = &ch->rules[ch->n_rules];
	memset(r, 0, sizeof(*r));
	r->chain = -1;
	r->set = -1;
	va_start(ap, fmt);
	int n = vasprintf(&r->comment, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->comment = NULL;
		return NULL;
	}
	for (char *p = r->comment; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			*p = '_';
	ch->n_rules++;
	return r;
}

static struct rs_match *match_add(struct rs_rule *r, enum rs_match_kind k)
{
	struct rs_match *m = &r->match[r->n_match++];

	memset(m, 0, sizeof(*m));
	m->kind = k;
	m->set = -1;
	return m;
}

static void match_addr(struct rs_rule *r, bool src, int family, int set)
{
	struct rs_match *m =
	    match_add(r, src ? RS_MATCH_SADDR : RS_MATCH_DADDR);

	m->family = family;
	m->set = set;
}

static void match_ct(struct rs_rule *r, uint32_t bits)
{
	match_add(r, RS_MATCH_CT_STATE)->value = bits;
}

static void stmt_add(struct rs_rule *r, enum rs_stmt_kind k, const char *name)
{
	struct rs_stmt *s = &r->stmt[r->n_stmt++];

	s->kind = k;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
}

static const char *fam_tag(int family)
{
	return family == AF_INET ? "v4" : "v6";
}

static const char *zname(const struct build *b, int z)
{
	return b->c->zones[z].name;
}

static bool is_policy_zone(const struct conf *c, size_t z)
{
	return c->zones[z].policy == (int)z;
}

/* Index of the set z_<zone>_<fam>_g<gen>. */
static int zone_set(const struct build *b, int z, int family)
{
	char name[RS_NAME_MAX];

	if (name_fmt(name, "z_%s_%s_g%u", zname(b, z), fam_tag(family),
		     b->rs->gen))
		return -1;
	return ruleset_set_index(b->rs, name);
}

/* Index of the chain <kind>_<zone> ("to_lgwan", "spoof_lgwan"). */
static int chain_of(const struct build *b, const char *kind, const char *zone)
{
	char name[RS_NAME_MAX];

	if (name_fmt(name, "%s_%s", kind, zone))
		return -1;
	return ruleset_chain_index(b->rs, name);
}

/*
 * Zone sets and destination maps from the flattened ranges: each range goes
 * to the set of its zone's policy zone and to the map as "jump to_<zone>".
 */
static int build_zone_sets(struct build *b, int family)
{
	const struct conf *c = b->c;
	struct zone_range *r = NULL;
	enum rs_key key = family == AF_INET ? RS_KEY_IPV4 : RS_KEY_IPV6;
	size_t len = ruleset_key_len(key);
	char name[RS_NAME_MAX];

	for (size_t z = 0; z < c->n_zones; z++) {
		if (!is_policy_zone(c, z))
			continue;
		if (name_fmt(name, "z_%s_%s_g%u", zname(b, (int)z),
			     fam_tag(family), b->rs->gen) ||
		    set_add(b, name, key, false, false) < 0)
			return -1;
	}
	if (name_fmt(name, "dst_%s_g%u", fam_tag(family), b->rs->gen))
		return -1;
	int map = set_add(b, name, key, true, false);
	if (map < 0)
		return -1;

	ssize_t n = c->zones_lookup
			? zone_table_ranges(c->zones_lookup, family, &r)
			: 0;
	if (n < 0)
		return -1;
	int ret = 0;
	for (ssize_t i = 0; i < n && !ret; i++) {
		int p = c->zones[r[i].zone].policy;
		int set = zone_set(b, p, family);
		int to = chain_of(b, "to", zname(b, p));
		u128 lo = key_to_u128(r[i].lo.b, len);
		u128 hi = key_to_u128(r[i].hi.b, len);

		if (set < 0 || to < 0) {
			errno = EINVAL;
			ret = -1;
			break;
		}
		ret = set_elem_add(&b->rs->sets[set], lo, hi, -1);
		if (!ret)
			ret = set_elem_add(&b->rs->sets[map], lo, hi, to);
	}
	free(r);
	return ret;
}

static int u128_cmp_pair(const void *x, const void *y)
{
	const u128 *a = x, *b = y;

	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return 0;
}

/*
 * A named interval set holding the prefixes of @family from @p, overlaps
 * merged (an interval set refuses overlapping elements). Returns the set
 * index, or -2 when no prefix is of @family, -1 on error.
 */
static int prefix_set(struct build *b, const char *name, const struct prefix *p,
		      size_t n, int family)
{
	enum rs_key key = family == AF_INET ? RS_KEY_IPV4 : RS_KEY_IPV6;
	size_t len = ruleset_key_len(key), m = 0;
	unsigned bits = addr_bits(family);
	u128 *iv = calloc(n ? 2 * n : 1, sizeof(*iv));

	if (!iv)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i].addr.family != family)
			continue;
		unsigned hb = bits - p[i].len;
		u128 mask = hb >= 128 ? ~(u128)0 : (((u128)1 << hb) - 1);
		iv[2 * m] = key_to_u128(p[i].addr.b, len);
		iv[2 * m + 1] = iv[2 * m] | mask;
		m++;
	}
	if (!m) {
		free(iv);
		return -2;
	}
	qsort(iv, m, 2 * sizeof(*iv), u128_cmp_pair);
	int set = set_add(b, name, key, false, false);
	for (size_t i = 0; i < m && set >= 0;) {
		u128 lo = iv[2 * i], hi = iv[2 * i + 1];
		size_t j = i + 1;
		for (; j < m && iv[2 * j] <= hi; j++)
			if (iv[2 * j + 1] > hi)
				hi = iv[2 * j + 1];
		if (set_elem_add(&b->rs->sets[set], lo, hi, -1))
			set = -1;
		i = j;
	}
	free(iv);
	return set;
}

/* meta l4proto and th dport of a channel or service. */
static int match_proto_ports(struct build *b, struct rs_rule *r, int proto,
			     const struct port_range *ports, size_t n)
{
	if (proto != CONF_PROTO_ANY)
		match_add(r, RS_MATCH_L4PROTO)->value = (uint32_t)proto;
	if (!n)
		return 0;
	if (proto != CONF_PROTO_TCP && proto != CONF_PROTO_UDP) {
		/* th dport needs a transport protocol that has ports. */
		errno = EINVAL;
		return -1;
	}
	struct rs_match *m = match_add(r, RS_MATCH_DPORT);
	if (n == 1) {
		m->lo = ports[0].lo;
		m->hi = ports[0].hi;
		return 0;
	}
	struct port_range *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, ports, n * sizeof(*s));
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && s[j].lo < s[j - 1].lo; j--) {
			struct port_range t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	m->set = set_add(b, "", RS_KEY_PORT, false, true);
	for (size_t i = 0; i < n && m->set >= 0;) {
		u128 lo = s[i].lo, hi = s[i].hi;
		size_t j = i + 1;
		for (; j < n && s[j].lo <= hi + 1; j++)
			if (s[j].hi > hi)
				hi = s[j].hi;
		if (set_elem_add(&b->rs->sets[m->set], lo, hi, -1))
			m->set = -1;
		i = j;
	}
	free(s);
	return m->set >= 0 ? 0 : -1;
}

/* Rate-limited log rule, then the counted drop, for one source match. */
static int log_and_drop(struct build *b, int chain, int family, int set,
			const char *prefix, const char *counter,
			const char *comment)
{
	struct rs_rule *r = rule_add(b, chain, "%s", comment);

	if (!r)
		return -1;
	if (set >= 0)
		match_addr(r, true, family, set);
	stmt_add(r, RS_STMT_LIMIT, NULL);
	stmt_add(r, RS_STMT_LOG, prefix);
	r = rule_add(b, chain, "%s", comment);
	if (!r)
		return -1;
	if (set >= 0)
		match_addr(r, true, family, set);
	stmt_add(r, RS_STMT_COUNTER, counter);
	r->verdict = RS_VERDICT_DROP;
	return 0;
}

static const int families[2] = {AF_INET, AF_INET6};

static bool channel_live(const struct conf_channel *ch, uint32_t today)
{
	return !ch->expires || today <= ch->expires;
}

static size_t count_family(const struct prefix *p, size_t n, int family)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i].addr.family == family;
	return k;
}

/* The rules of one channel in its pair chain, one per address family. */
static int build_channel(struct build *b, size_t idx, int pair, const char *x,
			 const char *y)
{
	const struct conf_channel *ch = &b->c->channels[idx];
	char name[RS_NAME_MAX], counter[RS_NAME_MAX];

	if (name_fmt(counter, "pass_%s_%s", x, y))
		return -1;
	for (int f = 0; f < 2; f++) {
		int fam = families[f];
		bool any = !ch->n_src && !ch->n_dst;
		int src = -1, dst = -1;

		if ((ch->n_src && !count_family(ch->src, ch->n_src, fam)) ||
		    (ch->n_dst && !count_family(ch->dst, ch->n_dst, fam)))
			continue;
		if (ch->n_src) {
			if (name_fmt(name, "ch_%s_src_%s_g%u", ch->name,
				     fam_tag(fam), b->rs->gen))
				return -1;
			src = prefix_set(b, name, ch->src, ch->n_src, fam);
			if (src < 0)
				return -1;
		}
		if (ch->n_dst) {
			if (name_fmt(name, "ch_%s_dst_%s_g%u", ch->name,
				     fam_tag(fam), b->rs->gen))
				return -1;
			dst = prefix_set(b, name, ch->dst, ch->n_dst, fam);
			if (dst < 0)
				return -1;
		}
		struct rs_rule *r = rule_add(b, pair, "channel %s", ch->name);
		if (!r)
			return -1;
		if (src >= 0)
			match_addr(r, true, fam, src);
		if (dst >= 0)
			match_addr(r, false, fam, dst);
		if (match_proto_ports(b, r, ch->proto, ch->ports, ch->n_ports))
			return -1;
		stmt_add(r, RS_STMT_COUNTER, counter);
		r->verdict = RS_VERDICT_ACCEPT;
		if (any)
			break;
	}
	return 0;
}

static bool pair_has_channels(const struct build *b, uint32_t today, int x,
			      int y)
{
	const struct conf *c = b->c;

	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		if (channel_live(ch, today) && c->zones[ch->from].policy == x &&
		    c->zones[ch->to].policy == y)
			return true;
	}
	return false;
}

/* Chain to_<y>: intra-zone, channels through pair chains, then drops. */
static int build_to_chain(struct build *b, uint32_t today, int y)
{
	const struct conf *c = b->c;
	const char *yn = zname(b, y);
	int to = chain_of(b, "to", yn);
	char name[RS_NAME_MAX], prefix[RS_NAME_MAX];

	for (int f = 0; f < 2; f++) {
		struct rs_rule *r =
		    rule_add(b, to, "intra-zone traffic is allowed");
		if (!r)
			return -1;
		match_addr(r, true, families[f], zone_set(b, y, families[f]));
		r->verdict = RS_VERDICT_ACCEPT;
	}
	for (size_t x = 0; x < c->n_zones; x++) {
		if ((int)x == y || !is_policy_zone(c, x) ||
		    !pair_has_channels(b, today, (int)x, y))
			continue;
		if (name_fmt(name, "pair_%s_%s", zname(b, (int)x), yn))
			return -1;
		int pair = chain_add(b, name, RS_HOOK_NONE);
		if (pair < 0)
			return -1;
		for (size_t i = 0; i < c->n_channels; i++) {
			const struct conf_channel *ch = &c->channels[i];
			if (channel_live(ch, today) &&
			    c->zones[ch->from].policy == (int)x &&
			    c->zones[ch->to].policy == y &&
			    build_channel(b, i, pair, zname(b, (int)x), yn))
				return -1;
		}
		for (int f = 0; f < 2; f++) {
			struct rs_rule *r =
			    rule_add(b, to, "permitted channels %s>%s",
				     zname(b, (int)x), yn);
			if (!r)
				return -1;
			match_addr(r, true, families[f],
				   zone_set(b, (int)x, families[f]));
			r->verdict = RS_VERDICT_JUMP;
			r->chain = pair;
		}
	}
	for (size_t x = 0; x < c->n_zones; x++) {
		if ((int)x == y || !is_policy_zone(c, x))
			continue;
		const char *xn = zname(b, (int)x);
		char comment[2 * RS_NAME_MAX];
		snprintf(prefix, sizeof(prefix), "bunri drop %s>%s: ", xn, yn);
		snprintf(comment, sizeof(comment), "cross-zone %s>%s is denied",
			 xn, yn);
		if (name_fmt(name, "drop_%s_%s", xn, yn))
			return -1;
		for (int f = 0; f < 2; f++)
			if (log_and_drop(b, to, families[f],
					 zone_set(b, (int)x, families[f]),
					 prefix, name, comment))
				return -1;
	}
	return log_and_drop(b, to, 0, -1, "bunri unzoned: ", "unzoned",
			    "a source in no zone is dropped");
}

/* Chain spoof_<z>: return for the zone's own sources, drop the rest. */
static int build_spoof_chain(struct build *b, int z)
{
	char name[RS_NAME_MAX], prefix[RS_NAME_MAX];

	if (name_fmt(name, "spoof_%s", zname(b, z)))
		return -1;
	int ch = chain_add(b, name, RS_HOOK_NONE);
	if (ch < 0)
		return -1;
	for (int f = 0; f < 2; f++) {
		struct rs_rule *r = rule_add(
		    b, ch, "anti-spoofing: source of the interface's zone");
		if (!r)
			return -1;
		match_addr(r, true, families[f], zone_set(b, z, families[f]));
		r->verdict = RS_VERDICT_RETURN;
	}
	snprintf(prefix, sizeof(prefix), "bunri spoof %s: ", zname(b, z));
	return log_and_drop(b, ch, 0, -1, prefix, name,
			    "anti-spoofing: foreign source on the interface");
}

static int build_forward(struct build *b)
{
	const struct conf *c = b->c;
	char name[RS_NAME_MAX];
	int fwd = ruleset_chain_index(b->rs, "forward");
	struct rs_rule *r;

	r = rule_add(b, fwd, "replies to permitted flows");
	if (!r)
		return -1;
	match_ct(r, CT_ESTABLISHED | CT_RELATED);
	r->verdict = RS_VERDICT_ACCEPT;
	r = rule_add(b, fwd, "packets conntrack cannot place");
	if (!r)
		return -1;
	match_ct(r, CT_INVALID);
	r->verdict = RS_VERDICT_DROP;

	for (size_t z = 0; z < c->n_zones; z++) {
		int p = c->zones[z].policy;
		for (size_t i = 0; i < c->zones[z].n_interfaces; i++) {
			const char *ifn = c->zones[z].interfaces[i];
			if (strlen(ifn) >= sizeof(r->match[0].str)) {
				errno = EINVAL;
				return -1;
			}
			if (chain_of(b, "spoof", zname(b, p)) < 0 &&
			    build_spoof_chain(b, p))
				return -1;
			r = rule_add(b, fwd, "anti-spoofing: interface %s",
				     zname(b, (int)z));
			if (!r)
				return -1;
			struct rs_match *m = match_add(r, RS_MATCH_IIFNAME);
			snprintf(m->str, sizeof(m->str), "%s", ifn);
			r->verdict = RS_VERDICT_JUMP;
			r->chain = chain_of(b, "spoof", zname(b, p));
		}
	}
	for (int f = 0; f < 2; f++) {
		r = rule_add(b, fwd, "dispatch by destination zone");
		if (!r || name_fmt(name, "dst_%s_g%u", fam_tag(families[f]),
				   b->rs->gen))
			return -1;
		r->verdict = RS_VERDICT_DADDR_MAP;
		r->family = families[f];
		r->set = ruleset_set_index(b->rs, name);
	}
	return log_and_drop(b, fwd, 0, -1, "bunri unzoned: ", "unzoned",
			    "a destination in no zone is dropped");
}

static int build_input(struct build *b)
{
	const struct conf *c = b->c;
	char name[RS_NAME_MAX];
	int in = chain_add(b, "input", RS_HOOK_INPUT);
	struct rs_rule *r;

	if (in < 0)
		return -1;
	r = rule_add(b, in, "host: the gateway's own loopback");
	if (!r)
		return -1;
	snprintf(match_add(r, RS_MATCH_IIFNAME)->str, 16, "lo");
	r->verdict = RS_VERDICT_ACCEPT;
	r = rule_add(b, in, "host: replies to permitted flows");
	if (!r)
		return -1;
	match_ct(r, CT_ESTABLISHED | CT_RELATED);
	r->verdict = RS_VERDICT_ACCEPT;
	r = rule_add(b, in, "host: packets conntrack cannot place");
	if (!r)
		return -1;
	match_ct(r, CT_INVALID);
	r->verdict = RS_VERDICT_DROP;
	/* IPv6 does not work without neighbour discovery, and ND comes from
	 * link-local addresses that belong to no zone (RFC 4890). */
	r = rule_add(b, in, "host: ICMPv6 (neighbour discovery) to the gateway");
	if (!r)
		return -1;
	match_add(r, RS_MATCH_L4PROTO)->value = IPPROTO_ICMPV6;
	r->verdict = RS_VERDICT_ACCEPT;

	for (size_t i = 0; i < c->n_services; i++) {
		const struct conf_service *sv = &c->services[i];
		int p = c->zones[sv->zone].policy;
		for (int f = 0; f < 2; f++) {
			int fam = families[f], set;
			if (sv->n_src) {
				if (name_fmt(name, "host_%zu_src_%s_g%u", i,
					     fam_tag(fam), b->rs->gen))
					return -1;
				set = prefix_set(b, name, sv->src, sv->n_src,
						 fam);
				if (set == -2)
					continue;
			} else {
				set = zone_set(b, p, fam);
			}
			if (set < 0)
				return -1;
			r = rule_add(b, in, "host service %zu from zone %s", i,
				     zname(b, sv->zone));
			if (!r)
				return -1;
			match_addr(r, true, fam, set);
			if (match_proto_ports(b, r, sv->proto, sv->ports,
					      sv->n_ports))
				return -1;
			r->verdict = RS_VERDICT_ACCEPT;
		}
	}
	return log_and_drop(b, in, 0, -1, "bunri drop host: ", "host_drop",
			    "host: everything else to the gateway is dropped");
}

static int build_counters(struct build *b)
{
	const struct conf *c = b->c;
	char name[RS_NAME_MAX];

	for (size_t x = 0; x < c->n_zones; x++) {
		if (!is_policy_zone(c, x))
			continue;
		for (size_t y = 0; y < c->n_zones; y++) {
			if (x == y || !is_policy_zone(c, y))
				continue;
			if (name_fmt(name, "pass_%s_%s", zname(b, (int)x),
				     zname(b, (int)y)) ||
			    counter_add(b, name) ||
			    name_fmt(name, "drop_%s_%s", zname(b, (int)x),
				     zname(b, (int)y)) ||
			    counter_add(b, name))
				return -1;
		}
		if (name_fmt(name, "spoof_%s", zname(b, (int)x)) ||
		    counter_add(b, name))
			return -1;
	}
	if (counter_add(b, "unzoned"))
		return -1;
	if (c->has_host && counter_add(b, "host_drop"))
		return -1;
	return 0;
}

static int build(struct build *b, uint32_t today)
{
	const struct conf *c = b->c;
	char name[RS_NAME_MAX];

	if (name_fmt(b->rs->table, "%s", c->table ? c->table : "bunri") ||
	    chain_add(b, "forward", RS_HOOK_FORWARD) < 0 || build_counters(b))
		return -1;
	for (size_t z = 0; z < c->n_zones; z++)
		if (is_policy_zone(c, z) &&
		    (name_fmt(name, "to_%s", zname(b, (int)z)) ||
		     chain_add(b, name, RS_HOOK_NONE) < 0))
			return -1;
	if (build_zone_sets(b, AF_INET) || build_zone_sets(b, AF_INET6) ||
	    build_forward(b))
		return -1;
	for (size_t z = 0; z < c->n_zones; z++)
		if (is_policy_zone(c, z) && build_to_chain(b, today, (int)z))
			return -1;
	if (c->has_host && build_input(b))
		return -1;
	return 0;
}

int ruleset_build(const struct conf *c, uint32_t today, unsigned gen,
		  struct ruleset **out, FILE *err)
{
	struct build b = {.c = c, .err = err};

	b.rs = calloc(1, sizeof(*b.rs));
	if (!b.rs)
		return -1;
	b.rs->gen = gen;
	if (build(&b, today)) {
		int e = errno ? errno : EINVAL;
		if (err && e != EINVAL)
			fprintf(err, "ruleset: %s\n", strerror(e));
		ruleset_free(b.rs);
		errno = e;
		return -1;
	}
	*out = b.rs;
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_chains; i++) {
		for (size_t j = 0; j < rs->chains[i].n_rules; j++)
			free(rs->chains[i].rules[j].comment);
		free(rs->chains[i].rules);
	}
	for (size_t i = 0; i < rs->n_sets; i++)
		free(rs->sets[i].elems);
	free(rs->chains);
	free(rs->sets);
	free(rs->counters);
	free(rs);
}

/* --- printer -------------------------------------------------------- */

static void print_key(FILE *f, enum rs_key key, const uint8_t *b)
{
	char buf[ADDR_STRLEN];

	if (key == RS_KEY_PORT)
		fprintf(f, "%u", (unsigned)(b[0] << 8 | b[1]));
	else
		fputs(inet_ntop(key == RS_KEY_IPV4 ? AF_INET : AF_INET6, b, buf,
				sizeof(buf)),
		      f);
}

/* A range as a prefix when it is one, else "lo-hi". */
static void print_elem(FILE *f, enum rs_key key, const struct rs_elem *e)
{
	size_t len = ruleset_key_len(key);
	unsigned bits = (unsigned)len * 8;
	u128 lo = key_to_u128(e->lo, len), hi = key_to_u128(e->hi, len);
	u128 span = hi - lo;

	print_key(f, key, e->lo);
	if (key != RS_KEY_PORT && (span & (span + 1)) == 0 &&
	    (lo & span) == 0) {
		unsigned host = 0;
		while (host < bits && ((span >> host) & 1))
			host++;
		if (host)
			fprintf(f, "/%u", bits - host);
		return;
	}
	if (lo != hi) {
		fputc('-', f);
		print_key(f, key, e->hi);
	}
}

static void print_elems(FILE *f, const struct ruleset *rs,
			const struct rs_set *s, const char *indent)
{
	for (size_t i = 0; i < s->n_elems; i++) {
		if (i)
			fprintf(f, ",%s", indent);
		print_elem(f, s->key, &s->elems[i]);
		if (s->is_map)
			fprintf(f, " : jump %s",
				rs->chains[s->elems[i].chain].name);
	}
}

static const char *key_type(enum rs_key key)
{
	return key == RS_KEY_IPV4   ? "ipv4_addr"
	       : key == RS_KEY_IPV6 ? "ipv6_addr"
				    : "inet_service";
}

static void print_set(FILE *f, const struct ruleset *rs, const struct rs_set *s)
{
	fprintf(f, "\t%s %s {\n\t\ttype %s%s\n\t\tflags interval\n",
		s->is_map ? "map" : "set", s->name, key_type(s->key),
		s->is_map ? " : verdict" : "");
	if (s->n_elems) {
		fputs("\t\telements = { ", f);
		print_elems(f, rs, s, "\n\t\t\t     ");
		fputs(" }\n", f);
	}
	fputs("\t}\n", f);
}

static const char *proto_name(uint32_t p)
{
	switch (p) {
	case CONF_PROTO_TCP:
		return "tcp";
	case CONF_PROTO_UDP:
		return "udp";
	case CONF_PROTO_ICMP:
		return "icmp";
	case CONF_PROTO_ICMPV6:
		return "ipv6-icmp";
	}
	return NULL;
}

static void print_match(FILE *f, const struct ruleset *rs,
			const struct rs_match *m)
{
	const char *ip = m->family == AF_INET ? "ip" : "ip6";

	switch (m->kind) {
	case RS_MATCH_IIFNAME:
		fprintf(f, "iifname \"%s\" ", m->str);
		break;
	case RS_MATCH_CT_STATE: {
		static const struct {
			uint32_t bit;
			const char *name;
		} st[] = {{CT_INVALID, "invalid"},
			  {CT_ESTABLISHED, "established"},
			  {CT_RELATED, "related"}};
		const char *sep = "ct state ";
		for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
			if (m->value & st[i].bit) {
				fprintf(f, "%s%s", sep, st[i].name);
				sep = ",";
			}
		fputc(' ', f);
		break;
	}
	case RS_MATCH_SADDR:
	case RS_MATCH_DADDR:
		fprintf(f, "%s %s @%s ", ip,
			m->kind == RS_MATCH_SADDR ? "saddr" : "daddr",
			rs->sets[m->set].name);
		break;
	case RS_MATCH_L4PROTO:
		fprintf(f, "meta l4proto %s ", proto_name(m->value));
		break;
	case RS_MATCH_DPORT:
		fputs("th dport ", f);
		if (m->set >= 0) {
			fputs("{ ", f);
			print_elems(f, rs, &rs->sets[m->set], " ");
			fputs(" } ", f);
		} else if (m->lo == m->hi) {
			fprintf(f, "%u ", m->lo);
		} else {
			fprintf(f, "%u-%u ", m->lo, m->hi);
		}
		break;
	}
}

static void print_rule(FILE *f, const struct ruleset *rs,
		       const struct rs_rule *r)
{
	fputs("\t\t", f);
	for (size_t i = 0; i < r->n_match; i++)
		print_match(f, rs, &r->match[i]);
	for (size_t i = 0; i < r->n_stmt; i++) {
		const struct rs_stmt *s = &r->stmt[i];
		switch (s->kind) {
		case RS_STMT_COUNTER:
			fprintf(f, "counter name \"%s\" ", s->name);
			break;
		case RS_STMT_LIMIT:
			fprintf(f, "limit rate %u/second burst %u packets ",
				RS_LOG_RATE, RS_LOG_BURST);
			break;
		case RS_STMT_LOG:
			fprintf(f, "log prefix \"%s\" ", s->name);
			break;
		}
	}
	switch (r->verdict) {
	case RS_VERDICT_NONE:
		break;
	case RS_VERDICT_ACCEPT:
		fputs("accept ", f);
		break;
	case RS_VERDICT_DROP:
		fputs("drop ", f);
		break;
	case RS_VERDICT_RETURN:
		fputs("return ", f);
		break;
	case RS_VERDICT_JUMP:
		fprintf(f, "jump %s ", rs->chains[r->chain].name);
		break;
	case RS_VERDICT_DADDR_MAP:
		fprintf(f, "%s daddr vmap @%s ",
			r->family == AF_INET ? "ip" : "ip6",
			rs->sets[r->set].name);
		break;
	}
	fprintf(f, "comment \"%s\"\n", r->comment);
}

static void print_chain(FILE *f, const struct ruleset *rs,
			const struct rs_chain *ch)
{
	fprintf(f, "\tchain %s {\n", ch->name);
	if (ch->hook != RS_HOOK_NONE)
		fprintf(f,
			"\t\ttype filter hook %s priority filter %c %d; "
			"policy accept;\n",
			ch->hook == RS_HOOK_FORWARD ? "forward" : "input",
			RS_PRIORITY < 0 ? '-' : '+',
			RS_PRIORITY < 0 ? -RS_PRIORITY : RS_PRIORITY);
	for (size_t i = 0; i < ch->n_rules; i++)
		print_rule(f, rs, &ch->rules[i]);
	fputs("\t}\n", f);
}

int ruleset_print(const struct ruleset *rs, FILE *f)
{
	fprintf(f,
		"# bunri ruleset, generation %u: load with nft -f\n"
		"table inet %s {\n",
		rs->gen, rs->table);
	for (size_t i = 0; i < rs->n_counters; i++)
		fprintf(f, "\tcounter %s {\n\t}\n", rs->counters[i]);
	for (size_t i = 0; i < rs->n_sets; i++)
		if (!rs->sets[i].anonymous)
			print_set(f, rs, &rs->sets[i]);
	for (size_t i = 0; i < rs->n_chains; i++)
		print_chain(f, rs, &rs->chains[i]);
	fputs("}\n", f);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
