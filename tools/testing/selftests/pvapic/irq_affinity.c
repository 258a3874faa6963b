// SPDX-License-Identifier: GPL-2.0
/*
 * Device interrupt affinity in a pvapic guest whose unreachable CPUs are
 * online (/sys/kernel/pvapic/irq/mode "active"), or where every possible
 * CPU is reachable ("not-needed"): every interrupt's effective affinity
 * stays within /sys/kernel/pvapic/irq/reachable; every managed spread
 * either lies within it or holds CPU 0; every other interrupt's affinity
 * has a reachable CPU.
 * For MSI-X interrupts (which move at once; IOAPIC ones move at their next
 * interrupt) a request naming no reachable CPU fails with EINVAL and
 * changes nothing, a mixed one is kept as asked and served by its
 * reachable CPUs, empty and offline-only requests fall back to upstream's
 * default, and five moves in a row of the 9p root's interrupt between two
 * reachable CPUs each take effect and complete.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "workload.h"

#define IRQ_DIR		"/sys/kernel/pvapic/irq"
#define MAX_CPUS	1024

struct cpus {
	unsigned char on[MAX_CPUS];
};

/* Parse a CPU list ("0-2,5"); false on a malformed list. */
static bool parse_list(const char *s, struct cpus *c)
{
	char *end;
	long a, b;

	memset(c, 0, sizeof(*c));
	while (*s && *s != '\n') {
		a = strtol(s, &end, 10);
		if (end == s || a < 0 || a >= MAX_CPUS)
			return false;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b >= MAX_CPUS)
				return false;
		}
		while (a <= b)
			c->on[a++] = 1;
		s = end;
		if (*s == ',')
			s++;
	}
	return true;
}

static bool read_list(const char *path, struct cpus *c)
{
	char buf[4096];

	return read_str(path, buf, sizeof(buf)) >= 0 && parse_list(buf, c);
}

static bool subset(const struct cpus *a, const struct cpus *b)
{
	int i;

	for (i = 0; i < MAX_CPUS; i++)
		if (a->on[i] && !b->on[i])
			return false;
	return true;
}

static bool empty(const struct cpus *a)
{
	int i;

	for (i = 0; i < MAX_CPUS; i++)
		if (a->on[i])
			return false;
	return true;
}

static void to_list(const struct cpus *c, char *buf, int len)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < MAX_CPUS && n < len - 8; i++)
		if (c->on[i])
			n += snprintf(buf + n, len - n, "%s%d", n ? "," : "", i);
}

/* The numbered directories of /proc/irq. */
static int irqs(int *out, int max)
{
	DIR *d = opendir("/proc/irq");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			out[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

static bool irq_file(int irq, const char *name, struct cpus *c)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/irq/%d/%s", irq, name);
	return read_list(path, c);
}

/* A request that pvapic limits or refuses; managed IRQs refuse with EIO. */
static int set_affinity(int irq, const char *list)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	return write_raw(path, list, strlen(list));
}

/* Whether /sys/kernel/debug/irq/irqs/IRQ shows IRQD_AFFINITY_MANAGED. */
static bool is_managed(int irq)
{
	char path[128], line[256];
	bool managed = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", irq);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "IRQD_AFFINITY_MANAGED"))
			managed = true;
	fclose(f);
	return managed;
}

static bool intersects(const struct cpus *a, const struct cpus *b)
{
	int i;

	for (i = 0; i < MAX_CPUS; i++)
		if (a->on[i] && b->on[i])
			return true;
	return false;
}

FIXTURE(irq) {
	struct cpus reach, online, unreach_online, offline;
	int irq[512], nr;
	int msix[512], nr_msix;
};

/*
 * MSI-X interrupts: their /proc/interrupts line names a PCI-MSIX chip and,
 * unless NAME is NULL, contains NAME.
 */
static int msix_irqs(int *out, int max, const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	int n = 0, irq;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < max)
		if (sscanf(line, " %d:", &irq) == 1 && strstr(line, "PCI-MSIX") &&
		    (!name || strstr(line, name)))
			out[n++] = irq;
	fclose(f);
	return n;
}

