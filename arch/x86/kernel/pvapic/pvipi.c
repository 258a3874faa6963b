// SPDX-License-Identifier: GPL-2.0
/*
 * pvapic PV IPI cluster driver.
 *
 * Sends multicast IPIs with the fewest KVM_HC_SEND_IPI hypercalls and never
 * loses one. A precomputed map orders the CPUs by APIC ID (their rank);
 * pvipi_pack() walks a cpumask in rank order and cuts it into windows of
 * consecutive APIC IDs, one hypercall each. A hypercall that fails or
 * reaches fewer vCPUs than asked is followed by native ICR writes to that
 * window's targets.
 *
 * The map is immutable. A CPU whose APIC ID is new to the map (hot-added)
 * gets a fresh map published with RCU before it is brought up; senders run
 * with interrupts disabled, which is an RCU read-side section, and so are
 * NMIs.
 */

#define pr_fmt(fmt) "pvapic: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <asm/apic.h>
#include <asm/pvapic.h>

#include "pvipi_pack.h"

/*
 * The 192-bit variant proposed by pvapic (host side in host/patches/):
 * a0..a2 = bitmap words, a3 = ICR low bits 0-10 | base APIC ID << 32.
 * A stock host answers -KVM_ENOSYS.
 */
#ifndef KVM_HC_SEND_IPI_WIDE
#define KVM_HC_SEND_IPI_WIDE	0x70760001
#endif

struct pvipi_snapshot {
	struct rcu_head rcu;
	struct pvipi_map map;
	u32 storage[];
};

struct pvipi_stats {
	u64 multicasts;
	u64 targets;
	u64 hypercalls;
	u64 errors;
	u64 short_counts;
	u64 fallback_ipis;
};

/* Per-send state handed to pvipi_emit(). */
struct pvipi_send {
	u32 icr;
	unsigned int width;
	struct pvipi_stats *stats;
};

static bool pvipi_enabled __ro_after_init = true;
static bool pvipi_active __read_mostly;

typedef void (*pvipi_mask_fn)(const struct cpumask *mask, int vector);

/* What pvapic replaced, put back if the hotplug callback cannot be set up. */
static pvipi_mask_fn pvipi_prev_mask __initdata;
static pvipi_mask_fn pvipi_prev_allbutself __initdata;
static unsigned int pvipi_width __read_mostly = PVIPI_WIDTH_128;
static bool pvipi_host_wide __ro_after_init;

/* Writers hold pvipi_map_lock; senders use rcu_dereference_sched(). */
static DEFINE_MUTEX(pvipi_map_lock);
static struct pvipi_snapshot __rcu *pvipi_cur;

/*
 * Rank bitmaps for maps whose ranks are not CPU numbers: one for task and
 * interrupt context, one for an NMI that interrupts a send. Allocated the
 * first time such a map is built and never freed; sized for nr_cpu_ids.
 */
static unsigned long *pvipi_scratch;
static unsigned int pvipi_scratch_stride;

static DEFINE_PER_CPU(struct pvipi_stats, pvipi_stats);

static int __init pvipi_parse_param(char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "on")) {
		pvipi_enabled = true;
	} else if (!strcmp(arg, "off")) {
		pvipi_enabled = false;
	} else {
		pr_warn("pvapic_ipi=%s: expected on or off; keeping on\n", arg);
		return -EINVAL;
	}
	return 0;
}
early_param("pvapic_ipi", pvipi_parse_param);

/* 0: the widest the host offers; 128 or 192: that width (192 if offered). */
static unsigned int pvipi_want_width __initdata;

static int __init pvipi_parse_width(char *arg)
{
	unsigned int w;

	if (!arg || kstrtouint(arg, 10, &w) ||
	    (w != PVIPI_WIDTH_128 && w != PVIPI_WIDTH_192)) {
		pr_warn("pvapic_ipi_width=%s: expected 128 or 192; using the widest the host offers\n",
			arg ? arg : "");
		return -EINVAL;
	}
	pvipi_want_width = w;
	return 0;
}
early_param("pvapic_ipi_width", pvipi_parse_width);

