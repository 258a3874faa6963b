// SPDX-License-Identifier: GPL-2.0
/*
 * pvapic: the /sys/kernel/pvapic directory the driver set's parts put
 * their switches and counters in, and the strict parsing their writes use.
 */

#include <linux/ctype.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/sysfs.h>

#include <asm/pvapic.h>

#include "internal.h"

static struct kobject *pvapic_kobj;

/**
 * pvapic_sysfs_add_group() - add a named group under /sys/kernel/pvapic
 * @grp: attribute group; its name becomes the subdirectory
 *
 * Creates /sys/kernel/pvapic on first use. Called from initcalls only, so
 * callers are serialised.
 *
 * Return: 0 or a negative errno.
 */
int __init pvapic_sysfs_add_group(const struct attribute_group *grp)
{
	if (!pvapic_kobj) {
		pvapic_kobj = kobject_create_and_add("pvapic", kernel_kobj);
		if (!pvapic_kobj)
			return -ENOMEM;
	}
	return sysfs_create_group(pvapic_kobj, grp);
}

/**
 * pvapic_parse_uint() - parse a sysfs write holding one decimal number
 * @buf: the NUL-terminated write, optionally ending in one newline
 * @val: where the number goes
 *
 * Only plain decimal digits are accepted: no sign, no spaces, no base
 * prefix, nothing above UINT_MAX.
 *
 * Return: 0, or -EINVAL for anything else (also on overflow) with @val
 * untouched.
 */
int pvapic_parse_uint(const char *buf, unsigned int *val)
{
	unsigned int v;

	if (!isdigit(buf[0]) || kstrtouint(buf, 10, &v))
		return -EINVAL;
	*val = v;
	return 0;
}
