// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fragmap: a datagram's first fragment found again by its identity, for
 * FRAGMAP_LIFE_US of capture time, two to a set, the older pushed out
 * and counted.
 */
#include <string.h>

#include "fragmap.h"
#include "unit.h"

#define T0 1763856000000000ull /* 2025-11-23, in microseconds */

static struct fragmap_id ident(uint32_t n, uint8_t proto)
{
	struct fragmap_id id;

	memset(&id, 0, sizeof(id));
	id.family = 2;
	id.src[0] = 10;
	id.src[3] = 7;
	id.dst[0] = 10;
	id.dst[3] = 9;
	id.id = n;
	id.proto = proto;
	return id;
}

static struct fragmap_fate fate_port(uint16_t port)
{
	struct fragmap_fate f = {.counted = true, .hash = port * 31u};

	f.key.port = port;
	return f;
}

START_TEST(test_found_by_identity)
{
	struct fragmap *m = fragmap_new();
	struct fragmap_id a = ident(1, 17), b = ident(2, 17), c = ident(1, 6);
	struct fragmap_fate fa = fate_port(2049), pass = {.counted = false};
	const struct fragmap_fate *got;

	ck_assert_ptr_nonnull(m);
	fragmap_note(m, &a, 5, T0, &fa);
	fragmap_note(m, &b, 6, T0, &pass);
	got = fragmap_find(m, &a, 5, T0 + 1000);
	ck_assert_ptr_nonnull(got);
	ck_assert(got->counted);
	ck_assert_uint_eq(got->key.port, 2049);
	got = fragmap_find(m, &b, 6, T0);
	ck_assert_ptr_nonnull(got);
	ck_assert(!got->counted);
	/* Another protocol, or the same identity under another hash (a
	 * caller's mistake): not that datagram. */
	ck_assert_ptr_null(fragmap_find(m, &c, 5, T0));
	ck_assert_ptr_null(fragmap_find(m, &a, 7, T0));
	ck_assert_uint_eq(fragmap_replaced(m), 0);
	ck_assert_uint_gt(fragmap_memory(m), FRAGMAP_SLOTS);
	fragmap_free(m);
}
END_TEST

/* Forgotten FRAGMAP_LIFE_US after the first fragment, either way in
 * time; an expired slot is taken without counting a loss. */
START_TEST(test_lifetime)
{
	struct fragmap *m = fragmap_new();
	struct fragmap_id a = ident(1, 17), b = ident(2, 17), c = ident(3, 17);
	struct fragmap_fate f = fate_port(53);

	ck_assert_ptr_nonnull(m);
	fragmap_note(m, &a, 9, T0, &f);
	ck_assert_ptr_nonnull(fragmap_find(m, &a, 9, T0 + FRAGMAP_LIFE_US - 1));
	ck_assert_ptr_null(fragmap_find(m, &a, 9, T0 + FRAGMAP_LIFE_US));
	ck_assert_ptr_nonnull(fragmap_find(m, &a, 9, T0 - FRAGMAP_LIFE_US + 1));
	ck_assert_ptr_null(fragmap_find(m, &a, 9, T0 - FRAGMAP_LIFE_US));
	fragmap_note(m, &b, 9, T0, &f);
	/* Both ways of the set held, the first expired: it goes quietly. */
	fragmap_note(m, &c, 9, T0 + FRAGMAP_LIFE_US, &f);
	ck_assert_uint_eq(fragmap_replaced(m), 0);
	ck_assert_ptr_nonnull(fragmap_find(m, &c, 9, T0 + FRAGMAP_LIFE_US));
	ck_assert_ptr_null(fragmap_find(m, &a, 9, T0 + 1));
	fragmap_free(m);
}
END_TEST

/* A third live datagram in a set pushes out the older one, counted; the
 * same identity again takes its own slot back, without a loss. */
START_TEST(test_set_full)
{
	struct fragmap *m = fragmap_new();
	struct fragmap_id a = ident(1, 17), b = ident(2, 17), c = ident(3, 17);
	struct fragmap_fate fa = fate_port(1), fb = fate_port(2),
			    fc = fate_port(3);

	ck_assert_ptr_nonnull(m);
	fragmap_note(m, &a, 42, T0, &fa);
	fragmap_note(m, &b, 42, T0 + 1, &fb);
	fragmap_note(m, &a, 42, T0 + 2, &fb); /* sent anew: a's fate now fb */
	ck_assert_uint_eq(fragmap_replaced(m), 0);
	ck_assert_uint_eq(fragmap_find(m, &a, 42, T0 + 3)->key.port, 2);
	fragmap_note(m, &c, 42, T0 + 3, &fc); /* b, now the older, goes */
	ck_assert_uint_eq(fragmap_replaced(m), 1);
	ck_assert_ptr_null(fragmap_find(m, &b, 42, T0 + 3));
	ck_assert_ptr_nonnull(fragmap_find(m, &a, 42, T0 + 3));
	ck_assert_uint_eq(fragmap_find(m, &c, 42, T0 + 3)->key.port, 3);
	/* Other sets are untouched by this one's. */
	fragmap_note(m, &b, 43, T0 + 3, &fb);
	ck_assert_uint_eq(fragmap_replaced(m), 1);
	fragmap_free(m);
}
END_TEST

static Suite *fragmap_suite(void)
{
	Suite *s = suite_create("fragmap");
	TCase *tc = tcase_create("fragmap");

	tcase_add_test(tc, test_found_by_identity);
	tcase_add_test(tc, test_lifetime);
	tcase_add_test(tc, test_set_full);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(fragmap_suite)
