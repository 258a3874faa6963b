// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi-test: differential tests of the pvapic packer against the host
 * model, an independently computed optimum and the upstream model. TAP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvipi_pack.h"
#include "topo.h"
#include "upstream_model.h"

static unsigned int tests, failures;

static void __attribute__((format(printf, 2, 3)))
tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failures++;
	printf("%sok %u - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- host model ---------------------------------------------------- */

static void test_host_model(void)
{
	uint32_t ids[] = { 0, 1, 2, 64, 65, 130, 200 };
	uint64_t w3[3] = { 1, 1, 1 };
	struct host_model h;
	long ret;

	host_init(&h, ids, 7);
	ret = host_send_ipi(&h, 1, 0, 0, HOST_APIC_DM_FIXED | 0xfd |
			    HOST_APIC_SHORT_MASK);
	tap(ret == -HOST_KVM_EINVAL, "host: shorthand in ICR -> -KVM_EINVAL");
	ret = host_send_ipi(&h, 1, 0, 0, HOST_APIC_DEST_MASK | 0xfd);
	tap(ret == -HOST_KVM_EINVAL, "host: logical dest mode -> -KVM_EINVAL");
	tap(host_delivered_total(&h) == 0, "host: refused calls deliver nothing");

	host_reset(&h);
	ret = host_send_ipi(&h, 0x7, 0x3, 0, HOST_APIC_DM_NMI);
	tap(ret == 5 && host_delivered(&h, 64) == 1 &&
	    host_delivered(&h, 65) == 1, "host: a1 bit i -> APIC ID a2+64+i");

	host_reset(&h);
	ret = host_send_ipi(&h, 0x18, 0, 0, 0xfd);
	tap(ret == 0, "host: IDs without a vCPU are skipped");

	host_reset(&h);
	ret = host_send_ipi(&h, 1ull << 50 | 1ull << 51, 1, 150, 0xfd);
	tap(ret == 1 && host_delivered(&h, 200) == 1,
	    "host: IDs above max APIC ID skipped");
	ret = host_send_ipi(&h, 1, 1, 201, 0xfd);
	tap(ret == 0, "host: base above max APIC ID delivers nothing");

	host_reset(&h);
	ret = host_send_ipi192(&h, w3, 2, 0xfd);
	tap(ret == 2 && host_delivered(&h, 2) == 1 &&
	    host_delivered(&h, 130) == 1, "host: 192-bit form, bit i -> base+i");

	host_reset(&h);
	h.fail_every = 2;
	host_send_ipi(&h, 1, 0, 0, 0xfd);
	ret = host_send_ipi(&h, 2, 0, 0, 0xfd);
	tap(ret == -HOST_KVM_EOPNOTSUPP && host_delivered(&h, 1) == 0 &&
	    host_delivered(&h, 0) == 1, "host: fail_every fails every Nth call");
	h.fail_every = 0;

	host_reset(&h);
	h.short_every = 1;
	ret = host_send_ipi(&h, 0x7, 0x1, 0, 0xfd);
	tap(ret == 3 && host_delivered(&h, 64) == 0 &&
	    host_delivered(&h, 2) == 1, "host: short_every drops the last target");
	host_free(&h);
}

/* ---- map ----------------------------------------------------------- */

static void test_map(void)
{
	u32 dup[] = { 4, 7, 4 }, ident[] = { 10, 11, 30, NO_APIC },
	    perm[] = { 9, 3, NO_APIC, 5 };
	u32 storage[64];
	struct pvipi_map map;

	tap(pvipi_map_build(&map, storage, dup, 3) == -EINVAL,
	    "map: duplicate APIC ID -> -EINVAL");
	tap(map.nr_ranks == 0, "map: failed build leaves an empty map");
	tap(pvipi_map_build(&map, storage, ident, 4) == 0 && map.identity &&
	    map.nr_ranks == 3 && map.rank_of[3] == PVIPI_NO_RANK &&
	    pvipi_scratch_longs(&map) == 0, "map: sorted CPUs are identity");
	tap(map.run_end[0] == 1 && map.run_end[1] == 1 && map.run_end[2] == 2,
	    "map: runs of consecutive APIC IDs");
	tap(pvipi_map_build(&map, storage, perm, 4) == 0 && !map.identity &&
	    map.apicid[0] == 3 && map.cpu[0] == 1 && map.rank_of[0] == 2 &&
	    map.rank_of[2] == PVIPI_NO_RANK && pvipi_scratch_longs(&map) == 1,
	    "map: permuted CPUs sorted by APIC ID");
}

/* ---- differential -------------------------------------------------- */

struct mask_case {
	char name[48];
	unsigned long *m;
	int exclude;
};

static unsigned int make_masks(const struct topo *t, struct mask_case *mc,
			       uint32_t seed)
{
	static const unsigned int pct[] = { 1, 10, 50, 90 };
	unsigned int n = t->nr_cpus, k = 0, c, i;
	uint32_t lo = NO_APIC;

	for (c = 0; c < n; c++)
		if (t->apicid[c] < lo)
			lo = t->apicid[c];

#define NEW(fmt, ...) do {						\
		snprintf(mc[k].name, sizeof(mc[k].name), fmt, ##__VA_ARGS__); \
		mc[k].m = mask_new(n);					\
		mc[k].exclude = -1;					\
	} while (0)

	NEW("empty");
	k++;
	for (i = 0; i < 3; i++) {
		unsigned int cpu = i == 0 ? 0 : i == 1 ? n - 1 : n / 2;

		NEW("single cpu %u", cpu);
		mask_set(mc[k].m, cpu);
		k++;
	}
	NEW("all");
	for (c = 0; c < n; c++)
		mask_set(mc[k].m, c);
	k++;
	for (i = 0; i < 3; i++) {
		unsigned int self = i == 0 ? 0 : i == 1 ? n / 2 : n - 1;

		NEW("all-but-self %u", self);
		for (c = 0; c < n; c++)
			mask_set(mc[k].m, c);
		mc[k].exclude = self;
		k++;
	}
	for (i = 0; i < 4; i++) {
		NEW("random %u%%", pct[i]);
		for (c = 0; c < n; c++)
			if (rng_next(&seed) % 100 < pct[i])
				mask_set(mc[k].m, c);
		k++;
	}
	NEW("random 50%% but-self");
	for (c = 0; c < n; c++)
		if (rng_next(&seed) % 2)
			mask_set(mc[k].m, c);
	mc[k].exclude = rng_next(&seed) % n;
	k++;
	NEW("window edges");
	for (c = 0; c < n; c++) {
		uint32_t d = t->apicid[c] - lo;

		if (t->apicid[c] != NO_APIC &&
		    (d % 128 == 0 || d % 128 == 127 || d % 192 == 0 ||
		     d % 192 == 191 || d % 128 == 64))
			mask_set(mc[k].m, c);
	}
	k++;
	NEW("every other CPU");
	for (c = 0; c < n; c += 2)
		mask_set(mc[k].m, c);
	k++;
	NEW("first half");
	for (c = 0; c < n / 2; c++)
		mask_set(mc[k].m, c);
	k++;
#undef NEW
	return k;
}

static void check_topo(struct topo *t, uint32_t seed)
{
	struct mask_case mc[24];
	unsigned int nm, i;
	struct pvipi_map map;
	struct host_model h;
	u32 *storage = malloc(pvipi_map_words(t->nr_cpus) * sizeof(u32) + 1);

	if (!storage || host_init(&h, t->apicid, t->nr_cpus))
		abort();
	tap(pvipi_map_build(&map, storage, t->apicid, t->nr_cpus) == 0,
	    "[%s] map builds", t->name);
	nm = make_masks(t, mc, seed);
	for (i = 0; i < nm; i++) {
		struct send_result r128, r192, up;
		unsigned int o128 = optimum_windows(t, mc[i].m, mc[i].exclude,
						    128);
		unsigned int o192 = optimum_windows(t, mc[i].m, mc[i].exclude,
						    192);

		send_mask(t, &map, &h, PACKER_OURS, 128, mc[i].m,
			  mc[i].exclude, &r128);
		tap(r128.delivered_ok && r128.windows_ok && r128.scratch_ok &&
		    r128.hypercalls == o128,
		    "[%s] %s: ours w=128 %u calls, optimum %u%s%s", t->name,
		    mc[i].name, r128.hypercalls, o128, r128.why[0] ? " # " : "",
		    r128.why);
		send_mask(t, &map, &h, PACKER_OURS, 192, mc[i].m,
			  mc[i].exclude, &r192);
		tap(r192.delivered_ok && r192.windows_ok && r192.scratch_ok &&
		    r192.hypercalls == o192 && r192.hypercalls <= r128.hypercalls,
		    "[%s] %s: ours w=192 %u calls, optimum %u, <= w=128%s%s",
		    t->name, mc[i].name, r192.hypercalls, o192,
		    r192.why[0] ? " # " : "", r192.why);
		send_mask(t, &map, &h, PACKER_UPSTREAM, 128, mc[i].m,
			  mc[i].exclude, &up);
		tap(up.delivered_ok && up.hypercalls >= r128.hypercalls,
		    "[%s] %s: upstream model delivers, %u calls >= ours%s%s",
		    t->name, mc[i].name, up.hypercalls,
		    up.why[0] ? " # " : "", up.why);
		free(mc[i].m);
	}
	host_free(&h);
	free(storage);
	topo_free(t);
}

/* ---- odd arguments and host faults --------------------------------- */

struct record {
	unsigned int n;
	struct pvipi_window w[64];
};

static void record_emit(void *ctx, const struct pvipi_window *win)
{
	struct record *rec = ctx;

	if (rec->n < 64)
		rec->w[rec->n] = *win;
	rec->n++;
}

static void test_args_and_faults(void)
{
	struct topo *t = topo_random_perm(1000, 1, 77);
	u32 *storage = malloc(pvipi_map_words(1000) * sizeof(u32));
	unsigned long *m = mask_new(1000 + 256), scratch[16] = { 0 };
	struct record a = { 0 }, b = { 0 };
	struct pvipi_map map;
	struct host_model h;
	unsigned int c, i, calls, ok, fails, delivered;
	long ret;

	pvipi_map_build(&map, storage, t->apicid, 1000);
	host_init(&h, t->apicid, 1000);
	for (c = 0; c < 1000 + 256; c++)
		mask_set(m, c);

	calls = pvipi_pack(&map, m, 1000, -1, 64, scratch, record_emit, &a);
	tap(calls == 0 && a.n == 0, "width 64 sends nothing");
	calls = pvipi_pack(&map, m, 1000, -1, 256, scratch, record_emit, &a);
	tap(calls == 0 && a.n == 0, "width 256 sends nothing");

	calls = pvipi_pack(&map, m, 1000 + 256, -1, 128, scratch, record_emit,
			   &a);
	tap(calls == 8 && a.n == 8, "bits beyond nr_cpu_ids are ignored");
	a.n = 0;
	calls = pvipi_pack(&map, m, 10, -1, 128, scratch, record_emit, &a);
	ok = 0;
	for (i = 0; i < a.n && i < 64; i++)
		ok += a.w[i].nr_targets;
	tap(ok == 10, "only mask_bits bits of the mask are read");
	for (i = 0, ok = 1; i < 16; i++)
		ok &= !scratch[i];
	tap(ok, "scratch zero after odd arguments");

	/* the packer's windows do not depend on the host's answers */
	a.n = 0;
	pvipi_pack(&map, m, 1000, 3, 128, scratch, record_emit, &a);
	h.fail_every = 3;
	host_reset(&h);
	fails = 0;
	delivered = 0;
	for (i = 0; i < a.n; i++) {
		ret = host_send_ipi(&h, a.w[i].bits[0], a.w[i].bits[1],
				    a.w[i].base, 0xfd);
		if (ret < 0)
			fails++;
		else
			delivered += ret;
	}
	tap(fails == a.n / 3 &&
	    host_delivered_total(&h) == delivered, "fail_every=3 fails 1 in 3");
	pvipi_pack(&map, m, 1000, 3, 128, scratch, record_emit, &b);
	tap(b.n == a.n && !memcmp(a.w, b.w, sizeof(a.w[0]) * a.n),
	    "same windows after a faulty host");
	h.fail_every = 0;
	h.short_every = 2;
	host_reset(&h);
	ok = 1;
	for (i = 0; i < a.n; i++) {
		ret = host_send_ipi(&h, a.w[i].bits[0], a.w[i].bits[1],
				    a.w[i].base, 0xfd);
		ok &= ret == (long)a.w[i].nr_targets - ((i + 1) % 2 == 0);
	}
	tap(ok && host_delivered_total(&h) == 999 - a.n / 2,
	    "short_every=2 returns a short count every 2nd call");
	host_free(&h);
	free(storage);
	free(m);
	topo_free(t);
}

int main(void)
{
	test_host_model();
	test_map();
	test_args_and_faults();

	check_topo(topo_contiguous(1, 0), 1);
	check_topo(topo_contiguous(2, 0), 2);
	check_topo(topo_contiguous(127, 0), 3);
	check_topo(topo_contiguous(129, 5), 4);
	check_topo(topo_contiguous(1000, 0), 5);
	check_topo(topo_contiguous(8192, 0), 6);
	check_topo(topo_contiguous(100, 32700), 7);
	check_topo(topo_smt_after(4096, 2), 8);
	check_topo(topo_smt_after(36, 2), 9);
	check_topo(topo_smt_after(100, 4), 10);
	check_topo(topo_sockets(2, 72, 1, false), 11);
	check_topo(topo_sockets(4, 72, 2, false), 12);
	check_topo(topo_sockets(8, 24, 1, true), 13);
	check_topo(topo_sockets(2, 72, 2, true), 14);
	check_topo(topo_sockets(16, 512, 1, true), 15);
	check_topo(topo_sockets(113, 72, 1, false), 16);
	check_topo(topo_random_perm(8192, 1, 1), 17);
	check_topo(topo_random_perm(1000, 3, 2), 18);
	check_topo(topo_random_perm(5000, 1, 3), 19);
	check_topo(topo_sparse_random(2000, 1u << 20, 4), 20);
	check_topo(topo_sparse_random(8192, 200000, 5), 21);
	check_topo(topo_x2apic_clusters(8192), 22);
	check_topo(topo_with_holes(topo_contiguous(8192, 0), 7, 23), 23);
	check_topo(topo_with_holes(topo_random_perm(4096, 1, 24), 3, 24), 24);
	check_topo(topo_with_holes(topo_smt_after(512, 2), 5, 25), 25);
	check_topo(topo_with_holes(topo_sockets(4, 72, 2, true), 4, 26), 26);

	printf("1..%u\n", tests);
	printf("%u passed, %u failed\n", tests - failures, failures);
	return failures ? 1 : 0;
}
