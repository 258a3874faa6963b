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
 *
 * Our send callbacks stay installed for the life of the system once the
 * path is set up; the run-time switch (/sys/kernel/pvapic/ipi/enabled) is
 * a static key choosing, per send, between the PV path and the callbacks
 * we replaced (the APIC driver's native ICR writes). A send that raced
 * with a flip completes on whichever path it took; both deliver.
 */

#define pr_fmt(fmt) "pvapic: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kobject.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <asm/apic.h>
#include <asm/pvapic.h>

#include "internal.h"
#include "pvipi_pack.h"

#define CREATE_TRACE_POINTS
#include <trace/events/pvapic.h>

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
	unsigned int hypercalls;
	struct pvipi_stats *stats;
};

static bool pvipi_enabled __ro_after_init = true;
static bool pvipi_active __read_mostly;

/* The run-time switch; only looked at once pvipi_active is set. */
static DEFINE_STATIC_KEY_TRUE(pvipi_on);
/* Serialises the sysfs writers of the switch and the width. */
static DEFINE_MUTEX(pvipi_ctl_lock);

typedef void (*pvipi_mask_fn)(const struct cpumask *mask, int vector);

/* What pvapic replaced: used while switched off. */
static pvipi_mask_fn pvipi_prev_mask __ro_after_init;
static pvipi_mask_fn pvipi_prev_allbutself __ro_after_init;
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

enum pvipi_fault {
	PVIPI_FAULT_NONE,
	PVIPI_FAULT_ERROR,
	PVIPI_FAULT_SHORT,
};

#ifdef CONFIG_PVAPIC_FAULT_INJECT
/*
 * Debug knob (debugfs pvapic/fail_nth, fail_short): every Nth hypercall
 * fails (fail_short=N: it is not made and its result is -KVM_EFAULT, so
 * nobody got the IPI, as when a host refuses one) or delivers short
 * (fail_short=Y: it is made and its result is one less than the number of
 * targets). Either way the window is resent natively, so the targets get
 * the IPI at least once; the storm test checks that nothing is lost and
 * the counters match.
 */
static DEFINE_STATIC_KEY_FALSE(pvipi_fault_key);
static u32 pvipi_fail_nth;
static bool pvipi_fail_short;
static atomic_t pvipi_fault_seq = ATOMIC_INIT(0);
static atomic64_t pvipi_faults_injected = ATOMIC64_INIT(0);

static enum pvipi_fault pvipi_fault_next(void)
{
	u32 nth;

	if (!static_branch_unlikely(&pvipi_fault_key))
		return PVIPI_FAULT_NONE;
	nth = READ_ONCE(pvipi_fail_nth);
	if (!nth || (u32)atomic_inc_return(&pvipi_fault_seq) % nth)
		return PVIPI_FAULT_NONE;
	atomic64_inc(&pvipi_faults_injected);
	return READ_ONCE(pvipi_fail_short) ? PVIPI_FAULT_SHORT :
					     PVIPI_FAULT_ERROR;
}
#else
static inline enum pvipi_fault pvipi_fault_next(void)
{
	return PVIPI_FAULT_NONE;
}
#endif

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
 * - A CPU latches one NMI while it handles another, so a copy arriving then
 *   runs the NMI handlers again, and they are not all idempotent: a second
 *   backtrace NMI is reported as an unknown NMI. We still resend the whole
 *   window after a short count, because the NMI users (stop, crash,
 *   backtrace, kgdb) wait for every target and a lost NMI hangs them; an
 *   unknown-NMI message is the lesser harm. After an error nothing was
 *   delivered, so the resend duplicates nothing.
 */
