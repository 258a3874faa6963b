/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the pvapic harness: topologies, masks, checks. */
#ifndef _PVAPIC_TOPO_H
#define _PVAPIC_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#include "host_model.h"

#define NO_APIC		0xffffffffu
#define TOPO_MAX_CPUS	65536u

struct topo {
	char name[96];
	unsigned int nr_cpus;		/* nr_cpu_ids */
	uint32_t *apicid;		/* per CPU, NO_APIC for none */
};

struct topo *topo_new(const char *name, unsigned int nr_cpus);
void topo_free(struct topo *t);

/* Generators; all deterministic. */
struct topo *topo_contiguous(unsigned int n, uint32_t first);
struct topo *topo_smt_after(unsigned int cores, unsigned int threads);
struct topo *topo_sockets(unsigned int sockets, unsigned int cores,
			  unsigned int threads, bool interleave);
struct topo *topo_random_perm(unsigned int n, uint32_t stride, uint32_t seed);
struct topo *topo_sparse_random(unsigned int n, uint32_t range, uint32_t seed);
struct topo *topo_x2apic_clusters(unsigned int n);
struct topo *topo_with_holes(struct topo *t, unsigned int every, uint32_t seed);

uint32_t rng_next(uint32_t *state);

/* Bitmaps of nr_cpus bits. */
unsigned long *mask_new(unsigned int nbits);
void mask_set(unsigned long *m, unsigned int bit);
bool mask_test(const unsigned long *m, unsigned int bit);

/*
 * Parse a cpulist ("0-3,8") into @m (nbits bits). Returns 0, or -1 with a
 * reason in @why.
 */
int cpulist_parse(const char *s, unsigned long *m, unsigned int nbits,
		  const char **why);

/*
 * Minimum number of windows of @width consecutive IDs covering the
 * targets: the mask's CPUs with an APIC ID, less @exclude. Computed from
 * scratch with qsort, independently of the packer.
 */
unsigned int optimum_windows(const struct topo *t, const unsigned long *m,
			     int exclude, unsigned int width);

/* Result of sending one mask through a packer and the host model. */
struct send_result {
	unsigned int hypercalls;
	unsigned int targets;
	long returned;			/* sum of host return values */
	bool delivered_ok;		/* each target once, nothing else */
	bool windows_ok;		/* window invariants held (ours only) */
	bool scratch_ok;		/* scratch zero on return (ours only) */
	char why[160];
};

enum packer { PACKER_OURS, PACKER_UPSTREAM };

struct pvipi_map;
/* Pack @m and deliver it; @map may be NULL for PACKER_UPSTREAM. */
void send_mask(const struct topo *t, const struct pvipi_map *map,
	       struct host_model *h, enum packer p, unsigned int width,
	       const unsigned long *m, int exclude, struct send_result *r);

#endif
