/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PVAPIC_UPSTREAM_MODEL_H
#define _PVAPIC_UPSTREAM_MODEL_H

#include <linux/types.h>

/* One KVM_HC_SEND_IPI as the 6.12 guest issues it: a0, a1, a2. */
typedef void (*upstream_emit_fn)(void *ctx, u64 lo, u64 hi, u32 min);

/*
 * Model of 6.12's __send_ipi_mask() (and the allbutself wrapper when
 * @self >= 0, which copies the mask to @copy first). CPUs whose APIC ID is
 * 0xffffffff are skipped. Returns the number of hypercalls.
 */
unsigned int upstream_pack(const u32 *apicid_of_cpu, unsigned int nr_cpu_ids,
			   const unsigned long *mask, int self,
			   unsigned long *copy, upstream_emit_fn emit,
			   void *ctx);

#endif
