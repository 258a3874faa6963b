/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: pack a cpumask into the fewest KVM_HC_SEND_IPI windows.
 *
 * This header and pvipi_pack.c depend on nothing but types and bitops, so
 * the userspace harness in tools/testing/pvapic/ compiles them unchanged.
 */
#ifndef _PVAPIC_PVIPI_PACK_H
#define _PVAPIC_PVIPI_PACK_H

#include <linux/types.h>

/* Largest window the packer produces: three 64-bit bitmap words. */
#define PVIPI_MAX_WORDS		3
#define PVIPI_WIDTH_128		128
#define PVIPI_WIDTH_192		192

/* rank_of[] value for a CPU without a valid APIC ID. */
#define PVIPI_NO_RANK		((u32)~0U)

/**
 * struct pvipi_map - the CPUs the packer can target, in APIC-ID order
 * @nr_cpu_ids: number of entries in @rank_of
 * @nr_ranks: number of CPUs with a valid APIC ID (entries in @apicid, @cpu)
 * @identity: true when rank_of[c] == c for every CPU below @nr_ranks and
 *	no CPU at or above it has a rank, so a cpumask is already a rank bitmap
 * @rank_of: CPU number -> rank, or %PVIPI_NO_RANK
 * @apicid: rank -> APIC ID, strictly ascending
 * @cpu: rank -> CPU number
 * @run_end: rank -> last rank of the run of consecutive APIC IDs holding it,
 *	so a send copies whole runs of ranks into a window with word shifts
 *
 * Ranks order the CPUs by APIC ID. Any optimal set of windows for the
 * KVM_HC_SEND_IPI ABI covers contiguous rank ranges, so a send walks ranks
 * and never searches. The map is immutable once built; the kernel driver
 * replaces it as a whole when the topology changes.
 */
struct pvipi_map {
	unsigned int nr_cpu_ids;
	unsigned int nr_ranks;
	bool identity;
	u32 *rank_of;
	u32 *apicid;
	u32 *cpu;
	u32 *run_end;
};

/**
 * struct pvipi_window - one hypercall's worth of targets
 * @base: APIC ID of bit 0 of @bits
 * @bits: bit i set -> send to APIC ID @base + i; words beyond the width are 0
 * @nr_targets: number of bits set in @bits
 */
struct pvipi_window {
	u32 base;
	u64 bits[PVIPI_MAX_WORDS];
	unsigned int nr_targets;
};

/*
 * Called once per window, in ascending APIC-ID order. The return value is
 * ignored by the packer; the caller's context records what it needs.
 */
typedef void (*pvipi_emit_fn)(void *ctx, const struct pvipi_window *win);

size_t pvipi_map_words(unsigned int nr_cpu_ids);
int pvipi_map_build(struct pvipi_map *map, u32 *storage,
		    const u32 *apicid_of_cpu, unsigned int nr_cpu_ids);
unsigned int pvipi_scratch_longs(const struct pvipi_map *map);
unsigned int pvipi_pack(const struct pvipi_map *map,
			const unsigned long *mask, unsigned int mask_bits,
			int exclude_cpu, unsigned int width,
			unsigned long *scratch, pvipi_emit_fn emit, void *ctx);

#endif /* _PVAPIC_PVIPI_PACK_H */
