/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: hooks the KVM guest setup calls into the pvapic driver set.
 */
#ifndef _ASM_X86_PVAPIC_H
#define _ASM_X86_PVAPIC_H

#include <linux/types.h>

struct attribute_group;

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

#endif /* _ASM_X86_PVAPIC_H */
