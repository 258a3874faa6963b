/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model of the KVM host side of KVM_HC_SEND_IPI (6.12, 64-bit guest), plus
 * a proposed 192-bit variant, with per-APIC-ID delivery counts and fault
 * injection.
 */
#ifndef _PVAPIC_HOST_MODEL_H
#define _PVAPIC_HOST_MODEL_H

#include <stdint.h>

#define HOST_KVM_EINVAL		22
#define HOST_KVM_EOPNOTSUPP	95

/* ICR bits the host refuses: destination mode and destination shorthand. */
#define HOST_APIC_DEST_MASK	0x800u
#define HOST_APIC_SHORT_MASK	0xc0000u
#define HOST_APIC_DM_FIXED	0x000u
#define HOST_APIC_DM_NMI	0x400u

struct host_model {
	uint32_t nr_vcpus;
	uint32_t *apicid;	/* sorted APIC IDs of the vCPUs */
	uint32_t *delivered;	/* per vCPU, parallel to apicid[] */
	uint32_t max_apic_id;
	uint32_t calls;		/* hypercalls seen */
	uint32_t fail_every;	/* every Nth call fails with -KVM_EOPNOTSUPP */
	uint32_t short_every;	/* every Nth call drops its last target */
};

/* apicid_of_cpu[c] == 0xffffffff means no vCPU for that CPU. */
int host_init(struct host_model *h, const uint32_t *apicid_of_cpu,
	      uint32_t nr_cpus);
void host_free(struct host_model *h);
void host_reset(struct host_model *h);
/* Deliveries recorded for an APIC ID; 0 for IDs without a vCPU. */
uint32_t host_delivered(const struct host_model *h, uint32_t apic_id);
/* Sum of all deliveries. */
uint64_t host_delivered_total(const struct host_model *h);

/* KVM_HC_SEND_IPI: a0/a1 = bitmap, a2 = lowest APIC ID, a3 = ICR. */
long host_send_ipi(struct host_model *h, unsigned long a0, unsigned long a1,
		   unsigned long a2, unsigned long a3);
/* Proposed 192-bit form: bit i of w[] is APIC ID base + i. */
long host_send_ipi192(struct host_model *h, const uint64_t w[3],
		      unsigned long base, unsigned long icr);

#endif
