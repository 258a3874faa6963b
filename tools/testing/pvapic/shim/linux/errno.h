/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/errno.h>. The C library's <errno.h> pulls
 * in <linux/errno.h> itself, so this file must provide the numbers.
 */
#ifndef _SHIM_LINUX_ERRNO_H
#define _SHIM_LINUX_ERRNO_H

#if defined(__has_include_next)
#if __has_include_next(<linux/errno.h>)
#include_next <linux/errno.h>
#endif
#endif

#ifndef EINVAL
#define EPERM		1
#define ENOENT		2
#define EIO		5
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EINVAL		22
#define ERANGE		34
#define EOPNOTSUPP	95
#endif

#endif
