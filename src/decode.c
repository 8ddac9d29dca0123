// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decode: untrusted packet bytes to struct decoded.
 *
 * One static function per layer, each given a pointer and the number of
 * bytes it may read. Every header length is checked against those bytes
 * before a field is read; a layer that does not fit sets d->truncated (when
 * the capture ended it) and stops. Nothing is allocated and nothing outside
 * @d is written, so the decoder can be fed anything.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode.h"

#define ETH_HLEN     14
#define VLAN_TAG_LEN 4
/* More tags than this is no real network: stop rather than walk on. */
#define VLAN_MAX_DEPTH 8
#define SLL_HLEN       16
#define SLL2_HLEN      20
#define ARPHRD_ETHER   1

#define ETHERTYPE_IPV4	   0x0800
#define ETHERTYPE_ARP	   0x0806
#define ETHERTYPE_VLAN	   0x8100
#define ETHERTYPE_QINQ	   0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendor S-tag */
#define ETHERTYPE_IPV6	   0x86dd

#define ARP_LEN_ETH_IPV4 28
#define ARP_OP_REQUEST	 1
#define ARP_OP_REPLY	 2

#define IPV4_HLEN    20
#define IPV4_MF	     0x2000
#define IPV4_OFFMASK 0x1fff

#define IPV6_HLEN 40
/* Bounds the walk; RFC 8200 allows at most a handful in practice. */
#define IPV6_MAX_EXTHDRS 16
#define IPV6_FRAG_LEN	 8
#define IPV6_NEXT_NONE	 59

#define TCP_HLEN  20
#define UDP_HLEN  8
#define ICMP_HLEN 4

#define ND_NS	     135
#define ND_NA	     136
#define ND_HLEN	     24 /* ICMPv6 header, reserved/flags, target address */
#define ND_OPT_SLLA  1
#define ND_OPT_TLLA  2
#define ND_HOP_LIMIT 255

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void set_addr(struct addr *a, int family, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->b, p, family == AF_INET ? 4 : 16);
}

static bool ipv6_unspecified(const uint8_t *p)
{
	for (int i = 0; i < 16; i++)
		if (p[i])
			return false;
	return true;
}

/* An ICMP error's header before the packet it quotes (RFC 792, 4443). */
#define ICMP_ERR_HLEN 8

/* Is ICMP (@v6: ICMPv6) type @type an error that quotes a packet? */
static bool icmp_is_error(uint8_t type, bool v6)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * The addresses, protocol and ports of the packet an ICMP error quotes,
 * @len bytes at @p, into d->inner: what an error is about decides whether
 * it belongs to a permitted flow. IPv6 extension headers are not walked:
 * such a quote gives its addresses only. Nothing beyond @len is read.
 */
static void decode_quoted(const uint8_t *p, uint32_t len, bool v6,
			  struct decoded *d)
{
	struct flow_tuple *t = &d->inner;
	uint32_t hlen;

	if (!v6) {
		if (len < IPV4_HLEN || (p[0] >> 4) != 4)
			return;
		hlen = (uint32_t)(p[0] & 0x0f) * 4;
		if (hlen < IPV4_HLEN || hlen > len)
			return;
		set_addr(&t->src, AF_INET, p + 12);
		set_addr(&t->dst, AF_INET, p + 16);
		t->proto = p[9];
		/* A later fragment quotes no transport header. */
		if (rd16(p + 6) & IPV4_OFFMASK)
			hlen = len;
	} else {
		if (len < IPV6_HLEN || (p[0] >> 4) != 6)
			return;
		hlen = IPV6_HLEN;
		set_addr(&t->src, AF_INET6, p + 8);
		set_addr(&t->dst, AF_INET6, p + 24);
		t->proto = p[6];
	}
	d->has_inner = true;
	if ((t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP) &&
	    len - hlen >= 4) {
		t->sport = rd16(p + hlen);
		t->dport = rd16(p + hlen + 2);
		t->has_ports = true;
	}
}

static void decode_icmp(const uint8_t *p, uint32_t len, bool cut,
			struct decoded *d)
{
	if (len < ICMP_HLEN) {
		d->truncated = cut;
		return;
	}
	d->has_icmp = true;
	d->icmp_type = p[0];
	d->icmp_code = p[1];
	bool v6 = d->l3 == DECODE_L3_IPV6;
	if (icmp_is_error(p[0], v6) && len > ICMP_ERR_HLEN)
		decode_quoted(p + ICMP_ERR_HLEN, len - ICMP_ERR_HLEN, v6, d);
}

