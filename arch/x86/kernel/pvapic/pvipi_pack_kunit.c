// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pvapic KVM_HC_SEND_IPI packer and its APIC-ID map.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "pvipi_pack.h"

#define MAX_WINDOWS	8
#define NO		PVIPI_NO_RANK

enum topo_kind {
	TOPO_LIST,		/* APIC IDs from .ids */
	TOPO_CONTIG,		/* CPU c has APIC ID c */
	TOPO_SMT_AFTER,		/* second threads numbered after all first */
	TOPO_SOCKETS_ILV,	/* 2 sockets, stride 128, CPUs alternate */
};

enum mask_kind {
	MASK_ALL,		/* CPUs 0 .. mask_bits - 1 */
	MASK_LIST,		/* CPUs from .cpus, ended by -1 */
};

struct pack_case {
	const char *name;
	enum topo_kind topo;
	unsigned int nr_cpus;
	const u32 *ids;
	enum mask_kind mask;
	const int *cpus;
	unsigned int mask_bits;	/* 0: nr_cpus */
	int exclude;
	unsigned int width;
	unsigned int nr_windows;
	u32 base[MAX_WINDOWS];
	unsigned int targets[MAX_WINDOWS];
};

static const u32 ids_bug2022[] = { 1, 128, 0 };
static const u32 ids_sparse[] = { 40000, 40127, 40128, 70000, 4000000000U };
static const u32 ids_holes[] = { 0, NO, 5, NO };
static const int cpus_first_threads[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1
};

static const int cpus_none[] = { -1 };
static const int cpus_three[] = { 0, 2, 3, -1 };

static const struct pack_case pack_cases[] = {
	{ "2022 bug {1,128,0} w128", TOPO_LIST, 3, ids_bug2022, MASK_ALL,
	  NULL, 0, -1, 128, 2, { 0, 128 }, { 2, 1 } },
	{ "2022 bug {1,128,0} w192", TOPO_LIST, 3, ids_bug2022, MASK_ALL,
	  NULL, 0, -1, 192, 1, { 0 }, { 3 } },
	{ "2022 bug {1,128,0} but cpu 2", TOPO_LIST, 3, ids_bug2022, MASK_ALL,
	  NULL, 0, 2, 128, 1, { 1 }, { 2 } },
	{ "contiguous 300 w128", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, -1, 128, 3, { 0, 128, 256 }, { 128, 128, 44 } },
	{ "contiguous 300 w192", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, -1, 192, 2, { 0, 192 }, { 192, 108 } },
	{ "contiguous 300 all but cpu 0", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, 0, 128, 3, { 1, 129, 257 }, { 128, 128, 43 } },
	{ "contiguous 300 all but cpu 299", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, 299, 128, 3, { 0, 128, 256 }, { 128, 128, 43 } },
	{ "contiguous 300 mask_bits 130", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 130, -1, 128, 2, { 0, 128 }, { 128, 2 } },
	{ "contiguous 70 mask_bits 200", TOPO_CONTIG, 70, NULL, MASK_ALL,
	  NULL, 200, -1, 128, 1, { 0 }, { 70 } },
	{ "SMT siblings after, all", TOPO_SMT_AFTER, 256, NULL, MASK_ALL,
	  NULL, 0, -1, 128, 2, { 0, 128 }, { 128, 128 } },
	{ "SMT siblings after, first threads", TOPO_SMT_AFTER, 256, NULL,
	  MASK_LIST, cpus_first_threads, 0, -1, 128, 1, { 0 }, { 16 } },
	{ "SMT siblings after, all but cpu 128", TOPO_SMT_AFTER, 256, NULL,
	  MASK_ALL, NULL, 0, 128, 128, 2, { 0, 128 }, { 127, 128 } },
	{ "interleaved sockets w128", TOPO_SOCKETS_ILV, 144, NULL, MASK_ALL,
	  NULL, 0, -1, 128, 2, { 0, 128 }, { 72, 72 } },
	{ "interleaved sockets w192", TOPO_SOCKETS_ILV, 144, NULL, MASK_ALL,
	  NULL, 0, -1, 192, 2, { 0, 192 }, { 136, 8 } },
	{ "sparse IDs above 32767", TOPO_LIST, 5, ids_sparse, MASK_ALL,
	  NULL, 0, -1, 128, 4, { 40000, 40128, 70000, 4000000000U },
	  { 2, 1, 1, 1 } },
	{ "sparse IDs, subset", TOPO_LIST, 5, ids_sparse, MASK_LIST,
	  cpus_three, 0, -1, 192, 2, { 40000, 70000 }, { 2, 1 } },
	{ "CPUs without APIC ID ignored", TOPO_LIST, 4, ids_holes, MASK_ALL,
	  NULL, 0, -1, 128, 1, { 0 }, { 2 } },
	{ "empty mask", TOPO_CONTIG, 300, NULL, MASK_LIST, cpus_none,
	  0, -1, 128, 0, { }, { } },
	{ "only the excluded CPU", TOPO_CONTIG, 1, NULL, MASK_ALL,
	  NULL, 0, 0, 128, 0, { }, { } },
	{ "width 64 sends nothing", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, -1, 64, 0, { }, { } },
	{ "width 256 sends nothing", TOPO_CONTIG, 300, NULL, MASK_ALL,
	  NULL, 0, -1, 256, 0, { }, { } },
};

