// SPDX-License-Identifier: GPL-2.0
/*
 * pvapic extended-destination-ID composer: an interrupt-remapping stub
 * domain for KVM guests.
 *
 * Without an IOMMU, an external interrupt (IOAPIC pin, PCI MSI/MSI-X) can
 * only name a destination APIC ID that fits its message: 8 bits, or 15
 * when the host offers KVM_FEATURE_MSI_EXT_DEST_ID (bits 5-11 of the MSI
 * address, bits 49-55 of an IOAPIC RTE). Upstream therefore caps the APIC
 * ID of x2APIC CPUs and leaves the CPUs above the cap offline.
 *
 * This stub registers as the interrupt-remapping driver, so x2APIC comes
 * up uncapped (in physical destination mode), and puts one irq domain
 * between the vector domain and every IOAPIC and PCI MSI/MSI-X domain. The
 * domain keeps each interrupt's affinity within the CPUs a message can
 * reach (the reachable set), composes messages with 15-bit destination IDs
 * in the format the host understands, and never composes one for a CPU it
 * cannot reach. The other CPUs come online and do everything but handle
 * external interrupts.
 *
 * When every possible CPU has an APIC ID a message can name (always so with
 * 15-bit IDs), the stub does not register and the guest keeps the vector
 * domain's own MSI, IOAPIC and HPET path, domains and chips unchanged.
 *
 * Boot with pvapic_extdest=off for upstream's behaviour.
 */

#define pr_fmt(fmt) "pvapic-ir: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/kvm_para.h>
#include <linux/msi.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>

#include <asm/apic.h>
#include <asm/hw_irq.h>
#include <asm/hypervisor.h>
#include <asm/irq_remapping.h>
#include <asm/irqdomain.h>
#include <asm/pvapic.h>

#include "irq_remapping.h"
#include "pvapic-ir.h"

static bool pvapic_ir_on __initdata = true;
/* The host understands bits 5-11 of the MSI address (15-bit IDs). */
static bool pvapic_ir_ext __ro_after_init;
static u32 pvapic_ir_limit __ro_after_init = PVAPIC_IR_LIMIT_8BIT;
static bool pvapic_ir_active __ro_after_init;
/* Every possible CPU is reachable, so the stub stays out of the way. */
static bool pvapic_ir_covered __ro_after_init;

/*
 * The reachable set: CPUs whose APIC ID a message can name. Written under
 * the hotplug lock (CPU prepare callback) and read by the affinity code;
 * a CPU is added before it comes up and never removed (its APIC ID stays).
 */
static struct cpumask pvapic_reachable;

static struct irq_domain *pvapic_ir_domain;

/*
 * Managed interrupts spread onto CPUs not all reachable, indexed by irq:
 * a reachable CPU serving such an interrupt for unreachable CPUs of its
 * spread must not go offline while they are online.
 */
static DEFINE_XARRAY(pvapic_ir_managed);

/* Scratch for the affinity callbacks, which run with the desc lock held. */
static DEFINE_RAW_SPINLOCK(pvapic_ir_mask_lock);
static struct cpumask pvapic_ir_scratch;

static int __init pvapic_ir_param(char *arg)
{
	if (arg && !strcmp(arg, "on")) {
		pvapic_ir_on = true;
	} else if (arg && !strcmp(arg, "off")) {
		pvapic_ir_on = false;
	} else {
		pr_warn("pvapic_extdest=%s: expected on or off; keeping on\n",
			arg ? arg : "");
		return -EINVAL;
	}
	return 0;
}
early_param("pvapic_extdest", pvapic_ir_param);

/**
 * pvapic_ir_compose() - compose an MSI message for one destination
 * @apicid: destination APIC ID (physical destination mode)
 * @vector: interrupt vector
 * @ext: the host understands 15-bit destination IDs
 * @msg: the message, written only on success
 *
 * Bits 0-7 of @apicid go to address bits 12-19; with @ext, bits 8-14 go to
 * address bits 5-11, the extended destination ID. The remappable-format
 * bit (4) stays clear, delivery is fixed, the trigger is edge.
 *
 * Return: 0, or -ERANGE when @apicid does not fit (above 255, or above
 * 32767 with @ext); @msg is then untouched.
 */
