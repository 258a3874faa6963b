// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite of the pvapic extended-destination-ID composer: the MSI
 * address and IOAPIC RTE layouts it produces, what it refuses, and its
 * affinity and CPU-offline decisions over the reachable set.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/msi.h>

#include <asm/io_apic.h>

#include "pvapic-ir.h"

struct layout_case {
	u32 apicid;
	bool ext;
};

static const struct layout_case layout_cases[] = {
	{ 0, false }, { 255, false }, { 0, true }, { 255, true },
	{ 256, true }, { 0x105, true }, { 32767, true },
};

static void layout_desc(const struct layout_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "apicid %#x%s", c->apicid,
		 c->ext ? " ext" : "");
}

KUNIT_ARRAY_PARAM(layout, layout_cases, layout_desc);

/* The raw MSI address: 0xfee, ID bits 0-7 at 12-19 and 8-14 at 5-11. */
static void msi_address_layout(struct kunit *test)
{
	const struct layout_case *c = test->param_value;
	struct msi_msg msg;
	u32 lo;

	KUNIT_ASSERT_EQ(test, 0, pvapic_ir_compose(c->apicid, 0x41, c->ext, &msg));
	lo = msg.address_lo;
	KUNIT_EXPECT_EQ(test, lo >> 20, 0xfeeU);
	KUNIT_EXPECT_EQ(test, (lo >> 12) & 0xff, c->apicid & 0xff);
	KUNIT_EXPECT_EQ(test, (lo >> 5) & 0x7f, c->apicid >> 8);
	/* Remappable format (bit 4), logical mode (bit 2), redirection hint (3). */
	KUNIT_EXPECT_EQ(test, lo & 0x1c, 0U);
	KUNIT_EXPECT_EQ(test, msg.address_hi, 0U);
	/* Fixed delivery, edge, vector 0x41. */
	KUNIT_EXPECT_EQ(test, msg.data, 0x41U);
}

/*
 * The IOAPIC builds its RTE from our message (ioapic_setup_msg_from_msi):
 * ID bits 0-7 land in RTE bits 56-63 and bits 8-14 in bits 49-55.
 */
static void ioapic_rte_layout(struct kunit *test)
{
	const struct layout_case *c = test->param_value;
	struct IO_APIC_route_entry e = { };
	struct msi_msg msg;
	u64 rte;

	KUNIT_ASSERT_EQ(test, 0, pvapic_ir_compose(c->apicid, 0x41, c->ext, &msg));
	e.vector = msg.arch_data.vector;
	e.delivery_mode = msg.arch_data.delivery_mode;
	e.dest_mode_logical = msg.arch_addr_lo.dest_mode_logical;
	e.ir_format = msg.arch_addr_lo.dmar_format;
	e.ir_index_0_14 = msg.arch_addr_lo.dmar_index_0_14;
	rte = (u64)e.w2 << 32 | e.w1;
	KUNIT_EXPECT_EQ(test, rte >> 56, (u64)(c->apicid & 0xff));
	KUNIT_EXPECT_EQ(test, (rte >> 49) & 0x7f, (u64)(c->apicid >> 8));
	KUNIT_EXPECT_EQ(test, (rte >> 48) & 1, 0ULL);	/* remappable format */
	KUNIT_EXPECT_EQ(test, rte & 0xff, 0x41ULL);
	KUNIT_EXPECT_EQ(test, (rte >> 8) & 0x7, 0ULL);	/* fixed */
	KUNIT_EXPECT_EQ(test, (rte >> 11) & 1, 0ULL);	/* physical */
}

static void refuses_unreachable(struct kunit *test)
{
	static const u32 ids8[] = { 256, 0x105, 0x1ff, 32767, 32768 };
	static const u32 ids15[] = { 32768, 0x8001, 0xffff, 0x10000, U32_MAX };
	struct msi_msg msg = { .address_lo = 0x1234, .data = 0x5678 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids8); i++)
		KUNIT_EXPECT_EQ_MSG(test, -ERANGE,
				    pvapic_ir_compose(ids8[i], 0x41, false, &msg),
				    "8-bit, APIC ID %#x", ids8[i]);
	for (i = 0; i < ARRAY_SIZE(ids15); i++)
		KUNIT_EXPECT_EQ_MSG(test, -ERANGE,
				    pvapic_ir_compose(ids15[i], 0x41, true, &msg),
				    "15-bit, APIC ID %#x", ids15[i]);
	/* A refused message is left as it was. */
	KUNIT_EXPECT_EQ(test, msg.address_lo, 0x1234U);
	KUNIT_EXPECT_EQ(test, msg.data, 0x5678U);
}

struct masks {
	cpumask_var_t req, reach, online, dst;
};

