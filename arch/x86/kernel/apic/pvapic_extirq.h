/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: what the unreachable-CPU code and its KUnit suite share.
 */
#ifndef _APIC_PVAPIC_EXTIRQ_H
#define _APIC_PVAPIC_EXTIRQ_H

#include <linux/cpumask.h>
#include <linux/types.h>

/* The highest APIC ID an 8-bit or a 15-bit destination field can name. */
#define PVAPIC_IRQ_LIMIT_8BIT	0xffU
#define PVAPIC_IRQ_LIMIT_15BIT	0x7fffU

bool pvapic_irq_reachable_cpus(struct cpumask *dst, const u32 *apicids,
			       const struct cpumask *possible, u32 limit);

#endif /* _APIC_PVAPIC_EXTIRQ_H */
