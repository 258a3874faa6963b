// SPDX-License-Identifier: GPL-2.0
/*
 * Behavioural model of the 6.12 KVM guest PV IPI packer, for comparison.
 *
 * It makes one pass over the cpumask in CPU order, keeping a 128-bit
 * window whose bit 0 is the lowest APIC ID seen since the last flush. An
 * ID below that base is taken by shifting the window up, if the highest ID
 * in it stays within 128 of the new base; an ID above the base is taken if
 * it is within 128 of it; anything else flushes the window with one
 * hypercall and starts a new one at that ID. The all-but-self variant
 * copies the mask and clears the sending CPU first.
 */
#include <linux/bitmap.h>

#include "upstream_model.h"

#define CLUSTER 128u

unsigned int upstream_pack(const u32 *apicid_of_cpu, unsigned int nr_cpu_ids,
			   const unsigned long *mask, int self,
			   unsigned long *copy, upstream_emit_fn emit,
			   void *ctx)
{
	unsigned __int128 bitmap = 0;
	u32 lo = 0, hi = 0;
	unsigned int calls = 0;
	unsigned long cpu;

	if (self >= 0) {
		bitmap_copy(copy, mask, nr_cpu_ids);
		__clear_bit(self, copy);
		mask = copy;
	}
	if (find_first_bit(mask, nr_cpu_ids) >= nr_cpu_ids)
		return 0;

	for_each_set_bit(cpu, mask, nr_cpu_ids) {
		u32 id = apicid_of_cpu[cpu];

		if (id == 0xffffffffu)
			continue;
		if (!bitmap) {
			lo = id;
			hi = id;
		} else if (id < lo && hi - id < CLUSTER) {
			bitmap <<= lo - id;
			lo = id;
		} else if (id > lo && id < lo + CLUSTER) {
			if (id > hi)
				hi = id;
		} else {
			emit(ctx, (u64)bitmap, (u64)(bitmap >> 64), lo);
			calls++;
			bitmap = 0;
			lo = id;
			hi = id;
		}
		bitmap |= (unsigned __int128)1 << (id - lo);
	}
	if (bitmap) {
		emit(ctx, (u64)bitmap, (u64)(bitmap >> 64), lo);
		calls++;
	}
	return calls;
}