/*
 * Walk the options of a neighbour solicitation or advertisement for the
 * link-layer address option of @want (8 bytes on Ethernet). Returns a
 * pointer to the 6-byte MAC, or NULL.
 */
static const uint8_t *nd_find_lladdr(const uint8_t *p, uint32_t len, bool cut,
				     uint8_t want, struct decoded *d)
{
	uint32_t off = ND_HLEN;

	while (off < len) {
		if (len - off < 2) {
			d->truncated = cut;
			return NULL;
		}
		uint32_t olen = (uint32_t)p[off + 1] * 8;

		/* RFC 4861 4.6: a zero length is invalid, and would loop. */
		if (olen == 0)
			return NULL;
		if (olen > len - off) {
			d->truncated = cut;
			return NULL;
		}
		if (p[off] == want && olen == 8)
			return p + off + 2;
		off += olen;
	}
	/* The capture may have ended before the option we want. */
	d->truncated = cut;
	return NULL;
}

/*
 * Neighbour discovery is where an IPv6 host announces its MAC. RFC 4861
 * requires hop limit 255 and code 0, and RFC 6980 forbids fragmenting it;
 * anything else was routed or forged and says nothing about this link.
 */
static void decode_nd(const uint8_t *p, uint32_t len, bool cut,
		      uint8_t hop_limit, struct decoded *d)
{
	const uint8_t *ip;
	const uint8_t *mac;

	if (len < ND_HLEN) {
		d->truncated = cut;
		return;
	}
	if (hop_limit != ND_HOP_LIMIT || p[1] != 0 || d->fragment)
		return;
	if (p[0] == ND_NS) {
		/* A duplicate address probe from :: binds nothing yet. */
		ip = d->tuple.src.b;
		if (ipv6_unspecified(ip) || ip[0] == 0xff)
			return;
		mac = nd_find_lladdr(p, len, cut, ND_OPT_SLLA, d);
	} else {
		ip = p + 8;
		if (ipv6_unspecified(ip) || ip[0] == 0xff)
			return;
		mac = nd_find_lladdr(p, len, cut, ND_OPT_TLLA, d);
	}
	if (!mac)
		return;
	d->has_sighting = true;
	set_addr(&d->sight_ip, AF_INET6, ip);
	memcpy(d->sight_mac, mac, 6);
}

static void decode_icmpv6(const uint8_t *p, uint32_t len, bool cut,
			  uint8_t hop_limit, struct decoded *d)
{
	decode_icmp(p, len, cut, d);
	if (d->has_icmp && (p[0] == ND_NS || p[0] == ND_NA))
		decode_nd(p, len, cut, hop_limit, d);
}

/*
 * The ports of TCP or UDP (@tcp says which), and TCP's flags: without a
 * branch on which, which a capture of both mixed at random would
 * mispredict every other packet. Only bytes of the header of the one it
 * is are read.
 */
static void decode_ports(bool tcp, const uint8_t *p, uint32_t len, bool cut,
			 struct decoded *d)
{
	/* Selections by arithmetic: a conditional would be a branch. */
	uint8_t is_tcp = tcp;

	if (len < UDP_HLEN + (TCP_HLEN - UDP_HLEN) * (uint32_t)is_tcp) {
		d->truncated = cut;
		return;
	}
	/* TCP's data offset and flags; for UDP, its first byte read in
	 * their place and not used. */
	uint32_t hlen = (uint32_t)(p[12 * is_tcp] >> 4) * 4;
	uint8_t flags = p[13 * is_tcp];
	uint16_t ulen = rd16(p + 4);
	/* A TCP data offset below the fixed header is forged, and options
	 * beyond the segment's own length are malformed unless the capture
	 * cut them off; a UDP length of 1 to 7 cannot hold the header (0
	 * is a jumbogram, RFC 2675). */
	bool bad_tcp = (hlen < TCP_HLEN) | ((hlen > len) & !cut);
	bool bad_udp = (ulen != 0) & (ulen < UDP_HLEN);

