// SPDX-License-Identifier: GPL-2.0
/*
 * pvapic: bring up the CPUs that no external interrupt can reach.
 *
 * Without interrupt remapping an IOAPIC or MSI message names its
 * destination with an 8-bit APIC ID, or a 15-bit one when the host offers
 * KVM_FEATURE_MSI_EXT_DEST_ID. Upstream caps the x2APIC ID there and
 * leaves every CPU above the cap offline.
 *
 * When some possible CPU is above the cap and the boot CPU is not, this
 * file lets them all come online and keeps device interrupts off the
 * unreachable ones, using the interrupt code's own mechanisms:
 *
 * - the vector matrix never onlines an unreachable CPU, so no device
 *   vector (managed or not, on allocation, activation, move or CPU
 *   offline) is ever placed there; every message carries a reachable ID
 *   and upstream's MSI, IOAPIC and HPET chips run unchanged;
 * - an affinity request with no reachable online CPU is refused with
 *   -EINVAL before anything is stored;
 * - each managed spread drops its unreachable CPUs and the group holding
 *   CPU 0 takes them all. CPU 0 is reachable and never goes offline on
 *   x86, so every managed interrupt whose mask has an online CPU has a
 *   reachable online one, and blk-mq maps every unreachable CPU to a
 *   queue whose interrupt never shuts down.
 *
 * Every other guest, and every guest booted with pvapic_extdest=off, runs
 * upstream's path: each hook tests pvapic_irq_limited, which stays false.
 */

#define pr_fmt(fmt) "pvapic-irq: " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/kexec.h>
#include <linux/kobject.h>
#include <linux/panic.h>
#include <linux/pvapic-irq.h>
#include <linux/sched/isolation.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <asm/apic.h>
#include <asm/hypervisor.h>
#include <asm/irqdomain.h>
#include <asm/io_apic.h>
#include <asm/irqflags.h>
#include <asm/pvapic.h>

#include "pvapic_extirq.h"

/* What /sys/kernel/pvapic/irq/mode reports. */
enum pvapic_irq_mode {
	PVAPIC_IRQ_OFF,		/* upstream's cap, or never decided */
	PVAPIC_IRQ_NOT_NEEDED,	/* every possible CPU is reachable */
	PVAPIC_IRQ_ACTIVE,	/* some CPUs are unreachable and online */
};

bool pvapic_irq_limited __ro_after_init;
struct cpumask pvapic_irq_cpus __ro_after_init;

static bool pvapic_irq_on __initdata = true;
static u32 pvapic_irq_limit __ro_after_init = PVAPIC_IRQ_LIMIT_8BIT;
static enum pvapic_irq_mode pvapic_irq_mode __ro_after_init = PVAPIC_IRQ_OFF;

static int __init pvapic_irq_param(char *arg)
{
	if (arg && !strcmp(arg, "on")) {
		pvapic_irq_on = true;
	} else if (arg && !strcmp(arg, "off")) {
		pvapic_irq_on = false;
	} else {
		pr_warn("pvapic_extdest=%s: expected on or off; keeping on\n",
			arg ? arg : "");
		return -EINVAL;
	}
	return 0;
}
early_param("pvapic_extdest", pvapic_irq_param);

/**
 * pvapic_irq_reachable_cpus() - the CPUs a message can name
 * @dst: result: the CPUs of @possible whose APIC ID is at most @limit
 * @apicids: APIC ID of each CPU number (BAD_APICID when unknown)
 * @possible: the possible CPUs
 * @limit: the highest APIC ID a message can carry
 *
 * A CPU whose APIC ID is unknown is left out of @dst, but does not count
 * as above the limit: it can never be brought up.
 *
 * Return: true when no CPU of @possible has an APIC ID above @limit.
 */
bool pvapic_irq_reachable_cpus(struct cpumask *dst, const u32 *apicids,
			       const struct cpumask *possible, u32 limit)
{
	bool all = true;
	unsigned int cpu;

	cpumask_clear(dst);
	for_each_cpu(cpu, possible) {
		if (apicids[cpu] == BAD_APICID)
			continue;
		if (apicids[cpu] <= limit)
			__cpumask_set_cpu(cpu, dst);
		else
			all = false;
	}
	return all;
}

/**
 * pvapic_irq_setup() - decide, as x2APIC comes up, whether to cap it
 * @limit: the highest APIC ID an IOAPIC or MSI message can carry here
 *	   (255, or 32767 with the extended destination ID)
 *
 * Called by try_to_enable_x2apic() without interrupt remapping, with
 * interrupts off and before any CPU but the boot CPU runs. The topology
 * code has registered the APIC ID of every possible CPU by then and
 * never hot-adds another.
 *
 * Return: true when some possible CPU is unreachable and the caller must
 * not cap the APIC ID: the unreachable CPUs are then brought up and kept
 * free of device interrupts. False for upstream's behaviour.
 */