int pvapic_ir_compose(u32 apicid, u8 vector, bool ext, struct msi_msg *msg)
{
	if (apicid > (ext ? PVAPIC_IR_LIMIT_15BIT : PVAPIC_IR_LIMIT_8BIT))
		return -ERANGE;

	memset(msg, 0, sizeof(*msg));
	msg->arch_addr_lo.base_address = X86_MSI_BASE_ADDRESS_LOW;
	msg->arch_addr_lo.destid_0_7 = apicid & 0xff;
	msg->arch_addr_lo.virt_destid_8_14 = apicid >> 8;
	msg->address_hi = X86_MSI_BASE_ADDRESS_HIGH;
	msg->arch_data.delivery_mode = APIC_DELIVERY_MODE_FIXED;
	msg->arch_data.vector = vector;
	return 0;
}

/**
 * pvapic_ir_limit_mask() - the part of an affinity request we can honour
 * @dst: result
 * @req: requested CPUs
 * @reachable: CPUs a message can reach
 * @online: online CPUs
 *
 * Return: true when @req has a reachable online CPU; @dst is then @req
 * limited to its reachable CPUs (offline ones included, so the interrupt
 * may move there later). False when it has none: the request is refused.
 */
bool pvapic_ir_limit_mask(struct cpumask *dst, const struct cpumask *req,
			  const struct cpumask *reachable,
			  const struct cpumask *online)
{
	if (!cpumask_and(dst, req, reachable))
		return false;
	return cpumask_intersects(dst, online);
}

/**
 * pvapic_ir_may_offline() - whether a CPU may go offline
 * @cpu: the CPU going down
 * @reachable: CPUs a message can reach
 * @online: online CPUs (including @cpu)
 *
 * Return: false when @cpu is the last online CPU external interrupts can
 * reach: their only possible target must stay.
 */
bool pvapic_ir_may_offline(unsigned int cpu, const struct cpumask *reachable,
			   const struct cpumask *online)
{
	unsigned int other;

	if (!cpumask_test_cpu(cpu, reachable))
		return true;
	for_each_cpu_and(other, reachable, online)
		if (other != cpu)
			return true;
	return false;
}

/**
 * pvapic_ir_managed_may_offline() - whether a CPU may leave a managed spread
 * @cpu: the CPU going down
 * @spread: the managed interrupt's CPUs
 * @reachable: CPUs a message can reach
 * @online: online CPUs (including @cpu)
 *
 * Return: false when @cpu is the last reachable online CPU of @spread while
 * other CPUs of @spread are online: the interrupt stays started for them
 * and could then be delivered nowhere.
 */
bool pvapic_ir_managed_may_offline(unsigned int cpu,
				   const struct cpumask *spread,
				   const struct cpumask *reachable,
				   const struct cpumask *online)
{
	bool others_online = false;
	unsigned int other;

	if (!cpumask_test_cpu(cpu, spread) || !cpumask_test_cpu(cpu, reachable))
		return true;
	for_each_cpu_and(other, spread, online) {
		if (other == cpu)
			continue;
		if (cpumask_test_cpu(other, reachable))
			return true;
		others_online = true;
	}
	return !others_online;
}

static u32 pvapic_ir_apicid(unsigned int cpu)
{
	return per_cpu(x86_cpu_to_apicid, cpu);
}

static void pvapic_ir_compose_msi_msg(struct irq_data *irqd,
				      struct msi_msg *msg)
{
	struct irq_cfg *cfg = irqd_cfg(irqd);
	unsigned int cpu;

