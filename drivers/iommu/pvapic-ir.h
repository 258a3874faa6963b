/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvapic extended-destination-ID composer: what its KUnit suite tests.
 */
#ifndef _PVAPIC_IR_H
#define _PVAPIC_IR_H

#include <linux/cpumask.h>
#include <linux/types.h>

struct msi_msg;

/* The highest APIC ID an 8-bit or a 15-bit destination field can name. */
#define PVAPIC_IR_LIMIT_8BIT	0xffU
#define PVAPIC_IR_LIMIT_15BIT	0x7fffU

int pvapic_ir_compose(u32 apicid, u8 vector, bool ext, struct msi_msg *msg);
bool pvapic_ir_limit_mask(struct cpumask *dst, const struct cpumask *req,
			  const struct cpumask *reachable,
			  const struct cpumask *online);
bool pvapic_ir_may_offline(unsigned int cpu, const struct cpumask *reachable,
			   const struct cpumask *online);
bool pvapic_ir_managed_may_offline(unsigned int cpu,
				   const struct cpumask *spread,
				   const struct cpumask *reachable,
				   const struct cpumask *online);

#endif /* _PVAPIC_IR_H */
