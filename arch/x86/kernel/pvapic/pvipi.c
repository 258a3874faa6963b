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
#include <linux/irq_work.h>
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
/* Its CPUID bit (host/patches/0001); hosts without the bit are probed. */
#ifndef KVM_FEATURE_PV_SEND_IPI_WIDE
#define KVM_FEATURE_PV_SEND_IPI_WIDE	18
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
	u64 wide_enosys;
};

/* Per-send state handed to pvipi_emit(). */
struct pvipi_send {
	u32 icr;
	unsigned int width;
	unsigned int hypercalls;
};

static bool pvipi_enabled __ro_after_init = true;
static bool pvipi_active __read_mostly;

/* The run-time switch; only looked at once pvipi_active is set. */
static DEFINE_STATIC_KEY_TRUE(pvipi_on);
/* Serialises the sysfs writers of the switch. */
static DEFINE_MUTEX(pvipi_ctl_lock);

typedef void (*pvipi_mask_fn)(const struct cpumask *mask, int vector);

/* What pvapic replaced: used while switched off. */
static pvipi_mask_fn pvipi_prev_mask __ro_after_init;
static pvipi_mask_fn pvipi_prev_allbutself __ro_after_init;
static unsigned int pvipi_width __read_mostly = PVIPI_WIDTH_128;
/* Cleared for good when the host stops offering the 192-bit call. */
static bool pvipi_host_wide __read_mostly;

/* Writers hold pvipi_map_lock; senders use rcu_dereference_sched(). */
static DEFINE_MUTEX(pvipi_map_lock);
static struct pvipi_snapshot __rcu *pvipi_cur;

/*
 * A rank bitmap per CPU (nr_cpu_ids bits) for maps whose ranks are not CPU
 * numbers: allocated for the online CPUs when such a map is first built,
 * and for each CPU about to come up while one is in use; then kept. A send
 * that finds its CPU's bitmap missing (the allocation failed) or in use
 * (it interrupted another send as an NMI, #MC or #DB, or a panic left one
 * unfinished) packs without one, walking the map's ranks: nothing is
 * refused or lost for want of it.
 */
static DEFINE_PER_CPU(unsigned long *, pvipi_scratch);
static DEFINE_PER_CPU(bool, pvipi_scratch_busy);

/*
 * Updated with this_cpu_*() only: one instruction each, so a send from an
 * NMI that interrupts one from task context loses no count of either.
 */
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

	snap = kvzalloc(struct_size(snap, storage, pvipi_map_words(n)), gfp);
	ids = kvmalloc_array(n, sizeof(*ids), gfp);
	if (!snap || !ids)
		goto fail;
	for (cpu = 0; cpu < n; cpu++)
		ids[cpu] = cpu_possible(cpu) ? pvipi_apicid_of(cpu) : PVIPI_NO_RANK;
	ret = pvipi_map_build(&snap->map, snap->storage, ids, n);
	if (ret) {
		pr_err("cannot map CPUs to APIC IDs (%d)\n", ret);
		goto fail;
	}
	kvfree(ids);
	return snap;
fail:
	kvfree(ids);
	kvfree(snap);
	return NULL;
}

/* @cpu's rank bitmap; without it, @cpu's sends walk the map instead. */
static void pvipi_alloc_scratch(unsigned int cpu)
{
	if (per_cpu(pvipi_scratch, cpu))
		return;
	per_cpu(pvipi_scratch, cpu) =
		kcalloc_node(BITS_TO_LONGS(nr_cpu_ids), sizeof(long),
			     GFP_KERNEL, cpu_to_node(cpu));
}

/*
 * Bitmaps for the CPUs that are up, and for @cpu (about to come up, or -1),
 * once @map needs them. Hotplug is held off (boot, or a prepare callback).
 */
