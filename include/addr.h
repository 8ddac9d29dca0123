/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr: IPv4 and IPv6 addresses and prefixes, their parsing and their
 * canonical text form (RFC 5952 for IPv6).
 */
#ifndef BUNRI_ADDR_H
#define BUNRI_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/**
 * struct addr - one IPv4 or IPv6 address.
 * @family: AF_INET or AF_INET6
 * @b: network byte order; an IPv4 address uses b[0..3], the rest is zero
 */
struct addr {
	uint8_t family;
	uint8_t b[16];
};

/**
 * struct prefix - an address with a prefix length; host bits are zero.
 */
struct prefix {
	struct addr addr;
	uint8_t len;
};

/* Bits in an address of @family: 32 or 128. */
static inline unsigned addr_bits(int family)
{
	return family == 2 /* AF_INET */ ? 32u : 128u;
}

/* Parse "10.1.2.3" or "fd00::1". Returns 0, or -1 when malformed. */
int addr_parse(const char *s, struct addr *a);

/*
 * Parse "10.1.0.0/16", "fd00:1::/48" or a bare address (a host prefix).
 * Returns 0, or -1 with a reason in @why (static text) when malformed or when
 * host bits are set.
 */
int prefix_parse(const char *s, struct prefix *p, const char **why);

/* Canonical text of @a into @buf; returns its length (without the NUL). */
size_t addr_text(const struct addr *a, char buf[ADDR_STRLEN]);
/*
 * Whether addr_text() may use the processor's vector shuffles (SSSE3) for
 * IPv6, which it does where they exist; returns the previous setting. For
 * tests, which check both ways against inet_ntop().
 */
bool addr_text_fast(bool on);
/* Canonical text of @a into @buf (at least ADDR_STRLEN bytes); returns buf. */
const char *addr_format(const struct addr *a, char *buf, size_t len);
/* "10.1.0.0/16" form into @buf (at least ADDR_STRLEN + 4 bytes). */
const char *prefix_format(const struct prefix *p, char *buf, size_t len);

/* True when @a lies within @p (same family). */
bool prefix_contains(const struct prefix *p, const struct addr *a);
/* True when @inner lies wholly within @outer. */
bool prefix_covers(const struct prefix *outer, const struct prefix *inner);

bool addr_equal(const struct addr *a, const struct addr *b);
/* memcmp-style order: by family, then by bytes. */
int addr_cmp(const struct addr *a, const struct addr *b);

/*
 * If @a is an IPv4-mapped IPv6 address (::ffff:a.b.c.d), store the IPv4
 * address in @v4 and return true.
 */
bool addr_unmap_v4(const struct addr *a, struct addr *v4);

#endif
