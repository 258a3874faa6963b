/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PVAPIC_SELFTEST_WORKLOAD_H
#define PVAPIC_SELFTEST_WORKLOAD_H

#include <stdbool.h>

#define PVAPIC_IPI_DIR "/sys/kernel/pvapic/ipi"

int online_cpus(int *cpus, int max);
int tlb_multicasts(const int *cpus, int nr_cpus, int rounds);
int read_ull(const char *path, unsigned long long *val);
int read_str(const char *path, char *buf, int len);
int write_raw(const char *path, const void *buf, int len);

#endif