FIXTURE_SETUP(irq)
{
	char mode[32];
	int i;

	if (read_str(IRQ_DIR "/mode", mode, sizeof(mode)) < 0)
		SKIP(return, "no %s/mode: not a pvapic guest", IRQ_DIR);
	mode[strcspn(mode, "\n")] = '\0';
	/*
	 * "not-needed": every possible CPU is reachable and the vector
	 * domain's own path is in use; the rules hold with nothing to
	 * refuse. "off": upstream's cap, no unreachable CPU online.
	 */
	if (strcmp(mode, "active") && strcmp(mode, "not-needed"))
		SKIP(return, "pvapic's irq mode is %s", mode);
	ASSERT_TRUE(read_list(IRQ_DIR "/reachable", &self->reach));
	ASSERT_TRUE(read_list("/sys/devices/system/cpu/online", &self->online));
	ASSERT_FALSE(empty(&self->reach));
	ASSERT_EQ(0, access("/sys/kernel/debug/irq/irqs", R_OK))
		TH_LOG("no /sys/kernel/debug/irq/irqs: mount debugfs (CONFIG_GENERIC_IRQ_DEBUGFS)");
	for (i = 0; i < MAX_CPUS; i++)
		self->unreach_online.on[i] = self->online.on[i] && !self->reach.on[i];
	ASSERT_TRUE(read_list("/sys/devices/system/cpu/possible", &self->offline));
	for (i = 0; i < MAX_CPUS; i++)
		self->offline.on[i] &= !self->online.on[i];
	self->nr = irqs(self->irq, 512);
	ASSERT_GT(self->nr, 0);
	self->nr_msix = msix_irqs(self->msix, 512, NULL);
	ASSERT_GT(self->nr_msix, 0) TH_LOG("no MSI-X interrupt in /proc/interrupts");
}

FIXTURE_TEARDOWN(irq)
{
}

TEST_F(irq, within_reachable)
{
	int i, checked = 0, managed = 0;
	struct cpus aff, eff;
	char list[4096];

	for (i = 0; i < self->nr; i++) {
		if (!irq_file(self->irq[i], "smp_affinity_list", &aff))
			continue;
		if (irq_file(self->irq[i], "effective_affinity_list", &eff) &&
		    !empty(&eff)) {
			EXPECT_TRUE(subset(&eff, &self->reach))
				TH_LOG("irq %d: effective affinity beyond the reachable set",
				       self->irq[i]);
			checked++;
		}
		to_list(&aff, list, sizeof(list));
		/*
		 * A managed spread is what a device's queues follow: the
		 * CPUs of one whose interrupt may be shut down must all be
		 * reachable, and the unreachable ones belong to the spread of
		 * CPU 0, which never goes offline.
		 */
		if (is_managed(self->irq[i])) {
			managed++;
			EXPECT_TRUE(subset(&aff, &self->reach) || aff.on[0])
				TH_LOG("irq %d: managed spread %s: unreachable CPUs without CPU 0",
				       self->irq[i], list);
			continue;
		}
		EXPECT_TRUE(intersects(&aff, &self->reach))
			TH_LOG("irq %d: affinity %s has no reachable CPU",
			       self->irq[i], list);
	}
	TH_LOG("%d effective affinities checked, %d managed", checked, managed);
	EXPECT_GT(checked, 0);
}

/* MSI-X interrupts whose affinity can be set (not managed). */
static int settable(const int *msix, int nr_msix, int *out)
{
	char list[4096];
	struct cpus aff;
	int i, n = 0;

	for (i = 0; i < nr_msix; i++) {
		if (!irq_file(msix[i], "smp_affinity_list", &aff))
			continue;
		to_list(&aff, list, sizeof(list));
		if (!list[0] || set_affinity(msix[i], list))
			continue;
		out[n++] = msix[i];
	}
	return n;
}

TEST_F(irq, unreachable_refused)
{
	struct cpus before, after, eff_before, eff_after;
	int ok[512], n, i;
	char list[4096];

	if (empty(&self->unreach_online))
		SKIP(return, "every online CPU is reachable");
	n = settable(self->msix, self->nr_msix, ok);
	ASSERT_GT(n, 0) TH_LOG("no interrupt accepts an affinity");
	to_list(&self->unreach_online, list, sizeof(list));
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(irq_file(ok[i], "smp_affinity_list", &before));
		irq_file(ok[i], "effective_affinity_list", &eff_before);
		EXPECT_EQ(-EINVAL, set_affinity(ok[i], list))
			TH_LOG("irq %d accepted unreachable CPUs %s", ok[i], list);
		ASSERT_TRUE(irq_file(ok[i], "smp_affinity_list", &after));
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(after)))
			TH_LOG("irq %d: affinity changed by a refused request", ok[i]);
		irq_file(ok[i], "effective_affinity_list", &eff_after);
		EXPECT_EQ(0, memcmp(&eff_before, &eff_after, sizeof(eff_after)));
	}
	TH_LOG("%d interrupts refused %s", n, list);
}

