// SPDX-License-Identifier: GPL-2.0-or-later
/* json: string escaping and key/value helpers for the JSON outputs. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at @s (1..4), or 0 when invalid. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values beyond U+10FFFF. */
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	while (*p) {
		size_t n;
		if (*p == '"' || *p == '\\') {
			putc('\\', f);
			putc(*p++, f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_seq_len(p)) == 0) {
			fputs("\\ufffd", f); /* not UTF-8: replaced */
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	putc('"', f);
}

static void json_key(FILE *f, int comma, const char *key)
{
	if (comma)
		putc(',', f);
	json_string(f, key);
	putc(':', f);
}

void json_kv_str(FILE *f, int comma, const char *key, const char *value)
{
	json_key(f, comma, key);
	json_string(f, value);
}

void json_kv_u64(FILE *f, int comma, const char *key, uint64_t value)
{
	json_key(f, comma, key);
	fprintf(f, "%" PRIu64, value);
}

void json_kv_bool(FILE *f, int comma, const char *key, int value)
{
	json_key(f, comma, key);
	fputs(value ? "true" : "false", f);
}
