/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: hooks the KVM guest setup and the x86 crash path call into the
 * pvapic driver set.
 */
#ifndef _ASM_X86_PVAPIC_H
#define _ASM_X86_PVAPIC_H

#include <linux/types.h>

struct attribute_group;
struct kimage;

#ifdef CONFIG_PVAPIC
int pvapic_sysfs_add_group(const struct attribute_group *grp);
#endif

#ifdef CONFIG_PVAPIC_PVIPI
bool pvapic_pvipi_init(void);
#else
static inline bool pvapic_pvipi_init(void)
{
	return false;
}
#endif

#if defined(CONFIG_PVAPIC_EXTDEST) && defined(CONFIG_CRASH_DUMP)
void pvapic_crash_nmi_stop(unsigned int cpu, int crashing);
void pvapic_crash_kexec(struct kimage *image);
/* arch/x86/kernel/kvm.c: this CPU's KVM PV features off, as for a crash. */
void kvm_crash_cpu_offline(void);
#else
static inline void pvapic_crash_nmi_stop(unsigned int cpu, int crashing)
{
}

static inline void pvapic_crash_kexec(struct kimage *image)
{
}
#endif

#endif /* _ASM_X86_PVAPIC_H */
