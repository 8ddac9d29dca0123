// SPDX-License-Identifier: GPL-2.0-or-later
/* Addresses: parsing, prefixes, and the text form against inet_ntop. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "unit.h"

static void expect_same_as_libc(const struct addr *a)
{
	char ours[ADDR_STRLEN], libc[ADDR_STRLEN];

	addr_format(a, ours, sizeof(ours));
	ck_assert_ptr_nonnull(inet_ntop(a->family, a->b, libc, sizeof(libc)));
	ck_assert_str_eq(ours, libc);
}

/* Every IPv6 case, the processor's fast way and the portable way. */
START_TEST(v6_text_every_zero_pattern)
{
	bool was = addr_text_fast(_i == 0);

	/* Every pattern of zero words, with random non-zero words of one
	 * to four digits, plus the mapped and compatible forms that end in
	 * a dotted quad. */
	static const unsigned digits[] = {0xf, 0xff, 0xfff, 0xffff};
	struct addr a = { .family = AF_INET6 };
	unsigned seed = 1;

	for (unsigned mask = 0; mask < 256; mask++) {
		for (int round = 0; round < 64; round++) {
			for (int w = 0; w < 8; w++) {
				unsigned v = 0;
				if (mask & (1u << w))
					while (v == 0)
						v = rand_r(&seed) &
						    digits[(round + w) % 4];
				a.b[2 * w] = v >> 8;
				a.b[2 * w + 1] = v & 0xff;
			}
			expect_same_as_libc(&a);
			if ((mask & 0x1f) == 0) { /* ::ffff:a.b.c.d */
				a.b[10] = a.b[11] = 0xff;
				expect_same_as_libc(&a);
			}
		}
	}
	addr_text_fast(was);
}
END_TEST

/*
 * Every combination of word widths, one to four digits in each of the
 * eight words (a lone zero word is one digit), both ways: the fast way
 * takes two words at once, and each pair of widths is a case of its own.
 */
START_TEST(v6_text_every_word_width)
{
	bool was = addr_text_fast(_i == 0);
	struct addr a = {.family = AF_INET6};
	unsigned seed = 3;

	for (unsigned widths = 0; widths < 1u << 16; widths++) {
		for (int w = 0; w < 8; w++) {
			unsigned digits = (widths >> 2 * w & 3) + 1;
			unsigned lo = digits == 1 ? 0 : 1u << 4 * (digits - 1);
			unsigned v = lo + (unsigned)rand_r(&seed) %
					      ((1u << 4 * digits) - lo);

			a.b[2 * w] = (uint8_t)(v >> 8);
			a.b[2 * w + 1] = (uint8_t)v;
		}
		expect_same_as_libc(&a);
	}
	addr_text_fast(was);
}
END_TEST

START_TEST(v4_text)
{
	struct addr a = { .family = AF_INET };
	unsigned seed = 7;

	for (int i = 0; i < 100000; i++) {
		uint32_t v = (uint32_t)rand_r(&seed) ^ (uint32_t)rand_r(&seed)
								<< 16;
		memcpy(a.b, &v, 4);
		expect_same_as_libc(&a);
	}
	static const uint8_t edge[][4] = { { 0, 0, 0, 0 },
					   { 255, 255, 255, 255 },
					   { 10, 0, 100, 9 },
					   { 1, 20, 199, 200 } };
	for (size_t i = 0; i < 4; i++) {
		memcpy(a.b, edge[i], 4);
		expect_same_as_libc(&a);
	}
}
END_TEST

START_TEST(short_buffer_falls_back)
{
	struct addr a;
	char buf[8];

	ck_assert_int_eq(addr_parse("2001:db8::1", &a), 0);
	addr_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "?");
	ck_assert_int_eq(addr_parse("10.1.2.3", &a), 0);
	char b4[9];
	ck_assert_str_eq(addr_format(&a, b4, sizeof(b4)), "10.1.2.3");
}
END_TEST

START_TEST(prefixes)
{
	struct prefix p, q;
	struct addr a;
	const char *why;

	ck_assert_int_eq(prefix_parse("10.1.0.0/16", &p, &why), 0);
	ck_assert_int_eq(p.len, 16);
	ck_assert_int_eq(prefix_parse("10.1.0.1/16", &p, &why), -1);
	ck_assert_str_eq(why, "host bits set");
	ck_assert_int_eq(prefix_parse("10.1.0.0/33", &p, &why), -1);
	ck_assert_int_eq(prefix_parse("10.1.0.0/016", &p, &why), -1);
	ck_assert_int_eq(prefix_parse("10.1.0.0/", &p, &why), -1);
	ck_assert_int_eq(prefix_parse("/8", &p, &why), -1);
	/* Nothing may follow the length. */
	static const char *const tails[] = {"10.2.0.0/16a", "10.2.0.0/16 ",
					    "fd00:1::/48#", "10.2.0.25/32x",
					    "10.2.0.0/1/6", "10.2.0.0/+16",
					    "10.2.0.0/ 16", "10.2.0.0/1000"};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		ck_assert_int_eq(prefix_parse(tails[i], &p, &why), -1);
		ck_assert_str_eq(why, "malformed prefix length");
	}
	ck_assert_int_eq(prefix_parse("fd00:1::/48", &p, &why), 0);
	ck_assert_int_eq(prefix_parse("fd00:1::/129", &p, &why), -1);
	ck_assert_int_eq(prefix_parse("10.2.0.25", &p, &why), 0);
	ck_assert_int_eq(p.len, 32);
	ck_assert_int_eq(prefix_parse("0.0.0.0/0", &q, &why), 0);
	ck_assert(prefix_covers(&q, &p));
	ck_assert(!prefix_covers(&p, &q));
	addr_parse("10.2.0.25", &a);
	ck_assert(prefix_contains(&p, &a));
	addr_parse("::ffff:10.2.0.25", &a);
	ck_assert(!prefix_contains(&p, &a)); /* another family */
	struct addr v4;
	ck_assert(addr_unmap_v4(&a, &v4));
	ck_assert(prefix_contains(&p, &v4));
	char buf[ADDR_STRLEN + 4];
	ck_assert_int_eq(prefix_parse("fd00:1:0:0::/64", &p, &why), 0);
	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), "fd00:1::/64");
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, v6_text_every_zero_pattern, 0, 2);
	tcase_add_loop_test(tc, v6_text_every_word_width, 0, 2);
	tcase_add_test(tc, v4_text);
	tcase_add_test(tc, short_buffer_falls_back);
	tcase_add_test(tc, prefixes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(addr_suite)