static void pack_case_desc(const struct pack_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pvipi_pack, pack_cases, pack_case_desc);

struct recorder {
	unsigned int n;
	struct pvipi_window win[MAX_WINDOWS];
};

static void record_window(void *ctx, const struct pvipi_window *win)
{
	struct recorder *rec = ctx;

	if (rec->n < MAX_WINDOWS)
		rec->win[rec->n] = *win;
	rec->n++;
}

static u32 *make_ids(struct kunit *test, const struct pack_case *p)
{
	u32 *ids = kunit_kcalloc(test, p->nr_cpus, sizeof(*ids), GFP_KERNEL);
	unsigned int c, half = p->nr_cpus / 2;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ids);
	for (c = 0; c < p->nr_cpus; c++) {
		switch (p->topo) {
		case TOPO_LIST:
			ids[c] = p->ids[c];
			break;
		case TOPO_CONTIG:
			ids[c] = c;
			break;
		case TOPO_SMT_AFTER:
			ids[c] = 2 * (c % half) + c / half;
			break;
		case TOPO_SOCKETS_ILV:
			ids[c] = (c % 2) * 128 + c / 2;
			break;
		}
	}
	return ids;
}

static struct pvipi_map *make_map(struct kunit *test, const u32 *ids,
				  unsigned int nr_cpus)
{
	struct pvipi_map *map = kunit_kzalloc(test, sizeof(*map), GFP_KERNEL);
	u32 *storage;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	storage = kunit_kcalloc(test, pvipi_map_words(nr_cpus),
				sizeof(*storage), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, storage);
	KUNIT_ASSERT_EQ(test, pvipi_map_build(map, storage, ids, nr_cpus), 0);
	return map;
}

static void check_window(struct kunit *test, const struct pack_case *p,
			 const struct pvipi_window *w, unsigned int i,
			 const char *what)
{
	unsigned int set = hweight64(w->bits[0]) + hweight64(w->bits[1]) +
			   hweight64(w->bits[2]);

	KUNIT_EXPECT_EQ_MSG(test, w->base, p->base[i], "%s: window %u", what, i);
	KUNIT_EXPECT_EQ_MSG(test, w->nr_targets, p->targets[i],
			    "%s: window %u", what, i);
	KUNIT_EXPECT_EQ_MSG(test, set, w->nr_targets, "%s: window %u", what, i);
	KUNIT_EXPECT_TRUE_MSG(test, w->bits[0] & 1,
			      "%s: window %u base is a target", what, i);
	if (p->width == PVIPI_WIDTH_128)
		KUNIT_EXPECT_EQ_MSG(test, w->bits[2], 0ULL, "%s: window %u",
				    what, i);
}