	if (!pvapic_ir_compose(cfg->dest_apicid, cfg->vector, pvapic_ir_ext,
			       msg))
		return;
	/*
	 * The vector domain activates a managed interrupt on any online CPU
	 * of its spread; irq_startup() then sets its affinity, which moves
	 * it to a reachable CPU, before unmasking it. Anything else means
	 * the allocator found no vector on a reachable CPU. Either way the
	 * message must stay valid: point it at a reachable CPU, where it
	 * would at worst be reported as spurious.
	 */
	WARN_ONCE(!irqd_affinity_is_managed(irqd) || irqd_is_started(irqd),
		  "irq %u: APIC ID %#x is beyond %#x\n", irqd->irq,
		  cfg->dest_apicid, pvapic_ir_limit);
	cpu = cpumask_first_and(&pvapic_reachable, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(&pvapic_reachable);
	pvapic_ir_compose(pvapic_ir_apicid(cpu), cfg->vector, pvapic_ir_ext,
			  msg);
}

static int pvapic_ir_set_affinity(struct irq_data *irqd,
				  const struct cpumask *mask, bool force)
{
	struct irq_data *parent = irqd->parent_data;
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&pvapic_ir_mask_lock, flags);
	if (!pvapic_ir_limit_mask(&pvapic_ir_scratch, mask, &pvapic_reachable,
				  cpu_online_mask)) {
		/* A managed interrupt still gets a reachable CPU. */
		if (!irqd_affinity_is_managed(irqd) ||
		    !cpumask_and(&pvapic_ir_scratch, &pvapic_reachable,
				 cpu_online_mask)) {
			raw_spin_unlock_irqrestore(&pvapic_ir_mask_lock, flags);
			return -EINVAL;
		}
	}
	ret = parent->chip->irq_set_affinity(parent, &pvapic_ir_scratch, force);
	/*
	 * Record what we honoured, so that smp_affinity shows the reachable
	 * part of a mixed request. For edge interrupts the old vector is
	 * released when the first interrupt arrives at the new one (the
	 * parent's ack), as without IR.
	 */
	if (ret >= 0 && !irqd_affinity_is_managed(irqd)) {
		irq_data_update_affinity(irqd, &pvapic_ir_scratch);
		ret = IRQ_SET_MASK_OK_NOCOPY;
	}
	raw_spin_unlock_irqrestore(&pvapic_ir_mask_lock, flags);
	return ret;
}

/*
 * Edge interrupts (handle_edge_irq() -> irq_ack) ack through the vector
 * domain's apic_ack_edge(), which completes a move: the first interrupt on
 * the new vector releases the old one. There is no remapping table whose
 * update could release it instead. Level-triggered IOAPIC pins end in
 * ioapic_ir_ack_level(), which does not complete moves.
 */
static struct irq_chip pvapic_ir_chip = {
	.name			= "PVAPIC-IR",
	.irq_ack		= irq_chip_ack_parent,
	.irq_set_affinity	= pvapic_ir_set_affinity,
	.irq_compose_msi_msg	= pvapic_ir_compose_msi_msg,
	.irq_retrigger		= irq_chip_retrigger_hierarchy,
};

/* Next reachable CPU for a managed interrupt spread only elsewhere. */
static unsigned int pvapic_ir_next_reachable(void)
{
	static int last = -1;
	unsigned int cpu;

	cpu = cpumask_next(last, &pvapic_reachable);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(&pvapic_reachable);
	last = cpu;
	return cpu;
}

/* Limit a new interrupt's affinity before the vector domain uses it. */
static void pvapic_ir_initial_affinity(struct irq_data *irqd)
{
	const struct cpumask *aff = irq_data_get_affinity_mask(irqd);
	unsigned long flags;

	raw_spin_lock_irqsave(&pvapic_ir_mask_lock, flags);
	if (cpumask_and(&pvapic_ir_scratch, aff, &pvapic_reachable)) {
		if (!cpumask_equal(&pvapic_ir_scratch, aff) &&
		    !irqd_affinity_is_managed(irqd))
			irq_data_update_affinity(irqd, &pvapic_ir_scratch);
	} else if (irqd_affinity_is_managed(irqd)) {
		/*
		 * A queue spread onto unreachable CPUs only: it keeps its
		 * CPUs (the managed spread is what the device's queues
		 * follow) and gets one reachable CPU (round-robin) to serve
		 * it, so that the device probes and the queue works.
		 */
		cpumask_copy(&pvapic_ir_scratch, aff);
		cpumask_set_cpu(pvapic_ir_next_reachable(), &pvapic_ir_scratch);
		irq_data_update_affinity(irqd, &pvapic_ir_scratch);
	} else {
		irq_data_update_affinity(irqd, &pvapic_reachable);
	}
	raw_spin_unlock_irqrestore(&pvapic_ir_mask_lock, flags);
}

