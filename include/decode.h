/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * decode: untrusted packet bytes to the facts detection needs. Link layers
 * (Ethernet II, 802.1Q / 802.1ad tags, Linux cooked SLL and SLL2, raw IP),
 * IPv4 with options and fragments, IPv6 with extension headers, TCP, UDP,
 * ICMP, ICMPv6, and ARP / neighbour discovery for device sightings.
 *
 * Every length is checked against the captured bytes; a truncated packet
 * decodes as far as it goes. No allocation, no global state.
 */
#ifndef BUNRI_DECODE_H
#define BUNRI_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "policy.h"

/* pcap link types handled (values of DLT_* / LINKTYPE_*). */
#define DECODE_LINK_ETHERNET 1
#define DECODE_LINK_RAW 101	 /* LINKTYPE_RAW */
#define DECODE_LINK_LINUX_SLL 113
#define DECODE_LINK_IPV4 228
#define DECODE_LINK_IPV6 229
#define DECODE_LINK_LINUX_SLL2 276
#define DECODE_LINK_DLT_RAW 12 /* DLT_RAW on Linux/BSD */
#define DECODE_LINK_DLT_RAW14 14 /* DLT_RAW on OpenBSD */

enum decode_l3 {
	DECODE_L3_NONE,	  /* nothing bunri classifies */
	DECODE_L3_IPV4,
	DECODE_L3_IPV6,
	DECODE_L3_ARP,
};

/**
 * struct decoded - the result of decode_packet().
 * @has_mac: the link layer carried a source MAC (@src_mac, @dst_mac)
 * @n_vlan: VLAN tags seen (at most 2 stored in @vlan, outer first)
 * @l3: what the network layer was
 * @tuple: addresses, protocol and ports (IPv4/IPv6 only); tuple.has_ports
 *         is false for non-first fragments and truncated transport headers,
 *         and tuple.later_fragment true for the former
 * @has_icmp: @icmp_type / @icmp_code are valid (ICMP or ICMPv6)
 * @fragment: the packet is an IP fragment; @first_fragment when offset 0;
 *            @frag_id its datagram's identification (16 bits for IPv4)
 * @truncated: the capture ended before a header this decoder wanted
 * @has_sighting: an (IP, MAC) binding was announced: ARP sender, or an IPv6
 *                neighbour solicitation/advertisement link-layer option;
 *                @sight_ip, @sight_mac hold it
 * @has_inner: an ICMP or ICMPv6 error quoted a packet: @inner holds its
 *             addresses, protocol and (when quoted) ports
 * @tcp_flags: TCP flags byte when proto is TCP and the header was captured
 * @wire_len: the packet's length on the wire (for byte counters)
 */
struct decoded {
	/* What detection reads of every packet, in its first cache line. */
	enum decode_l3 l3;
	uint32_t wire_len;
	struct flow_tuple tuple;
	bool has_icmp;
	uint8_t icmp_type;
	uint8_t icmp_code;
	bool fragment;
	bool first_fragment;
	bool truncated;
	bool has_sighting;
	bool has_inner;
	uint8_t tcp_flags;
	bool has_mac;
	uint32_t frag_id;
	/* The rest, read only for the packets that have them. */
	unsigned n_vlan;
	uint16_t vlan[2];
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	struct addr sight_ip;
	uint8_t sight_mac[6];
	struct flow_tuple inner;
};

/*
 * Decode one captured packet of link type @linktype, @caplen bytes captured
 * of @wire_len. Returns 0 when something was decoded (see d->l3), -1 when the
 * link type is not handled. Never reads beyond @caplen.
 */
int decode_packet(int linktype, const uint8_t *pkt, uint32_t caplen,
		  uint32_t wire_len, struct decoded *d);

/* True when decode_packet() handles @linktype. */
bool decode_linktype_supported(int linktype);

#endif