static u32 pvipi_apicid_of(unsigned int cpu)
{
	u32 id = per_cpu(x86_cpu_to_apicid, cpu);

	return id == BAD_APICID ? PVIPI_NO_RANK : id;
}

static struct pvipi_snapshot *pvipi_build(gfp_t gfp)
{
	unsigned int n = nr_cpu_ids, cpu;
	struct pvipi_snapshot *snap;
	u32 *ids;
	int ret;

	snap = kzalloc(struct_size(snap, storage, pvipi_map_words(n)), gfp);
	ids = kmalloc_array(n, sizeof(*ids), gfp);
	if (!snap || !ids)
		goto fail;
	for (cpu = 0; cpu < n; cpu++)
		ids[cpu] = cpu_possible(cpu) ? pvipi_apicid_of(cpu) : PVIPI_NO_RANK;
	ret = pvipi_map_build(&snap->map, snap->storage, ids, n);
	if (ret) {
		pr_err("cannot map CPUs to APIC IDs (%d)\n", ret);
		goto fail;
	}
	if (!snap->map.identity && !pvipi_scratch) {
		unsigned int longs = BITS_TO_LONGS(n);

		pvipi_scratch = kcalloc(array_size(2 * n, longs),
					sizeof(unsigned long), gfp);
		if (!pvipi_scratch)
			goto fail;
		pvipi_scratch_stride = longs;
	}
	kfree(ids);
	return snap;
fail:
	kfree(ids);
	kfree(snap);
	return NULL;
}

/* A CPU is about to come up: make sure the map knows its APIC ID. */
static int pvipi_cpu_prepare(unsigned int cpu)
{
	struct pvipi_snapshot *old, *snap;
	u32 id = pvipi_apicid_of(cpu);
	int ret = 0;

	mutex_lock(&pvipi_map_lock);
	old = rcu_dereference_protected(pvipi_cur,
					lockdep_is_held(&pvipi_map_lock));
	if (id != PVIPI_NO_RANK && old->map.rank_of[cpu] != PVIPI_NO_RANK &&
	    old->map.apicid[old->map.rank_of[cpu]] == id)
		goto out;

	/*
	 * An online CPU missing from the map would never get a PV IPI, so a
	 * CPU the map cannot describe does not come up.
	 */
	snap = pvipi_build(GFP_KERNEL);
	if (!snap || snap->map.rank_of[cpu] == PVIPI_NO_RANK) {
		pr_err("CPU %u (APIC ID %#x) cannot be added to the IPI map\n",
		       cpu, id);
		kfree(snap);
		ret = snap ? -EINVAL : -ENOMEM;
		goto out;
	}
	rcu_assign_pointer(pvipi_cur, snap);
	kfree_rcu(old, rcu);
	pr_info("IPI map rebuilt for CPU %u (APIC ID %#x)\n", cpu, id);
out:
	mutex_unlock(&pvipi_map_lock);
	return ret;
}

/* Native physical-destination ICR write to one APIC ID. */
static void pvipi_native_one(u32 apicid, u32 icr)
{
	apic_wait_icr_idle();
	apic_icr_write(icr, apicid);
}

/*
 * Called for each window. A hypercall that fails delivered to nobody; one
 * that returns a short count delivered to an unknown subset. Either way
 * every target of the window gets a native IPI, so none is lost:
 *
 * - A repeated fixed-vector IPI is harmless: if the first copy is still
 *   pending in the IRR the two merge; otherwise the handler runs twice, and
 *   Linux's IPI handlers (call-function, reschedule, IRQ work, TLB flush)
 *   drain per-CPU queues or set flags, so a second run finds nothing to do.
 * - NMIs do not merge and their handlers are not all idempotent: a second
 *   backtrace NMI is reported as an unknown NMI. We still resend the whole
 *   window after a short count, because the NMI users (stop, crash,
 *   backtrace, kgdb) wait for every target and a lost NMI hangs them; an
 *   unknown-NMI message is the lesser harm. After an error nothing was
 *   delivered, so the resend duplicates nothing.
 */