bool __init pvapic_irq_setup(u32 limit)
{
	if (!hypervisor_is_type(X86_HYPER_KVM))
		return false;

	pvapic_irq_limit = limit;
	if (pvapic_irq_reachable_cpus(&pvapic_irq_cpus, cpuid_to_apicid,
				      cpu_possible_mask, limit)) {
		pvapic_irq_mode = PVAPIC_IRQ_NOT_NEEDED;
		pr_debug("not needed: every possible APIC ID is at most %#x\n",
			 limit);
		return false;
	}
	if (!pvapic_irq_on) {
		pr_info("off (pvapic_extdest=off): CPUs with an APIC ID above %#x stay offline\n",
			limit);
		return false;
	}
	if (!cpumask_test_cpu(0, &pvapic_irq_cpus)) {
		pr_warn("the boot CPU's APIC ID %#x is above %#x: CPUs above it stay offline\n",
			cpuid_to_apicid[0], limit);
		return false;
	}
	/*
	 * The unreachable CPUs' queue is served by CPU 0's group; with CPU 0
	 * isolated from managed interrupts, it could be left with only
	 * unreachable CPUs to move to.
	 */
	if (housekeeping_enabled(HK_TYPE_MANAGED_IRQ) &&
	    !housekeeping_test_cpu(0, HK_TYPE_MANAGED_IRQ)) {
		pr_warn("isolcpus=managed_irq isolates CPU 0: CPUs with an APIC ID above %#x stay offline\n",
			limit);
		return false;
	}
	pvapic_irq_limited = true;
	pvapic_irq_mode = PVAPIC_IRQ_ACTIVE;
	pr_info("device interrupts reach APIC IDs up to %#x: CPUs %*pbl of %u; the others come online without them\n",
		limit, cpumask_pr_args(&pvapic_irq_cpus), num_possible_cpus());
	if (IS_ENABLED(CONFIG_CRASH_DUMP))
		pr_info("a panic on a CPU outside that set offers the capture kernel to CPU 0\n");
	return true;
}

/*
 * A reachable CPU for a group left with none: round-robin over the present
 * ones other than CPU 0, which serves the unreachable CPUs; CPU 0 when
 * there is no other.
 */
static unsigned int pvapic_irq_orphan_cpu(int *last,
					  const struct cpumask *reachable,
					  const struct cpumask *present)
{
	unsigned int cpu;

	cpu = cpumask_next_and(*last, reachable, present);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_next_and(0, reachable, present);
	if (cpu >= nr_cpu_ids)
		return 0;
	*last = cpu;
	return cpu;
}

/**
 * pvapic_irq_fixup_groups() - make a managed spread deliverable
 * @groups: one set's groups, together covering @possible once
 * @nr: number of groups
 * @reachable: the CPUs a message can name; CPU 0 is one of them
 * @possible: the possible CPUs
 * @present: the present CPUs
 *
 * Each group keeps only its reachable CPUs; a group left empty gets one
 * reachable present CPU (round-robin, CPU 0 last), since an interrupt
 * needs a non-empty mask. The group holding CPU 0 then takes every
 * unreachable CPU: it is the only group whose interrupt serves them, and
 * CPU 0, which never goes offline, keeps it started.
 */
void pvapic_irq_fixup_groups(struct cpumask *groups, unsigned int nr,
			     const struct cpumask *reachable,
			     const struct cpumask *possible,
			     const struct cpumask *present)
{
	unsigned int i, cpu, anchor = 0;
	int last = 0;

	if (!nr)
		return;
	for (i = 0; i < nr; i++) {
		if (cpumask_test_cpu(0, &groups[i]))
			anchor = i;
		if (!cpumask_and(&groups[i], &groups[i], reachable))
			__cpumask_set_cpu(pvapic_irq_orphan_cpu(&last, reachable,
								present),
					  &groups[i]);
	}
	__cpumask_set_cpu(0, &groups[anchor]);
	for_each_cpu_andnot(cpu, possible, reachable)
		__cpumask_set_cpu(cpu, &groups[anchor]);
}

/**
 * pvapic_irq_affinity_ok() - whether an affinity request can be honoured
 * @d: the interrupt's irq_data
 * @mask: the CPUs asked for
 *
 * Managed interrupts keep their spread (pvapic_irq_fixup_groups() made it
 * deliverable) and interrupts outside the x86 vector domain are not
 * ours to judge.
 *
 * Return: false when @d gets its vector from the x86 vector domain and
 * @mask has no CPU that its message can name. A mask whose reachable CPUs
 * are offline is left to the vector domain, as without pvapic.
 */
