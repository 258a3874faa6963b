// SPDX-License-Identifier: GPL-2.0
/*
 * pvapic: pack a cpumask into the fewest KVM_HC_SEND_IPI windows.
 *
 * The map sorts the CPUs by APIC ID once; the rank of a CPU is its index in
 * that order. A send turns the cpumask into a bitmap of ranks (free when
 * the map is the identity) and walks it once from the lowest rank: each
 * window starts at the lowest target not yet sent and takes every target
 * whose APIC ID is below base + width. Starting each window as late as
 * possible is what makes the greedy walk optimal.
 *
 * Runs of ranks with consecutive APIC IDs are copied into the window a word
 * at a time, so a dense send costs a few instructions per 64 targets.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

#include "pvipi_pack.h"

/* Number of u32 arrays of nr_cpu_ids entries carved out of the storage. */
#define PVIPI_MAP_ARRAYS	4

/*
 * A forward-only reader of a rank bitmap. @cur holds the bits of word @idx
 * that have not been consumed yet. Words from @check_from on may hold the
 * excluded rank or the end of the bitmap, and are filtered when loaded.
 */
struct pvipi_cursor {
	const unsigned long *words;
	unsigned long cur;
	unsigned long last_mask;
	unsigned long excl_bit;
	unsigned int excl_idx;
	unsigned int check_from;
	unsigned int idx;
	unsigned int nr_words;
};

/* Load word @idx, which must be below @nr_words, dropping filtered bits. */
static __always_inline unsigned long pvipi_load(const struct pvipi_cursor *c,
						unsigned int idx)
{
	unsigned long v = c->words[idx];

	if (unlikely(idx >= c->check_from)) {
		if (idx == c->excl_idx)
			v &= ~c->excl_bit;
		if (idx == c->nr_words - 1)
			v &= c->last_mask;
	}
	return v;
}

/* Find the lowest unconsumed set bit; false when the bitmap is exhausted. */
static __always_inline bool pvipi_next(struct pvipi_cursor *c,
				       unsigned int *rank)
{
	while (!c->cur) {
		do {
			if (++c->idx >= c->nr_words)
				return false;
		} while (!c->words[c->idx]);
		c->cur = pvipi_load(c, c->idx);
	}
	*rank = c->idx * BITS_PER_LONG + __ffs(c->cur);
	return true;
}

/*
 * Consume the targets among ranks [@rank, @rank + @n) that lie in the word
 * under the cursor and OR them into @bits from bit @off on. @rank is the
 * lowest unconsumed target. Returns how many targets were taken.
 */
static __always_inline unsigned int pvipi_take(struct pvipi_cursor *c,
					       unsigned int rank,
					       unsigned int n, u64 *bits,
					       unsigned int off)
{
	unsigned int shift = rank % BITS_PER_LONG;
	unsigned int k = min(n, BITS_PER_LONG - shift);
	unsigned long keep = BITMAP_LAST_WORD_MASK(k) << shift;
	u64 piece = (c->cur & keep) >> shift;
	unsigned int bit = off % 64;

	c->cur &= ~keep;
	bits[off / 64] |= piece << bit;
	if (bit && bit + k > 64)
		bits[off / 64 + 1] |= piece >> (64 - bit);
	return hweight64(piece);
}

/**
 * pvipi_map_words() - size of the storage for a map
 * @nr_cpu_ids: number of CPUs the map describes
 *
 * Return: the number of u32 that pvipi_map_build() needs in @storage.
 */
size_t pvipi_map_words(unsigned int nr_cpu_ids)
{
	return (size_t)PVIPI_MAP_ARRAYS * nr_cpu_ids;
}

static void pvipi_sift_down(u32 *key, u32 *val, unsigned int root,
			    unsigned int n)
{
	for (;;) {
		unsigned int child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && key[child + 1] > key[child])
			child++;
		if (key[root] >= key[child])
			return;
		swap(key[root], key[child]);
		swap(val[root], val[child]);
		root = child;
	}
}

/* Heapsort @key ascending, moving @val along; no recursion, no memory. */
static void pvipi_sort(u32 *key, u32 *val, unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		if (key[i - 1] > key[i])
			break;
	if (i >= n)
		return;

	for (i = n / 2; i-- > 0;)
		pvipi_sift_down(key, val, i, n);
	for (i = n; i-- > 1;) {
		swap(key[0], key[i]);
		swap(val[0], val[i]);
		pvipi_sift_down(key, val, 0, i);
	}
}