static void pvipi_emit(void *arg, const struct pvipi_window *win)
{
	struct pvipi_send *send = arg;
	unsigned int i;
	long ret;

	if (send->width == PVIPI_WIDTH_192)
		ret = kvm_hypercall4(KVM_HC_SEND_IPI_WIDE, win->bits[0],
				     win->bits[1], win->bits[2],
				     (u64)win->base << 32 | send->icr);
	else
		ret = kvm_hypercall4(KVM_HC_SEND_IPI, win->bits[0],
				     win->bits[1], win->base, send->icr);
	send->stats->hypercalls++;
	send->stats->targets += win->nr_targets;
	if (likely(ret == win->nr_targets))
		return;

	if (ret < 0)
		send->stats->errors++;
	else
		send->stats->short_counts++;
	/*
	 * Multicasts are not sent under a runqueue lock (reschedule IPIs are
	 * unicast), and printk defers by itself in NMI context.
	 */
	pr_warn_once("hypercall returned %ld for %u targets (base %#x, icr %#x); resending natively\n",
		     ret, win->nr_targets, win->base, send->icr);
	/* x86_64 only (Kconfig), so the u64 words are unsigned longs. */
	for_each_set_bit(i, (const unsigned long *)win->bits,
			 PVIPI_MAX_WORDS * 64) {
		pvipi_native_one(win->base + i, send->icr);
		send->stats->fallback_ipis++;
	}
}

static void pvipi_send_mask(const struct cpumask *mask, int exclude, int vector)
{
	const struct pvipi_snapshot *snap;
	struct pvipi_send send;
	unsigned long *scratch = NULL;
	unsigned long flags;

	send.icr = vector == NMI_VECTOR ? APIC_DM_NMI : APIC_DM_FIXED | vector;
	send.width = READ_ONCE(pvipi_width);

	local_irq_save(flags);
	send.stats = this_cpu_ptr(&pvipi_stats);
	send.stats->multicasts++;
	snap = rcu_dereference_sched(pvipi_cur);
	if (!snap->map.identity)
		scratch = pvipi_scratch + pvipi_scratch_stride *
			  (2 * smp_processor_id() + !!in_nmi());
	pvipi_pack(&snap->map, cpumask_bits(mask), nr_cpu_ids, exclude,
		   send.width, scratch, pvipi_emit, &send);
	local_irq_restore(flags);
}

static void pvipi_send_IPI_mask(const struct cpumask *mask, int vector)
{
	pvipi_send_mask(mask, -1, vector);
}

static void pvipi_send_IPI_mask_allbutself(const struct cpumask *mask,
					   int vector)
{
	pvipi_send_mask(mask, smp_processor_id(), vector);
}

/**
 * pvapic_pvipi_init() - take over the multicast IPI path from KVM's PV code
 *
 * Called by the KVM guest setup when the host offers KVM_FEATURE_PV_SEND_IPI,
 * before secondary CPUs come up.
 *
 * Return: true when pvapic now sends multicast IPIs; false when it stays
 * out (pvapic_ipi=off, or no map could be built) and KVM's own PV IPI
 * path should be installed as upstream does.
 */
