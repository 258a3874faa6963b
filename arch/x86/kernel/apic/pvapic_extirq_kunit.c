// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of pvapic's unreachable-CPU code: which CPUs a message can
 * name, the managed spreads it hands to the irq core, and (in a guest with
 * unreachable CPUs online) the vector domain's choices, one reachable CPU
 * out of vectors included.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/pvapic-irq.h>

#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>

#include "pvapic_extirq.h"

static void set(struct cpumask *m, const char *list)
{
	cpumask_clear(m);
	WARN_ON(cpulist_parse(list, m));
}

static void need_cpus(struct kunit *test, unsigned int n)
{
	if (nr_cpu_ids < n)
		kunit_skip(test, "needs nr_cpu_ids >= %u, have %u", n, nr_cpu_ids);
}

static struct cpumask *new_mask(struct kunit *test, const char *list)
{
	struct cpumask *m = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	set(m, list);
	return m;
}

/* APIC IDs 0, 1, 0x105 and 0x1ff; then one CPU number never registered. */
static void reachable_cpus(struct kunit *test)
{
	u32 *ids = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ids), GFP_KERNEL);
	struct cpumask *possible, *dst;
	unsigned int cpu;

	need_cpus(test, 5);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	possible = new_mask(test, "0-3");
	dst = new_mask(test, "");
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		ids[cpu] = BAD_APICID;
	ids[0] = 0;
	ids[1] = 1;
	ids[2] = 0x105;
	ids[3] = 0x1ff;

	KUNIT_EXPECT_FALSE(test, pvapic_irq_reachable_cpus(dst, ids, possible,
							   PVAPIC_IRQ_LIMIT_8BIT));
	KUNIT_EXPECT_EQ(test, cpumask_weight(dst), 2);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(0, dst) && cpumask_test_cpu(1, dst));

	KUNIT_EXPECT_TRUE(test, pvapic_irq_reachable_cpus(dst, ids, possible,
							  PVAPIC_IRQ_LIMIT_15BIT));
	KUNIT_EXPECT_TRUE(test, cpumask_equal(dst, possible));

	/* The limit itself is reachable, one above it is not. */
	KUNIT_EXPECT_FALSE(test, pvapic_irq_reachable_cpus(dst, ids, possible, 0x1fe));
	KUNIT_EXPECT_EQ(test, cpumask_weight(dst), 3);
	KUNIT_EXPECT_FALSE(test, cpumask_test_cpu(3, dst));

	/*
	 * A possible CPU whose APIC ID is unknown is not reachable, but not
	 * above the limit either: it alone never makes pvapic step in.
	 */
	set(possible, "0-1,4");
	KUNIT_EXPECT_TRUE(test, pvapic_irq_reachable_cpus(dst, ids, possible,
							  PVAPIC_IRQ_LIMIT_8BIT));
	KUNIT_EXPECT_FALSE(test, cpumask_test_cpu(4, dst));
	KUNIT_EXPECT_EQ(test, cpumask_weight(dst), 2);
}

struct spread_case {
	const char *name;
	const char *possible, *present, *reach;
	const char *in[5];
	const char *out[5];
};

static const struct spread_case spread_cases[] = {
	{ "pairs", "0-3", "0-3", "0-1", { "0,2", "1,3" }, { "0,2-3", "1" } },
	{ "orphan", "0-3", "0-3", "0-1", { "0-1", "2-3" }, { "0-3", "1" } },
	{ "anchor last", "0-3", "0-3", "0-1", { "2-3", "0-1" }, { "1", "0-3" } },
	/* Orphans go round the reachable present CPUs, CPU 0 left out. */
	{ "round-robin", "0-5", "0-5", "0-2", { "0-1", "2", "3", "4", "5" },
	  { "0-1,3-5", "2", "1", "2", "1" } },
	/* No reachable present CPU but CPU 0: the orphan gets CPU 0. */
	{ "only CPU 0", "0-3", "0,2-3", "0-1", { "0", "2-3", "1" }, { "0,2-3", "0", "1" } },
	{ "one group", "0-3", "0-3", "0", { "0-3" }, { "0-3" } },
	{ "all reachable", "0-3", "0-3", "0-3", { "0,3", "1", "2" }, { "0,3", "1", "2" } },
};

