// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi-fuzz: libFuzzer target for the pvapic packer (the kernel's
 * pvipi_pack.c, compiled unchanged). Each input decodes into a topology,
 * a window width, a cpumask and an optional allbutself CPU; the send goes
 * through the packer and the host model (send_mask() in topo.c) and must
 * deliver to every requested CPU exactly once and to no other, in exactly
 * the optimum number of hypercalls (optimum_windows(), computed
 * independently), with well-formed windows (base a target, ascending and
 * apart by the width, nothing past the width, nr_targets the bits set,
 * each bit a vCPU). Also checked: the map against its definition, the
 * scratch bitmap zero on return, the same windows with mask_bits past
 * nr_cpu_ids, nothing sent for another width or a refused map. On a
 * mismatch the case is printed and the target aborts, so libFuzzer saves
 * the input.
 *
 *   ./pvipi-fuzz CRASH-FILE              replay one input
 *   PVIPI_FUZZ_DUMP=1 ./pvipi-fuzz FILE  print what an input decodes to
 *
 * Input layout (a missing byte reads as 0, so every input is valid):
 *
 *   flags   bit 0: width 192 (else 128)
 *           bits 1-2: exclude_cpu: 0 none (-1); 1 u16 % (nr_cpus + 1),
 *             which may be a CPU without an APIC ID or nr_cpus itself;
 *             2 the (u8 % weight)-th CPU of the mask; 3 out of range:
 *             -2, INT_MIN or nr_cpus + u8 (u8 % 3 picks)
 *           bit 3: garbage bits beyond nr_cpus in the mask's last word,
 *             and a second send with mask_bits past nr_cpus over a
 *             buffer longer by (u8 % 4) + 1 words of garbage, which must
 *             emit the same windows
 *           bits 4-7: all set (f0): up to 8192 CPUs, else at most 256,
 *             so that most inputs run fast
 *   order   bits 0-2: CPU numbering of the generated APIC IDs (ascending):
 *             0 as generated, 1 reversed, 2 interleaved over
 *             (bits 3-7) + 2 chunks, 3 rotated by u16, 4 shuffled with
 *             seed u32, 5 (bits 3-7) + 1 swaps of two u16 positions,
 *             6 as generated with the CPUs without an APIC ID last,
 *             7 as generated, then CPU u16 takes the APIC ID of CPU u16:
 *             the map must refuse it (-EINVAL) and send nothing
 *   mask    bits 0-1: 0 bitmap from the remaining bytes, repeated; 1 all;
 *             2 each CPU with probability (u8 + 1) / 256, seed u32;
 *             3 (bits 3-5) + 1 ranges of u16 start, u16 length
 *           bit 2: bitmap and ranges index APIC-ID order, not CPUs
 *   nseg    bits 0-3: number of segments - 1
 *   segments, 3 bytes each: count, stride, gap
 *           count < 240: count + 1 CPUs, else (count - 239) * 512
 *           stride 0: CPUs without an APIC ID; 1..200: APIC ID stride;
 *             201..255: (stride - 200) * 64
 *           gap from the previous segment's last APIC ID + 1 (or from 0;
 *             a segment of stride 0 reads and ignores it):
 *             < 128 itself, < 192 (gap - 128) * 64, < 224 2^(gap - 192),
 *             < 255 2^(gap - 223) - 1, 255: a u32 follows
 *   then, little-endian: the order's parameters (mode 7: two u16), the
 *   u8 of flags bit 3, the exclude's u16 or u8, the mask's parameters;
 *   then the mask bitmap bytes.
 *
 * At most 8192 CPUs (flags f0) or 256; APIC IDs up to 0xfffffffe
 * (larger are dropped).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bitmap.h>

#include "pvipi_pack.h"
#include "topo.h"

#define FUZZ_MAX_CPUS	8192u
#define FUZZ_SMALL_CPUS	256u
#define FUZZ_MAX_ID	0xfffffffeu

struct reader {
	const uint8_t *p;
	size_t n;
};

