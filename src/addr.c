// SPDX-License-Identifier: GPL-2.0-or-later
/* addr: IPv4/IPv6 addresses and prefixes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#define ADDR_SSSE3 1
#endif

#include "addr.h"

int addr_parse(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* True when no bit beyond the first @len of @a is set. */
static bool host_bits_clear(const struct addr *a, unsigned len)
{
	unsigned bits = addr_bits(a->family);

	for (unsigned i = len; i < bits; i++)
		if (a->b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int prefix_parse(const char *s, struct prefix *p, const char **why)
{
	char buf[ADDR_STRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "malformed address";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &p->addr) < 0) {
		*why = "malformed address";
		return -1;
	}
	unsigned bits = addr_bits(p->addr.family);
	if (!slash) {
		p->len = bits;
		return 0;
	}
	/* One to three digits and nothing after them, no leading zero. */
	const char *l = slash + 1;
	size_t digits = strspn(l, "0123456789");
	if (digits == 0 || digits > 3 || l[digits] || (l[0] == '0' && l[1])) {
		*why = "malformed prefix length";
		return -1;
	}
	unsigned long len = strtoul(l, NULL, 10);
	if (len > bits) {
		*why = "prefix length out of range";
		return -1;
	}
	p->len = len;
	if (!host_bits_clear(&p->addr, p->len)) {
		*why = "host bits set";
		return -1;
	}
	return 0;
}

/*
 * The decimal text of each octet followed by a dot, four bytes to a
 * store: "0.", "10.", "192.".
 */
struct octet_text {
	char s[4];
	uint8_t len; /* with the dot */
};

/* Character @i of octet @v's text: its digits, the dot, then zeros. */
#define OCT_DIGITS(v) ((v) >= 100 ? 3 : (v) >= 10 ? 2 : 1)
#define POW10(e) ((e) == 2 ? 100 : (e) == 1 ? 10 : 1)
#define OCT_C(v, i)                                                            \
	(char)((i) < OCT_DIGITS(v)                                             \
		   ? '0' + (v) / POW10(OCT_DIGITS(v) - 1 - (i)) % 10           \
	       : (i) == OCT_DIGITS(v) ? '.'                                    \
				      : 0)
#define OCT(v)                                                                 \
	{{OCT_C(v, 0), OCT_C(v, 1), OCT_C(v, 2), OCT_C(v, 3)},                 \
	 OCT_DIGITS(v) + 1}
#define OCT4(v) OCT(v), OCT((v) + 1), OCT((v) + 2), OCT((v) + 3)
#define OCT16(v) OCT4(v), OCT4((v) + 4), OCT4((v) + 8), OCT4((v) + 12)
#define OCT64(v) OCT16(v), OCT16((v) + 16), OCT16((v) + 32), OCT16((v) + 48)

static const struct octet_text octets[256] = {OCT64(0), OCT64(64),
					      OCT64(128), OCT64(192)};

/* Dotted quad at @p, which has room for 16 bytes; returns its end (NUL). */
static inline __attribute__((always_inline)) char *
format_quad(char *p, const uint8_t *b)
{
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		memcpy(p, octets[b[i]].s, 4);
		p += octets[b[i]].len;
	}
	*--p = '\0'; /* over the last dot */
	return p;
}

/* Bit i set when word i of @b (16 bytes, network order) is zero. */
static inline __attribute__((always_inline)) unsigned
zero_words(const uint8_t *b)
{
#if defined(__SSE2__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	unsigned m = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi16(v, _mm_setzero_si128()));

	/* Two equal bits a word: keep one. */
	m &= 0x5555;
	m = (m | m >> 1) & 0x3333;
	m = (m | m >> 2) & 0x0f0f;
	return (m | m >> 4) & 0xff;
#else
	unsigned mask = 0;

	for (int i = 0; i < 8; i++)
		mask |= (unsigned)((b[2 * i] | b[2 * i + 1]) == 0) << i;
	return mask;
#endif
}

/*
 * The longest run of set bits in @mask (8 bits), the first of equal runs:
 * its start in *@start, its length returned.
 */
static unsigned longest_run(unsigned mask, unsigned *start)
{
	unsigned best = 0;

	for (unsigned i = 0; i < 8;) {
		unsigned len = (unsigned)__builtin_ctz(~(mask >> i));

		if (len > best) {
			best = len;
			*start = i;
		}
		i += len + 1;
	}
	return best;
}