static int pvapic_ir_alloc(struct irq_domain *domain, unsigned int virq,
			   unsigned int nr_irqs, void *arg)
{
	struct irq_alloc_info *info = arg;
	struct irq_data *irqd;
	unsigned int i;
	int ret;

	if (!info)
		return -EINVAL;
	switch (info->type) {
	case X86_IRQ_ALLOC_TYPE_IOAPIC:
		if (nr_irqs > 1)
			return -EINVAL;
		break;
	case X86_IRQ_ALLOC_TYPE_PCI_MSI:
	case X86_IRQ_ALLOC_TYPE_PCI_MSIX:
		break;
	default:
		return -EINVAL;
	}

	for (i = 0; i < nr_irqs; i++) {
		irqd = irq_get_irq_data(virq + i);
		pvapic_ir_initial_affinity(irqd);
		if (!irqd_affinity_is_managed(irqd) ||
		    cpumask_subset(irq_data_get_affinity_mask(irqd),
				   &pvapic_reachable))
			continue;
		/* Without its entry the offline guard would miss it. */
		ret = xa_err(xa_store(&pvapic_ir_managed, virq + i, irqd,
				      GFP_KERNEL));
		if (ret)
			goto erase;
	}
	ret = irq_domain_alloc_irqs_parent(domain, virq, nr_irqs, arg);
	if (ret < 0)
		goto erase;
	for (i = 0; i < nr_irqs; i++) {
		irqd = irq_domain_get_irq_data(domain, virq + i);
		irqd->chip = &pvapic_ir_chip;
		irqd->chip_data = NULL;
		/*
		 * An MSI-X entry is masked while its message is rewritten
		 * (pci_write_msg_msix()), so it can move in process context
		 * and an affinity request gets its answer at once.
		 */
		if (info->type == X86_IRQ_ALLOC_TYPE_PCI_MSIX)
			irq_set_status_flags(virq + i, IRQ_MOVE_PCNTXT);
	}
	return 0;

erase:
	for (i = 0; i < nr_irqs; i++)
		xa_erase(&pvapic_ir_managed, virq + i);
	return ret;
}

static void pvapic_ir_free(struct irq_domain *domain, unsigned int virq,
			   unsigned int nr_irqs)
{
	unsigned int i;

	for (i = 0; i < nr_irqs; i++)
		xa_erase(&pvapic_ir_managed, virq + i);
	irq_domain_free_irqs_common(domain, virq, nr_irqs);
}

/* The IOAPICs find their parent domain through this. */
static int pvapic_ir_select(struct irq_domain *d, struct irq_fwspec *fwspec,
			    enum irq_domain_bus_token bus_token)
{
	return x86_fwspec_is_ioapic(fwspec);
}

static const struct irq_domain_ops pvapic_ir_domain_ops = {
	.select	= pvapic_ir_select,
	.alloc	= pvapic_ir_alloc,
	.free	= pvapic_ir_free,
};

