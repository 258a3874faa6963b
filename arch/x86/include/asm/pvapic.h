/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: hooks the KVM guest setup calls into the pvapic driver set.
 */
#ifndef _ASM_X86_PVAPIC_H
#define _ASM_X86_PVAPIC_H

#include <linux/types.h>

#ifdef CONFIG_PVAPIC_PVIPI
bool pvapic_pvipi_init(void);
#else
static inline bool pvapic_pvipi_init(void)
{
	return false;
}
#endif

#endif /* _ASM_X86_PVAPIC_H */
