/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic: what the driver set's parts share.
 */
#ifndef _X86_KERNEL_PVAPIC_INTERNAL_H
#define _X86_KERNEL_PVAPIC_INTERNAL_H

int pvapic_parse_uint(const char *buf, unsigned int *val);

#endif /* _X86_KERNEL_PVAPIC_INTERNAL_H */