static int pvapic_ir_msi_prepare(struct irq_domain *domain, struct device *dev,
				 int nvec, msi_alloc_info_t *alloc)
{
	struct msi_domain_info *info = domain->host_data;

	init_irq_alloc_info(alloc, NULL);
	switch (info->bus_token) {
	case DOMAIN_BUS_PCI_DEVICE_MSI:
		alloc->type = X86_IRQ_ALLOC_TYPE_PCI_MSI;
		return 0;
	case DOMAIN_BUS_PCI_DEVICE_MSIX:
		alloc->type = X86_IRQ_ALLOC_TYPE_PCI_MSIX;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Set up a PCI device's MSI or MSI-X domain on top of ours. */
static bool pvapic_ir_init_dev_msi_info(struct device *dev,
					struct irq_domain *domain,
					struct irq_domain *real_parent,
					struct msi_domain_info *info)
{
	switch (info->bus_token) {
	case DOMAIN_BUS_PCI_DEVICE_MSI:
	case DOMAIN_BUS_PCI_DEVICE_MSIX:
		break;
	default:
		return false;
	}
	info->flags &= real_parent->msi_parent_ops->supported_flags;
	info->flags |= X86_VECTOR_MSI_FLAGS_REQUIRED;
	info->ops->msi_prepare = pvapic_ir_msi_prepare;
	info->chip->irq_ack = irq_chip_ack_parent;
	info->chip->irq_retrigger = irq_chip_retrigger_hierarchy;
	info->chip->flags |= IRQCHIP_SKIP_SET_WAKE |
			     IRQCHIP_AFFINITY_PRE_STARTUP;
	info->handler = handle_edge_irq;
	info->handler_name = "edge";
	return true;
}

static const struct msi_parent_ops pvapic_ir_msi_parent_ops = {
	.supported_flags	= X86_VECTOR_MSI_FLAGS_SUPPORTED,
	.prefix			= "PVIR-",
	.init_dev_msi_info	= pvapic_ir_init_dev_msi_info,
};

static struct irq_domain * __init pvapic_ir_pci_msi_domain(void)
{
	return pvapic_ir_domain;
}

static void pvapic_ir_note_cpu(unsigned int cpu)
{
	u32 id = pvapic_ir_apicid(cpu);

	if (id != BAD_APICID && id <= pvapic_ir_limit)
		cpumask_set_cpu(cpu, &pvapic_reachable);
	else
		cpumask_clear_cpu(cpu, &pvapic_reachable);
}

/*
 * Whether every possible CPU has an APIC ID a message can name. The
 * topology code knows the APIC ID of each possible CPU, present or not,
 * and hot-adds no other (cpuid_to_apicid[]). With 15-bit IDs that always
 * holds: no APIC ID reaches MAX_LOCAL_APIC.
 */
static bool __init pvapic_ir_covers_all(void)
{
	unsigned int cpu;

	BUILD_BUG_ON(MAX_LOCAL_APIC - 1 > PVAPIC_IR_LIMIT_15BIT);
	if (pvapic_ir_ext)
		return true;
	for_each_possible_cpu(cpu)
		if (cpuid_to_apicid[cpu] > pvapic_ir_limit)
			return false;
	return true;
}

static int __init pvapic_ir_prepare(void)
{
	struct fwnode_handle *fn;
	unsigned int cpu;

	if (!pvapic_ir_on) {
		pr_info("off (pvapic_extdest=off)\n");
		return -ENODEV;
	}
	if (!hypervisor_is_type(X86_HYPER_KVM) || !x2apic_supported())
		return -ENODEV;

	pvapic_ir_ext = kvm_para_has_feature(KVM_FEATURE_MSI_EXT_DEST_ID);
	pvapic_ir_limit = pvapic_ir_ext ? PVAPIC_IR_LIMIT_15BIT :
					  PVAPIC_IR_LIMIT_8BIT;
	if (pvapic_ir_covers_all()) {
		/* Every possible CPU is reachable: nothing to remap. */
		pvapic_ir_covered = true;
		cpumask_copy(&pvapic_reachable, cpu_possible_mask);
		pr_debug("not needed: all possible APIC IDs <= %u\n",
			 pvapic_ir_limit);
		return -ENODEV;
	}
	for_each_possible_cpu(cpu)
		pvapic_ir_note_cpu(cpu);
	if (cpumask_empty(&pvapic_reachable))
		return -ENODEV;

	fn = irq_domain_alloc_named_fwnode("PVAPIC-IR");
	if (!fn)
		return -ENOMEM;
	pvapic_ir_domain = irq_domain_create_hierarchy(arch_get_ir_parent_domain(),
						       0, 0, fn,
						       &pvapic_ir_domain_ops,
						       NULL);
	if (!pvapic_ir_domain) {
		irq_domain_free_fwnode(fn);
		return -ENOMEM;
	}
	pvapic_ir_domain->flags |= IRQ_DOMAIN_FLAG_MSI_PARENT;
	pvapic_ir_domain->msi_parent_ops = &pvapic_ir_msi_parent_ops;
	x86_init.irqs.create_pci_msi_domain = pvapic_ir_pci_msi_domain;

	/* Message destinations are physical APIC IDs. */
	x2apic_phys = 1;
	pvapic_ir_active = true;
	pr_info("external interrupts reach APIC IDs up to %u (%s); %u of %u possible CPUs\n",
		pvapic_ir_limit, pvapic_ir_ext ? "extended destination ID" :
		"8-bit destination", cpumask_weight(&pvapic_reachable),
		num_possible_cpus());
	return 0;
}

static int __init pvapic_ir_enable(void)
{
	return IRQ_REMAP_X2APIC_MODE;
}

struct irq_remap_ops pvapic_irq_remap_ops = {
	.prepare	= pvapic_ir_prepare,
	.enable		= pvapic_ir_enable,
};

/* A CPU about to come up: its APIC ID decides whether it is reachable. */
static int pvapic_ir_cpu_prepare(unsigned int cpu)
{
	pvapic_ir_note_cpu(cpu);
	return 0;
}

static int pvapic_ir_cpu_down(unsigned int cpu)
{
	const struct cpumask *m;
	struct irq_data *irqd;
	unsigned long irq;

	if (!pvapic_ir_may_offline(cpu, &pvapic_reachable, cpu_online_mask)) {
		pr_warn("CPU %u stays online: it is the last CPU external interrupts can reach\n",
			cpu);
		return -EBUSY;
	}
	/*
	 * Managed spreads are fixed once allocated. A device may free its
	 * interrupts meanwhile: the domain's free erases the entry first,
	 * and the descriptor with its masks is freed after a grace period.
	 */
	rcu_read_lock();
	xa_for_each(&pvapic_ir_managed, irq, irqd) {
		m = irq_data_get_affinity_mask(irqd);
		if (pvapic_ir_managed_may_offline(cpu, m, &pvapic_reachable,
						  cpu_online_mask))
			continue;
		pr_warn("CPU %u stays online: it is the only reachable CPU of irq %lu, whose CPUs %*pbl are online\n",
			cpu, irq, cpumask_pr_args(m));
		rcu_read_unlock();
		return -EBUSY;
	}
	rcu_read_unlock();
	return 0;
}

/* --- /sys/kernel/pvapic/irq/ ----------------------------------------- */

static ssize_t active_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", pvapic_ir_active);
}

static struct kobj_attribute pvapic_ir_attr_active = __ATTR_RO(active);

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	if (pvapic_ir_active)
		return sysfs_emit(buf, "active\n");
	return sysfs_emit(buf, "%s\n", pvapic_ir_covered ? "not-needed" : "off");
}

