// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the ruleset builder and printer (pure: no kernel). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "ruleset.h"
#include "unit.h"

#define DESIGN TEST_SRCDIR "/tests/fixtures/ruleset-design.conf"
#define ALPHA  TEST_SRCDIR "/conf/bunri.conf"

static struct conf *conf;
static struct ruleset *rs;

static void build_at(const char *path, uint32_t today)
{
	FILE *devnull = fopen("/dev/null", "w");

	conf = conf_load(path, today, devnull);
	fclose(devnull);
	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(ruleset_build(conf, today, 7, &rs, stderr), 0);
}

static void teardown(void)
{
	ruleset_free(rs);
	conf_free(conf);
	rs = NULL;
	conf = NULL;
}

static const struct rs_chain *chain(const char *name)
{
	int i = ruleset_chain_index(rs, name);

	return i < 0 ? NULL : &rs->chains[i];
}

/* Rules of @chain_name whose comment is @comment. */
static int count_rules(const char *chain_name, const char *comment)
{
	const struct rs_chain *ch = chain(chain_name);
	int n = 0;

	if (!ch)
		return -1;
	for (size_t i = 0; i < ch->n_rules; i++)
		n += !strcmp(ch->rules[i].comment, comment);
	return n;
}

static int rules_anywhere(const char *comment)
{
	int n = 0;

	for (size_t i = 0; i < rs->n_chains; i++)
		n += count_rules(rs->chains[i].name, comment);
	return n;
}

static const struct rs_set *set(const char *name)
{
	int i = ruleset_set_index(rs, name);

	return i < 0 ? NULL : &rs->sets[i];
}

static void elem_text(const struct rs_elem *e, char *buf, size_t len)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN]; /* IPv4 only */

	inet_ntop(AF_INET, e->lo, lo, sizeof(lo));
	inet_ntop(AF_INET, e->hi, hi, sizeof(hi));
	snprintf(buf, len, "%s-%s", lo, hi);
}

START_TEST(test_expired_channel_left_out)
{
	build_at(DESIGN, 20260101);
	ck_assert_int_eq(rules_anywhere("channel old-proxy"), 0);
	ck_assert_int_eq(count_rules("pair_lgwan_internet", "channel vdi"), 1);
	teardown();
	/* The last valid day still permits it: no address lists, one rule. */
	build_at(DESIGN, 20251231);
	ck_assert_int_eq(
	    count_rules("pair_lgwan_internet", "channel old-proxy"), 1);
}
END_TEST