static void pvipi_pack_test(struct kunit *test)
{
	const struct pack_case *p = test->param_value;
	unsigned int bits = p->mask_bits ? p->mask_bits : p->nr_cpus;
	unsigned int i, n, v, longs;
	struct pvipi_map *map;
	struct recorder *rec, *clean;
	unsigned long *mask, *scratch;

	map = make_map(test, make_ids(test, p), p->nr_cpus);
	rec = kunit_kzalloc(test, sizeof(*rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rec);
	clean = kunit_kzalloc(test, sizeof(*clean), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clean);
	mask = kunit_kcalloc(test, BITS_TO_LONGS(bits), sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mask);
	longs = pvipi_scratch_longs(map);
	scratch = kunit_kcalloc(test, longs + 1, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, scratch);

	if (p->mask == MASK_ALL)
		bitmap_fill(mask, bits);
	else
		for (i = 0; p->cpus[i] >= 0; i++)
			__set_bit(p->cpus[i], mask);

	/*
	 * The same windows, bit for bit, from a clean scratch, from one a
	 * send left dirty (it never finished: a panic in the middle), and
	 * with none (the rank walk of a send nested in another); the scratch
	 * is zero afterwards. An identity map uses no scratch: the three runs
	 * are the same path there.
	 */
	for (v = 0; v < 3; v++) {
		static const char * const what[] = { "clean", "dirty", "none" };

		memset(rec, 0, sizeof(*rec));
		if (v == 1)
			memset(scratch, 0xa5, longs * sizeof(long));
		n = pvipi_pack(map, mask, bits, p->exclude, p->width,
			       v == 2 ? NULL : scratch, record_window, rec);

		KUNIT_EXPECT_EQ_MSG(test, n, p->nr_windows, "%s", what[v]);
		KUNIT_EXPECT_EQ_MSG(test, rec->n, p->nr_windows, "%s", what[v]);
		for (i = 0; i < min(rec->n, p->nr_windows); i++) {
			check_window(test, p, &rec->win[i], i, what[v]);
			if (v)
				KUNIT_EXPECT_MEMEQ_MSG(test, rec->win[i].bits,
						       clean->win[i].bits,
						       sizeof(rec->win[i].bits),
						       "%s: window %u", what[v], i);
		}
		if (!v)
			memcpy(clean, rec, sizeof(*clean));
		for (i = 0; i < longs + 1; i++)
			KUNIT_EXPECT_EQ_MSG(test, scratch[i], 0UL,
					    "%s: scratch word %u", what[v], i);
	}
}

static void pvipi_map_sorts_test(struct kunit *test)
{
	static const u32 ids[] = { 30, 10, NO, 20 };
	struct pvipi_map *map = make_map(test, ids, ARRAY_SIZE(ids));

	KUNIT_EXPECT_EQ(test, map->nr_ranks, 3U);
	KUNIT_EXPECT_EQ(test, map->apicid[0], 10U);
	KUNIT_EXPECT_EQ(test, map->apicid[1], 20U);
	KUNIT_EXPECT_EQ(test, map->apicid[2], 30U);
	KUNIT_EXPECT_EQ(test, map->cpu[0], 1U);
	KUNIT_EXPECT_EQ(test, map->cpu[1], 3U);
	KUNIT_EXPECT_EQ(test, map->cpu[2], 0U);
	KUNIT_EXPECT_EQ(test, map->rank_of[0], 2U);
	KUNIT_EXPECT_EQ(test, map->rank_of[2], NO);
	KUNIT_EXPECT_FALSE(test, map->identity);
	KUNIT_EXPECT_EQ(test, pvipi_scratch_longs(map), 1U);
}

static void pvipi_map_identity_test(struct kunit *test)
{
	static const u32 ids[] = { 0, 1, 5, NO };
	struct pvipi_map *map = make_map(test, ids, ARRAY_SIZE(ids));

	KUNIT_EXPECT_TRUE(test, map->identity);
	KUNIT_EXPECT_EQ(test, map->nr_ranks, 3U);
	KUNIT_EXPECT_EQ(test, pvipi_scratch_longs(map), 0U);
	KUNIT_EXPECT_EQ(test, map->run_end[0], 1U);
	KUNIT_EXPECT_EQ(test, map->run_end[2], 2U);
}

static void pvipi_map_hole_breaks_identity_test(struct kunit *test)
{
	static const u32 ids[] = { 0, NO, 5 };
	struct pvipi_map *map = make_map(test, ids, ARRAY_SIZE(ids));

	KUNIT_EXPECT_FALSE(test, map->identity);
	KUNIT_EXPECT_EQ(test, map->rank_of[2], 1U);
}

static void pvipi_map_duplicate_test(struct kunit *test)
{
	static const u32 ids[] = { 4, 7, 4 };
	struct pvipi_map map;
	u32 storage[3 * 4];

	KUNIT_ASSERT_LE(test, pvipi_map_words(3), ARRAY_SIZE(storage));
	KUNIT_EXPECT_EQ(test, pvipi_map_build(&map, storage, ids, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, map.nr_ranks, 0U);
}

static void pvipi_map_reverse_test(struct kunit *test)
{
	const unsigned int n = 1000;
	u32 *ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	struct pvipi_map *map;
	unsigned int c, sorted = 1;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ids);
	for (c = 0; c < n; c++)
		ids[c] = 3 * (n - c);
	map = make_map(test, ids, n);
	for (c = 1; c < n; c++)
		sorted &= map->apicid[c - 1] < map->apicid[c];
	KUNIT_EXPECT_TRUE(test, sorted);
	KUNIT_EXPECT_EQ(test, map->cpu[0], n - 1);
	KUNIT_EXPECT_EQ(test, map->rank_of[0], n - 1);
}

static struct kunit_case pvipi_pack_test_cases[] = {
	KUNIT_CASE_PARAM(pvipi_pack_test, pvipi_pack_gen_params),
	KUNIT_CASE(pvipi_map_sorts_test),
	KUNIT_CASE(pvipi_map_identity_test),
	KUNIT_CASE(pvipi_map_hole_breaks_identity_test),
	KUNIT_CASE(pvipi_map_duplicate_test),
	KUNIT_CASE(pvipi_map_reverse_test),
	{}
};

static struct kunit_suite pvipi_pack_test_suite = {
	.name = "pvapic_pack",
	.test_cases = pvipi_pack_test_cases,
};

kunit_test_suite(pvipi_pack_test_suite);

MODULE_DESCRIPTION("KUnit tests for the pvapic PV IPI packer");
MODULE_LICENSE("GPL");