/* Every online CPU: kept as asked, delivered to a reachable one. */
TEST_F(irq, mixed_kept)
{
	struct cpus aff, eff;
	int ok[512], n, i;
	char list[4096];

	n = settable(self->msix, self->nr_msix, ok);
	ASSERT_GT(n, 0);
	to_list(&self->online, list, sizeof(list));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, set_affinity(ok[i], list)) TH_LOG("irq %d <- %s", ok[i], list);
		ASSERT_TRUE(irq_file(ok[i], "smp_affinity_list", &aff));
		EXPECT_EQ(0, memcmp(&self->online, &aff, sizeof(aff)))
			TH_LOG("irq %d: affinity is not %s as asked", ok[i], list);
		ASSERT_TRUE(irq_file(ok[i], "effective_affinity_list", &eff));
		EXPECT_FALSE(empty(&eff));
		EXPECT_TRUE(subset(&eff, &self->reach) && subset(&eff, &self->online))
			TH_LOG("irq %d: effective affinity not on a reachable online CPU", ok[i]);
	}
}

/* Upstream falls back to the default affinity; delivery stays reachable. */
TEST_F(irq, empty_and_offline_only)
{
	char req[2][16] = { "\n", "" };
	struct cpus aff, eff;
	int ok[512], n, i, r;

	n = settable(self->msix, self->nr_msix, ok);
	ASSERT_GT(n, 0);
	for (i = MAX_CPUS - 1; i >= 0 && !req[1][0]; i--)
		if (self->offline.on[i])
			snprintf(req[1], sizeof(req[1]), "%d", i);
	for (r = 0; r < 2; r++) {
		if (!req[r][0]) {
			TH_LOG("no possible CPU is offline: offline-only not tried");
			continue;
		}
		for (i = 0; i < n; i++) {
			int ret = set_affinity(ok[i], req[r]);

			EXPECT_TRUE(ret == 0 || ret == -EINVAL)
				TH_LOG("irq %d: %d for request %d", ok[i], ret, r);
			ASSERT_TRUE(irq_file(ok[i], "smp_affinity_list", &aff));
			EXPECT_TRUE(intersects(&aff, &self->reach));
			if (irq_file(ok[i], "effective_affinity_list", &eff))
				EXPECT_TRUE(subset(&eff, &self->reach));
		}
	}
}

/* Files under /usr/share not read yet in this boot: 9p traffic. */
#define NR_FILES	256
static char *files[NR_FILES];
static int nr_files, next_file;

static int note_file(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	if (type == FTW_F && st->st_size > 0)
		files[nr_files++] = strdup(path);
	return nr_files == NR_FILES;
}

/* Read N files nobody has read in this boot; the number actually read. */
static int read_new_files(int n)
{
	char buf[4096];
	int done = 0, fd;

	if (!nr_files)
		nftw("/usr/share", note_file, 16, FTW_PHYS);
	while (done < n && next_file < nr_files) {
		fd = open(files[next_file++], O_RDONLY);
		if (fd < 0)
			continue;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		done++;
	}
	return done;
}

/* move_in_progress of IRQ in /sys/kernel/debug/irq, or -1. */
static int pending_move(int irq)
{
	char path[128], line[256];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", irq);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " move_in_progress: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Five moves of the 9p interrupt in a row, between two reachable online
 * CPUs, each followed by interrupts: each one takes effect, and each one
 * completes (the old vector is released once the new one has fired), so
 * that the next one is not left pending for ever.
 */
TEST_F_TIMEOUT(irq, successive_moves, 180)
{
	int cpus[2], n = 0, i, irq, cpu, got;
	struct cpus eff, want;
	char list[16];

	for (i = 0; i < MAX_CPUS && n < 2; i++)
		if (self->reach.on[i] && self->online.on[i])
			cpus[n++] = i;
	if (n < 2)
		SKIP(return, "fewer than two reachable online CPUs");
	/* The 9p root's interrupt: a virtio "-requests" queue's MSI-X. */
	ASSERT_EQ(1, msix_irqs(&irq, 1, "-requests"))
		TH_LOG("no virtio -requests MSI-X interrupt");
	for (i = 0; i < 5; i++) {
		cpu = cpus[(i + 1) % 2];
		snprintf(list, sizeof(list), "%d", cpu);
		ASSERT_EQ(0, set_affinity(irq, list))
			TH_LOG("move %d: irq %d to CPU %d", i + 1, irq, cpu);
		got = read_new_files(10);
		ASSERT_GT(got, 0) TH_LOG("no file under /usr/share to read");
		ASSERT_TRUE(irq_file(irq, "effective_affinity_list", &eff));
		memset(&want, 0, sizeof(want));
		want.on[cpu] = 1;
		EXPECT_EQ(0, memcmp(&want, &eff, sizeof(eff)))
			TH_LOG("move %d: irq %d's effective affinity is not CPU %d",
			       i + 1, irq, cpu);
		EXPECT_EQ(0, pending_move(irq))
			TH_LOG("move %d: irq %d still has a move in progress after %d file reads",
			       i + 1, irq, got);
	}
}

TEST_HARNESS_MAIN
