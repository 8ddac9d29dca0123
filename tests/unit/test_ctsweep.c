// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which tracked connections may stay after a commit (ct_permitted()): the
 * decision of the sweep, on the sample configuration. The sweep itself,
 * against the kernel's table, is tested in tests/integration/.
 */
#include <netinet/in.h>
#include <string.h>

#include "ctsweep.h"
#include "unit.h"

#define TODAY 20261123u

static struct conf *conf;

static void setup(void)
{
	conf = conf_load(TEST_SRCDIR "/conf/bunri.conf", TODAY, stderr);
	ck_assert_ptr_nonnull(conf);
}

static void teardown(void)
{
	conf_free(conf);
}

static bool stays(const char *src, const char *dst, uint8_t proto,
		  uint16_t dport, uint32_t today, const struct addr *local,
		  size_t n_local)
{
	struct flow_tuple t;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(addr_parse(src, &t.src), 0);
	ck_assert_int_eq(addr_parse(dst, &t.dst), 0);
	t.proto = proto;
	t.has_ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP;
	t.sport = 40000;
	t.dport = dport;
	return ct_permitted(conf, today, &t, local, n_local);
}

START_TEST(what_may_stay)
{
	/* Intra-zone, and a channel's own direction. */
	ck_assert(stays("10.2.0.7", "10.2.0.25", IPPROTO_TCP, 25, TODAY, NULL, 0));
	ck_assert(stays("203.0.113.25", "10.2.0.25", IPPROTO_TCP, 25, TODAY,
			NULL, 0));
	ck_assert(stays("10.2.0.7", "203.0.113.10", IPPROTO_TCP, 443, TODAY,
			NULL, 0));
	/* Cross-zone without a channel; a channel's port missed. */
	ck_assert(!stays("10.2.0.7", "10.1.0.9", IPPROTO_TCP, 445, TODAY, NULL,
			 0));
	ck_assert(!stays("10.2.0.7", "203.0.113.10", IPPROTO_TCP, 22, TODAY,
			 NULL, 0));
	/* Started the wrong way round: no rule lets that begin. */
	ck_assert(!stays("10.2.0.25", "203.0.113.25", IPPROTO_TCP, 25, TODAY,
			 NULL, 0));
	/* An end in no zone. */
	ck_assert(!stays("10.2.0.7", "198.18.0.1", IPPROTO_TCP, 80, TODAY, NULL,
			 0));
	/* A channel past its last day. */
	ck_assert(!stays("203.0.113.25", "10.2.0.25", IPPROTO_TCP, 25,
			 20290401u, NULL, 0));
	ck_assert(stays("203.0.113.25", "10.2.0.25", IPPROTO_TCP, 25, 20290331u,
			NULL, 0));
}
END_TEST

START_TEST(the_gateways_own_stay)
{
	struct addr local[2];

	ck_assert_int_eq(addr_parse("10.2.0.1", &local[0]), 0);
	ck_assert_int_eq(addr_parse("fd00:2::1", &local[1]), 0);
	/* An administrator's session to the gateway, from another zone. */
	ck_assert(stays("10.1.0.9", "10.2.0.1", IPPROTO_TCP, 22, TODAY, local,
			2));
	ck_assert(stays("10.2.0.1", "10.1.0.9", IPPROTO_TCP, 443, TODAY, local,
			2));
	ck_assert(!stays("10.1.0.9", "10.2.0.2", IPPROTO_TCP, 22, TODAY, local,
			 2));
	ck_assert(stays("127.0.0.1", "127.0.0.5", IPPROTO_UDP, 53, TODAY, NULL,
			0));
	ck_assert(stays("::1", "::1", IPPROTO_TCP, 80, TODAY, NULL, 0));
}
END_TEST

static Suite *ctsweep_suite(void)
{
	Suite *s = suite_create("ctsweep");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, what_may_stay);
	tcase_add_test(tc, the_gateways_own_stay);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ctsweep_suite)