static void pvipi_emit(void *arg, const struct pvipi_window *win)
{
	struct pvipi_send *send = arg;
	enum pvipi_fault fault;
	unsigned int i;
	long ret;

	fault = pvipi_fault_next();
	if (fault == PVIPI_FAULT_ERROR)
		ret = -KVM_EFAULT;
	else if (send->width == PVIPI_WIDTH_192)
		ret = kvm_hypercall4(KVM_HC_SEND_IPI_WIDE, win->bits[0],
				     win->bits[1], win->bits[2],
				     (u64)win->base << 32 | send->icr);
	else
		ret = kvm_hypercall4(KVM_HC_SEND_IPI, win->bits[0],
				     win->bits[1], win->base, send->icr);
	if (fault == PVIPI_FAULT_SHORT)
		ret = win->nr_targets - 1L;
	trace_pvapic_hypercall(send->width, win->base, win->bits, send->icr,
			       win->nr_targets, ret);
	send->hypercalls++;
	send->stats->hypercalls++;
	send->stats->targets += win->nr_targets;
	if (likely(ret == win->nr_targets))
		return;

	if (ret < 0)
		send->stats->errors++;
	else
		send->stats->short_counts++;
	trace_pvapic_fallback(win->base, send->icr, win->nr_targets, ret);
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
	send.hypercalls = 0;

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
	trace_pvapic_multicast(mask, exclude, vector, send.hypercalls);
}

static void pvipi_send_IPI_mask(const struct cpumask *mask, int vector)
{
	if (static_branch_likely(&pvipi_on))
		pvipi_send_mask(mask, -1, vector);
	else
		pvipi_prev_mask(mask, vector);
}

static void pvipi_send_IPI_mask_allbutself(const struct cpumask *mask,
					   int vector)
{
	if (static_branch_likely(&pvipi_on))
		pvipi_send_mask(mask, smp_processor_id(), vector);
	else
		pvipi_prev_allbutself(mask, vector);
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

static void pvipi_stats_sum(struct pvipi_stats *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct pvipi_stats *s = per_cpu_ptr(&pvipi_stats, cpu);

		sum->multicasts += READ_ONCE(s->multicasts);
		sum->targets += READ_ONCE(s->targets);
		sum->hypercalls += READ_ONCE(s->hypercalls);
		sum->errors += READ_ONCE(s->errors);
		sum->short_counts += READ_ONCE(s->short_counts);
		sum->fallback_ipis += READ_ONCE(s->fallback_ipis);
	}
}

static bool pvipi_is_on(void)
{
	return pvipi_active && static_key_enabled(&pvipi_on);
}

static int pvipi_stats_show(struct seq_file *m, void *v)
{
	const struct pvipi_snapshot *snap;
	struct pvipi_stats sum;

	pvipi_stats_sum(&sum);
	rcu_read_lock_sched();
	snap = rcu_dereference_sched(pvipi_cur);
	seq_printf(m, "active: %d\nenabled: %d\nwidth: %u\nhost_wide: %d\n",
		   pvipi_active, pvipi_is_on(), pvipi_width, pvipi_host_wide);
	seq_printf(m, "mapped_cpus: %u\nidentity: %d\n",
		   snap ? snap->map.nr_ranks : 0, snap ? snap->map.identity : 0);
	rcu_read_unlock_sched();
	seq_printf(m, "multicasts: %llu\ntargets: %llu\nhypercalls: %llu\n",
		   sum.multicasts, sum.targets, sum.hypercalls);
	seq_printf(m, "errors: %llu\nshort_counts: %llu\nfallback_ipis: %llu\n",
		   sum.errors, sum.short_counts, sum.fallback_ipis);
#ifdef CONFIG_PVAPIC_FAULT_INJECT
	seq_printf(m, "faults_injected: %lld\n",
		   (s64)atomic64_read(&pvipi_faults_injected));
#endif
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

/* --- /sys/kernel/pvapic/ipi/ ------------------------------------------- */

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", pvipi_is_on());
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned int val;

	if (pvapic_parse_uint(buf, &val) || val > 1)
		return -EINVAL;
	if (!pvipi_active)
		return val ? -ENODEV : count;

	mutex_lock(&pvipi_ctl_lock);
	if (val)
		static_branch_enable(&pvipi_on);
	else
		static_branch_disable(&pvipi_on);
	mutex_unlock(&pvipi_ctl_lock);
	return count;
}

