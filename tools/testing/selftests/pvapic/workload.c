// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the pvapic selftests: sysfs access and a workload that makes
 * the kernel send multicast IPIs to a chosen set of CPUs.
 *
 * The multicasts are TLB shootdowns: threads of this process spin on the
 * chosen CPUs, so this mm is loaded there, and the first CPU unmaps a page
 * again and again; each unmap flushes the TLBs of the other CPUs with one
 * call-function multicast to exactly the spinning CPUs. A mask that is
 * not "all CPUs but the sender" is not turned into a broadcast shorthand,
 * so it goes through apic->send_IPI_mask, the PV path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "workload.h"

int read_str(const char *path, char *buf, int len)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int read_ull(const char *path, unsigned long long *val)
{
	char buf[64], *end;
	int n = read_str(path, buf, sizeof(buf));

	if (n < 0)
		return n;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

/* One write(2) of exactly LEN bytes; returns 0 or -errno. */
int write_raw(const char *path, const void *buf, int len)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int online_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	return n;
}

struct spinner {
	pthread_t thread;
	int cpu;
	atomic_int *stop;
	atomic_int started;
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void *spin(void *arg)
{
	struct spinner *s = arg;

	if (pin(s->cpu)) {
		atomic_store(&s->started, -1);
		return NULL;
	}
	atomic_store(&s->started, 1);
	while (!atomic_load_explicit(s->stop, memory_order_relaxed))
		;
	return NULL;
}

/*
 * Keep cpus[1..nr_cpus-1] busy in this mm and unmap a page ROUNDS times
 * from cpus[0]. Returns 0, or -errno when a thread or the pinning failed.
 */
int tlb_multicasts(const int *cpus, int nr_cpus, int rounds)
{
	struct spinner s[64];
	atomic_int stop = 0;
	cpu_set_t old;
	int i, ret = 0;

	if (nr_cpus < 2 || nr_cpus > 64)
		return -EINVAL;
	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	for (i = 1; i < nr_cpus; i++) {
		s[i].cpu = cpus[i];
		s[i].stop = &stop;
		atomic_init(&s[i].started, 0);
		if (pthread_create(&s[i].thread, NULL, spin, &s[i])) {
			nr_cpus = i;
			ret = -EAGAIN;
			goto out;
		}
	}
	ret = pin(cpus[0]);
	for (i = 1; i < nr_cpus && !ret; i++) {
		while (!atomic_load(&s[i].started))
			usleep(1000);
		if (atomic_load(&s[i].started) < 0)
			ret = -EINVAL;
	}
	for (i = 0; i < rounds && !ret; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		p[0] = 1;
		munmap(p, 4096);
	}
out:
	atomic_store(&stop, 1);
	for (i = 1; i < nr_cpus; i++)
		pthread_join(s[i].thread, NULL);
	sched_setaffinity(0, sizeof(old), &old);
	return ret;
}