/*
 * The hex digits of the eight words of @b, four to a word with leading
 * zeros, word i at @hex + 4 i: with SSE2 in a few vector steps, else byte
 * by byte.
 */
static inline __attribute__((always_inline)) uint32_t
hex_words(const uint8_t *b, char hex[32])
{
	uint32_t zero = 0;
#if defined(__SSE2__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i low4 = _mm_set1_epi8(0x0f);
	__m128i lo = _mm_and_si128(v, low4);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4);
	/* Each byte's high nibble, then its low one, in address order. */
	__m128i n[2] = {_mm_unpacklo_epi8(hi, lo), _mm_unpackhi_epi8(hi, lo)};

	for (int i = 0; i < 2; i++) {
		__m128i above9 = _mm_cmpgt_epi8(n[i], _mm_set1_epi8(9));
		__m128i text = _mm_add_epi8(
		    _mm_add_epi8(n[i], _mm_set1_epi8('0')),
		    _mm_and_si128(above9, _mm_set1_epi8('a' - '0' - 10)));

		_mm_storeu_si128((__m128i *)(void *)(hex + 16 * i), text);
		zero |= (uint32_t)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(n[i], _mm_setzero_si128()))
			<< 16 * i;
	}
#else
	static const char digit[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digit[b[i] >> 4];
		hex[2 * i + 1] = digit[b[i] & 15];
		zero |= (uint32_t)(b[i] >> 4 == 0) << 2 * i;
		zero |= (uint32_t)((b[i] & 15) == 0) << (2 * i + 1);
	}
#endif
	return zero;
}

/*
 * Leading zero digits of a word whose digits' zero bits are @q (bit 0:
 * the first digit), 0 to 3: a zero word keeps one digit.
 */
static const uint8_t lead_zeros[16] = {0, 1, 0, 2, 0, 1, 0, 3,
				       0, 1, 0, 2, 0, 1, 0, 3};

/*
 * Word @i (its digits at @hex, their zero bits in @zero, as hex_words()
 * returns them) at @p without leading zeros, then
 * ':'; @p has room for 5 bytes. Returns the end. The four digits are read
 * as one word, which lies inside one of hex_words()' two stores (a read
 * across both would wait for them to land), shifted past the leading
 * zeros and stored whole: the extra bytes are written over next, or lie
 * inside the caller's room.
 */