bool __init pvapic_pvipi_init(void)
{
	struct pvipi_snapshot *snap;

	if (!pvipi_enabled) {
		pr_info("PV IPI cluster path off (pvapic_ipi=off)\n");
		return false;
	}
	snap = pvipi_build(GFP_KERNEL);
	if (!snap) {
		pr_warn("PV IPI cluster path unavailable; using KVM's\n");
		return false;
	}
	rcu_assign_pointer(pvipi_cur, snap);
	pvipi_active = true;

	/*
	 * Probe once for the 192-bit hypercall: an empty bitmap delivers to
	 * nobody and returns 0 where it exists; a stock host returns
	 * -KVM_ENOSYS and nothing else happens.
	 */
	if (pvipi_want_width != PVIPI_WIDTH_128) {
		pvipi_host_wide = !kvm_hypercall4(KVM_HC_SEND_IPI_WIDE, 0, 0, 0, 0);
		if (pvipi_host_wide)
			pvipi_width = PVIPI_WIDTH_192;
		else if (pvipi_want_width == PVIPI_WIDTH_192)
			pr_warn("pvapic_ipi_width=192: the host has no 192-bit hypercall; using 128\n");
	}

	pvipi_prev_mask = apic->send_IPI_mask;
	pvipi_prev_allbutself = apic->send_IPI_mask_allbutself;
	apic_update_callback(send_IPI_mask, pvipi_send_IPI_mask);
	apic_update_callback(send_IPI_mask_allbutself,
			     pvipi_send_IPI_mask_allbutself);
	pr_info("PV IPI cluster path active: %u CPUs mapped, %u-bit windows%s\n",
		snap->map.nr_ranks, pvipi_width,
		snap->map.identity ? "" : ", APIC IDs out of CPU order");
	return true;
}

static int pvipi_stats_show(struct seq_file *m, void *v)
{
	struct pvipi_stats sum = {};
	const struct pvipi_snapshot *snap;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		const struct pvipi_stats *s = per_cpu_ptr(&pvipi_stats, cpu);

		sum.multicasts += READ_ONCE(s->multicasts);
		sum.targets += READ_ONCE(s->targets);
		sum.hypercalls += READ_ONCE(s->hypercalls);
		sum.errors += READ_ONCE(s->errors);
		sum.short_counts += READ_ONCE(s->short_counts);
		sum.fallback_ipis += READ_ONCE(s->fallback_ipis);
	}
	rcu_read_lock_sched();
	snap = rcu_dereference_sched(pvipi_cur);
	seq_printf(m, "active: %d\nwidth: %u\nhost_wide: %d\nmapped_cpus: %u\nidentity: %d\n",
		   pvipi_active, pvipi_width, pvipi_host_wide,
		   snap ? snap->map.nr_ranks : 0, snap ? snap->map.identity : 0);
	rcu_read_unlock_sched();
	seq_printf(m, "multicasts: %llu\ntargets: %llu\nhypercalls: %llu\n",
		   sum.multicasts, sum.targets, sum.hypercalls);
	seq_printf(m, "errors: %llu\nshort_counts: %llu\nfallback_ipis: %llu\n",
		   sum.errors, sum.short_counts, sum.fallback_ipis);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pvipi_stats);

static int __init pvipi_hotplug_init(void)
{
	int ret;

	if (!pvipi_active)
		return 0;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"x86/pvapic/pvipi:prepare",
					pvipi_cpu_prepare, NULL);
	if (ret < 0) {
		/*
		 * Without the callback a hot-added CPU would be missing from
		 * the map and miss its IPIs: give the path back.
		 */
		pr_err("no CPU hotplug callback (%d); PV IPI cluster path off\n",
		       ret);
		apic_update_callback(send_IPI_mask, pvipi_prev_mask);
		apic_update_callback(send_IPI_mask_allbutself,
				     pvipi_prev_allbutself);
		pvipi_active = false;
		return 0;
	}
	return 0;
}

/* Before SMP bring-up, so every secondary CPU passes the callback. */
early_initcall(pvipi_hotplug_init);

static int __init pvipi_debugfs_init(void)
{
	struct dentry *dir;

	if (!pvipi_active)
		return 0;
	dir = debugfs_create_dir("pvapic", NULL);
	debugfs_create_file("pvipi", 0444, dir, NULL, &pvipi_stats_fops);
	return 0;
}
late_initcall(pvipi_debugfs_init);
