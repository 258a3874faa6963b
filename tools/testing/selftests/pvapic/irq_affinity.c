// SPDX-License-Identifier: GPL-2.0
/*
 * Device interrupt affinity in a pvapic guest whose unreachable CPUs are
 * online (/sys/kernel/pvapic/irq/mode "active"), or where every possible
 * CPU is reachable ("not-needed"): every activated interrupt's effective
 * affinity stays within /sys/kernel/pvapic/irq/reachable (one not yet
 * activated has no vector, and shows its last request); every managed
 * spread either lies within it or holds CPU 0; every other interrupt's
 * affinity has a reachable CPU.
 * For MSI-X interrupts a request naming no reachable CPU fails with EINVAL
 * and changes nothing, a mixed one is kept as asked and served by its
 * reachable CPUs, and empty and offline-only requests fall back to
 * upstream's default. Fixture "moves": five moves in a row of an
 * interrupt of each kind between reachable CPUs each take effect, are
 * counted on the new CPU only, and complete.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

/* Whether /sys/kernel/debug/irq/irqs/IRQ shows the state flag FLAG. */
static bool irq_state(int irq, const char *flag)
{
	char path[128], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", irq);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, flag))
			found = true;
	fclose(f);
	return found;
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

/* MSI-X interrupts: their /proc/interrupts line names a PCI-MSIX chip. */
static int msix_irqs(int *out, int max)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char *line = NULL;
	size_t len = 0;
	int n = 0, irq;

	if (!f)
		return -errno;
	/* A line holds one count per online CPU: read it whole. */
	while (getline(&line, &len, f) > 0 && n < max)
		if (sscanf(line, " %d:", &irq) == 1 && strstr(line, "PCI-MSIX"))
			out[n++] = irq;
	free(line);
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
	self->nr_msix = msix_irqs(self->msix, 512);
	ASSERT_GT(self->nr_msix, 0) TH_LOG("no MSI-X interrupt in /proc/interrupts");
}

FIXTURE_TEARDOWN(irq)
{
}