static inline __attribute__((always_inline)) char *
put_word(char *p, const char *hex, uint32_t zero, unsigned i)
{
	unsigned skip = lead_zeros[zero >> 4 * i & 15];
	uint32_t x;

	memcpy(&x, hex + 4 * i, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x >>= 8 * skip;
#else
	x <<= 8 * skip;
#endif
	memcpy(p, &x, 4);
	p[4 - skip] = ':';
	return p + 5 - skip;
}

#ifdef ADDR_SSSE3
/*
 * The same text, for an address with no two zero words in a row, in four
 * shuffles: each takes the eight hex digits of two words, drops their
 * leading zeros and puts a ':' after each word. Which shuffle depends on
 * the leading zeros of the two words, 0 to 3 each: PAIR_MASK(s0, s1) takes
 * the digits from byte s0 of the first word and byte s1 of the second
 * (bytes 0-7 of the source); byte 8 of the source is a ':', and -1 writes
 * a zero. x86-64 has SSSE3 in every processor of the last fifteen years,
 * but not in its baseline: the code is chosen when the program starts.
 */
#define PAIR_N0(s0) (4 - (s0))
#define PAIR_B(s0, s1, k)                                                      \
	((k) < PAIR_N0(s0)		     ? (s0) + (k)                      \
	 : (k) == PAIR_N0(s0)		     ? 8                               \
	 : (k) < PAIR_N0(s0) + 1 + 4 - (s1)  ? 4 + (s1) + (k)-PAIR_N0(s0) - 1  \
	 : (k) == PAIR_N0(s0) + 1 + 4 - (s1) ? 8                               \
					     : -1)
#define PAIR_MASK(s0, s1)                                                      \
	{                                                                      \
		PAIR_B(s0, s1, 0), PAIR_B(s0, s1, 1), PAIR_B(s0, s1, 2),       \
		    PAIR_B(s0, s1, 3), PAIR_B(s0, s1, 4), PAIR_B(s0, s1, 5),   \
		    PAIR_B(s0, s1, 6), PAIR_B(s0, s1, 7), PAIR_B(s0, s1, 8),   \
		    PAIR_B(s0, s1, 9), PAIR_B(s0, s1, 10), PAIR_B(s0, s1, 11), \
		    PAIR_B(s0, s1, 12), PAIR_B(s0, s1, 13),                    \
		    PAIR_B(s0, s1, 14), PAIR_B(s0, s1, 15)                     \
	}
#define PAIR_MASKS(s0)                                                         \
	PAIR_MASK(s0, 0), PAIR_MASK(s0, 1), PAIR_MASK(s0, 2), PAIR_MASK(s0, 3)

static const int8_t pair_mask[16][16] __attribute__((aligned(16))) = {
    PAIR_MASKS(0), PAIR_MASKS(1), PAIR_MASKS(2), PAIR_MASKS(3)};

/* The shuffle of two words whose digits' zero bits are @z (8 bits). */
#define LEAD(q)	   ((q)&1 ? (q)&2 ? (q)&4 ? 3 : 2 : 1 : 0)
#define PAIR_IX(z) ((uint8_t)(LEAD((z)&15) * 4 + LEAD((z) >> 4 & 15)))
#define PAIR_IX4(z)                                                            \
	PAIR_IX(z), PAIR_IX((z) + 1), PAIR_IX((z) + 2), PAIR_IX((z) + 3)
#define PAIR_IX16(z)                                                           \
	PAIR_IX4(z), PAIR_IX4((z) + 4), PAIR_IX4((z) + 8), PAIR_IX4((z) + 12)
#define PAIR_IX64(z)                                                           \
	PAIR_IX16(z), PAIR_IX16((z) + 16), PAIR_IX16((z) + 32),                \
	    PAIR_IX16((z) + 48)

static const uint8_t pair_ix[256] = {PAIR_IX64(0), PAIR_IX64(64),
				     PAIR_IX64(128), PAIR_IX64(192)};

/* Text length of pair shuffle @ix, both colons counted. */
#define PAIR_LEN(ix) (10 - (ix) / 4 - (ix) % 4)
#define PAIR_LENS(s0)                                                          \
	PAIR_LEN(4 * (s0)), PAIR_LEN(4 * (s0) + 1), PAIR_LEN(4 * (s0) + 2),    \
	    PAIR_LEN(4 * (s0) + 3)

static const uint8_t pair_len[16] = {PAIR_LENS(0), PAIR_LENS(1), PAIR_LENS(2),
				     PAIR_LENS(3)};

/* @b's text at @out, which has ADDR_STRLEN bytes; returns the end (NUL).
 * The last shuffle's store reaches byte 45 at most. */
__attribute__((target("ssse3"))) static char *
format_v6_words_ssse3(const uint8_t *b, char *out)
{
	const __m128i digits =
	    _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a',
			  'b', 'c', 'd', 'e', 'f');
	const __m128i colons = _mm_set1_epi8(':');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i low4 = _mm_set1_epi8(0x0f);
	__m128i lo = _mm_and_si128(v, low4);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4);
	/* Each byte's high nibble, then its low one: words 0-3, 4-7. */
	__m128i n0 = _mm_unpacklo_epi8(hi, lo), n1 = _mm_unpackhi_epi8(hi, lo);
	uint32_t zero =
	    (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi8(n0, _mm_setzero_si128())) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(n1, _mm_setzero_si128()))
		<< 16;
	__m128i h0 = _mm_shuffle_epi8(digits, n0);
	__m128i h1 = _mm_shuffle_epi8(digits, n1);
	/* Each pair's digits in bytes 0-7, colons above. */
	__m128i src[4] = {
	    _mm_unpacklo_epi64(h0, colons), _mm_unpackhi_epi64(h0, colons),
	    _mm_unpacklo_epi64(h1, colons), _mm_unpackhi_epi64(h1, colons)};
	char *p = out;

