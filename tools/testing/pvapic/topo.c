// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of the pvapic harness: topologies, masks, checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bitmap.h>

#include "pvipi_pack.h"
#include "topo.h"
#include "upstream_model.h"

uint32_t rng_next(uint32_t *s)
{
	/* xorshift32; never seeded with 0 */
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

struct topo *topo_new(const char *name, unsigned int nr_cpus)
{
	struct topo *t = calloc(1, sizeof(*t));
	unsigned int c;

	if (!t)
		abort();
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->nr_cpus = nr_cpus;
	t->apicid = malloc((nr_cpus ? nr_cpus : 1) * sizeof(uint32_t));
	if (!t->apicid)
		abort();
	for (c = 0; c < nr_cpus; c++)
		t->apicid[c] = NO_APIC;
	return t;
}

void topo_free(struct topo *t)
{
	if (!t)
		return;
	free(t->apicid);
	free(t);
}

struct topo *topo_contiguous(unsigned int n, uint32_t first)
{
	char name[96];
	struct topo *t;
	unsigned int c;

	snprintf(name, sizeof(name), "contiguous n=%u first=%u", n, first);
	t = topo_new(name, n);
	for (c = 0; c < n; c++)
		t->apicid[c] = first + c;
	return t;
}

struct topo *topo_smt_after(unsigned int cores, unsigned int threads)
{
	unsigned int c, n = cores * threads;
	char name[96];
	struct topo *t;

	snprintf(name, sizeof(name), "smt-after cores=%u threads=%u",
		 cores, threads);
	t = topo_new(name, n);
	for (c = 0; c < n; c++)
		t->apicid[c] = (c % cores) * threads + c / cores;
	return t;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

struct topo *topo_sockets(unsigned int sockets, unsigned int cores,
			  unsigned int threads, bool interleave)
{
	unsigned int per = cores * threads, n = sockets * per, c;
	uint32_t stride = pow2_at_least(per);
	char name[96];
	struct topo *t;

	snprintf(name, sizeof(name), "sockets=%u cores=%u threads=%u%s",
		 sockets, cores, threads, interleave ? " interleaved" : "");
	t = topo_new(name, n);
	for (c = 0; c < n; c++) {
		unsigned int s = interleave ? c % sockets : c / per;
		unsigned int i = interleave ? c / sockets : c % per;

		t->apicid[c] = s * stride + i;
	}
	return t;
}

static void shuffle(uint32_t *a, unsigned int n, uint32_t *seed)
{
	unsigned int i;

	for (i = n; i > 1; i--) {
		unsigned int j = rng_next(seed) % i;
		uint32_t tmp = a[i - 1];

		a[i - 1] = a[j];
		a[j] = tmp;
	}
}

struct topo *topo_random_perm(unsigned int n, uint32_t stride, uint32_t seed)
{
	char name[96];
	struct topo *t;
	unsigned int c;

	snprintf(name, sizeof(name), "random-perm n=%u stride=%u seed=%u",
		 n, stride, seed);
	t = topo_new(name, n);
	for (c = 0; c < n; c++)
		t->apicid[c] = c * stride;
	shuffle(t->apicid, n, &seed);
	return t;
}

struct topo *topo_sparse_random(unsigned int n, uint32_t range, uint32_t seed)
{
	unsigned long *used = mask_new(range);
	char name[96];
	struct topo *t;
	unsigned int c;

	snprintf(name, sizeof(name), "sparse-random n=%u range=%u seed=%u",
		 n, range, seed);
	t = topo_new(name, n);
	for (c = 0; c < n; c++) {
		uint32_t id;

		do {
			id = rng_next(&seed) % range;
		} while (mask_test(used, id));
		mask_set(used, id);
		t->apicid[c] = id;
	}
	free(used);
	return t;
}

struct topo *topo_x2apic_clusters(unsigned int n)
{
	char name[96];
	struct topo *t;
	unsigned int c;

	snprintf(name, sizeof(name), "x2apic-clusters n=%u", n);
	t = topo_new(name, n);
	for (c = 0; c < n; c++)
		t->apicid[c] = (c / 16) << 16 | (c % 16);
	return t;
}

struct topo *topo_with_holes(struct topo *t, unsigned int every, uint32_t seed)
{
	unsigned int c;
	size_t len = strlen(t->name);

	snprintf(t->name + len, sizeof(t->name) - len, " holes=1/%u", every);
	for (c = 0; c < t->nr_cpus; c++)
		if (rng_next(&seed) % every == 0)
			t->apicid[c] = NO_APIC;
	return t;
}

unsigned long *mask_new(unsigned int nbits)
{
	unsigned long *m = calloc(BITS_TO_LONGS(nbits) + 1, sizeof(long));

	if (!m)
		abort();
	return m;
}

void mask_set(unsigned long *m, unsigned int bit)
{
	m[bit / BITS_PER_LONG] |= 1UL << (bit % BITS_PER_LONG);
}

bool mask_test(const unsigned long *m, unsigned int bit)
{
	return m[bit / BITS_PER_LONG] >> (bit % BITS_PER_LONG) & 1;
}

static int parse_uint(const char **p, unsigned long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	*v = strtoul(*p, &end, 10);
	*p = end;
	return 0;
}

int cpulist_parse(const char *s, unsigned long *m, unsigned int nbits,
		  const char **why)
{
	const char *p = s;

	if (!*p) {
		*why = "empty cpulist";
		return -1;
	}
	for (;;) {
		unsigned long a, b, i;

		if (parse_uint(&p, &a)) {
			*why = "malformed cpulist";
			return -1;
		}
		b = a;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, &b) || b < a) {
				*why = "malformed cpulist range";
				return -1;
			}
		}
		if (b >= nbits) {
			*why = "unknown CPU in cpulist";
			return -1;
		}
		for (i = a; i <= b; i++)
			mask_set(m, i);
		if (!*p)
			return 0;
		if (*p != ',') {
			*why = "malformed cpulist";
			return -1;
		}
		p++;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

unsigned int optimum_windows(const struct topo *t, const unsigned long *m,
			     int exclude, unsigned int width)
{
	uint32_t *ids = malloc((t->nr_cpus + 1) * sizeof(uint32_t));
	unsigned int c, n = 0, i, windows = 0;
	uint64_t end = 0;

	if (!ids)
		abort();
	for (c = 0; c < t->nr_cpus; c++)
		if (mask_test(m, c) && (int)c != exclude &&
		    t->apicid[c] != NO_APIC)
			ids[n++] = t->apicid[c];
	qsort(ids, n, sizeof(uint32_t), cmp_u32);
	for (i = 0; i < n; i++) {
		if (windows && ids[i] < end)
			continue;
		windows++;
		end = (uint64_t)ids[i] + width;
	}
	free(ids);
	return windows;
}

struct send_ctx {
	struct host_model *h;
	struct send_result *r;
	unsigned int width;
	uint64_t next_base;	/* lowest base the next window may have */
};

static void fail(struct send_result *r, bool *flag, const char *why,
		 unsigned long a, unsigned long b)
{
	if (*flag) {
		*flag = false;
		snprintf(r->why, sizeof(r->why), "%s (%lu, %lu)", why, a, b);
	}
}

static void emit_ours(void *arg, const struct pvipi_window *win)
{
	struct send_ctx *ctx = arg;
	struct send_result *r = ctx->r;
	unsigned int pop = 0, k;
	long ret;

	for (k = 0; k < PVIPI_MAX_WORDS; k++)
		pop += __builtin_popcountll(win->bits[k]);
	if (pop != win->nr_targets)
		fail(r, &r->windows_ok, "nr_targets != bits set",
		     win->nr_targets, pop);
	if (!(win->bits[0] & 1))
		fail(r, &r->windows_ok, "window base is not a target",
		     win->base, 0);
	if (r->hypercalls && win->base < ctx->next_base)
		fail(r, &r->windows_ok, "windows overlap or descend",
		     win->base, (unsigned long)ctx->next_base);
	if (ctx->width == PVIPI_WIDTH_128 && win->bits[2])
		fail(r, &r->windows_ok, "bits[2] set in a 128-bit window",
		     win->base, 0);
	ctx->next_base = (uint64_t)win->base + ctx->width;
	r->hypercalls++;

	if (ctx->width == PVIPI_WIDTH_128)
		ret = host_send_ipi(ctx->h, win->bits[0], win->bits[1],
				    win->base, HOST_APIC_DM_FIXED | 0xfd);
	else
		ret = host_send_ipi192(ctx->h, win->bits, win->base,
				       HOST_APIC_DM_FIXED | 0xfd);
	/* every bit must name a vCPU: the host skips IDs it does not know */
	if (ret != (long)win->nr_targets)
		fail(r, &r->windows_ok, "host delivered != nr_targets",
		     (unsigned long)ret, win->nr_targets);
	r->returned += ret;
}

static void emit_upstream(void *arg, u64 lo, u64 hi, u32 min)
{
	struct send_ctx *ctx = arg;

	ctx->r->hypercalls++;
	ctx->r->returned += host_send_ipi(ctx->h, lo, hi, min,
					  HOST_APIC_DM_FIXED | 0xfd);
}

/* The windows of one pvipi_pack() call, to compare its variants. */
struct win_log {
	struct pvipi_window *w;
	unsigned int n, cap;
};

static void emit_log(void *arg, const struct pvipi_window *win)
{
	struct win_log *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->w = realloc(l->w, l->cap * sizeof(*l->w));
		if (!l->w)
			abort();
	}
	l->w[l->n++] = *win;
}