static void set(struct cpumask *m, const char *list)
{
	cpumask_clear(m);
	WARN_ON(cpulist_parse(list, m));
}

/*
 * The masks of a case, starting as reachable 0-1 and online 0-3: CPUs 2
 * and 3 have APIC IDs above the limit.
 */
static void masks_init(struct kunit *test, struct masks *m)
{
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m->req, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m->reach, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m->online, GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&m->dst, GFP_KERNEL));
	set(m->reach, "0-1");
	set(m->online, "0-3");
}

static void masks_free(struct masks *m)
{
	free_cpumask_var(m->req);
	free_cpumask_var(m->reach);
	free_cpumask_var(m->online);
	free_cpumask_var(m->dst);
}

static void affinity_limits(struct kunit *test)
{
	struct masks m;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs nr_cpu_ids >= 4, have %u", nr_cpu_ids);
	masks_init(test, &m);

	set(m.req, "2-3");	/* unreachable only */
	KUNIT_EXPECT_FALSE(test, pvapic_ir_limit_mask(m.dst, m.req, m.reach, m.online));
	cpumask_clear(m.req);	/* empty */
	KUNIT_EXPECT_FALSE(test, pvapic_ir_limit_mask(m.dst, m.req, m.reach, m.online));
	set(m.req, "1-3");	/* mixed: limited to its reachable part */
	KUNIT_EXPECT_TRUE(test, pvapic_ir_limit_mask(m.dst, m.req, m.reach, m.online));
	set(m.req, "1");
	KUNIT_EXPECT_TRUE(test, cpumask_equal(m.dst, m.req));

	set(m.online, "0,2-3");	/* reachable but offline only */
	set(m.req, "1-2");
	KUNIT_EXPECT_FALSE(test, pvapic_ir_limit_mask(m.dst, m.req, m.reach, m.online));
	set(m.req, "0-3");
	KUNIT_EXPECT_TRUE(test, pvapic_ir_limit_mask(m.dst, m.req, m.reach, m.online));
	set(m.req, "0-1");	/* the offline reachable CPU is kept for later */
	KUNIT_EXPECT_TRUE(test, cpumask_equal(m.dst, m.req));
	masks_free(&m);
}

static void offline_refusal(struct kunit *test)
{
	struct masks m;

	if (nr_cpu_ids < 4)
		kunit_skip(test, "needs nr_cpu_ids >= 4, have %u", nr_cpu_ids);
	masks_init(test, &m);
	KUNIT_EXPECT_TRUE(test, pvapic_ir_may_offline(1, m.reach, m.online));
	KUNIT_EXPECT_TRUE(test, pvapic_ir_may_offline(3, m.reach, m.online));
	set(m.online, "1-3");	/* CPU 1 is the last reachable online CPU */
	KUNIT_EXPECT_FALSE(test, pvapic_ir_may_offline(1, m.reach, m.online));
	KUNIT_EXPECT_TRUE(test, pvapic_ir_may_offline(2, m.reach, m.online));

	/* A managed spread {1-3} served by reachable CPU 1 alone. */
	set(m.online, "0-3");
	set(m.req, "1-3");
	KUNIT_EXPECT_FALSE(test, pvapic_ir_managed_may_offline(1, m.req, m.reach, m.online));
	KUNIT_EXPECT_TRUE(test, pvapic_ir_managed_may_offline(2, m.req, m.reach, m.online));
	KUNIT_EXPECT_TRUE(test, pvapic_ir_managed_may_offline(0, m.req, m.reach, m.online));
	set(m.online, "0-1");	/* its unreachable CPUs are offline: it may shut down */
	KUNIT_EXPECT_TRUE(test, pvapic_ir_managed_may_offline(1, m.req, m.reach, m.online));
	set(m.online, "0-3");
	set(m.req, "0-3");	/* CPU 0 serves it too */
	KUNIT_EXPECT_TRUE(test, pvapic_ir_managed_may_offline(1, m.req, m.reach, m.online));
	masks_free(&m);
}

static struct kunit_case pvapic_ir_cases[] = {
	KUNIT_CASE_PARAM(msi_address_layout, layout_gen_params),
	KUNIT_CASE_PARAM(ioapic_rte_layout, layout_gen_params),
	KUNIT_CASE(refuses_unreachable),
	KUNIT_CASE(affinity_limits),
	KUNIT_CASE(offline_refusal),
	{}
};

static struct kunit_suite pvapic_ir_suite = {
	.name = "pvapic_extdest",
	.test_cases = pvapic_ir_cases,
};

kunit_test_suite(pvapic_ir_suite);

MODULE_DESCRIPTION("KUnit tests for the pvapic extended destination ID composer");
MODULE_LICENSE("GPL");
