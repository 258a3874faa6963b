// SPDX-License-Identifier: GPL-2.0
/*
 * The pvapic trace events: they exist with the documented fields, and a
 * multicast workload records pvapic_multicast and pvapic_hypercall events
 * whose contents match what was sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "workload.h"

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/pvapic_selftest"

static int write_str(const char *path, const char *s)
{
	return write_raw(path, s, strlen(s));
}

static char *slurp(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text++;
	}
	return n;
}

FIXTURE(trace) {
	bool made;
};

FIXTURE_SETUP(trace)
{
	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events", F_OK))
		SKIP(return, "no tracefs at %s (CONFIG_TRACING off?)", TRACEFS);
	ASSERT_EQ(0, access(TRACEFS "/events/pvapic", F_OK))
		TH_LOG("no pvapic trace system: CONFIG_PVAPIC_PVIPI off?");
	rmdir(INSTANCE);
	ASSERT_EQ(0, mkdir(INSTANCE, 0700)) TH_LOG("mkdir %s: %m", INSTANCE);
	self->made = true;
}

FIXTURE_TEARDOWN(trace)
{
	if (self->made)
		rmdir(INSTANCE);
}

TEST_F(trace, formats)
{
	static const char * const want[][2] = {
		{ "pvapic_multicast", "__data_loc unsigned long[] cpumask" },
		{ "pvapic_multicast", "int vector" },
		{ "pvapic_multicast", "unsigned int hypercalls" },
		{ "pvapic_hypercall", "u32 base" },
		{ "pvapic_hypercall", "u64 bits[3]" },
		{ "pvapic_hypercall", "long ret" },
		{ "pvapic_fallback", "unsigned int nr_targets" },
	};
	char path[256], *fmt;
	int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/pvapic/%s/format",
			 want[i][0]);
		fmt = slurp(path);
		ASSERT_NE(NULL, fmt) TH_LOG("%s", path);
		EXPECT_NE(NULL, strstr(fmt, want[i][1]))
			TH_LOG("%s lacks \"%s\"", path, want[i][1]);
		free(fmt);
	}
}

TEST_F(trace, multicast_and_hypercall_events)
{
	int cpus[64], n, ok = 0, nmc, nhc;
	char *text, *line, want[64];
	unsigned long long enabled;

	ASSERT_EQ(0, read_ull(PVAPIC_IPI_DIR "/enabled", &enabled));
	if (!enabled)
		SKIP(return, "the PV IPI path is switched off");
	n = online_cpus(cpus, 64);
	if (n < 4)
		SKIP(return, "needs 4 online CPUs, has %d", n);
	ASSERT_EQ(0, write_str(INSTANCE "/events/pvapic/enable", "1"));
	ASSERT_EQ(0, write_str(INSTANCE "/tracing_on", "1"));
	ASSERT_EQ(0, tlb_multicasts(cpus, 3, 50));
	ASSERT_EQ(0, write_str(INSTANCE "/tracing_on", "0"));
	text = slurp(INSTANCE "/trace");
	ASSERT_NE(NULL, text);

	nmc = count(text, "pvapic_multicast: ");
	nhc = count(text, "pvapic_hypercall: ");
	TH_LOG("%d multicast and %d hypercall events", nmc, nhc);
	/* Each multicast has its hypercall. */
	EXPECT_GE(nmc, TLB_MULTICASTS_MIN(50));
	EXPECT_GE(nhc, nmc);
	EXPECT_EQ(0, count(text, "pvapic_fallback: "));
	/*
	 * A shootdown from cpus[0] to cpus[1] and cpus[2] on the call-function
	 * vector (0xfc), in one hypercall that delivered to both.
	 */
	snprintf(want, sizeof(want), "vector=0xfc hypercalls=1");
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "pvapic_hypercall: ") &&
		    strstr(line, "targets=2 ret=2"))
			ok |= 1;
		if (strstr(line, "pvapic_multicast: ") && strstr(line, want))
			ok |= 2;
	}
	EXPECT_EQ(3, ok) TH_LOG("no event of a 2-target multicast in one hypercall");
	free(text);
}

TEST_HARNESS_MAIN