/**
 * pvipi_map_build() - sort the CPUs by APIC ID for pvipi_pack()
 * @map: map to fill; its arrays point into @storage
 * @storage: pvipi_map_words(@nr_cpu_ids) u32, owned by the caller
 * @apicid_of_cpu: APIC ID of each CPU, or %PVIPI_NO_RANK for none
 * @nr_cpu_ids: number of entries in @apicid_of_cpu
 *
 * Runs in O(n log n) time without allocating. On failure the map is left
 * empty, so pvipi_pack() sends nothing with it.
 *
 * Return: 0, or -EINVAL when two CPUs have the same APIC ID.
 */
int pvipi_map_build(struct pvipi_map *map, u32 *storage,
		    const u32 *apicid_of_cpu, unsigned int nr_cpu_ids)
{
	unsigned int c, i, n = 0;
	bool identity = true;

	map->rank_of = storage;
	map->apicid = storage + nr_cpu_ids;
	map->cpu = storage + 2 * (size_t)nr_cpu_ids;
	map->run_end = storage + 3 * (size_t)nr_cpu_ids;

	for (c = 0; c < nr_cpu_ids; c++) {
		map->rank_of[c] = PVIPI_NO_RANK;
		if (apicid_of_cpu[c] == PVIPI_NO_RANK)
			continue;
		map->apicid[n] = apicid_of_cpu[c];
		map->cpu[n] = c;
		n++;
	}

	pvipi_sort(map->apicid, map->cpu, n);

	for (i = 1; i < n; i++) {
		if (map->apicid[i] == map->apicid[i - 1]) {
			map->nr_cpu_ids = 0;
			map->nr_ranks = 0;
			map->identity = false;
			return -EINVAL;
		}
	}

	for (i = 0; i < n; i++) {
		map->rank_of[map->cpu[i]] = i;
		if (map->cpu[i] != i)
			identity = false;
	}

	for (i = n; i-- > 0;) {
		if (i + 1 < n && map->apicid[i + 1] == map->apicid[i] + 1)
			map->run_end[i] = map->run_end[i + 1];
		else
			map->run_end[i] = i;
	}

	map->nr_cpu_ids = nr_cpu_ids;
	map->nr_ranks = n;
	map->identity = identity;
	return 0;
}

/**
 * pvipi_scratch_longs() - size of the scratch bitmap a send needs
 * @map: a map built by pvipi_map_build()
 *
 * Return: the number of longs pvipi_pack() needs in @scratch; 0 when the
 * map is the identity and a cpumask is used as the rank bitmap directly.
 */
unsigned int pvipi_scratch_longs(const struct pvipi_map *map)
{
	if (map->identity)
		return 0;
	return BITS_TO_LONGS(map->nr_ranks);
}

/* Set the rank of each CPU in @w, CPUs @base onwards, in @scratch. */
static __always_inline void pvipi_scatter(const struct pvipi_map *map,
					  unsigned long w, unsigned int base,
					  unsigned long *scratch,
					  unsigned int *lowest,
					  unsigned int *count)
{
	while (w) {
		u32 rank = map->rank_of[base + __ffs(w)];

		w &= w - 1;
		if (rank == PVIPI_NO_RANK)
			continue;
		__set_bit(rank, scratch);
		if (rank < *lowest)
			*lowest = rank;
		(*count)++;
	}
}

/*
 * The same windows without a rank bitmap: test each rank's CPU in @mask, in
 * rank order. Takes time linear in the number of ranks rather than targets;
 * for a send that finds no scratch bitmap free.
 */
static unsigned int pvipi_pack_walk(const struct pvipi_map *map,
				    const unsigned long *mask,
				    unsigned int nbits, int exclude_cpu,
				    unsigned int width, pvipi_emit_fn emit,
				    void *ctx)
{
	struct pvipi_window win = { };
	unsigned int rank, windows = 0;

	for (rank = 0; rank < map->nr_ranks; rank++) {
		u32 cpu = map->cpu[rank], off;

		if (cpu >= nbits || cpu == (u32)exclude_cpu ||
		    !test_bit(cpu, mask))
			continue;
		if (win.nr_targets && map->apicid[rank] - win.base >= width) {
			emit(ctx, &win);
			windows++;
			memset(&win, 0, sizeof(win));
		}
		if (!win.nr_targets)
			win.base = map->apicid[rank];
		off = map->apicid[rank] - win.base;
		win.bits[off / 64] |= 1ULL << (off % 64);
		win.nr_targets++;
	}
	if (win.nr_targets) {
		emit(ctx, &win);
		windows++;
	}
	return windows;
}