bool pvapic_irq_affinity_ok(struct irq_data *d, const struct cpumask *mask)
{
	return irqd_affinity_is_managed(d) ||
	       !irq_domain_get_irq_data(x86_vector_domain, d->irq) ||
	       cpumask_intersects(mask, &pvapic_irq_cpus);
}

#ifdef CONFIG_CRASH_DUMP
/*
 * A capture kernel boots on the CPU that runs machine_kexec(): after a
 * panic on an unreachable CPU, that would be a boot CPU no device
 * interrupt can name, and the capture kernel could not use a disk or a
 * network card. The jump is handed to CPU 0 instead:
 *
 * - in the crash NMI, CPU 0 saves its registers and counts itself stopped
 *   as every CPU does, then waits for an offer instead of halting;
 * - the crashing CPU shuts the interrupt controllers down and saves its
 *   registers as upstream does; at the top of machine_kexec() it offers
 *   CPU 0 the image and waits up to a second for CPU 0 to take it;
 * - CPU 0 takes it, turns its KVM PV features and its local APIC off and
 *   puts the IOAPIC back in its boot mode aimed at itself (what the
 *   crashing CPU did for itself), and starts the image from the NMI, as
 *   after a panic in NMI context: the capture kernel starts with NMIs
 *   blocked until its first IRET;
 * - the crashing CPU, having said so before its offer, turns its local
 *   APIC off and stops for good; had CPU 0 not taken the image within a
 *   second, it withdraws it and starts it itself, as upstream.
 */
enum {
	PVAPIC_CRASH_IDLE,
	PVAPIC_CRASH_OFFERED,
	PVAPIC_CRASH_TAKEN,
	PVAPIC_CRASH_WITHDRAWN,
};

static atomic_t pvapic_crash_state = ATOMIC_INIT(PVAPIC_CRASH_IDLE);
static struct kimage *pvapic_crash_image;

/* The CPU that starts the capture kernel for an unreachable one: CPU 0. */
static unsigned int pvapic_crash_target(void)
{
	return cpumask_first_and(cpu_online_mask, &pvapic_irq_cpus);
}

/**
 * pvapic_crash_nmi_stop() - let CPU 0 start a capture kernel
 * @cpu: this CPU, stopped in the crash NMI
 * @crashing: the CPU that sent the NMI
 *
 * Called by crash_nmi_callback() once this CPU has counted itself
 * stopped. Returns at once, to halt as upstream, unless some CPUs are
 * unreachable, @crashing is one of them and the CPU in panic(), a capture
 * kernel that does not come back (no preserve_context) is loaded, and
 * this is CPU 0. CPU 0 then waits for the crashing CPU's offer and starts
 * the capture kernel, never returning; or returns to halt when the offer
 * is withdrawn. A panic that never gets to machine_kexec() (its kexec
 * lock held elsewhere) leaves CPU 0 waiting here instead of halted.
 *
 * Context: NMI (crash_nmi_callback()), interrupts disabled; may not return.
 */
void pvapic_crash_nmi_stop(unsigned int cpu, int crashing)
{
	/*
	 * Without kexec_lock, which the crashing CPU holds or is about to
	 * take in __crash_kexec(): this only decides whether to wait. The
	 * image started is the one offered, under that lock.
	 */
	struct kimage *loaded = READ_ONCE(kexec_crash_image);
	struct kimage *image;
	int state;

	if (!pvapic_irq_limited || crashing < 0 ||
	    pvapic_irq_cpu_reachable(crashing) ||
	    cpu != pvapic_crash_target() || !loaded ||
	    loaded->preserve_context ||
	    atomic_read(&panic_cpu) != crashing)
		return;
	for (;;) {
		/* Pairs with the release of the offer: the image is set. */
		state = atomic_read_acquire(&pvapic_crash_state);
		if (state == PVAPIC_CRASH_WITHDRAWN)
			return;
		if (state == PVAPIC_CRASH_OFFERED &&
		    atomic_cmpxchg(&pvapic_crash_state, PVAPIC_CRASH_OFFERED,
				   PVAPIC_CRASH_TAKEN) == PVAPIC_CRASH_OFFERED)
			break;
		cpu_relax();
	}
	image = READ_ONCE(pvapic_crash_image);
	kvm_crash_cpu_offline();
	lapic_shutdown();
	restore_boot_irq_mode();
	machine_kexec(image);
}