TEST_F(irq, within_reachable)
{
	int i, checked = 0, managed = 0, inactive = 0;
	struct cpus aff, eff;
	char list[4096];

	for (i = 0; i < self->nr; i++) {
		if (!irq_file(self->irq[i], "smp_affinity_list", &aff))
			continue;
		/*
		 * An interrupt not activated yet has no vector: its
		 * effective affinity is a copy of the last request
		 * (irq_set_affinity_deactivated()), as upstream shows it.
		 */
		if (!irq_state(self->irq[i], "IRQD_ACTIVATED")) {
			inactive++;
		} else if (irq_file(self->irq[i], "effective_affinity_list", &eff) &&
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
		if (irq_state(self->irq[i], "IRQD_AFFINITY_MANAGED")) {
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
	TH_LOG("%d effective affinities checked, %d managed, %d not activated",
	       checked, managed, inactive);
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

/*
 * Whether PATH is on the 9p root, by its device and the root's line in
 * /proc/self/mountinfo (statfs() gives the 9p server's file system type).
 */
static bool on_9p_root(const char *path)
{
	char *line = NULL, dev[32], id[32], mnt[8], *sep;
	bool found = false;
	struct stat st;
	size_t size = 0;
	FILE *f;

	if (stat(path, &st))
		return false;
	snprintf(dev, sizeof(dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	while (!found && getline(&line, &size, f) > 0) {
		if (sscanf(line, "%*d %*d %31s %*s %7s", id, mnt) != 2 ||
		    strcmp(id, dev) || strcmp(mnt, "/"))
			continue;
		sep = strstr(line, " - ");
		found = sep && !strncmp(sep + 3, "9p ", 3);
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * 9p traffic: N opens and reads of this program's file (on the rig's 9p
 * root) with O_DIRECT into BUF, LEN bytes each, which the 9p client sends
 * to the server whatever the page cache holds. Returns how many reads got
 * data.
 */
static int read_9p(int n, void *buf, size_t len)
{
	int done = 0, fd, i;

	for (i = 0; i < n; i++) {
		fd = open("/proc/self/exe", O_RDONLY | O_DIRECT);
		if (fd < 0)
			return done;
		if (read(fd, buf, len) > 0)
			done++;
		close(fd);
	}
	return done;
}

/*
 * The vector domain's move state of IRQ in /sys/kernel/debug/irq:
 * move_in_progress (set until the interrupt fired on its new vector) plus
 * cleanup_pending (set until the old vector is released), or -1.
 */
static int pending_move(int irq)
{
	char path[128], line[256];
	int v, moving = -1, cleanup = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/irq/irqs/%d", irq);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " move_in_progress: %d", &v) == 1)
			moving = v;
		if (sscanf(line, " cleanup_pending: %d", &v) == 1)
			cleanup = v;
	}
	fclose(f);
	return moving < 0 || cleanup < 0 ? -1 : moving + cleanup;
}

/* pending_move() once it is 0, or after about a second. */
static int settled_move(int irq)
{
	int i, v = pending_move(irq);

	for (i = 0; i < 20 && v > 0; i++) {
		usleep(50 * 1000);
		v = pending_move(irq);
	}
	return v;
}

/*
 * Five moves in a row of one interrupt of each kind (the 9p root's MSI-X,
 * the AHCI disk's plain MSI, the serial port ttyS1's IOAPIC edge and the
 * INTx virtio disk's IOAPIC level interrupt; pvapic-vm --irq-devices),
 * between the reachable online CPUs: after each move the interrupt is
 * counted on the new CPU and on no other, and the move completes (the old
 * vector is released), so that the next one is not left pending. Without
 * interrupt remapping x86 moves MSI and IOAPIC interrupts at their next
 * interrupt: a first burst lets that happen before the one that is
 * counted. Runs on any guest, upstream's too (every online CPU is then a
 * target): "irq_affinity -f moves". The MSI, IOAPIC edge and level
 * variants read /dev/sda and write to /dev/ttyS1: they run only with
 * PVAPIC_MOVE_DEVICES=1 (pvapic-vm's devices), and skip otherwise.
 */
enum irq_kind { KIND_MSIX, KIND_MSI, KIND_EDGE, KIND_LEVEL };

/* The interrupt a "moves" test moves, and how to make it fire. */
struct move_target {
	char was[4096];			/* smp_affinity_list, restored */
	int cpu[MAX_CPUS], nr_cpus;	/* reachable online CPUs */
	int col[MAX_CPUS], nr_cols;	/* /proc/interrupts column -> CPU */
	int irq, fd;
	void *buf;
	off_t off;
};

FIXTURE(moves) {
	struct move_target t;
};

FIXTURE_VARIANT(moves) {
	enum irq_kind kind;
};

FIXTURE_VARIANT_ADD(moves, msix) { .kind = KIND_MSIX };
FIXTURE_VARIANT_ADD(moves, msi) { .kind = KIND_MSI };
FIXTURE_VARIANT_ADD(moves, ioapic_edge) { .kind = KIND_EDGE };
FIXTURE_VARIANT_ADD(moves, ioapic_level) { .kind = KIND_LEVEL };

#define DISK_SPAN	(8 << 20)	/* pvapic-vm's AHCI and INTx disks */
#define READ_SIZE	(64 << 10)

/* Whether a /proc/interrupts line is an interrupt of KIND. */
static bool line_is(const char *line, enum irq_kind kind)
{
	switch (kind) {
	case KIND_MSIX:
		return strstr(line, "PCI-MSIX") && strstr(line, "-requests");
	case KIND_MSI:
		return strstr(line, "PCI-MSI") && !strstr(line, "PCI-MSIX") &&
		       strstr(line, "ahci");
	case KIND_EDGE:
		return strstr(line, "IO-APIC") && strstr(line, "-edge") &&
		       strstr(line, "ttyS1");
	case KIND_LEVEL:
		return strstr(line, "IO-APIC") && strstr(line, "-fasteoi") &&
		       strstr(line, "virtio");
	}
	return false;
}

/*
 * The interrupt of KIND (-1 if none), and the last word of its line in DEV
 * (the INTx virtio device, "virtio3"; the AHCI function,
 * "ahci[0000:00:1f.2]"). Also maps /proc/interrupts columns to CPUs.
 */
static int find_irq(struct move_target *self, enum irq_kind kind,
		    char *dev, int len)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char *line = NULL, *p, *last;
	int irq = -1, n, cpu;
	size_t size = 0;

	if (!f)
		return -1;
	self->nr_cols = 0;
	if (getline(&line, &size, f) > 0)
		for (p = line; sscanf(p, " CPU%d%n", &cpu, &n) == 1 &&
		     cpu >= 0 && cpu < MAX_CPUS && self->nr_cols < MAX_CPUS; p += n)
			self->col[self->nr_cols++] = cpu;
	while (irq < 0 && getline(&line, &size, f) > 0) {
		if (sscanf(line, " %d:", &n) != 1 || !line_is(line, kind))
			continue;
		irq = n;
		line[strcspn(line, "\n")] = '\0';
		last = strrchr(line, ' ');
		snprintf(dev, len, "%s", last ? last + 1 : "");
	}
	free(line);
	fclose(f);
	return irq;
}

/* IRQ's count on each CPU (by CPU number); false if its line is gone. */
static bool irq_counts(struct move_target *self, int irq,
		       unsigned long long *count)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char *line = NULL, *p;
	bool found = false;
	size_t size = 0;
	int i, n, nr;

	if (!f)
		return false;
	memset(count, 0, MAX_CPUS * sizeof(*count));
	while (!found && getline(&line, &size, f) > 0) {
		if (sscanf(line, " %d:%n", &nr, &n) != 1 || nr != irq)
			continue;
		p = line + n;
		for (i = 0; i < self->nr_cols; i++, p += n)
			if (sscanf(p, " %llu%n", &count[self->col[i]], &n) != 1)
				break;
		found = i == self->nr_cols;
	}
	free(line);
	fclose(f);
	return found;
}

/* Make the interrupt fire; false if nothing could be done to that end. */
static bool fire(struct move_target *self, enum irq_kind kind)
{
	static const char zeros[256];
	int i;

	/* What a failure leaves in errno is its reason; a short read leaves 0. */
	errno = 0;
	switch (kind) {
	case KIND_MSIX:
		return read_9p(10, self->buf, READ_SIZE) == 10;
	case KIND_MSI:
	case KIND_LEVEL:
		for (i = 0; i < 8; i++) {
			if (pread(self->fd, self->buf, READ_SIZE, self->off) != READ_SIZE)
				return false;
			self->off = (self->off + READ_SIZE) % DISK_SPAN;
		}
		return true;
	case KIND_EDGE:
		/*
		 * Eight writes, each drained: a few transmitter-empty
		 * interrupts each (the 16-byte FIFO refilled), and at least
		 * one however fast the port sends.
		 */
		for (i = 0; i < 8; i++)
			if (write(self->fd, zeros, sizeof(zeros)) != sizeof(zeros) ||
			    tcdrain(self->fd))
				return false;
		return true;
	}
	return false;
}

/*
 * Fire, then let interrupts still on their way land (two levels of
 * emulation deliver late) before the counts are read.
 */
static bool fire_and_settle(struct move_target *self, enum irq_kind kind)
{
	bool ok = fire(self, kind);

	usleep(200 * 1000);
	return ok;
}

/*
 * "/dev/NAME" of the first disk in /sys/block whose device path contains
 * PART ("/0000:00:1f.2/", "/virtio3/"); false if there is none.
 */
static bool disk_of(const char *part, char *out, int len)
{
	char path[300], real[PATH_MAX + 1];
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/device", e->d_name);
		if (!realpath(path, real))
			continue;
		/* The device itself may be the last component. */
		strcat(real, "/");
		if (strstr(real, part)) {
			snprintf(out, len, "/dev/%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

FIXTURE_SETUP(moves)
{
	char dev[64], pci[64], part[80], disk[300], path[64], *env;
	struct cpus reach, online;
	struct termios t;
	bool rig;
	int i;

	self->t.fd = -1;
	self->t.buf = NULL;
	self->t.irq = -1;
	env = getenv("PVAPIC_MOVE_DEVICES");
	rig = env && !strcmp(env, "1");
	if (variant->kind != KIND_MSIX && !rig)
		SKIP(return, "uses /dev/sda and /dev/ttyS1: only with PVAPIC_MOVE_DEVICES=1");
	ASSERT_TRUE(read_list("/sys/devices/system/cpu/online", &online));
	/* Upstream's guest, or pvapic not limiting: every online CPU. */
	if (!read_list(IRQ_DIR "/reachable", &reach))
		reach = online;
	for (i = 0, self->t.nr_cpus = 0; i < MAX_CPUS; i++)
		if (reach.on[i] && online.on[i])
			self->t.cpu[self->t.nr_cpus++] = i;
	if (self->t.nr_cpus < 2)
		SKIP(return, "fewer than two reachable online CPUs");
	/* On the rig (PVAPIC_MOVE_DEVICES=1) what is missing is a failure. */
	if (!rig && access("/sys/kernel/debug/irq/irqs", R_OK))
		SKIP(return, "no /sys/kernel/debug/irq/irqs");
	ASSERT_EQ(0, access("/sys/kernel/debug/irq/irqs", R_OK))
		TH_LOG("no /sys/kernel/debug/irq/irqs: mount debugfs (CONFIG_GENERIC_IRQ_DEBUGFS)");
	ASSERT_EQ(0, posix_memalign(&self->t.buf, 4096, READ_SIZE));

	if (variant->kind == KIND_EDGE) {
		/* Opening the port requests its interrupt. */
		self->t.fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
		ASSERT_LE(0, self->t.fd)
			TH_LOG("no serial port ttyS1 (pvapic-vm --irq-devices): %s",
			       strerror(errno));
		ASSERT_EQ(0, tcgetattr(self->t.fd, &t));
		cfmakeraw(&t);
		ASSERT_EQ(0, tcsetattr(self->t.fd, TCSANOW, &t));
	}
	self->t.irq = find_irq(&self->t, variant->kind, dev, sizeof(dev));
	if (!rig && self->t.irq < 0)
		SKIP(return, "no virtio 9p MSI-X interrupt (\"-requests\")");
	ASSERT_LE(0, self->t.irq)
		TH_LOG("no interrupt of this kind in /proc/interrupts (pvapic-vm --irq-devices)");
	if (variant->kind == KIND_MSIX) {
		bool exe_9p = on_9p_root("/proc/self/exe");

		if (!rig && !exe_9p)
			SKIP(return, "this program is not on a 9p root: reading it fires nothing");
		ASSERT_TRUE(exe_9p)
			TH_LOG("this program is not on the 9p root: reading it fires nothing");
	}
	ASSERT_GE(self->t.nr_cols, self->t.nr_cpus);

	/* The disks: the one behind the AHCI function, the INTx one. */
	part[0] = '\0';
	if (variant->kind == KIND_MSI && sscanf(dev, "ahci[%63[^]]]", pci) == 1)
		snprintf(part, sizeof(part), "/%s/", pci);
	if (variant->kind == KIND_LEVEL)
		snprintf(part, sizeof(part), "/%s/", dev);
	if (variant->kind == KIND_MSI || variant->kind == KIND_LEVEL) {
		ASSERT_TRUE(part[0] && disk_of(part, disk, sizeof(disk)))
			TH_LOG("no disk behind irq %d (%s)", self->t.irq, dev);
		self->t.fd = open(disk, O_RDONLY | O_DIRECT);
		ASSERT_LE(0, self->t.fd) TH_LOG("%s: %s", disk, strerror(errno));
	}
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", self->t.irq);
	ASSERT_LT(0, read_str(path, self->t.was, sizeof(self->t.was)));
	TH_LOG("irq %d (%s), %d target CPUs", self->t.irq, dev, self->t.nr_cpus);
}

FIXTURE_TEARDOWN(moves)
{
	if (self->t.was[0])
		set_affinity(self->t.irq, self->t.was);
	if (self->t.fd >= 0)
		close(self->t.fd);
	free(self->t.buf);
}

TEST_F_TIMEOUT(moves, five_moves, 300)
{
	unsigned long long before[MAX_CPUS], after[MAX_CPUS], others;
	int m, i, cpu, from = 0;
	struct cpus eff, want;
	char list[16];

	ASSERT_TRUE(fire(&self->t, variant->kind))
		TH_LOG("irq %d: could not make it fire (%s)", self->t.irq, strerror(errno));
	ASSERT_TRUE(irq_file(self->t.irq, "effective_affinity_list", &eff));
	for (i = 0; i < self->t.nr_cpus; i++)
		if (eff.on[self->t.cpu[i]])
			from = i;
	for (m = 1; m <= 5; m++) {
		cpu = self->t.cpu[(from + m) % self->t.nr_cpus];
		snprintf(list, sizeof(list), "%d", cpu);
		ASSERT_EQ(0, set_affinity(self->t.irq, list))
			TH_LOG("move %d: irq %d to CPU %d refused", m, self->t.irq, cpu);
		ASSERT_TRUE(fire_and_settle(&self->t, variant->kind))
			TH_LOG("move %d: irq %d: could not make it fire (%s)",
			       m, self->t.irq, strerror(errno));
		ASSERT_TRUE(irq_file(self->t.irq, "effective_affinity_list", &eff));
		memset(&want, 0, sizeof(want));
		want.on[cpu] = 1;
		EXPECT_EQ(0, memcmp(&want, &eff, sizeof(eff)))
			TH_LOG("move %d: irq %d's effective affinity is not CPU %d",
			       m, self->t.irq, cpu);
		ASSERT_TRUE(irq_counts(&self->t, self->t.irq, before));
		ASSERT_TRUE(fire_and_settle(&self->t, variant->kind))
			TH_LOG("move %d: irq %d: could not make it fire (%s)",
			       m, self->t.irq, strerror(errno));
		ASSERT_TRUE(irq_counts(&self->t, self->t.irq, after));
		for (i = 0, others = 0; i < MAX_CPUS; i++)
			if (i != cpu)
				others += after[i] - before[i];
		EXPECT_LT(0, after[cpu] - before[cpu])
			TH_LOG("move %d: irq %d not counted on CPU %d", m, self->t.irq, cpu);
		EXPECT_EQ(0, others)
			TH_LOG("move %d: irq %d counted %llu times on CPUs other than %d",
			       m, self->t.irq, others, cpu);
		EXPECT_EQ(0, settled_move(self->t.irq))
			TH_LOG("move %d: irq %d's move still in progress, or old vector kept",
			       m, self->t.irq);
		TH_LOG("move %d: irq %d on CPU %d: %llu", m, self->t.irq, cpu,
		       after[cpu] - before[cpu]);
	}
}

TEST_HARNESS_MAIN