	if ((tcp & bad_tcp) | (!tcp & bad_udp))
		return;
	d->truncated |= tcp & (hlen > len);
	d->tuple.sport = rd16(p);
	d->tuple.dport = rd16(p + 2);
	d->tuple.has_ports = true;
	d->tcp_flags = (uint8_t)(flags & -is_tcp); /* 0 for UDP */
}

/* ICMP and ICMPv6; out of line, so that TCP and UDP, most packets, go
 * without the stack frame these calls need. */
static __attribute__((noinline)) void
decode_l4_other(uint8_t proto, const uint8_t *p, uint32_t len, bool cut,
		uint8_t hop_limit, struct decoded *d)
{
	switch (proto) {
	case IPPROTO_ICMP:
		if (d->l3 == DECODE_L3_IPV4)
			decode_icmp(p, len, cut, d);
		break;
	case IPPROTO_ICMPV6:
		if (d->l3 == DECODE_L3_IPV6)
			decode_icmpv6(p, len, cut, hop_limit, d);
		break;
	default:
		break;
	}
}

/*
 * The transport layer: @len bytes of it at @p; @cut when the capture, rather
 * than the IP length field, ended them.
 */
static void decode_l4(uint8_t proto, const uint8_t *p, uint32_t len, bool cut,
		      uint8_t hop_limit, struct decoded *d)
{
	/*
	 * Both tests in one branch, and TCP's only in the data: the compiler
	 * would otherwise fold them into the switch below, one branch for
	 * each protocol.
	 */
	bool ports = (proto == IPPROTO_TCP) | (proto == IPPROTO_UDP);
	bool tcp = proto == IPPROTO_TCP;

	__asm__("" : "+r"(ports), "+r"(tcp));
	if (ports)
		decode_ports(tcp, p, len, cut, d);
	else
		decode_l4_other(proto, p, len, cut, hop_limit, d);
}

static void decode_ipv4(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < IPV4_HLEN) {
		d->truncated = true;
		return;
	}
	uint32_t hlen = (uint32_t)(p[0] & 0x0f) * 4;

	if ((p[0] >> 4) != 4 || hlen < IPV4_HLEN)
		return;
	d->l3 = DECODE_L3_IPV4;
	set_addr(&d->tuple.src, AF_INET, p + 12);
	set_addr(&d->tuple.dst, AF_INET, p + 16);
	d->tuple.proto = p[9];

	uint16_t frag = rd16(p + 6);
	uint16_t offset = frag & IPV4_OFFMASK;

	d->fragment = (frag & IPV4_MF) || offset;
	d->first_fragment = d->fragment && offset == 0;
	d->frag_id = rd16(p + 4);

	uint32_t tot = rd16(p + 2);

	/* A header longer than the whole packet is forged. */
	if (tot != 0 && tot < hlen)
		return;
	if (hlen > len) {
		d->truncated = true;
		return;
	}
	/*
	 * Segmentation offload hands the capture a total length of 0: the
	 * capture is all there is, and may have been cut.
	 */
	bool cut = tot == 0 || tot > len;

	if (tot == 0)
		tot = len;
	/* Only the first fragment carries the transport header. */
	if (offset)
		return;
	decode_l4(d->tuple.proto, p + hlen, min_u32(tot, len) - hlen, cut, 0,
		  d);
}

/* Extension headers walked through to the upper-layer protocol. */
static bool ipv6_is_exthdr(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH ||
	       nh == IPPROTO_FRAGMENT;
}

/* Length in bytes of extension header @nh at @p (2 bytes readable). */
static uint32_t ipv6_exthdr_len(uint8_t nh, const uint8_t *p)
{
	switch (nh) {
	case IPPROTO_AH:
		/* RFC 4302: in 4-byte units, minus 2. */
		return ((uint32_t)p[1] + 2) * 4;
	case IPPROTO_FRAGMENT:
		return IPV6_FRAG_LEN;
	default:
		return ((uint32_t)p[1] + 1) * 8;
	}
}

/*
 * Walk the extension headers in the @end bytes at @q, starting with @nh.
 * Returns true with the upper-layer protocol in *@nh at offset *@off; false
 * when there is no transport header to read (ESP, no next header, a
 * non-first fragment, a cut or malformed chain, too long a chain).
 */
