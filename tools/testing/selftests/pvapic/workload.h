/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVAPIC_SELFTEST_WORKLOAD_H
#define PVAPIC_SELFTEST_WORKLOAD_H

#include <stdbool.h>

#define PVAPIC_IPI_DIR "/sys/kernel/pvapic/ipi"

int online_cpus(int *cpus, int max);
int tlb_multicasts(const int *cpus, int nr_cpus, int rounds);

/*
 * Multicasts that ROUNDS unmaps of tlb_multicasts() make at least. An unmap
 * whose other spinning CPU was preempted at that moment (it is then lazy and
 * skipped) is a unicast, not a multicast: seen once in 50 on the rig, and
 * fewer than 200 of 200 in a CI run. Allow one in ten.
 */
#define TLB_MULTICASTS_MIN(rounds) ((rounds) * 9 / 10)

int read_ull(const char *path, unsigned long long *val);
int read_str(const char *path, char *buf, int len);
int write_raw(const char *path, const void *buf, int len);

#endif