static bool same_windows(const struct win_log *a, const struct win_log *b)
{
	unsigned int i, k;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (a->w[i].base != b->w[i].base ||
		    a->w[i].nr_targets != b->w[i].nr_targets)
			return false;
		for (k = 0; k < PVIPI_MAX_WORDS; k++)
			if (a->w[i].bits[k] != b->w[i].bits[k])
				return false;
	}
	return true;
}

/*
 * The same send with a scratch bitmap left dirty (by a send that never
 * finished) and with none (the rank walk a nested send uses) must give the
 * windows of a clean one, and leave the scratch zero.
 */
static void check_variants(const struct topo *t, const struct pvipi_map *map,
			   unsigned int width, const unsigned long *m,
			   int exclude, struct send_result *r)
{
	unsigned int n = pvipi_scratch_longs(map), i;
	unsigned long *scratch = calloc(n + 1, sizeof(long));
	struct win_log clean = { }, dirty = { }, none = { };

	if (!scratch)
		abort();
	pvipi_pack(map, m, t->nr_cpus, exclude, width, scratch, emit_log,
		   &clean);
	for (i = 0; i < n; i++)
		scratch[i] = 0xa5a5a5a5a5a5a5a5UL ^ (i * 0x9e3779b97f4a7c15UL);
	pvipi_pack(map, m, t->nr_cpus, exclude, width, scratch, emit_log,
		   &dirty);
	for (i = 0; i < n; i++)
		if (scratch[i])
			fail(r, &r->scratch_ok, "dirty scratch not zero", i,
			     scratch[i]);
	pvipi_pack(map, m, t->nr_cpus, exclude, width, NULL, emit_log, &none);
	if (!same_windows(&clean, &dirty))
		fail(r, &r->windows_ok, "dirty scratch: other windows",
		     dirty.n, clean.n);
	if (!same_windows(&clean, &none))
		fail(r, &r->windows_ok, "no scratch: other windows", none.n,
		     clean.n);
	free(clean.w);
	free(dirty.w);
	free(none.w);
	free(scratch);
}

