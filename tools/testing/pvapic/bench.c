// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi-bench: hypercall counts and per-send instruction counts of the
 * pvapic packer against the upstream model.
 *
 *   pvipi-bench hcalls   hypercalls ours/upstream/optimum (no valgrind)
 *   pvipi-bench instr    run under callgrind --collect-atstart=no; each
 *                        measured batch of sends is dumped with the label
 *                        "TOPO|KIND|N|PACKER|SENDS"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include <linux/bitmap.h>

#include "pvipi_pack.h"
#include "topo.h"
#include "upstream_model.h"

#define NR_TOPOS 5

static struct topo *make_topo(int i, const char **label)
{
	switch (i) {
	case 0:
		*label = "contiguous-8192";
		return topo_contiguous(8192, 0);
	case 1:
		*label = "smt-after-8192";
		return topo_smt_after(4096, 2);
	case 2:
		*label = "72c-per-socket-8064";
		return topo_sockets(56, 72, 2, false);
	case 3:
		*label = "interleaved-64s-8192";
		return topo_sockets(64, 128, 1, true);
	default:
		*label = "random-perm-8192";
		return topo_random_perm(8192, 1, 42);
	}
}

static unsigned long emitted;

static void count_ours(void *ctx, const struct pvipi_window *win)
{
	emitted++;
}

static void count_upstream(void *ctx, u64 lo, u64 hi, u32 min)
{
	emitted++;
}

static void __attribute__((noinline))
run_ours(const struct pvipi_map *map, unsigned long **masks, unsigned int k,
	 unsigned int nbits, unsigned long *scratch)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		pvipi_pack(map, masks[i], nbits, -1, PVIPI_WIDTH_128, scratch,
			   count_ours, NULL);
}

static void __attribute__((noinline))
run_upstream(const struct topo *t, unsigned long **masks, unsigned int k,
	     unsigned long *copy)
{
	unsigned int i;

	for (i = 0; i < k; i++)
		upstream_pack(t->apicid, t->nr_cpus, masks[i], -1, copy,
			      count_upstream, NULL);
}

static unsigned int count_calls(const struct topo *t,
				const struct pvipi_map *map, int packer,
				unsigned int width, const unsigned long *m,
				int self)
{
	unsigned long *scratch = calloc(pvipi_scratch_longs(map) + 1,
					sizeof(long));
	unsigned long *copy = mask_new(t->nr_cpus);
	unsigned int n;

	if (packer == PACKER_OURS)
		n = pvipi_pack(map, m, t->nr_cpus, self, width, scratch,
			       count_ours, NULL);
	else
		n = upstream_pack(t->apicid, t->nr_cpus, m, self, copy,
				  count_upstream, NULL);
	free(scratch);
	free(copy);
	return n;
}

static void hcalls(void)
{
	int i, kind;

	printf("%-22s %-14s %6s %6s %9s %8s %s\n", "topology", "mask",
	       "ours", "ours192", "upstream", "optimum", "ours==optimum");
	for (i = 0; i < NR_TOPOS; i++) {
		const char *label;
		struct topo *t = make_topo(i, &label);
		u32 *storage = malloc(pvipi_map_words(t->nr_cpus) * 4);
		struct pvipi_map map;
		uint32_t seed = 7;

		pvipi_map_build(&map, storage, t->apicid, t->nr_cpus);
		for (kind = 0; kind < 2; kind++) {
			unsigned long *m = mask_new(t->nr_cpus);
			int self = kind ? -1 : (int)t->nr_cpus / 2;
			unsigned int c, o, u, o192, opt;

			for (c = 0; c < t->nr_cpus; c++)
				if (!kind || rng_next(&seed) % 2)
					mask_set(m, c);
			o = count_calls(t, &map, PACKER_OURS, 128, m, self);
			o192 = count_calls(t, &map, PACKER_OURS, 192, m, self);
			u = count_calls(t, &map, PACKER_UPSTREAM, 128, m, self);
			opt = optimum_windows(t, m, self, 128);
			printf("%-22s %-14s %6u %6u %9u %8u %s\n", label,
			       kind ? "random-half" : "all-but-self", o, o192,
			       u, opt, o == opt ? "yes" : "NO");
			free(m);
		}
		free(storage);
		topo_free(t);
	}
}

