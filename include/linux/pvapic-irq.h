/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: CPUs that no external interrupt message can name.
 *
 * A KVM guest without interrupt remapping addresses IOAPIC and MSI
 * messages to 8-bit APIC IDs (15-bit with KVM_FEATURE_MSI_EXT_DEST_ID).
 * Upstream leaves CPUs with a higher APIC ID offline. With
 * CONFIG_PVAPIC_EXTDEST they come online as "unreachable" CPUs: the
 * vector allocator never gives them a device vector, affinity requests
 * naming only them are refused, and managed spreads hand them to the
 * queue of CPU 0. The hooks below sit in the x86 APIC and irq core code;
 * each is a test of a __ro_after_init flag that is false unless some
 * possible CPU is unreachable.
 */
#ifndef _LINUX_PVAPIC_IRQ_H
#define _LINUX_PVAPIC_IRQ_H

#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/types.h>

struct irq_data;

#ifdef CONFIG_PVAPIC_EXTDEST

extern bool pvapic_irq_limited __ro_after_init;
extern struct cpumask pvapic_irq_cpus __ro_after_init;

bool pvapic_irq_setup(u32 limit);
void pvapic_irq_fixup_groups(struct cpumask *groups, unsigned int nr,
			     const struct cpumask *reachable,
			     const struct cpumask *possible,
			     const struct cpumask *present);
bool pvapic_irq_affinity_ok(struct irq_data *d, const struct cpumask *mask);

/**
 * pvapic_irq_is_limited() - whether some online CPUs are unreachable
 *
 * Return: true when pvapic brought up CPUs that no device interrupt
 * message can name; false on every other guest.
 */
static inline bool pvapic_irq_is_limited(void)
{
	return pvapic_irq_limited;
}

/**
 * pvapic_irq_cpu_reachable() - whether device interrupts may target a CPU
 * @cpu: the CPU
 *
 * Return: true unless some CPUs are unreachable and @cpu is one of them.
 */
static inline bool pvapic_irq_cpu_reachable(unsigned int cpu)
{
	return !pvapic_irq_limited || cpumask_test_cpu(cpu, &pvapic_irq_cpus);
}

/**
 * pvapic_irq_affinity_reachable() - whether an affinity request can be met
 * @d: the interrupt's irq_data
 * @mask: the CPUs asked for
 *
 * Return: false when @d is delivered by a message and @mask holds no
 * CPU the message can name; the request is then refused.
 */
static inline bool pvapic_irq_affinity_reachable(struct irq_data *d,
						 const struct cpumask *mask)
{
	return !pvapic_irq_limited || pvapic_irq_affinity_ok(d, mask);
}

/**
 * pvapic_irq_spread() - keep each managed spread deliverable
 * @groups: the spread of one set, as group_cpus_evenly() returns it
 * @nr: number of groups
 */
static inline void pvapic_irq_spread(struct cpumask *groups, unsigned int nr)
{
	if (pvapic_irq_limited)
		pvapic_irq_fixup_groups(groups, nr, &pvapic_irq_cpus,
					cpu_possible_mask, cpu_present_mask);
}

#else /* CONFIG_PVAPIC_EXTDEST */

static inline bool pvapic_irq_is_limited(void)
{
	return false;
}

static inline bool pvapic_irq_setup(u32 limit)
{
	return false;
}

static inline bool pvapic_irq_cpu_reachable(unsigned int cpu)
{
	return true;
}

static inline bool pvapic_irq_affinity_reachable(struct irq_data *d,
						 const struct cpumask *mask)
{
	return true;
}

static inline void pvapic_irq_spread(struct cpumask *groups, unsigned int nr)
{
}

#endif /* CONFIG_PVAPIC_EXTDEST */

#endif /* _LINUX_PVAPIC_IRQ_H */