void send_mask(const struct topo *t, const struct pvipi_map *map,
	       struct host_model *h, enum packer p, unsigned int width,
	       const unsigned long *m, int exclude, struct send_result *r)
{
	struct send_ctx ctx = { .h = h, .r = r, .width = width };
	unsigned int c, calls;

	memset(r, 0, sizeof(*r));
	r->delivered_ok = true;
	r->windows_ok = true;
	r->scratch_ok = true;
	host_reset(h);

	if (p == PACKER_OURS) {
		unsigned int n = pvipi_scratch_longs(map), i;
		unsigned long *scratch = calloc(n + 2, sizeof(long));

		if (!scratch)
			abort();
		calls = pvipi_pack(map, m, t->nr_cpus, exclude, width,
				   scratch + 1, emit_ours, &ctx);
		for (i = 0; i < n + 2; i++)
			if (scratch[i])
				fail(r, &r->scratch_ok, "scratch not zero", i,
				     scratch[i]);
		free(scratch);
		check_variants(t, map, width, m, exclude, r);
	} else {
		unsigned long *copy = mask_new(t->nr_cpus);

		calls = upstream_pack(t->apicid, t->nr_cpus, m, exclude, copy,
				      emit_upstream, &ctx);
		free(copy);
	}
	if (calls != r->hypercalls)
		fail(r, &r->windows_ok, "return value != windows emitted",
		     calls, r->hypercalls);

	for (c = 0; c < t->nr_cpus; c++) {
		uint32_t want, got;

		if (t->apicid[c] == NO_APIC)
			continue;
		want = mask_test(m, c) && (int)c != exclude;
		got = host_delivered(h, t->apicid[c]);
		r->targets += want;
		if (got != want)
			fail(r, &r->delivered_ok, "CPU delivered wrong count",
			     c, got);
	}
	if (host_delivered_total(h) != r->targets)
		fail(r, &r->delivered_ok, "deliveries != targets",
		     (unsigned long)host_delivered_total(h), r->targets);
	if (r->returned != (long)r->targets)
		fail(r, &r->delivered_ok, "host returned != targets",
		     (unsigned long)r->returned, r->targets);
}
