// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of json: the string escaper behind every JSON bunri prints,
 * written to a FILE (json_string) and to a buffer (json_string_format).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* What json_string() writes for @s, from a memory stream. */
static char *written(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	json_string(f, s);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

/* json_string_format() into an exact-size buffer, terminated here. */
static char *formatted(const char *s)
{
	size_t need = json_string_format(NULL, 0, s);
	char *buf = malloc(need + 1);

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(json_string_format(buf, need, s), need);
	buf[need] = '\0';
	return buf;
}

static void check_both(const char *s, const char *want)
{
	char *w = written(s), *f = formatted(s);

	ck_assert_str_eq(w, want);
	ck_assert_str_eq(f, want);
	free(w);
	free(f);
}

START_TEST(test_escapes)
{
	check_both(NULL, "null");
	check_both("", "\"\"");
	check_both("lgwan", "\"lgwan\"");
	check_both("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"");
	check_both("\x01\n\x1f\x7f", "\"\\u0001\\u000a\\u001f\\u007f\"");
	check_both("LGWAN接続系", "\"LGWAN接続系\"");
	/* Stray continuation, cut sequence, overlong, surrogate, too big. */
	check_both("\x80x\xe3\x83y\xc0\xafz\xed\xa0\x80",
		   "\"\\ufffdx\\ufffd\\ufffdy\\ufffd\\ufffdz"
		   "\\ufffd\\ufffd\\ufffd\"");
	check_both("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
	check_both("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

/*
 * Long strings cross the escaper's internal chunks: the text is the same
 * whether a piece lands on a chunk boundary or not.
 */
START_TEST(test_long)
{
	static const char *const pieces[] = {"a",    "\"", "\x01",
					     "\xff", "接", "\xf0\x9f\x98\x80"};
	char s[1200];
	size_t n = 0;

	for (unsigned i = 0; n + 4 < sizeof(s) - 1; i++) {
		const char *p = pieces[(i * 7 + i / 3) % 6];

		memcpy(s + n, p, strlen(p));
		n += strlen(p);
	}
	s[n] = '\0';

	char *w = written(s), *f = formatted(s);
	ck_assert_str_eq(w, f);
	ck_assert_uint_gt(strlen(w), n);
	free(w);
	free(f);
}
END_TEST

/*
 * For every buffer size, the stored bytes are the start of the whole
 * text, nothing is written past the buffer (each is allocated at its
 * exact size for ASan) and the return value is the whole length.
 */
START_TEST(test_truncation)
{
	static const char *const inputs[] = {
	    "plain", "q\"uo\\te", "ctl\n\x7f", "接続\xff系", "",
	};

	for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		char *full = formatted(inputs[k]);
		size_t need = strlen(full);

		for (size_t len = 0; len <= need + 2; len++) {
			char *buf = len ? malloc(len) : NULL;

			if (len)
				ck_assert_ptr_nonnull(buf);
			ck_assert_uint_eq(
			    json_string_format(buf, len, inputs[k]), need);
			size_t got = len < need ? len : need;
			if (got)
				ck_assert_int_eq(memcmp(buf, full, got), 0);
			free(buf);
		}
		free(full);
	}
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("string");

	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_truncation);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(json_suite)