static struct kobj_attribute pvapic_ir_attr_mode = __ATTR_RO(mode);

static ssize_t ext_dest_id_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", pvapic_ir_ext);
}

static struct kobj_attribute pvapic_ir_attr_ext = __ATTR_RO(ext_dest_id);

static ssize_t apic_id_limit_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", pvapic_ir_limit);
}

static struct kobj_attribute pvapic_ir_attr_limit = __ATTR_RO(apic_id_limit);

static ssize_t reachable_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&pvapic_reachable));
}

static struct kobj_attribute pvapic_ir_attr_reachable = __ATTR_RO(reachable);

static struct attribute *pvapic_ir_attrs[] = {
	&pvapic_ir_attr_active.attr,
	&pvapic_ir_attr_mode.attr,
	&pvapic_ir_attr_ext.attr,
	&pvapic_ir_attr_limit.attr,
	&pvapic_ir_attr_reachable.attr,
	NULL
};

static const struct attribute_group pvapic_ir_group = {
	.name = "irq",
	.attrs = pvapic_ir_attrs,
};

static int __init pvapic_ir_late_init(void)
{
	int ret;

	ret = pvapic_sysfs_add_group(&pvapic_ir_group);
	if (ret)
		pr_warn("no sysfs files (%d)\n", ret);
	if (!pvapic_ir_active)
		return 0;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"iommu/pvapic-ir:prepare",
					pvapic_ir_cpu_prepare, NULL);
	if (ret >= 0)
		ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
						"iommu/pvapic-ir:online", NULL,
						pvapic_ir_cpu_down);
	if (ret < 0)
		pr_err("no CPU hotplug callbacks (%d): hot-added CPUs stay unreachable and the last reachable CPU may go offline\n",
		       ret);
	return 0;
}
late_initcall(pvapic_ir_late_init);