static bool ipv6_walk(const uint8_t *q, uint32_t end, bool cut, uint8_t *nh,
		      uint32_t *off, struct decoded *d)
{
	uint32_t o = 0;

	for (int i = 0; ipv6_is_exthdr(*nh); i++) {
		if (i == IPV6_MAX_EXTHDRS)
			return false;
		if (end - o < 2) {
			d->truncated = cut;
			return false;
		}
		uint32_t hl = ipv6_exthdr_len(*nh, q + o);

		if (hl > end - o) {
			d->truncated = cut;
			return false;
		}
		if (*nh == IPPROTO_FRAGMENT) {
			uint16_t fo = rd16(q + o + 2);

			/* An atomic fragment (RFC 6946) is a whole packet. */
			if (fo & 0xfff9) {
				d->fragment = true;
				d->first_fragment = (fo & 0xfff8) == 0;
				d->frag_id = rd32(q + o + 4);
			}
			if (fo & 0xfff8) {
				d->tuple.proto = q[o];
				return false;
			}
		}
		*nh = q[o];
		o += hl;
	}
	d->tuple.proto = *nh;
	*off = o;
	return *nh != IPPROTO_ESP && *nh != IPV6_NEXT_NONE;
}

static void decode_ipv6(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < IPV6_HLEN) {
		d->truncated = true;
		return;
	}
	if ((p[0] >> 4) != 6)
		return;
	d->l3 = DECODE_L3_IPV6;
	set_addr(&d->tuple.src, AF_INET6, p + 8);
	set_addr(&d->tuple.dst, AF_INET6, p + 24);

	uint32_t plen = rd16(p + 4);
	uint32_t have = len - IPV6_HLEN;
	/*
	 * 0 is a jumbogram or an offloaded segment: the capture bounds it,
	 * and may have cut it.
	 */
	bool cut = plen == 0 || plen > have;
	uint32_t end = plen == 0 ? have : min_u32(plen, have);
	uint8_t nh = p[6];
	uint32_t off;

	if (ipv6_walk(p + IPV6_HLEN, end, cut, &nh, &off, d))
		decode_l4(nh, p + IPV6_HLEN + off, end - off, cut, p[7], d);
}

static void decode_arp(const uint8_t *p, uint32_t len, struct decoded *d)
{
	d->l3 = DECODE_L3_ARP;
	if (len < 8) {
		d->truncated = true;
		return;
	}
	/* Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses. */
	if (rd16(p) != 1 || rd16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 ||
	    p[5] != 4)
		return;
	uint16_t op = rd16(p + 6);

	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return;
	if (len < ARP_LEN_ETH_IPV4) {
		d->truncated = true;
		return;
	}
	/* An ARP probe (RFC 5227) has sender 0.0.0.0: no binding yet. */
	if (!(p[14] | p[15] | p[16] | p[17]))
		return;
	d->has_sighting = true;
	set_addr(&d->sight_ip, AF_INET, p + 14);
	memcpy(d->sight_mac, p + 8, 6);
}

static bool ethertype_is_vlan(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	       type == ETHERTYPE_QINQ_OLD;
}

/* Whatever follows an EtherType: tags, then the network layer. */
static void decode_ethertype(uint16_t type, const uint8_t *p, uint32_t len,
			     struct decoded *d)
{
	while (ethertype_is_vlan(type)) {
		if (d->n_vlan == VLAN_MAX_DEPTH)
			return;
		if (len < VLAN_TAG_LEN) {
			d->truncated = true;
			return;
		}
		if (d->n_vlan < 2)
			d->vlan[d->n_vlan] = rd16(p) & 0x0fff;
		d->n_vlan++;
		type = rd16(p + 2);
		p += VLAN_TAG_LEN;
		len -= VLAN_TAG_LEN;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		decode_ipv4(p, len, d);
		break;
	case ETHERTYPE_IPV6:
		decode_ipv6(p, len, d);
		break;
	case ETHERTYPE_ARP:
		decode_arp(p, len, d);
		break;
	default:
		break;
	}
}

static void decode_ethernet(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < ETH_HLEN) {
		d->truncated = true;
		return;
	}
	d->has_mac = true;
	memcpy(d->dst_mac, p, 6);
	memcpy(d->src_mac, p + 6, 6);
	decode_ethertype(rd16(p + 12), p + ETH_HLEN, len - ETH_HLEN, d);
}

