// SPDX-License-Identifier: GPL-2.0
/*
 * Host model of KVM_HC_SEND_IPI as 6.12 implements it for a 64-bit guest:
 * the ICR must not carry a shorthand or logical destination mode; each
 * 64-bit half of the bitmap is delivered from its own base (a2, a2 + 64),
 * a half whose base is above the highest APIC ID is skipped, bits above
 * the highest APIC ID are ignored, and so are IDs without a vCPU. The
 * return value is the number of vCPUs the IPI was delivered to.
 */
#include <stdlib.h>
#include <string.h>

#include "host_model.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int host_init(struct host_model *h, const uint32_t *apicid_of_cpu,
	      uint32_t nr_cpus)
{
	uint32_t c, n = 0;

	memset(h, 0, sizeof(*h));
	h->apicid = calloc(nr_cpus ? nr_cpus : 1, sizeof(uint32_t));
	h->delivered = calloc(nr_cpus ? nr_cpus : 1, sizeof(uint32_t));
	if (!h->apicid || !h->delivered)
		return -1;
	for (c = 0; c < nr_cpus; c++)
		if (apicid_of_cpu[c] != 0xffffffffu)
			h->apicid[n++] = apicid_of_cpu[c];
	qsort(h->apicid, n, sizeof(uint32_t), cmp_u32);
	h->nr_vcpus = n;
	h->max_apic_id = n ? h->apicid[n - 1] : 0;
	return 0;
}

void host_free(struct host_model *h)
{
	free(h->apicid);
	free(h->delivered);
	memset(h, 0, sizeof(*h));
}

void host_reset(struct host_model *h)
{
	memset(h->delivered, 0, h->nr_vcpus * sizeof(uint32_t));
	h->calls = 0;
}

static long host_find(const struct host_model *h, uint32_t apic_id)
{
	uint32_t lo = 0, hi = h->nr_vcpus;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (h->apicid[mid] < apic_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->nr_vcpus && h->apicid[lo] == apic_id ? (long)lo : -1;
}

uint32_t host_delivered(const struct host_model *h, uint32_t apic_id)
{
	long i = host_find(h, apic_id);

	return i < 0 ? 0 : h->delivered[i];
}

uint64_t host_delivered_total(const struct host_model *h)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < h->nr_vcpus; i++)
		sum += h->delivered[i];
	return sum;
}

/*
 * One 64-bit cluster. @drop is the APIC ID a short-count fault drops, or
 * a value no bit can reach.
 */
static int host_cluster(struct host_model *h, uint64_t bits, uint32_t min,
			int64_t drop)
{
	uint32_t i, limit;
	int count = 0;

	if (min > h->max_apic_id)
		return 0;
	limit = h->max_apic_id - min + 1;
	if (limit > 64 || limit == 0)
		limit = 64;
	for (i = 0; i < limit; i++) {
		long v;

		if (!(bits & (1ull << i)))
			continue;
		if ((int64_t)(min + i) == drop)
			continue;
		v = host_find(h, min + i);
		if (v < 0)
			continue;
		h->delivered[v]++;
		count++;
	}
	return count;
}

/* Highest APIC ID a window would deliver to; -1 if none. */
static int64_t host_last_target(const struct host_model *h, const uint64_t *w,
				int nwords, uint32_t base)
{
	int64_t last = -1;
	int k, i;

	for (k = 0; k < nwords; k++) {
		uint32_t min = base + 64 * k;

		for (i = 0; i < 64; i++)
			if ((w[k] >> i & 1) && min <= h->max_apic_id &&
			    i <= (int64_t)h->max_apic_id - min &&
			    host_find(h, min + i) >= 0)
				last = (int64_t)min + i;
	}
	return last;
}

static long host_send(struct host_model *h, const uint64_t *w, int nwords,
		      unsigned long a2, unsigned long icr)
{
	uint32_t min = (uint32_t)a2;
	int64_t drop = -1;
	long count = 0;
	int k;

	h->calls++;
	if (icr & (HOST_APIC_DEST_MASK | HOST_APIC_SHORT_MASK))
		return -HOST_KVM_EINVAL;
	if (h->fail_every && h->calls % h->fail_every == 0)
		return -HOST_KVM_EOPNOTSUPP;
	if (h->short_every && h->calls % h->short_every == 0)
		drop = host_last_target(h, w, nwords, min);

	for (k = 0; k < nwords; k++) {
		count += host_cluster(h, w[k], min, drop);
		min += 64;	/* u32 arithmetic, as in the host */
	}
	return count;
}

long host_send_ipi(struct host_model *h, unsigned long a0, unsigned long a1,
		   unsigned long a2, unsigned long a3)
{
	uint64_t w[2] = { a0, a1 };

	return host_send(h, w, 2, a2, a3);
}

long host_send_ipi192(struct host_model *h, const uint64_t w[3],
		      unsigned long base, unsigned long icr)
{
	return host_send(h, w, 3, base, icr);
}