static struct kobj_attribute pvipi_attr_enabled = __ATTR_RW(enabled);

static ssize_t width_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pvipi_width));
}

static ssize_t width_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned int val;

	if (pvapic_parse_uint(buf, &val) ||
	    (val != PVIPI_WIDTH_128 && val != PVIPI_WIDTH_192))
		return -EINVAL;
	if (val == PVIPI_WIDTH_192 && !pvipi_host_wide)
		return -EOPNOTSUPP;
	/* Each send reads the width once, so a change never splits a send. */
	WRITE_ONCE(pvipi_width, val);
	return count;
}

static struct kobj_attribute pvipi_attr_width = __ATTR_RW(width);

static ssize_t host_wide_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", pvipi_host_wide);
}

static struct kobj_attribute pvipi_attr_host_wide = __ATTR_RO(host_wide);

/* One read-only file per counter, summed over CPUs when read. */
#define PVIPI_COUNTER_ATTR(_name, _field)				\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct pvipi_stats sum;						\
									\
	pvipi_stats_sum(&sum);						\
	return sysfs_emit(buf, "%llu\n", sum._field);			\
}									\
static struct kobj_attribute pvipi_attr_##_name = __ATTR_RO(_name)

PVIPI_COUNTER_ATTR(multicasts, multicasts);
PVIPI_COUNTER_ATTR(targets, targets);
PVIPI_COUNTER_ATTR(hypercalls, hypercalls);
PVIPI_COUNTER_ATTR(errors, errors);
PVIPI_COUNTER_ATTR(short_counts, short_counts);
PVIPI_COUNTER_ATTR(fallbacks, fallback_ipis);

static struct attribute *pvipi_attrs[] = {
	&pvipi_attr_enabled.attr,
	&pvipi_attr_width.attr,
	&pvipi_attr_host_wide.attr,
	&pvipi_attr_multicasts.attr,
	&pvipi_attr_targets.attr,
	&pvipi_attr_hypercalls.attr,
	&pvipi_attr_errors.attr,
	&pvipi_attr_short_counts.attr,
	&pvipi_attr_fallbacks.attr,
	NULL
};

static const struct attribute_group pvipi_group = {
	.name = "ipi",
	.attrs = pvipi_attrs,
};

#ifdef CONFIG_PVAPIC_FAULT_INJECT
static int pvipi_fail_nth_set(void *data, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	WRITE_ONCE(pvipi_fail_nth, val);
	if (val)
		static_branch_enable(&pvipi_fault_key);
	else
		static_branch_disable(&pvipi_fault_key);
	return 0;
}

static int pvipi_fail_nth_get(void *data, u64 *val)
{
	*val = READ_ONCE(pvipi_fail_nth);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pvipi_fail_nth_fops, pvipi_fail_nth_get,
			 pvipi_fail_nth_set, "%llu\n");

static void __init pvipi_fault_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("fail_nth", 0600, dir, NULL,
				   &pvipi_fail_nth_fops);
	debugfs_create_bool("fail_short", 0600, dir, &pvipi_fail_short);
}
#else
static inline void pvipi_fault_debugfs(struct dentry *dir) { }
#endif

static int __init pvipi_late_init(void)
{
	struct dentry *dir;
	int ret;

	/* The switches exist (reading 0) also when the path is not set up. */
	ret = pvapic_sysfs_add_group(&pvipi_group);
	if (ret)
		pr_warn("no sysfs files for the PV IPI path (%d)\n", ret);
	if (!pvipi_active)
		return 0;
	dir = debugfs_create_dir("pvapic", NULL);
	debugfs_create_file("pvipi", 0444, dir, NULL, &pvipi_stats_fops);
	pvipi_fault_debugfs(dir);
	return 0;
}
late_initcall(pvipi_late_init);