/*
 * Cooked captures carry only the sender's link-layer address; keep it when
 * it is an Ethernet MAC. dst_mac stays zero.
 */
static void sll_set_mac(uint16_t hatype, uint32_t halen, const uint8_t *addr,
			struct decoded *d)
{
	if (hatype != ARPHRD_ETHER || halen != 6)
		return;
	d->has_mac = true;
	memcpy(d->src_mac, addr, 6);
}

/*
 * SLL: packet type, ARPHRD type, address length, 8 address bytes, protocol.
 * A protocol below 0x0600 is not an EtherType (802.2 LLC, CAN...).
 */
static void decode_sll(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < SLL_HLEN) {
		d->truncated = true;
		return;
	}
	sll_set_mac(rd16(p + 2), rd16(p + 4), p + 6, d);
	decode_ethertype(rd16(p + 14), p + SLL_HLEN, len - SLL_HLEN, d);
}

/*
 * SLL2: protocol, reserved, interface index, ARPHRD type, packet type,
 * address length, 8 address bytes.
 */
static void decode_sll2(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < SLL2_HLEN) {
		d->truncated = true;
		return;
	}
	sll_set_mac(rd16(p + 8), p[11], p + 12, d);
	decode_ethertype(rd16(p), p + SLL2_HLEN, len - SLL2_HLEN, d);
}

/* Raw IP: the version nibble says which. */
static void decode_raw(const uint8_t *p, uint32_t len, struct decoded *d)
{
	if (len < 1) {
		d->truncated = true;
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		decode_ipv4(p, len, d);
		break;
	case 6:
		decode_ipv6(p, len, d);
		break;
	default:
		break;
	}
}

bool decode_linktype_supported(int linktype)
{
	switch (linktype) {
	case DECODE_LINK_ETHERNET:
	case DECODE_LINK_RAW:
	case DECODE_LINK_DLT_RAW:
	case DECODE_LINK_DLT_RAW14:
	case DECODE_LINK_IPV4:
	case DECODE_LINK_IPV6:
	case DECODE_LINK_LINUX_SLL:
	case DECODE_LINK_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

/*
 * Zero @d. Not with memset(), which the compiler makes a string
 * instruction whose start-up cost, for a hundred bytes, is half the
 * decoding of a packet, nor by copying a zeroed one, which loads what it
 * stores: with SSE2, vector stores of zero.
 */
static inline void decoded_clear(struct decoded *d)
{
#if defined(__SSE2__)
	char *p = (char *)d;
	__m128i z = _mm_setzero_si128();
	size_t i;

	/* Hidden from the compiler, which would make the stores a memset(). */
	__asm__("" : "+x"(z));
#pragma GCC unroll 16
	for (i = 0; i + 16 <= sizeof(*d); i += 16)
		_mm_storeu_si128((__m128i *)(void *)(p + i), z);
	if (i < sizeof(*d)) /* the rest, in one store ending at the end */
		_mm_storeu_si128((__m128i *)(void *)(p + sizeof(*d) - 16), z);
#else
	static const struct decoded zero;

	*d = zero;
#endif
}

int decode_packet(int linktype, const uint8_t *pkt, uint32_t caplen,
		  uint32_t wire_len, struct decoded *d)
{
	decoded_clear(d);
	d->wire_len = wire_len;
	switch (linktype) {
	case DECODE_LINK_ETHERNET:
		decode_ethernet(pkt, caplen, d);
		break;
	case DECODE_LINK_LINUX_SLL:
		decode_sll(pkt, caplen, d);
		break;
	case DECODE_LINK_LINUX_SLL2:
		decode_sll2(pkt, caplen, d);
		break;
	case DECODE_LINK_RAW:
	case DECODE_LINK_DLT_RAW:
	case DECODE_LINK_DLT_RAW14:
		decode_raw(pkt, caplen, d);
		break;
	case DECODE_LINK_IPV4:
		decode_ipv4(pkt, caplen, d);
		break;
	case DECODE_LINK_IPV6:
		decode_ipv6(pkt, caplen, d);
		break;
	default:
		return -1;
	}
	/* A later fragment's policy is its addresses' (see policy.h). */
	d->tuple.later_fragment = d->fragment && !d->first_fragment;
	return 0;
}