static void spread_desc(const struct spread_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(spread, spread_cases, spread_desc);

static void spread_fixup(struct kunit *test)
{
	const struct spread_case *c = test->param_value;
	struct cpumask *groups, *want, *reach, *possible, *present;
	unsigned int i, nr = 0;

	need_cpus(test, 6);
	while (nr < ARRAY_SIZE(c->in) && c->in[nr])
		nr++;
	groups = kunit_kcalloc(test, nr, sizeof(*groups), GFP_KERNEL);
	want = kunit_kcalloc(test, nr, sizeof(*want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, groups);
	KUNIT_ASSERT_NOT_NULL(test, want);
	reach = new_mask(test, c->reach);
	possible = new_mask(test, c->possible);
	present = new_mask(test, c->present);
	for (i = 0; i < nr; i++) {
		set(&groups[i], c->in[i]);
		set(&want[i], c->out[i]);
	}

	pvapic_irq_fixup_groups(groups, nr, reach, possible, present);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_TRUE_MSG(test, cpumask_equal(&groups[i], &want[i]),
				      "group %u: %*pbl, want %*pbl", i,
				      cpumask_pr_args(&groups[i]),
				      cpumask_pr_args(&want[i]));
}

/*
 * Every way to spread 4 CPUs over 2 or 3 groups (each CPU in exactly one
 * group, no group empty), with CPUs 2 and 3 unreachable: afterwards no
 * group is empty, each group either lies within the reachable CPUs or
 * holds CPU 0, and each unreachable CPU is in exactly one group.
 */
static void spread_invariant(struct kunit *test)
{
	struct cpumask *groups, *reach, *possible;
	unsigned int nr, code, combos, cpu, i, checked = 0;

	need_cpus(test, 4);
	groups = kunit_kcalloc(test, 3, sizeof(*groups), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, groups);
	reach = new_mask(test, "0-1");
	possible = new_mask(test, "0-3");
	for (nr = 2; nr <= 3; nr++) {
		combos = nr * nr * nr * nr;
		for (code = 0; code < combos; code++) {
			unsigned int c = code, in_groups;

			for (i = 0; i < nr; i++)
				cpumask_clear(&groups[i]);
			for (cpu = 0; cpu < 4; cpu++, c /= nr)
				cpumask_set_cpu(cpu, &groups[c % nr]);
			for (i = 0; i < nr; i++)
				if (cpumask_empty(&groups[i]))
					break;
			if (i < nr)
				continue;

			pvapic_irq_fixup_groups(groups, nr, reach, possible,
						possible);
			checked++;
			for (i = 0; i < nr; i++) {
				bool ok = cpumask_subset(&groups[i], reach) ||
					  cpumask_test_cpu(0, &groups[i]);

				KUNIT_EXPECT_FALSE(test, cpumask_empty(&groups[i]));
				KUNIT_EXPECT_TRUE_MSG(test, ok,
						      "spread %u of %u groups: group %u is %*pbl",
						      code, nr, i,
						      cpumask_pr_args(&groups[i]));
			}
			for (cpu = 2; cpu < 4; cpu++) {
				in_groups = 0;
				for (i = 0; i < nr; i++)
					in_groups += cpumask_test_cpu(cpu, &groups[i]);
				KUNIT_EXPECT_EQ_MSG(test, in_groups, 1,
						    "spread %u of %u groups: CPU %u",
						    code, nr, cpu);
			}
		}
	}
	/* 2^4 - 2 spreads over 2 groups, 3^4 - 3 * 2^4 + 3 over 3. */
	KUNIT_EXPECT_EQ(test, checked, 14 + 36);
}

/* One interrupt of the vector domain for the CPUs in @mask, or none. */
static int shortage_irq(const struct cpumask *mask)
{
	struct irq_alloc_info info;

	init_irq_alloc_info(&info, mask);
	return irq_domain_alloc_irqs(x86_vector_domain, 1, NUMA_NO_NODE, &info);
}

static bool on_reachable(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	return cpumask_subset(irq_data_get_effective_affinity_mask(d),
			      &pvapic_irq_cpus);
}

/*
 * The running kernel's vector domain, with unreachable CPUs online (CPU
 * hotplug held off meanwhile):
 * - an interrupt for the unreachable online CPUs alone gets no vector;
 * - one for every online CPU gets a reachable one (the allocator picks
 *   the CPU with the most free vectors, which would be an unreachable
 *   one if its matrix were online);
 * - a vector shortage on one reachable CPU R: interrupts for R and the
 *   unreachable CPUs take R's free vectors, then get -ENOSPC; one
 *   reserved before then, for every online CPU, is activated on another
 *   reachable CPU, or fails with -ENOSPC when R is the only one online
 *   (the vector domain's last fallback, every online CPU, finds none).
 * Only R's vectors run out, for as long as the case runs; everything is
 * freed again.
 */
static void vector_shortage(struct kunit *test)
{
	struct cpumask *unreach, *mask, *others;
	unsigned int *virq, reserved, r, n = 0, i;
	struct irq_data *d;
	int ret;

	if (!pvapic_irq_is_limited())
		kunit_skip(test, "every CPU is reachable");
	unreach = new_mask(test, "");
	mask = new_mask(test, "");
	others = new_mask(test, "");
	virq = kunit_kcalloc(test, NR_VECTORS, sizeof(*virq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, virq);

	cpus_read_lock();
	cpumask_andnot(unreach, cpu_online_mask, &pvapic_irq_cpus);
	cpumask_and(others, cpu_online_mask, &pvapic_irq_cpus);
	r = cpumask_last(others);
	cpumask_clear_cpu(r, others);
	if (cpumask_empty(unreach)) {
		cpus_read_unlock();
		kunit_skip(test, "no unreachable CPU is online");
	}

	ret = shortage_irq(unreach);
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	if (ret > 0)
		irq_domain_free_irqs(ret, 1);

	ret = shortage_irq(cpu_online_mask);
	KUNIT_EXPECT_GT(test, ret, 0);
	if (ret > 0) {
		KUNIT_EXPECT_TRUE(test, on_reachable(ret));
		irq_domain_free_irqs(ret, 1);
	}

	/*
	 * Reserved only, for every online CPU: its vector is chosen when it
	 * is activated, after R ran out.
	 */
	ret = shortage_irq(NULL);
	if (ret <= 0) {
		KUNIT_FAIL(test, "no interrupt to reserve: %d", ret);
		goto unlock;
	}
	reserved = ret;
	KUNIT_EXPECT_EQ(test, irq_set_affinity(reserved, cpu_online_mask), 0);

	cpumask_copy(mask, unreach);
	cpumask_set_cpu(r, mask);

	while (n < NR_VECTORS) {
		ret = shortage_irq(mask);
		if (ret <= 0)
			break;
		virq[n++] = ret;
	}
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_GT(test, n, 0);
	for (i = 0; i < n; i++) {
		d = irq_get_irq_data(virq[i]);
		KUNIT_EXPECT_TRUE_MSG(test,
				      cpumask_equal(irq_data_get_effective_affinity_mask(d),
						    cpumask_of(r)),
				      "irq %u: vector on CPUs %*pbl, not CPU %u", virq[i],
				      cpumask_pr_args(irq_data_get_effective_affinity_mask(d)),
				      r);
	}

	d = irq_get_irq_data(reserved);
	ret = irq_domain_activate_irq(d, false);
	if (cpumask_empty(others)) {
		KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	} else {
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_TRUE(test, cpumask_subset(irq_data_get_effective_affinity_mask(d),
						       others));
	}
	if (!ret)
		irq_domain_deactivate_irq(d);

	for (i = 0; i < n; i++)
		irq_domain_free_irqs(virq[i], 1);
	irq_domain_free_irqs(reserved, 1);
	kunit_info(test, "%u interrupts took every free vector of CPU %u (reachable online CPUs: %u)\n",
		   n, r, cpumask_weight(others) + 1);
unlock:
	cpus_read_unlock();
}

static struct kunit_case pvapic_irq_cases[] = {
	KUNIT_CASE(reachable_cpus),
	KUNIT_CASE_PARAM(spread_fixup, spread_gen_params),
	KUNIT_CASE(spread_invariant),
	/* Took 3.9 s on the KASAN and lockdep guest of the rig. */
	KUNIT_CASE_SLOW(vector_shortage),
	{}
};

static struct kunit_suite pvapic_irq_suite = {
	.name = "pvapic_extdest",
	.test_cases = pvapic_irq_cases,
};

kunit_test_suite(pvapic_irq_suite);

MODULE_DESCRIPTION("KUnit tests for pvapic's unreachable-CPU support");
MODULE_LICENSE("GPL");