static void pvipi_scratch_for(const struct pvipi_map *map, int cpu)
{
	unsigned int c;

	if (map->identity)
		return;
	for_each_online_cpu(c)
		pvipi_alloc_scratch(c);
	if (cpu >= 0)
		pvipi_alloc_scratch(cpu);
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
	    old->map.apicid[old->map.rank_of[cpu]] == id) {
		pvipi_scratch_for(&old->map, cpu);
		goto out;
	}

	/*
	 * An online CPU missing from the map would never get a PV IPI, so a
	 * CPU the map cannot describe does not come up.
	 */
	snap = pvipi_build(GFP_KERNEL);
	if (!snap || snap->map.rank_of[cpu] == PVIPI_NO_RANK) {
		pr_err("CPU %u (APIC ID %#x) cannot be added to the IPI map\n",
		       cpu, id);
		kvfree(snap);
		ret = snap ? -EINVAL : -ENOMEM;
		goto out;
	}
	pvipi_scratch_for(&snap->map, cpu);
	rcu_assign_pointer(pvipi_cur, snap);
	kvfree_rcu(old, rcu);
	pr_info("IPI map rebuilt for CPU %u (APIC ID %#x)\n", cpu, id);
out:
	mutex_unlock(&pvipi_map_lock);
	return ret;
}

enum pvipi_fault {
	PVIPI_FAULT_NONE,
	PVIPI_FAULT_ERROR,
	PVIPI_FAULT_SHORT,
	PVIPI_FAULT_NO_WIDE,
};

#ifdef CONFIG_PVAPIC_FAULT_INJECT
/*
 * Debug knobs (debugfs pvapic/fail_nth, fail_short, fail_wide): every Nth
 * hypercall fails (fail_short=N: it is not made and its result is
 * -KVM_EFAULT, so nobody got the IPI, as when a host refuses one) or
 * delivers short (fail_short=Y: it is made without its highest target, so
 * the host truthfully delivers to one fewer). Either way the window is
 * resent natively, so the targets get the IPI at least once; the storm
 * test checks that nothing is lost and the counters match. With
 * fail_wide=Y a 192-bit hypercall is not made and answers -KVM_ENOSYS, as
 * after a migration to a host without it.
 */
static DEFINE_STATIC_KEY_FALSE(pvipi_fault_key);
static u32 pvipi_fail_nth;
static bool pvipi_fail_short;
static u32 pvipi_fail_wide;
static atomic_t pvipi_fault_seq = ATOMIC_INIT(0);
static atomic64_t pvipi_faults_injected = ATOMIC64_INIT(0);

static enum pvipi_fault pvipi_fault_next(unsigned int width)
{
	u32 nth;

	if (!static_branch_unlikely(&pvipi_fault_key))
		return PVIPI_FAULT_NONE;
	if (width == PVIPI_WIDTH_192 && READ_ONCE(pvipi_fail_wide)) {
		atomic64_inc(&pvipi_faults_injected);
		return PVIPI_FAULT_NO_WIDE;
	}
	nth = READ_ONCE(pvipi_fail_nth);
	if (!nth || (u32)atomic_inc_return(&pvipi_fault_seq) % nth)
		return PVIPI_FAULT_NONE;
	atomic64_inc(&pvipi_faults_injected);
	return READ_ONCE(pvipi_fail_short) ? PVIPI_FAULT_SHORT :
					     PVIPI_FAULT_ERROR;
}
#else
static inline enum pvipi_fault pvipi_fault_next(unsigned int width)
{
	return PVIPI_FAULT_NONE;
}
#endif

/*
 * Sends run under scheduler and page-table locks and in NMIs: the first
 * fallback and the loss of the 192-bit call are reported from an irq_work,
 * once each.
 */
struct pvipi_fallback_report {
	long ret;
	u32 targets;
	u32 base;
	u32 icr;
};

static struct pvipi_fallback_report pvipi_fallback_seen;
static atomic_t pvipi_fallback_reported = ATOMIC_INIT(0);
static atomic_t pvipi_wide_reported = ATOMIC_INIT(0);

static void pvipi_report_fallback(struct irq_work *work)
{
	const struct pvipi_fallback_report *r = &pvipi_fallback_seen;

	pr_warn("hypercall returned %ld for %u targets (base %#x, icr %#x); resending natively\n",
		r->ret, r->targets, r->base, r->icr);
}

static void pvipi_report_wide(struct irq_work *work)
{
	pr_warn("the host answers the 192-bit IPI hypercall with -KVM_ENOSYS; using 128-bit windows from now on\n");
}