/**
 * pvipi_pack() - split a cpumask into optimal KVM_HC_SEND_IPI windows
 * @map: a map built by pvipi_map_build()
 * @mask: cpumask bitmap of the target CPUs
 * @mask_bits: number of bits in @mask
 * @exclude_cpu: a CPU not to send to even if set in @mask, or -1
 * @width: bits per window, %PVIPI_WIDTH_128 or %PVIPI_WIDTH_192
 * @scratch: pvipi_scratch_longs(@map) longs of any content, zeroed on
 *	return; or NULL, to walk a map that is not the identity rank by rank
 * @emit: called once per window, in ascending APIC-ID order
 * @ctx: passed to @emit
 *
 * Emits the fewest windows of @width consecutive APIC IDs that cover the
 * APIC IDs of the CPUs in @mask. CPUs without an APIC ID and CPUs at or
 * beyond the map's nr_cpu_ids are ignored. Takes time linear in the number
 * of targets, windows and words of @mask (of ranks without @scratch);
 * never allocates or sleeps. A send interrupted for good (a panic in the
 * middle of one) may leave @scratch dirty: it is cleared before use.
 *
 * Return: the number of windows emitted; 0 for an unsupported @width.
 */
unsigned int pvipi_pack(const struct pvipi_map *map,
			const unsigned long *mask, unsigned int mask_bits,
			int exclude_cpu, unsigned int width,
			unsigned long *scratch, pvipi_emit_fn emit, void *ctx)
{
	unsigned int nbits = min(mask_bits, map->nr_cpu_ids);
	unsigned int remaining = UINT_MAX, windows = 0, first = 0, rank;
	struct pvipi_cursor c = { .excl_idx = UINT_MAX };

	if (width != PVIPI_WIDTH_128 && width != PVIPI_WIDTH_192)
		return 0;

	if (map->identity) {
		nbits = min(nbits, map->nr_ranks);
		c.words = mask;
		if (exclude_cpu >= 0 && (unsigned int)exclude_cpu < nbits) {
			c.excl_idx = exclude_cpu / BITS_PER_LONG;
			c.excl_bit = BIT(exclude_cpu % BITS_PER_LONG);
		}
	} else if (!scratch) {
		return pvipi_pack_walk(map, mask, nbits, exclude_cpu, width,
				       emit, ctx);
	} else {
		unsigned int i, last = BITS_TO_LONGS(nbits), lowest = UINT_MAX;

		if (!last)
			return 0;
		memset(scratch, 0, pvipi_scratch_longs(map) * sizeof(long));
		remaining = 0;
		for (i = 0; i < last - 1; i++)
			if (mask[i])
				pvipi_scatter(map, mask[i], i * BITS_PER_LONG,
					      scratch, &lowest, &remaining);
		pvipi_scatter(map, mask[i] & BITMAP_LAST_WORD_MASK(nbits),
			      i * BITS_PER_LONG, scratch, &lowest, &remaining);

		if (exclude_cpu >= 0 && (unsigned int)exclude_cpu < nbits) {
			rank = map->rank_of[exclude_cpu];
			if (rank != PVIPI_NO_RANK &&
			    __test_and_clear_bit(rank, scratch))
				remaining--;
		}
		if (!remaining)
			return 0;
		nbits = map->nr_ranks;
		c.words = scratch;
		first = lowest / BITS_PER_LONG;
	}

	c.nr_words = BITS_TO_LONGS(nbits);
	if (!c.nr_words)
		return 0;
	c.last_mask = BITMAP_LAST_WORD_MASK(nbits);
	c.check_from = min(c.excl_idx, c.nr_words - 1);
	c.idx = first;
	c.cur = pvipi_load(&c, first);
	if (!pvipi_next(&c, &rank))
		return 0;

	for (;;) {
		struct pvipi_window win = { .base = map->apicid[rank] };
		unsigned int off = 0;
		bool more;

		do {
			unsigned int n = min(map->run_end[rank] - rank + 1,
					     width - off);

			win.nr_targets += pvipi_take(&c, rank, n, win.bits, off);
			more = win.nr_targets < remaining && pvipi_next(&c, &rank);
			if (more)
				off = map->apicid[rank] - win.base;
		} while (more && off < width);

		emit(ctx, &win);
		windows++;
		if (!more)
			break;
		remaining -= win.nr_targets;
	}

	/* Every target is consumed; clear the words that held them. */
	if (!map->identity)
		memset(scratch + first, 0,
		       (min(c.idx, c.nr_words - 1) - first + 1) * sizeof(long));
	return windows;
}
