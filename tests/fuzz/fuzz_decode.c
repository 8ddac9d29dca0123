// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for decode_packet(). The first input byte picks the link
 * type (modulo the table below), the rest is the captured packet. Beyond
 * the sanitizers, the invariants of struct decoded are checked, so a
 * decoder that reports facts it did not read also counts as a crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "decode.h"

static const int fuzz_links[] = {
    DECODE_LINK_ETHERNET, DECODE_LINK_DLT_RAW,	  DECODE_LINK_DLT_RAW14,
    DECODE_LINK_RAW,	  DECODE_LINK_LINUX_SLL,  DECODE_LINK_IPV4,
    DECODE_LINK_IPV6,	  DECODE_LINK_LINUX_SLL2,
};

#define N_LINKS (sizeof(fuzz_links) / sizeof(fuzz_links[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int link, const struct decoded *d, uint32_t len)
{
	bool ip = d->l3 == DECODE_L3_IPV4 || d->l3 == DECODE_L3_IPV6;
	bool l2 = link == DECODE_LINK_ETHERNET ||
		  link == DECODE_LINK_LINUX_SLL ||
		  link == DECODE_LINK_LINUX_SLL2;

	if (d->wire_len != len)
		abort();
	if ((d->tuple.has_ports || d->has_icmp || d->tuple.proto) && !ip)
		abort();
	if (d->tuple.has_ports && d->has_icmp)
		abort();
	if (d->first_fragment && !d->fragment)
		abort();
	if (d->tcp_flags && !d->tuple.has_ports)
		abort();
	if (d->has_sighting && d->l3 != DECODE_L3_ARP &&
	    d->l3 != DECODE_L3_IPV6)
		abort();
	/* Tags and MACs exist only behind a link header, in captured bytes. */
	if ((d->n_vlan || d->has_mac) && !l2)
		abort();
	if (d->n_vlan > len / 4)
		abort();
	/* Every header read needs its bytes: an empty capture reports none. */
	if (len == 0 && (d->l3 != DECODE_L3_NONE || d->has_mac))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decoded d;

	if (size < 1 || size - 1 > UINT32_MAX)
		return 0;
	int link = fuzz_links[data[0] % N_LINKS];
	uint32_t len = (uint32_t)(size - 1);

	if (decode_packet(link, data + 1, len, len, &d) != 0)
		abort();
	fuzz_check(link, &d, len);
	return 0;
}