static DEFINE_IRQ_WORK(pvipi_fallback_work, pvipi_report_fallback);
static DEFINE_IRQ_WORK(pvipi_wide_work, pvipi_report_wide);

/* Each target of @win as an offset from its base (x86_64: u64 == long). */
#define pvipi_for_each_target(i, win)					\
	for_each_set_bit(i, (const unsigned long *)(win)->bits,		\
			 PVIPI_MAX_WORDS * 64)

/* Native physical-destination ICR write to one APIC ID. */
static void pvipi_native_one(u32 apicid, u32 icr)
{
	apic_wait_icr_idle();
	apic_icr_write(icr, apicid);
}

static long pvipi_hypercall(unsigned int width, const struct pvipi_window *win,
			    u32 icr)
{
	if (width == PVIPI_WIDTH_192)
		return kvm_hypercall4(KVM_HC_SEND_IPI_WIDE, win->bits[0],
				      win->bits[1], win->bits[2],
				      (u64)win->base << 32 | icr);
	return kvm_hypercall4(KVM_HC_SEND_IPI, win->bits[0], win->bits[1],
			      win->base, icr);
}

/* Leave the highest target of @win out (fault injection). */
static void pvipi_drop_last(struct pvipi_window *win)
{
	int k;

	for (k = PVIPI_MAX_WORDS - 1; k >= 0; k--) {
		if (win->bits[k]) {
			win->bits[k] &= ~BIT_ULL(__fls(win->bits[k]));
			win->nr_targets--;
			return;
		}
	}
}

static void pvipi_send_window(struct pvipi_send *send, unsigned int width,
			      const struct pvipi_window *win);

/* Send a 192-bit window as up to two 128-bit ones. */
static void pvipi_send_halves(struct pvipi_send *send,
			      const struct pvipi_window *win)
{
	struct pvipi_window lo = {
		.base = win->base,
		.bits = { win->bits[0], win->bits[1] },
		.nr_targets = hweight64(win->bits[0]) + hweight64(win->bits[1]),
	};
	struct pvipi_window hi = {
		.base = win->base + 128,
		.bits = { win->bits[2] },
		.nr_targets = hweight64(win->bits[2]),
	};

	if (lo.nr_targets)
		pvipi_send_window(send, PVIPI_WIDTH_128, &lo);
	if (hi.nr_targets)
		pvipi_send_window(send, PVIPI_WIDTH_128, &hi);
}

/*
 * The host answered a 192-bit hypercall with -KVM_ENOSYS: it has none any
 * more (a live migration to an older host). Use 128-bit windows from now
 * on; sends already cut into 192-bit windows split them without trying.
 */
static void pvipi_wide_gone(void)
{
	WRITE_ONCE(pvipi_host_wide, false);
	/* Pairs with width_store(): a racing write of 192 is undone. */
	smp_mb();
	WRITE_ONCE(pvipi_width, PVIPI_WIDTH_128);
	this_cpu_inc(pvipi_stats.wide_enosys);
	if (!atomic_xchg(&pvipi_wide_reported, 1))
		irq_work_queue(&pvipi_wide_work);
}

/*
 * One hypercall for @win. One that fails delivered to nobody; one that
 * returns a short count delivered to an unknown subset. Either way every
 * target of the window gets a native IPI, so none is lost. A repeated
 * fixed-vector IPI is harmless: if the first copy is still pending in the
 * IRR the two merge; otherwise the handler runs twice, and Linux's IPI
 * handlers (call-function, reschedule, IRQ work, TLB flush) drain per-CPU
 * queues or set flags, so a second run finds nothing to do. NMIs never
 * come here with more than one target (pvipi_emit()).
 */