#pragma GCC unroll 4
	for (int k = 0; k < 4; k++) {
		unsigned ix = pair_ix[zero >> 8 * k & 0xff];
		__m128i m = _mm_load_si128(
		    (const __m128i *)(const void *)pair_mask[ix]);

		_mm_storeu_si128((__m128i *)(void *)p,
				 _mm_shuffle_epi8(src[k], m));
		p += pair_len[ix];
	}
	*--p = '\0'; /* over the last colon */
	return p;
}

static bool use_ssse3;

__attribute__((constructor)) static void addr_text_init(void)
{
	__builtin_cpu_init();
	use_ssse3 = __builtin_cpu_supports("ssse3");
}

bool addr_text_fast(bool on)
{
	bool was = use_ssse3;

	use_ssse3 = on && __builtin_cpu_supports("ssse3");
	return was;
}
#else
bool addr_text_fast(bool on)
{
	(void)on;
	return false;
}
#endif

/*
 * RFC 5952 text, as glibc's inet_ntop() writes it (which costs a sprintf
 * per word, and the offline audit formats an address per alert): the
 * longest run of two or more zero words becomes "::" (the first of equal
 * runs), hex digits in lower case without leading zeros, and an
 * IPv4-mapped or IPv4-compatible address ends in dotted quad.
 */
static char *format_v6(const uint8_t *b, char *out)
{
	unsigned zeros = zero_words(b);
	unsigned best = 0, blen = 0;
	_Alignas(16) char hex[32];
	char *p = out;

	/* Most addresses have no two zero words in a row: nothing to fold. */
	if (zeros & zeros >> 1)
		blen = longest_run(zeros, &best);
	if (blen < 2) {
#ifdef ADDR_SSSE3
		if (use_ssse3)
			return format_v6_words_ssse3(b, out);
#endif
		uint32_t zero = hex_words(b, hex);

		for (unsigned i = 0; i < 8; i++)
			p = put_word(p, hex, zero, i);
		*--p = '\0';
		return p;
	}
	if (best == 0 &&
	    (blen == 6 || (blen == 5 && b[10] == 0xff && b[11] == 0xff))) {
		memcpy(p, blen == 6 ? "::" : "::ffff:", blen == 6 ? 2 : 7);
		return format_quad(p + (blen == 6 ? 2 : 7), b + 12);
	}
	uint32_t zero = hex_words(b, hex);

	for (unsigned i = 0; i < best; i++)
		p = put_word(p, hex, zero, i);
	if (best == 0)
		*p++ = ':';
	*p++ = ':';
	for (unsigned i = best + blen; i < 8; i++)
		p = put_word(p, hex, zero, i);
	if (best + blen < 8)
		p--;
	*p = '\0';
	return p;
}

size_t addr_text(const struct addr *a, char buf[ADDR_STRLEN])
{
	char *end = a->family == AF_INET ? format_quad(buf, a->b)
					 : format_v6(a->b, buf);

	return (size_t)(end - buf);
}

const char *addr_format(const struct addr *a, char *buf, size_t len)
{
	if (len >= ADDR_STRLEN) {
		addr_text(a, buf);
		return buf;
	}
	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->b, buf,
		       len))
		snprintf(buf, len, "?");
	return buf;
}

const char *prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_format(&p->addr, a, sizeof(a)),
		 p->len);
	return buf;
}

/* Do the first @len bits of @x and @y agree? */
static bool bits_equal(const uint8_t *x, const uint8_t *y, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	if (memcmp(x, y, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = 0xff << (8 - rest);
	return (x[whole] & mask) == (y[whole] & mask);
}

bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	return p->addr.family == a->family &&
	       bits_equal(p->addr.b, a->b, p->len);
}

bool prefix_covers(const struct prefix *outer, const struct prefix *inner)
{
	return outer->addr.family == inner->addr.family &&
	       outer->len <= inner->len &&
	       bits_equal(outer->addr.b, inner->addr.b, outer->len);
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	return addr_cmp(a, b) == 0;
}

int addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16);
}

bool addr_unmap_v4(const struct addr *a, struct addr *v4)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff};

	if (a->family != AF_INET6 || memcmp(a->b, mapped, 12) != 0)
		return false;
	memset(v4, 0, sizeof(*v4));
	v4->family = AF_INET;
	memcpy(v4->b, a->b + 12, 4);
	return true;
}