static unsigned int get8(struct reader *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned int get16(struct reader *in)
{
	unsigned int lo = get8(in);

	return lo | get8(in) << 8;
}

static uint32_t get32(struct reader *in)
{
	uint32_t lo = get16(in);

	return lo | (uint32_t)get16(in) << 16;
}

/* One decoded case. */
struct fuzz_case {
	struct topo *t;
	unsigned int width;
	int exclude;
	bool tail;		/* garbage past nr_cpus, second send */
	unsigned int extra_words;
	bool dup;		/* duplicate APIC ID injected */
	unsigned int order, mask_mode;
	unsigned long *m;	/* BITS_TO_LONGS(nr_cpus) longs, exactly */
};

/* ---- decoding ------------------------------------------------------ */

static uint64_t decode_gap(unsigned int g, struct reader *in)
{
	if (g < 128)
		return g;
	if (g < 192)
		return (uint64_t)(g - 128) * 64;
	if (g < 224)
		return 1ull << (g - 192);
	if (g < 255)
		return (1ull << (g - 223)) - 1;
	return get32(in);
}

/* APIC IDs in ascending order, NO_APIC for CPUs without one. */
static unsigned int decode_ids(struct reader *in, uint32_t *gen,
			       unsigned int max)
{
	unsigned int nseg = (get8(in) & 15) + 1, n = 0, s, i;
	uint64_t next = 0;

	for (s = 0; s < nseg && n < max; s++) {
		unsigned int l = get8(in), st = get8(in), g = get8(in);
		unsigned int cnt = l < 240 ? l + 1 : (l - 239) * 512;
		uint64_t id = next + decode_gap(g, in), stride;

		if (!st) {
			for (i = 0; i < cnt && n < max; i++)
				gen[n++] = NO_APIC;
			continue;
		}
		stride = st <= 200 ? st : (uint64_t)(st - 200) * 64;
		for (i = 0; i < cnt && n < max && id <= FUZZ_MAX_ID; i++) {
			gen[n++] = (uint32_t)id;
			next = id + 1;
			id += stride;
		}
	}
	return n;
}

/* cpu_of[g]: the CPU number given to the g-th generated entry. */
static void decode_order(struct reader *in, unsigned int order,
			 uint32_t *cpu_of, const uint32_t *gen, unsigned int n)
{
	unsigned int mode = order & 7, param = order >> 3, g, i, k;
	uint32_t seed;

	for (g = 0; g < n; g++)
		cpu_of[g] = g;
	if (!n)
		return;
	switch (mode) {
	case 1:
		for (g = 0; g < n; g++)
			cpu_of[g] = n - 1 - g;
		break;
	case 2: {
		unsigned int chunks = param + 2;
		unsigned int per = (n + chunks - 1) / chunks, cpu = 0;

		for (i = 0; i < per; i++)
			for (k = 0; k < chunks; k++)
				if ((uint64_t)k * per + i < n)
					cpu_of[k * per + i] = cpu++;
		break;
	}
	case 3:
		k = get16(in) % n;
		for (g = 0; g < n; g++)
			cpu_of[g] = (g + k) % n;
		break;
	case 4:
		seed = get32(in);
		for (i = n; i > 1; i--) {
			uint32_t j = rng_next(&seed) % i, tmp = cpu_of[i - 1];

			cpu_of[i - 1] = cpu_of[j];
			cpu_of[j] = tmp;
		}
		break;
	case 5:
		for (k = 0; k <= param; k++) {
			uint32_t a = get16(in) % n, b = get16(in) % n;
			uint32_t tmp = cpu_of[a];

			cpu_of[a] = cpu_of[b];
			cpu_of[b] = tmp;
		}
		break;
	case 6:
		k = 0;
		for (g = 0; g < n; g++)
			if (gen[g] != NO_APIC)
				cpu_of[g] = k++;
		for (g = 0; g < n; g++)
			if (gen[g] == NO_APIC)
				cpu_of[g] = k++;
		break;
	default:	/* 0, and 7 before the duplicate */
		break;
	}
}

/* The @k-th set bit of @m below @n; @m has at least one. */
static unsigned int nth_set(const unsigned long *m, unsigned int n,
			    unsigned int k)
{
	unsigned int c;

	for (c = 0; c < n; c++)
		if (mask_test(m, c) && !k--)
			return c;
	return 0;
}

static void decode_mask(struct reader *in, struct fuzz_case *fc,
			const uint32_t *cpu_of)
{
	unsigned int n = fc->t->nr_cpus, mode = fc->mask_mode & 3, i, c;
	bool by_rank = fc->mask_mode & 4;
	uint32_t seed;

	if (!n)
		return;
#define SET(i) mask_set(fc->m, by_rank ? cpu_of[i] : (i))
	switch (mode) {
	case 0:
		for (i = 0; in->n && i < n; i++)
			if (in->p[i / 8 % in->n] >> (i % 8) & 1)
				SET(i);
		break;
	case 1:
		for (c = 0; c < n; c++)
			mask_set(fc->m, c);
		break;
	case 2: {
		unsigned int d = get8(in);

		seed = get32(in);
		for (c = 0; c < n; c++)
			if ((rng_next(&seed) & 255) <= d)
				mask_set(fc->m, c);
		break;
	}
	case 3: {
		unsigned int ranges = (fc->mask_mode >> 3 & 7) + 1, r;

		for (r = 0; r < ranges; r++) {
			unsigned int start = get16(in) % n, len = get16(in);

			for (i = start; i < n && i - start < len; i++)
				SET(i);
		}
		break;
	}
	}
#undef SET
}

/* Mode 2 picks a CPU of the mask: read @v first, resolve after the mask. */
static int decode_exclude(unsigned int mode, unsigned int v,
			  const struct fuzz_case *fc)
{
	unsigned int n = fc->t->nr_cpus, w = 0, c;

	switch (mode) {
	case 1:
		return (int)(v % (n + 1));
	case 2:
		for (c = 0; c < n; c++)
			w += mask_test(fc->m, c);
		return w ? (int)nth_set(fc->m, n, v % w) : -1;
	case 3:
		return v % 3 == 0 ? -2 : v % 3 == 1 ? INT_MIN : (int)(n + v);
	default:
		return -1;
	}
}

/* ---- description of a case ----------------------------------------- */

static void print_cpulist(FILE *f, const unsigned long *m, unsigned int n)
{
	unsigned int c = 0, items = 0;
	const char *sep = "";

	while (c < n) {
		unsigned int e;

		if (!mask_test(m, c)) {
			c++;
			continue;
		}
		for (e = c; e + 1 < n && mask_test(m, e + 1); e++)
			;
		if (++items > 1000) {
			fprintf(f, "%s...", sep);
			break;
		}
		if (e == c)
			fprintf(f, "%s%u", sep, c);
		else
			fprintf(f, "%s%u-%u", sep, c, e);
		sep = ",";
		c = e + 1;
	}
	if (!items)
		fprintf(f, "(empty)");
}

/* CPU:APICID, with runs of CPUs and IDs both going up by one collapsed. */
static void print_topology(FILE *f, const struct topo *t)
{
	unsigned int c = 0, items = 0;

	while (c < t->nr_cpus) {
		uint32_t a = t->apicid[c];
		unsigned int e = c;

		while (e + 1 < t->nr_cpus &&
		       (a == NO_APIC ? t->apicid[e + 1] == NO_APIC :
			t->apicid[e + 1] != NO_APIC &&
			t->apicid[e + 1] == a + (e + 1 - c)))
			e++;
		if (++items > 1000) {
			fprintf(f, " ...");
			break;
		}
		if (e == c)
			fprintf(f, " %u:", c);
		else
			fprintf(f, " %u-%u:", c, e);
		if (a == NO_APIC)
			fprintf(f, "none");
		else if (e == c)
			fprintf(f, "%u", a);
		else
			fprintf(f, "%u-%u", a, a + (e - c));
		c = e + 1;
	}
	fputc('\n', f);
}

static void describe(FILE *f, const struct fuzz_case *fc)
{
	static const char *const orders[] = {
		"as generated", "reversed", "interleaved", "rotated",
		"shuffled", "swapped", "APIC-less CPUs last", "duplicate APIC ID"
	};
	static const char *const masks[] = {
		"bitmap", "all", "random", "ranges"
	};
	unsigned int c, ranks = 0;

	for (c = 0; c < fc->t->nr_cpus; c++)
		ranks += fc->t->apicid[c] != NO_APIC;
	fprintf(f, "  width %u, exclude_cpu %d, nr_cpus %u (%u with an APIC ID), order: %s, mask: %s%s%s\n",
		fc->width, fc->exclude, fc->t->nr_cpus, ranks,
		orders[fc->order & 7], masks[fc->mask_mode & 3],
		fc->mask_mode & 4 ? " in APIC-ID order" : "",
		fc->tail ? ", garbage past nr_cpus" : "");
	fprintf(f, "  topology (CPU:APIC ID):");
	print_topology(f, fc->t);
	fprintf(f, "  mask: ");
	print_cpulist(f, fc->m, fc->t->nr_cpus);
	fputc('\n', f);
}

static void __attribute__((format(printf, 2, 3), noreturn))
mismatch(const struct fuzz_case *fc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvipi-fuzz: MISMATCH: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	describe(stderr, fc);
	fflush(stderr);
	abort();
}

/* ---- checks -------------------------------------------------------- */

struct record {
	unsigned int n, cap;
	struct pvipi_window *w;
};

static void record_emit(void *arg, const struct pvipi_window *win)
{
	struct record *rec = arg;

	if (rec->n < rec->cap)
		rec->w[rec->n] = *win;
	rec->n++;
}

static bool same_window(const struct pvipi_window *a,
			const struct pvipi_window *b)
{
	return a->base == b->base && a->nr_targets == b->nr_targets &&
	       !memcmp(a->bits, b->bits, sizeof(a->bits));
}

/* The map against its definition in pvipi_pack.h. */
static void check_map(const struct fuzz_case *fc, const struct pvipi_map *map)
{
	const struct topo *t = fc->t;
	unsigned int c, r, ranks = 0;
	bool identity = true;

	if (map->nr_cpu_ids != t->nr_cpus)
		mismatch(fc, "map nr_cpu_ids %u", map->nr_cpu_ids);
	for (c = 0; c < t->nr_cpus; c++) {
		r = map->rank_of[c];
		if (t->apicid[c] == NO_APIC) {
			if (r != PVIPI_NO_RANK)
				mismatch(fc, "map: CPU %u without APIC ID has rank %u",
					 c, r);
			if (c < map->nr_ranks)
				identity = false;
			continue;
		}
		ranks++;
		if (r >= map->nr_ranks || map->cpu[r] != c ||
		    map->apicid[r] != t->apicid[c])
			mismatch(fc, "map: CPU %u has a bad rank %u", c, r);
		if (r != c)
			identity = false;
	}
	if (ranks != map->nr_ranks)
		mismatch(fc, "map nr_ranks %u, %u CPUs with an APIC ID",
			 map->nr_ranks, ranks);
	if (identity != map->identity)
		mismatch(fc, "map identity %d", map->identity);
	for (r = 0; r < map->nr_ranks; r++) {
		unsigned int e = map->run_end[r];
		bool joins = r + 1 < map->nr_ranks &&
			     map->apicid[r + 1] == map->apicid[r] + 1;

		if (r + 1 < map->nr_ranks && map->apicid[r] >= map->apicid[r + 1])
			mismatch(fc, "map: APIC IDs not ascending at rank %u", r);
		if (e < r || e >= map->nr_ranks ||
		    e != (joins ? map->run_end[r + 1] : r))
			mismatch(fc, "map: run_end[%u] = %u", r, e);
	}
}

/* A topology where CPU @x takes the APIC ID of CPU @y: refused, inert. */
static void check_duplicate(struct fuzz_case *fc, u32 *storage)
{
	struct pvipi_map map;
	struct record rec = { 0 };
	unsigned int calls;
	int ret;

	ret = pvipi_map_build(&map, storage, fc->t->apicid, fc->t->nr_cpus);
	if (ret != -EINVAL || map.nr_ranks || map.nr_cpu_ids)
		mismatch(fc, "duplicate APIC ID: map build returned %d, nr_ranks %u",
			 ret, map.nr_ranks);
	if (pvipi_scratch_longs(&map))
		mismatch(fc, "duplicate APIC ID: refused map wants scratch");
	calls = pvipi_pack(&map, fc->m, fc->t->nr_cpus, fc->exclude,
			   fc->width, NULL, record_emit, &rec);
	if (calls || rec.n)
		mismatch(fc, "refused map sent %u windows", rec.n);
}

static void check_scratch(const struct fuzz_case *fc,
			  const unsigned long *scratch, unsigned int longs)
{
	unsigned int i;

	for (i = 0; i < longs; i++)
		if (scratch[i])
			mismatch(fc, "scratch word %u not zero on return", i);
}

static void check_case(struct fuzz_case *fc)
{
	const struct topo *t = fc->t;
	unsigned int n = t->nr_cpus, words = BITS_TO_LONGS(n), i, opt;
	u32 *storage = malloc(pvipi_map_words(n) * sizeof(u32));
	struct record a = { .cap = n + 1 }, b = { .cap = fc->tail ? n + 1 : 0 };
	unsigned long *scratch, *longer;
	unsigned int longs;
	struct send_result r;
	struct pvipi_map map;
	struct host_model h;
	int ret;

	a.w = malloc(a.cap * sizeof(*a.w));
	b.w = malloc(b.cap * sizeof(*b.w));
	if (!storage || !a.w || (!b.w && b.cap))
		abort();
	if (fc->dup) {
		check_duplicate(fc, storage);
		goto out;
	}
	ret = pvipi_map_build(&map, storage, t->apicid, n);
	if (ret)
		mismatch(fc, "map build returned %d", ret);
	check_map(fc, &map);

	/* exact-size buffers, so that ASan sees any overrun */
	longs = pvipi_scratch_longs(&map);
	scratch = calloc(longs, sizeof(long));
	if (!scratch && longs)
		abort();
	ret = pvipi_pack(&map, fc->m, n, fc->exclude, fc->width, scratch,
			 record_emit, &a);
	if ((unsigned int)ret != a.n)
		mismatch(fc, "pvipi_pack returned %d, emitted %u", ret, a.n);
	check_scratch(fc, scratch, longs);

	/* any other width sends nothing */
	b.n = 0;
	ret = pvipi_pack(&map, fc->m, n, fc->exclude, fc->width + 1, scratch,
			 record_emit, &b);
	if (ret || b.n)
		mismatch(fc, "width %u sent %u windows", fc->width + 1, b.n);

	if (host_init(&h, t->apicid, n))
		abort();
	send_mask(t, &map, &h, PACKER_OURS, fc->width, fc->m, fc->exclude, &r);
	host_free(&h);
	opt = optimum_windows(t, fc->m, fc->exclude, fc->width);
	if (!r.delivered_ok || !r.windows_ok || !r.scratch_ok)
		mismatch(fc, "%s (%u hypercalls, optimum %u)", r.why,
			 r.hypercalls, opt);
	if (r.hypercalls != opt)
		mismatch(fc, "%u hypercalls, optimum %u", r.hypercalls, opt);
	if (r.hypercalls != a.n)
		mismatch(fc, "%u windows, then %u on the same send", a.n,
			 r.hypercalls);

	if (fc->tail) {
		/* mask_bits past nr_cpu_ids: the extra bits are ignored */
		unsigned int more = words + fc->extra_words;

		b.n = 0;
		longer = malloc(more * sizeof(long));
		if (!longer)
			abort();
		memcpy(longer, fc->m, words * sizeof(long));
		for (i = words; i < more; i++)
			longer[i] = ~0UL << (i % 7);
		ret = pvipi_pack(&map, longer, more * BITS_PER_LONG,
				 fc->exclude, fc->width, scratch, record_emit,
				 &b);
		free(longer);
		check_scratch(fc, scratch, longs);
		if ((unsigned int)ret != b.n || b.n != a.n)
			mismatch(fc, "mask_bits %u: %u windows, %u with mask_bits %u",
				 more * BITS_PER_LONG, b.n, a.n, n);
		for (i = 0; i < a.n && i < a.cap; i++)
			if (!same_window(&a.w[i], &b.w[i]))
				mismatch(fc, "mask_bits %u: window %u differs",
					 more * BITS_PER_LONG, i);
	}
	free(scratch);
out:
	free(a.w);
	free(b.w);
	free(storage);
}

/* ---- entry --------------------------------------------------------- */

static void decode(const uint8_t *data, size_t size, struct fuzz_case *fc)
{
	struct reader in = { data, size };
	unsigned int flags = get8(&in), n, g, c, excl_mode = flags >> 1 & 3, v;
	unsigned int max = (flags & 0xf0) == 0xf0 ? FUZZ_MAX_CPUS : FUZZ_SMALL_CPUS;
	uint32_t *gen = malloc(max * sizeof(uint32_t)), *cpu_of;

	fc->order = get8(&in);
	fc->mask_mode = get8(&in);
	fc->width = flags & 1 ? PVIPI_WIDTH_192 : PVIPI_WIDTH_128;
	fc->tail = flags & 8;
	if (!gen)
		abort();
	n = decode_ids(&in, gen, max);
	cpu_of = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!cpu_of)
		abort();
	decode_order(&in, fc->order, cpu_of, gen, n);
	fc->t = topo_new("fuzz", n);
	for (g = 0; g < n; g++)
		fc->t->apicid[cpu_of[g]] = gen[g];
	if ((fc->order & 7) == 7) {
		unsigned int x = get16(&in) % (n ? n : 1);
		unsigned int y = get16(&in) % (n ? n : 1);

		/* move both onto CPUs with an APIC ID, and apart */
		for (c = 0; c < n && fc->t->apicid[x] == NO_APIC; c++)
			x = (x + 1) % n;
		for (c = 0; c < n && (fc->t->apicid[y] == NO_APIC || y == x);
		     c++)
			y = (y + 1) % n;
		if (n && fc->t->apicid[x] != NO_APIC &&
		    fc->t->apicid[y] != NO_APIC && x != y) {
			fc->t->apicid[x] = fc->t->apicid[y];
			fc->dup = true;
		}
	}
	/* exactly BITS_TO_LONGS(n) longs; malloc(0) for no CPU */
	fc->m = calloc(1, BITS_TO_LONGS(n) * sizeof(long));
	if (!fc->m && n)
		abort();
	fc->extra_words = fc->tail ? get8(&in) % 4 + 1 : 0;
	v = excl_mode == 1 ? get16(&in) : excl_mode ? get8(&in) : 0;
	decode_mask(&in, fc, cpu_of);
	fc->exclude = decode_exclude(excl_mode, v, fc);
	if (fc->tail && n % BITS_PER_LONG)
		fc->m[n / BITS_PER_LONG] |= ~BITMAP_LAST_WORD_MASK(n);
	free(cpu_of);
	free(gen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int dump = -1;
	struct fuzz_case fc = { 0 };

	if (dump < 0)
		dump = getenv("PVIPI_FUZZ_DUMP") != NULL;
	decode(data, size, &fc);
	if (dump)
		describe(stdout, &fc);
	check_case(&fc);
	free(fc.m);
	topo_free(fc.t);
	return 0;
}