START_TEST(test_same_as_folded)
{
	build_at(DESIGN, 20260101);
	ck_assert_ptr_null(chain("to_govcloud"));
	ck_assert_ptr_null(set("z_govcloud_v4_g7"));
	ck_assert_int_lt(ruleset_counter_index(rs, "pass_internet_govcloud"),
			 0);
	const struct rs_set *s = set("z_mynumber_v4_g7");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 2);
	char buf[64];
	elem_text(&s->elems[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.1.0.0-10.1.255.255");
	elem_text(&s->elems[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.100.0.0-10.100.255.255");
}
END_TEST

START_TEST(test_designated_channel_present)
{
	build_at(DESIGN, 20260101);
	/* eltax goes to govcloud, which is the My Number zone for policy. */
	const struct rs_chain *ch = chain("pair_internet_mynumber");
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->n_rules, 1);
	const struct rs_rule *r = &ch->rules[0];
	ck_assert_str_eq(r->comment, "channel eltax");
	ck_assert_int_eq(r->verdict, RS_VERDICT_ACCEPT);
	ck_assert_uint_eq(r->n_match, 4);
	ck_assert_int_eq(r->match[0].kind, RS_MATCH_SADDR);
	ck_assert_str_eq(rs->sets[r->match[0].set].name, "ch_eltax_src_v4_g7");
	ck_assert_int_eq(r->match[3].kind, RS_MATCH_DPORT);
	ck_assert_uint_eq(r->match[3].lo, 443);
	ck_assert_str_eq(r->stmt[0].name, "pass_internet_mynumber");
	/* Only IPv4 destinations: no IPv6 rule although src has one. */
	ck_assert_ptr_null(set("ch_eltax_src_v6_g7"));
}
END_TEST

START_TEST(test_channels_in_pair_chains)
{
	build_at(DESIGN, 20260101);
	ck_assert_int_eq(
	    count_rules("pair_internet_lgwan", "channel mail-textify"), 1);
	ck_assert_int_eq(count_rules("pair_lgwan_internet", "channel vdi"), 1);
	ck_assert_int_eq(count_rules("pair_lgwan_internet", "channel ntp"), 1);
	ck_assert_int_eq(rules_anywhere("channel vdi"), 1);
	ck_assert_ptr_null(chain("pair_lgwan_mynumber"));
	ck_assert_ptr_null(chain("pair_mynumber_internet"));
	/* to_internet jumps to the lgwan pair chain for both families. */
	ck_assert_int_eq(
	    count_rules("to_internet", "permitted channels lgwan>internet"), 2);
	const struct rs_chain *to = chain("to_internet");
	const struct rs_rule *last = &to->rules[to->n_rules - 1];
	ck_assert_int_eq(last->verdict, RS_VERDICT_DROP);
	ck_assert_str_eq(last->stmt[0].name, "unzoned");
	/* vdi's two ports and a range become one anonymous set. */
	const struct rs_rule *r = &chain("pair_lgwan_internet")->rules[0];
	const struct rs_match *m = &r->match[r->n_match - 1];
	ck_assert_int_eq(m->kind, RS_MATCH_DPORT);
	ck_assert_int_ge(m->set, 0);
	ck_assert(rs->sets[m->set].anonymous);
	ck_assert_uint_eq(rs->sets[m->set].n_elems, 2);
}
END_TEST

START_TEST(test_host_chain_only_with_host_group)
{
	build_at(DESIGN, 20260101);
	const struct rs_chain *in = chain("input");
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(in->hook, RS_HOOK_INPUT);
	ck_assert_int_eq(count_rules("input", "host service 0 from zone lgwan"),
			 1);
	ck_assert_ptr_nonnull(set("host_0_src_v4_g7"));
	ck_assert_int_ge(ruleset_counter_index(rs, "host_drop"), 0);
	teardown();
	build_at(ALPHA, 20260101);
	if (conf->has_host)
		return;
	ck_assert_ptr_null(chain("input"));
	ck_assert_int_lt(ruleset_counter_index(rs, "host_drop"), 0);
	ck_assert_int_eq(chain("forward")->hook, RS_HOOK_FORWARD);
}
END_TEST

START_TEST(test_sets_hold_flattened_ranges)
{
	build_at(DESIGN, 20260101);
	const struct rs_set *s = set("z_internet_v4_g7");
	static const char *const want[] = {"0.0.0.0-10.0.255.255",
					   "10.3.0.0-10.99.255.255",
					   "10.101.0.0-255.255.255.255"};
	char buf[64];

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->n_elems, 3);
	for (size_t i = 0; i < 3; i++) {
		elem_text(&s->elems[i], buf, sizeof(buf));
		ck_assert_str_eq(buf, want[i]);
	}
	/* The map covers the same space, each range jumping to its zone. */
	const struct rs_set *m = set("dst_v4_g7");
	ck_assert_ptr_nonnull(m);
	ck_assert(m->is_map);
	ck_assert_uint_eq(m->n_elems, 6);
	ck_assert_str_eq(rs->chains[m->elems[1].chain].name, "to_mynumber");
	ck_assert_str_eq(rs->chains[m->elems[2].chain].name, "to_lgwan");
	ck_assert_str_eq(rs->chains[m->elems[4].chain].name, "to_mynumber");
}
END_TEST

START_TEST(test_counters_every_pair)
{
	build_at(DESIGN, 20260101);
	/* 3 policy zones: 6 ordered pairs x pass/drop, 3 spoof, unzoned, host.
	 */
	ck_assert_uint_eq(rs->n_counters, 12 + 3 + 1 + 1);
	ck_assert_int_ge(ruleset_counter_index(rs, "drop_lgwan_mynumber"), 0);
	ck_assert_int_ge(ruleset_counter_index(rs, "spoof_internet"), 0);
	/* Every rule carries a comment. */
	for (size_t i = 0; i < rs->n_chains; i++)
		for (size_t j = 0; j < rs->chains[i].n_rules; j++)
			ck_assert_int_gt(strlen(rs->chains[i].rules[j].comment),
					 0);
}
END_TEST

START_TEST(test_print)
{
	char *text = NULL;
	size_t len = 0;

	build_at(DESIGN, 20260101);
	FILE *f = open_memstream(&text, &len);
	ck_assert_int_eq(ruleset_print(rs, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "table inet bunri {\n"));
	ck_assert_ptr_nonnull(strstr(
	    text, "th dport { 443, 3389-3390 } counter name "
		  "\"pass_lgwan_internet\" accept comment \"channel vdi\""));
	ck_assert_ptr_nonnull(
	    strstr(text, "iifname \"eth1\" jump spoof_mynumber"));
	ck_assert_ptr_nonnull(strstr(text, "ip daddr vmap @dst_v4_g7"));
	ck_assert_ptr_nonnull(strstr(text, "10.1.0.0/16 : jump to_mynumber"));
	ck_assert_ptr_nonnull(
	    strstr(text, "log prefix \"bunri drop lgwan>mynumber: \""));
	/* Sets come before the chains that use them. */
	ck_assert_ptr_nonnull(strstr(text, "set z_lgwan_v4_g7"));
	ck_assert(strstr(text, "set z_lgwan_v4_g7") <
		  strstr(text, "chain forward"));
	ck_assert_ptr_null(strstr(text, "old-proxy"));
	free(text);
}
END_TEST

/*
 * The validator's verdict on zones @names (@n of them; with @same_as the
 * last one is same_as the first, and names nothing in the ruleset).
 */
static bool names_load(const char *const *names, size_t n, bool same_as)
{
	char text[2048];
	size_t off = 0;
	struct conf *c;

	off += snprintf(text, sizeof(text), "version = 1;\nzones = (\n");
	for (size_t i = 0; i < n; i++) {
		bool sa = same_as && i == n - 1;

		off +=
		    snprintf(text + off, sizeof(text) - off,
			     " { name = \"%s\"; networks = [ \"10.0.%zu.0/24\" "
			     "];%s%s%s },\n",
			     names[i], i, sa ? " same_as = \"" : "",
			     sa ? names[0] : "", sa ? "\";" : "");
	}
	snprintf(text + off - 2, sizeof(text) - off + 2, "\n);\n");
	c = conf_load_string(text, "t.conf", 20260101, NULL);
	conf_free(c);
	return c != NULL;
}

/* The ruleset builder's verdict on the same zones, given as plain data
 * without the validator. */
static bool names_build(const char *const *names, size_t n, bool same_as)
{
	struct conf_zone z[4];
	struct conf c = {.table = "bunri", .zones = z, .n_zones = n};
	struct ruleset *r = NULL;
	int rc;

	memset(z, 0, sizeof(z));
	for (size_t i = 0; i < n; i++) {
		z[i].name = (char *)names[i];
		z[i].same_as = same_as && i == n - 1 ? 0 : -1;
		z[i].policy = same_as && i == n - 1 ? 0 : (int)i;
	}
	rc = ruleset_build(&c, 20260101, 1, &r, NULL);
	ruleset_free(r);
	return rc == 0;
}

/*
 * Zone names joined with '_' name the pair counters and chains: the
 * validator refuses exactly the zones whose names the ruleset would make
 * twice. Every set of up to four names from a pool that overlaps in many
 * ways, with and without a same_as zone, loads if and only if its ruleset
 * builds.
 */
START_TEST(test_validator_refuses_exactly_the_name_clashes)
{
	static const char *const pool[] = {"a",	  "b",	"c",  "a_b",  "b_c",
					   "a_a", "a_", "_c", "b_c_a"};
	const unsigned n_pool = sizeof(pool) / sizeof(pool[0]);
	unsigned loaded = 0, refused = 0;

	for (unsigned mask = 1; mask < 1u << n_pool; mask++) {
		const char *names[4];
		size_t n = 0;

		if (__builtin_popcount(mask) > 4)
			continue;
		for (unsigned i = 0; i < n_pool; i++)
			if (mask & 1u << i)
				names[n++] = pool[i];
		for (int same_as = 0; same_as < (n > 1 ? 2 : 1); same_as++) {
			bool ok = names_load(names, n, same_as);

			ck_assert_msg(ok == names_build(names, n, same_as),
				      "%s %s %s %s (same_as %d): validator %s",
				      names[0], n > 1 ? names[1] : "",
				      n > 2 ? names[2] : "",
				      n > 3 ? names[3] : "", same_as,
				      ok ? "loads" : "refuses");
			if (ok)
				loaded++;
			else
				refused++;
		}
	}
	ck_assert_uint_gt(loaded, 0);
	ck_assert_uint_gt(refused, 0);
}
END_TEST

static Suite *ruleset_suite(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_expired_channel_left_out);
	tcase_add_test(tc, test_same_as_folded);
	tcase_add_test(tc, test_designated_channel_present);
	tcase_add_test(tc, test_channels_in_pair_chains);
	tcase_add_test(tc, test_host_chain_only_with_host_group);
	tcase_add_test(tc, test_sets_hold_flattened_ranges);
	tcase_add_test(tc, test_counters_every_pair);
	tcase_add_test(tc, test_print);
	tcase_add_test(tc, test_validator_refuses_exactly_the_name_clashes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ruleset_suite)
