/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the pvapic PV IPI cluster path: one per multicast sent,
 * one per hypercall and one per window resent with native IPIs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvapic

#if !defined(_TRACE_PVAPIC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PVAPIC_H

#include <linux/cpumask.h>
#include <linux/tracepoint.h>

TRACE_EVENT(pvapic_multicast,

	TP_PROTO(const struct cpumask *mask, int exclude, int vector,
		 unsigned int hypercalls),

	TP_ARGS(mask, exclude, vector, hypercalls),

	TP_STRUCT__entry(
		__bitmask(cpumask, nr_cpumask_bits)
		__field(int, exclude)
		__field(int, vector)
		__field(unsigned int, hypercalls)
	),

	TP_fast_assign(
		__assign_bitmask(cpumask, cpumask_bits(mask), nr_cpumask_bits);
		__entry->exclude = exclude;
		__entry->vector = vector;
		__entry->hypercalls = hypercalls;
	),

	TP_printk("cpumask=%s exclude=%d vector=%#x hypercalls=%u",
		  __get_bitmask(cpumask), __entry->exclude, __entry->vector,
		  __entry->hypercalls)
);

TRACE_EVENT(pvapic_hypercall,

	TP_PROTO(unsigned int width, u32 base, const u64 *bits, u32 icr,
		 unsigned int nr_targets, long ret),

	TP_ARGS(width, base, bits, icr, nr_targets, ret),

	TP_STRUCT__entry(
		__field(unsigned int, width)
		__field(u32, base)
		__array(u64, bits, 3)
		__field(u32, icr)
		__field(unsigned int, nr_targets)
		__field(long, ret)
	),

	TP_fast_assign(
		__entry->width = width;
		__entry->base = base;
		__entry->bits[0] = bits[0];
		__entry->bits[1] = bits[1];
		__entry->bits[2] = width > 128 ? bits[2] : 0;
		__entry->icr = icr;
		__entry->nr_targets = nr_targets;
		__entry->ret = ret;
	),

	TP_printk("width=%u base=%#x bits=%016llx,%016llx,%016llx icr=%#x targets=%u ret=%ld",
		  __entry->width, __entry->base, __entry->bits[0],
		  __entry->bits[1], __entry->bits[2], __entry->icr,
		  __entry->nr_targets, __entry->ret)
);

TRACE_EVENT(pvapic_fallback,

	TP_PROTO(u32 base, u32 icr, unsigned int nr_targets, long ret),

	TP_ARGS(base, icr, nr_targets, ret),

	TP_STRUCT__entry(
		__field(u32, base)
		__field(u32, icr)
		__field(unsigned int, nr_targets)
		__field(long, ret)
	),

	TP_fast_assign(
		__entry->base = base;
		__entry->icr = icr;
		__entry->nr_targets = nr_targets;
		__entry->ret = ret;
	),

	TP_printk("base=%#x icr=%#x targets=%u hypercall_ret=%ld",
		  __entry->base, __entry->icr, __entry->nr_targets,
		  __entry->ret)
);

#endif /* _TRACE_PVAPIC_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
