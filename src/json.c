// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json: string escaping and key/value helpers for the JSON outputs. One
 * escaper serves both the FILE writers here and the alert formatter
 * (json_string_format()), so every JSON bunri prints escapes alike.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

/*
 * Bytes copied as they are without a look at their neighbours: printable
 * ASCII but '"' and '\\'. NUL is not one, so a run stops at the end.
 */
#define PLAIN1(c) ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
#define PLAIN4(c) PLAIN1(c), PLAIN1(c + 1), PLAIN1(c + 2), PLAIN1(c + 3)
#define PLAIN32(c)                                                             \
	PLAIN4(c), PLAIN4(c + 4), PLAIN4(c + 8), PLAIN4(c + 12),               \
	    PLAIN4(c + 16), PLAIN4(c + 20), PLAIN4(c + 24), PLAIN4(c + 28)
static const bool json_plain[256] = {
    PLAIN32(0x00),
    PLAIN32(0x20),
    PLAIN32(0x40),
    PLAIN32(0x60),
};

/*
 * The escaped form of the special byte (or UTF-8 sequence) at *@sp into
 * @piece (6 bytes): a quote or backslash escaped, a control byte as
 * \u00XX, a valid sequence as it is, a byte that starts none as U+FFFD.
 * Returns its length and advances *@sp.
 */
static size_t escape_piece(char piece[6], const unsigned char **sp)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = *sp;
	size_t n;

	if (*s == '"' || *s == '\\') {
		piece[0] = '\\';
		piece[1] = (char)*s;
		*sp = s + 1;
		return 2;
	}
	if (*s < 0x20 || *s == 0x7f) {
		memcpy(piece, "\\u00", 4);
		piece[4] = hex[*s >> 4];
		piece[5] = hex[*s & 15];
		*sp = s + 1;
		return 6;
	}
	n = utf8_seq_len(s);
	if (n == 0) {
		memcpy(piece, "\\ufffd", 6); /* not UTF-8: replaced */
		*sp = s + 1;
		return 6;
	}
	memcpy(piece, s, n);
	*sp = s + n;
	return n;
}

/*
 * Escape the string at *@sp into @dst until it ends or the next piece
 * does not fit in @room (plain bytes are cut anywhere, a piece never), and
 * advance *@sp past what was written. Returns the bytes written; with
 * @room of 6 or more it always makes progress.
 */
static size_t escape_some(char *dst, size_t room, const unsigned char **sp)
{
	const unsigned char *s = *sp;
	size_t pos = 0;

	for (;;) {
		const unsigned char *run = s;
		char piece[6];
		size_t n;

		while (json_plain[*run])
			run++;
		n = (size_t)(run - s);
		if (n > room - pos) {
			n = room - pos;
			memcpy(dst + pos, s, n);
			pos += n;
			s += n;
			break;
		}
		memcpy(dst + pos, s, n);
		pos += n;
		s = run;
		if (!*s)
			break;
		const unsigned char *next = s;
		n = escape_piece(piece, &next);
		if (n > room - pos)
			break;
		memcpy(dst + pos, piece, n);
		pos += n;
		s = next;
	}
	*sp = s;
	return pos;
}

size_t json_string_format(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0;

	if (!s) {
		if (len > 0)
			memcpy(buf, "null", len < 4 ? len : 4);
		return 4;
	}
	if (len > 0)
		buf[0] = '"';
	pos = 1;
	/* Most strings are short plain ASCII: copied here at once. */
	while (pos < len && json_plain[*p])
		buf[pos++] = (char)*p++;
	if (*p && pos < len)
		pos += escape_some(buf + pos, len - pos, &p);
	/* Cut short: count the rest, storing what still fits. */
	while (*p) {
		char tmp[128];
		size_t n = escape_some(tmp, sizeof(tmp), &p);

		if (pos < len)
			memcpy(buf + pos, tmp, len - pos < n ? len - pos : n);
		pos += n;
	}
	if (pos < len)
		buf[pos] = '"';
	return pos + 1;
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
		char tmp[256];
		size_t n = escape_some(tmp, sizeof(tmp), &p);

		fwrite(tmp, 1, n, f);
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