static void pvipi_send_window(struct pvipi_send *send, unsigned int width,
			      const struct pvipi_window *win)
{
	enum pvipi_fault fault;
	struct pvipi_window sent;
	unsigned int i;
	long ret;

	if (width == PVIPI_WIDTH_192 && unlikely(!READ_ONCE(pvipi_host_wide))) {
		pvipi_send_halves(send, win);
		return;
	}
	fault = pvipi_fault_next(width);
	switch (fault) {
	case PVIPI_FAULT_ERROR:
		ret = -KVM_EFAULT;
		break;
	case PVIPI_FAULT_NO_WIDE:
		ret = -KVM_ENOSYS;
		break;
	case PVIPI_FAULT_SHORT:
		sent = *win;
		pvipi_drop_last(&sent);
		ret = pvipi_hypercall(width, &sent, send->icr);
		break;
	default:
		ret = pvipi_hypercall(width, win, send->icr);
		break;
	}
	trace_pvapic_hypercall(width, win->base, win->bits, send->icr,
			       win->nr_targets, ret);
	send->hypercalls++;
	this_cpu_inc(pvipi_stats.hypercalls);
	this_cpu_add(pvipi_stats.targets, win->nr_targets);
	if (likely(ret == win->nr_targets))
		return;
	if (width == PVIPI_WIDTH_192 && ret == -KVM_ENOSYS) {
		pvipi_wide_gone();
		pvipi_send_halves(send, win);
		return;
	}

	if (ret < 0)
		this_cpu_inc(pvipi_stats.errors);
	else
		this_cpu_inc(pvipi_stats.short_counts);
	trace_pvapic_fallback(win->base, send->icr, win->nr_targets, ret);
	if (!atomic_xchg(&pvipi_fallback_reported, 1)) {
		pvipi_fallback_seen = (struct pvipi_fallback_report) {
			.ret = ret, .targets = win->nr_targets,
			.base = win->base, .icr = send->icr,
		};
		irq_work_queue(&pvipi_fallback_work);
	}
	/*
	 * x2APIC ICR writes are not serialising: order the stores before the
	 * IPI as the APIC driver does, whether or not a hypercall was made.
	 */
	weak_wrmsr_fence();
	pvipi_for_each_target(i, win) {
		pvipi_native_one(win->base + i, send->icr);
		this_cpu_inc(pvipi_stats.fallback_ipis);
	}
}

/*
 * Called by the packer for each window. An NMI goes to one target per
 * hypercall, so that the host's count says exactly who took it: a CPU
 * runs the NMI handlers for each copy of an NMI sent twice, and not all
 * of them are idempotent (a second backtrace NMI is an unknown NMI, which
 * panics with kernel.unknown_nmi_panic=1), while a target left without one
 * hangs the stop, crash and backtrace code that waits for it. NMI
 * multicasts are rare (backtraces, stop, crash, kgdb): the extra
 * hypercalls cost little. One target fits any window: always 128 bits.
 */