/**
 * pvapic_crash_kexec() - offer the capture kernel to CPU 0
 * @image: the image machine_kexec() is to start on this CPU
 *
 * Called first thing in machine_kexec(). Returns at once, for upstream's
 * path, unless @image is a capture kernel (one that does not come back:
 * no preserve_context) and this CPU is unreachable. Then offers @image to
 * CPU 0 and waits for it for up to a second: once CPU 0 took it, this CPU
 * turns its local APIC off and stops for good, as a CPU stopped by the
 * crash NMI does; otherwise it withdraws the offer and returns, and
 * starts the capture kernel itself.
 */
void pvapic_crash_kexec(struct kimage *image)
{
	unsigned int self = raw_smp_processor_id();
	unsigned int target, ms;

	if (image->type != KEXEC_TYPE_CRASH || image->preserve_context ||
	    pvapic_irq_cpu_reachable(self))
		return;
	target = pvapic_crash_target();
	/*
	 * Said before the offer: once CPU 0 has taken it, the capture kernel
	 * may be resetting the console this CPU would write to.
	 */
	pr_emerg("CPU %u, which device interrupts cannot reach, crashed: offering the capture kernel to CPU %u\n",
		 self, target);
	/*
	 * CPU 0 takes ioapic_lock in NMI context, which lockdep would
	 * report; panic() turns it off right after this anyway.
	 */
	debug_locks_off();
	WRITE_ONCE(pvapic_crash_image, image);
	/* Pairs with the acquire in CPU 0's wait. */
	atomic_set_release(&pvapic_crash_state, PVAPIC_CRASH_OFFERED);
	for (ms = 0; ms < 1000; ms++) {
		if (atomic_read(&pvapic_crash_state) == PVAPIC_CRASH_TAKEN)
			break;
		mdelay(1);
	}
	if (atomic_cmpxchg(&pvapic_crash_state, PVAPIC_CRASH_OFFERED,
			   PVAPIC_CRASH_WITHDRAWN) == PVAPIC_CRASH_OFFERED) {
		pr_emerg("CPU %u did not take the capture kernel: it starts on CPU %u, which device interrupts cannot reach\n",
			 target, self);
		return;
	}
	/*
	 * Stopped as a CPU in the crash NMI is: local APIC off (it was left
	 * in virtual-wire mode for a capture kernel on this CPU), then
	 * stop_this_cpu or halt, neither of which returns.
	 */
	disable_local_APIC();
	if (smp_ops.stop_this_cpu)
		smp_ops.stop_this_cpu();
	for (;;)
		native_halt();
}
#endif /* CONFIG_CRASH_DUMP */

/* --- /sys/kernel/pvapic/irq/ ----------------------------------------- */

static const char * const pvapic_irq_mode_names[] = {
	[PVAPIC_IRQ_OFF]	= "off",
	[PVAPIC_IRQ_NOT_NEEDED]	= "not-needed",
	[PVAPIC_IRQ_ACTIVE]	= "active",
};

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", pvapic_irq_limited);
}

static struct kobj_attribute pvapic_irq_attr_active = __ATTR_RO(active);

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", pvapic_irq_mode_names[pvapic_irq_mode]);
}

static struct kobj_attribute pvapic_irq_attr_mode = __ATTR_RO(mode);

static ssize_t ext_dest_id_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", pvapic_irq_limit > PVAPIC_IRQ_LIMIT_8BIT);
}

static struct kobj_attribute pvapic_irq_attr_ext = __ATTR_RO(ext_dest_id);

static ssize_t apic_id_limit_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", pvapic_irq_limit);
}

static struct kobj_attribute pvapic_irq_attr_limit = __ATTR_RO(apic_id_limit);

static ssize_t reachable_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&pvapic_irq_cpus));
}

static struct kobj_attribute pvapic_irq_attr_reachable = __ATTR_RO(reachable);

static struct attribute *pvapic_irq_attrs[] = {
	&pvapic_irq_attr_active.attr,
	&pvapic_irq_attr_mode.attr,
	&pvapic_irq_attr_ext.attr,
	&pvapic_irq_attr_limit.attr,
	&pvapic_irq_attr_reachable.attr,
	NULL
};

static const struct attribute_group pvapic_irq_group = {
	.name = "irq",
	.attrs = pvapic_irq_attrs,
};

static int __init pvapic_irq_late_init(void)
{
	int ret;

	ret = pvapic_sysfs_add_group(&pvapic_irq_group);
	if (ret)
		pr_warn("no sysfs files (%d)\n", ret);
	return 0;
}
late_initcall(pvapic_irq_late_init);