static const unsigned int sizes[] = { 1, 16, 128, 1024, 8192 };

static void instr(void)
{
	int i, s, kind;

	for (i = 0; i < NR_TOPOS; i++) {
		const char *label;
		struct topo *t = make_topo(i, &label);
		u32 *storage = malloc(pvipi_map_words(t->nr_cpus) * 4);
		unsigned long *scratch, *copy = mask_new(t->nr_cpus);
		struct pvipi_map map;
		uint32_t seed = 99;

		pvipi_map_build(&map, storage, t->apicid, t->nr_cpus);
		scratch = calloc(pvipi_scratch_longs(&map) + 1, sizeof(long));
		for (kind = 0; kind < 2; kind++) {
			for (s = 0; s < 5; s++) {
				unsigned int n = sizes[s], k = 8, j, c;
				unsigned long *masks[8];
				char lbl[128];

				if (n > t->nr_cpus)
					n = t->nr_cpus;
				for (j = 0; j < k; j++) {
					unsigned int start = rng_next(&seed) %
							     t->nr_cpus, got = 0;

					masks[j] = mask_new(t->nr_cpus);
					/* block: n CPUs in a row; random: any n */
					while (got < n) {
						c = kind ? rng_next(&seed) %
							   t->nr_cpus :
							   (start + got) %
							   t->nr_cpus;
						if (mask_test(masks[j], c))
							continue;
						mask_set(masks[j], c);
						got++;
					}
				}
				/* warm up both, uncounted */
				run_ours(&map, masks, 1, t->nr_cpus, scratch);
				run_upstream(t, masks, 1, copy);

				CALLGRIND_ZERO_STATS;
				CALLGRIND_TOGGLE_COLLECT;
				run_ours(&map, masks, k, t->nr_cpus, scratch);
				CALLGRIND_TOGGLE_COLLECT;
				snprintf(lbl, sizeof(lbl), "%s|%s|%u|ours|%u",
					 label, kind ? "random" : "block", n, k);
				CALLGRIND_DUMP_STATS_AT(lbl);

				CALLGRIND_ZERO_STATS;
				CALLGRIND_TOGGLE_COLLECT;
				run_upstream(t, masks, k, copy);
				CALLGRIND_TOGGLE_COLLECT;
				snprintf(lbl, sizeof(lbl),
					 "%s|%s|%u|upstream|%u", label,
					 kind ? "random" : "block", n, k);
				CALLGRIND_DUMP_STATS_AT(lbl);
				for (j = 0; j < k; j++)
					free(masks[j]);
			}
		}
		free(scratch);
		free(copy);
		free(storage);
		topo_free(t);
	}
}

/*
 * Send-path memory: the kernel gives each CPU one rank bitmap of nr_cpu_ids
 * bits (pvipi_alloc_scratch()); pvipi_pack() uses pvipi_scratch_longs() of
 * it. Before, one allocation held two bitmaps per CPU for every CPU.
 */
static void memory(void)
{
	int i;

	printf("%-22s %8s %10s %12s %14s %16s\n", "topology", "cpus",
	       "map_bytes", "used_bytes", "bytes_per_cpu", "before_total");
	for (i = 0; i < NR_TOPOS; i++) {
		const char *label;
		struct topo *t = make_topo(i, &label);
		u32 *storage = malloc(pvipi_map_words(t->nr_cpus) * 4);
		struct pvipi_map map;
		size_t per_cpu = BITS_TO_LONGS(t->nr_cpus) * sizeof(long);

		pvipi_map_build(&map, storage, t->apicid, t->nr_cpus);
		printf("%-22s %8u %10zu %12zu %14zu %16zu\n", label, t->nr_cpus,
		       pvipi_map_words(t->nr_cpus) * sizeof(u32),
		       pvipi_scratch_longs(&map) * sizeof(long), per_cpu,
		       2 * (size_t)t->nr_cpus * per_cpu);
		free(storage);
		topo_free(t);
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "hcalls"))
		hcalls();
	else if (argc == 2 && !strcmp(argv[1], "instr"))
		instr();
	else if (argc == 2 && !strcmp(argv[1], "memory"))
		memory();
	else {
		fprintf(stderr, "usage: pvipi-bench hcalls|instr|memory\n");
		return 2;
	}
	return 0;
}