static void pvipi_emit(void *arg, const struct pvipi_window *win)
{
	struct pvipi_send *send = arg;
	unsigned int i;

	if (send->icr != APIC_DM_NMI) {
		pvipi_send_window(send, send->width, win);
		return;
	}
	pvipi_for_each_target(i, win) {
		struct pvipi_window one = {
			.base = win->base + i,
			.bits = { 1 },
			.nr_targets = 1,
		};

		pvipi_send_window(send, PVIPI_WIDTH_128, &one);
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
	this_cpu_inc(pvipi_stats.multicasts);
	snap = rcu_dereference_sched(pvipi_cur);
	/*
	 * A send that interrupts this one between the test and the claim
	 * finishes, and releases the bitmap, before this one goes on.
	 */
	if (!snap->map.identity && !__this_cpu_read(pvipi_scratch_busy)) {
		scratch = __this_cpu_read(pvipi_scratch);
		if (scratch)
			__this_cpu_write(pvipi_scratch_busy, true);
		barrier();
	}
	pvipi_pack(&snap->map, cpumask_bits(mask), nr_cpu_ids, exclude,
		   send.width, scratch, pvipi_emit, &send);
	if (scratch) {
		barrier();
		__this_cpu_write(pvipi_scratch_busy, false);
	}
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
	/*
	 * The native fallback may run in an NMI that interrupted another
	 * send: only x2APIC ICR writes are one instruction.
	 */
	if (!x2apic_mode) {
		pr_info("PV IPI cluster path needs x2APIC mode; using KVM's\n");
		return false;
	}
	snap = pvipi_build(GFP_KERNEL);
	if (!snap) {
		pr_warn("PV IPI cluster path unavailable; using KVM's\n");
		return false;
	}
	pvipi_scratch_for(&snap->map, -1);
	rcu_assign_pointer(pvipi_cur, snap);
	pvipi_active = true;

	/*
	 * The 192-bit hypercall: offered where the host sets its CPUID bit.
	 * Without the bit, probe once unless 128-bit windows were asked for:
	 * an empty bitmap delivers to nobody and returns 0 where the call
	 * exists; a stock host, or one that hides it, returns -KVM_ENOSYS and
	 * nothing else happens.
	 */
	pvipi_host_wide = kvm_para_has_feature(KVM_FEATURE_PV_SEND_IPI_WIDE);
	if (!pvipi_host_wide && pvipi_want_width != PVIPI_WIDTH_128)
		pvipi_host_wide = !kvm_hypercall4(KVM_HC_SEND_IPI_WIDE, 0, 0, 0, 0);
	if (pvipi_host_wide && pvipi_want_width != PVIPI_WIDTH_128)
		pvipi_width = PVIPI_WIDTH_192;
	else if (!pvipi_host_wide && pvipi_want_width == PVIPI_WIDTH_192)
		pr_warn("pvapic_ipi_width=192: the host has no 192-bit hypercall; using 128\n");

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
		sum->wide_enosys += READ_ONCE(s->wide_enosys);
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
	seq_printf(m, "wide_enosys: %llu\n", sum.wide_enosys);
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
	if (val == PVIPI_WIDTH_192 && !READ_ONCE(pvipi_host_wide))
		return -EOPNOTSUPP;
	/* Each send reads the width once, so a change never splits a send. */
	WRITE_ONCE(pvipi_width, val);
	/* The host may have lost the wide call meanwhile (pvipi_wide_gone()). */
	smp_mb();
	if (val == PVIPI_WIDTH_192 && !READ_ONCE(pvipi_host_wide)) {
		WRITE_ONCE(pvipi_width, PVIPI_WIDTH_128);
		return -EOPNOTSUPP;
	}
	return count;
}

static struct kobj_attribute pvipi_attr_width = __ATTR_RW(width);

static ssize_t host_wide_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(pvipi_host_wide));
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
static DEFINE_MUTEX(pvipi_fault_lock);

/* The fault path is patched in while any knob asks for faults. */
static void pvipi_fault_update(void)
{
	if (READ_ONCE(pvipi_fail_nth) || READ_ONCE(pvipi_fail_wide))
		static_branch_enable(&pvipi_fault_key);
	else
		static_branch_disable(&pvipi_fault_key);
}

/* Set a fault knob to @val, at most @max; the key follows the knobs. */
static int pvipi_knob_set(u32 *knob, u64 val, u64 max)
{
	if (val > max)
		return -EINVAL;
	mutex_lock(&pvipi_fault_lock);
	WRITE_ONCE(*knob, val);
	pvipi_fault_update();
	mutex_unlock(&pvipi_fault_lock);
	return 0;
}

static int pvipi_knob_get(void *data, u64 *val)
{
	*val = READ_ONCE(*(u32 *)data);
	return 0;
}

static int pvipi_fail_nth_set(void *data, u64 val)
{
	return pvipi_knob_set(data, val, U32_MAX);
}
DEFINE_DEBUGFS_ATTRIBUTE(pvipi_fail_nth_fops, pvipi_knob_get,
			 pvipi_fail_nth_set, "%llu\n");

static int pvipi_fail_wide_set(void *data, u64 val)
{
	return pvipi_knob_set(data, val, 1);
}
DEFINE_DEBUGFS_ATTRIBUTE(pvipi_fail_wide_fops, pvipi_knob_get,
			 pvipi_fail_wide_set, "%llu\n");

static void __init pvipi_fault_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("fail_nth", 0600, dir, &pvipi_fail_nth,
				   &pvipi_fail_nth_fops);
	debugfs_create_bool("fail_short", 0600, dir, &pvipi_fail_short);
	debugfs_create_file_unsafe("fail_wide", 0600, dir, &pvipi_fail_wide,
				   &pvipi_fail_wide_fops);
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
