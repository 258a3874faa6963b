/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/minmax.h>; stricter: types must match. */
#ifndef _SHIM_LINUX_MINMAX_H
#define _SHIM_LINUX_MINMAX_H

#define __shim_cmp(x, y, op) ({				\
	__typeof__(x) __x = (x);				\
	__typeof__(y) __y = (y);				\
	(void)(&__x == &__y);					\
	__x op __y ? __x : __y; })

#define min(x, y)	__shim_cmp(x, y, <)
#define max(x, y)	__shim_cmp(x, y, >)
#define min_t(t, x, y)	min((t)(x), (t)(y))
#define max_t(t, x, y)	max((t)(x), (t)(y))

#define swap(a, b) do {						\
	__typeof__(a) __tmp = (a);				\
	(a) = (b);						\
	(b) = __tmp;						\
} while (0)

#endif
