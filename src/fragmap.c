// SPDX-License-Identifier: GPL-2.0-or-later
/* fragmap: the first fragment's fate, for the later fragments to follow. */
#include <stdlib.h>
#include <string.h>

#include "fragmap.h"

#define FRAGMAP_WAYS 2
#define FRAGMAP_SETS (FRAGMAP_SLOTS / FRAGMAP_WAYS)

_Static_assert((FRAGMAP_SETS & (FRAGMAP_SETS - 1)) == 0,
	       "sets are chosen by a mask");
_Static_assert(sizeof(struct fragmap_id) == 40, "an identity has no holes");

struct fragmap_slot {
	bool used;
	uint64_t first_us; /* when the first fragment was seen */
	struct fragmap_id id;
	struct fragmap_fate fate;
};

struct fragmap {
	uint64_t replaced;
	struct fragmap_slot slot[FRAGMAP_SETS][FRAGMAP_WAYS];
};

struct fragmap *fragmap_new(void)
{
	return calloc(1, sizeof(struct fragmap));
}

void fragmap_free(struct fragmap *m)
{
	free(m);
}

/* Within FRAGMAP_LIFE_US of its first fragment, either way: a capture
 * whose clock steps back does not keep a datagram for ever. */
static bool slot_live(const struct fragmap_slot *s, uint64_t now_us)
{
	uint64_t age = now_us >= s->first_us ? now_us - s->first_us
					     : s->first_us - now_us;

	return s->used && age < FRAGMAP_LIFE_US;
}

static struct fragmap_slot *set_of(const struct fragmap *m, uint64_t hash)
{
	return (struct fragmap_slot *)m->slot[hash & (FRAGMAP_SETS - 1)];
}

void fragmap_note(struct fragmap *m, const struct fragmap_id *id,
		  uint64_t hash, uint64_t now_us,
		  const struct fragmap_fate *fate)
{
	struct fragmap_slot *set = set_of(m, hash), *s = NULL;

	/* The same identity again (a datagram sent anew, or the first
	 * fragment seen twice): it takes its own slot back. */
	for (int w = 0; w < FRAGMAP_WAYS && !s; w++)
		if (set[w].used && !memcmp(&set[w].id, id, sizeof(*id)))
			s = &set[w];
	for (int w = 0; w < FRAGMAP_WAYS && !s; w++)
		if (!slot_live(&set[w], now_us))
			s = &set[w];
	if (!s) {
		/* Both live: the older goes. */
		s = set[0].first_us <= set[1].first_us ? &set[0] : &set[1];
		m->replaced++;
	}
	s->used = true;
	s->first_us = now_us;
	s->id = *id;
	s->fate = *fate;
}

const struct fragmap_fate *fragmap_find(const struct fragmap *m,
					const struct fragmap_id *id,
					uint64_t hash, uint64_t now_us)
{
	const struct fragmap_slot *set = set_of(m, hash);

	for (int w = 0; w < FRAGMAP_WAYS; w++)
		if (slot_live(&set[w], now_us) &&
		    !memcmp(&set[w].id, id, sizeof(*id)))
			return &set[w].fate;
	return NULL;
}

uint64_t fragmap_replaced(const struct fragmap *m)
{
	return m->replaced;
}

size_t fragmap_memory(const struct fragmap *m)
{
	return sizeof(*m);
}
