// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvapic/ipi: the run-time switch and the window width accept
 * only their documented values and leave the state alone otherwise; the
 * counters move with the switch on and stay still with it off.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "workload.h"

#define ENABLED		PVAPIC_IPI_DIR "/enabled"
#define WIDTH		PVAPIC_IPI_DIR "/width"
#define HOST_WIDE	PVAPIC_IPI_DIR "/host_wide"

static const char * const counters[] = {
	"multicasts", "targets", "hypercalls", "errors", "short_counts",
	"fallbacks",
};

struct bad_input {
	const char *name;
	char buf[4096];
	int len;
};

/*
 * Writes that must fail with EINVAL on both switches. (An empty write(2)
 * never reaches sysfs: it returns 0 and changes nothing, checked below.)
 */
static struct bad_input bad[] = {
	{ "newline", "\n", 1 },
	{ "space", " ", 1 },
	{ "leading space", " 1", 2 },
	{ "trailing space", "1 ", 2 },
	{ "two", "2", 1 },
	{ "minus one", "-1", 2 },
	{ "plus one", "+1", 2 },
	{ "hex", "0x1", 3 },
	{ "word", "on", 2 },
	{ "huge", "99999999999999999999999", 23 },
	{ "binary", "\x01\xff\x00", 3 },
	{ "two newlines", "1\n\n", 3 },
	{ "4 KiB", "", -1 },	/* filled in by fill_long() */
};

static void fill_long(void)
{
	struct bad_input *b = &bad[ARRAY_SIZE(bad) - 1];

	memset(b->buf, '1', sizeof(b->buf));
	b->len = sizeof(b->buf);
}

static unsigned long long val(struct __test_metadata *_metadata,
			      const char *path)
{
	unsigned long long v = ~0ULL;

	EXPECT_EQ(0, read_ull(path, &v)) TH_LOG("reading %s", path);
	return v;
}

FIXTURE(ipi) {
	unsigned long long enabled, width;
};

FIXTURE_SETUP(ipi)
{
	if (access(PVAPIC_IPI_DIR, F_OK))
		SKIP(return, "%s is missing: kernel without CONFIG_PVAPIC_PVIPI",
		     PVAPIC_IPI_DIR);
	self->enabled = val(_metadata, ENABLED);
	self->width = val(_metadata, WIDTH);
	fill_long();
}

FIXTURE_TEARDOWN(ipi)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", self->enabled);
	write_raw(ENABLED, buf, strlen(buf));
	snprintf(buf, sizeof(buf), "%llu", self->width);
	write_raw(WIDTH, buf, strlen(buf));
}

TEST_F(ipi, files)
{
	unsigned long long v;
	char path[256];
	int i;

	ASSERT_LE(self->enabled, 1);
	ASSERT_TRUE(self->width == 128 || self->width == 192);
	ASSERT_EQ(0, read_ull(HOST_WIDE, &v));
	ASSERT_LE(v, 1);
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		snprintf(path, sizeof(path), "%s/%s", PVAPIC_IPI_DIR,
			 counters[i]);
		EXPECT_EQ(0, read_ull(path, &v)) TH_LOG("%s", path);
		EXPECT_NE(0, write_raw(path, "0", 1)) TH_LOG("%s is writable", path);
	}
}

TEST_F(ipi, enabled_bad_input)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_raw(ENABLED, bad[i].buf, bad[i].len))
			TH_LOG("enabled <- %s", bad[i].name);
		EXPECT_EQ(self->enabled, val(_metadata, ENABLED))
			TH_LOG("enabled changed by %s", bad[i].name);
	}
}

TEST_F(ipi, empty_write_changes_nothing)
{
	EXPECT_EQ(0, write_raw(ENABLED, "", 0));
	EXPECT_EQ(self->enabled, val(_metadata, ENABLED));
	EXPECT_EQ(0, write_raw(WIDTH, "", 0));
	EXPECT_EQ(self->width, val(_metadata, WIDTH));
}

TEST_F(ipi, width_bad_input)
{
	static const char * const wrong[] = { "0", "1", "64", "127", "129",
					      "191", "193", "256" };
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, write_raw(WIDTH, bad[i].buf, bad[i].len))
			TH_LOG("width <- %s", bad[i].name);
		EXPECT_EQ(self->width, val(_metadata, WIDTH));
	}
	for (i = 0; i < ARRAY_SIZE(wrong); i++) {
		EXPECT_EQ(-EINVAL, write_raw(WIDTH, wrong[i], strlen(wrong[i])))
			TH_LOG("width <- %s", wrong[i]);
		EXPECT_EQ(self->width, val(_metadata, WIDTH));
	}
}

TEST_F(ipi, width_192_needs_the_host)
{
	unsigned long long wide = val(_metadata, HOST_WIDE);

	ASSERT_EQ(0, write_raw(WIDTH, "128\n", 4));
	EXPECT_EQ(128, val(_metadata, WIDTH));
	if (wide) {
		EXPECT_EQ(0, write_raw(WIDTH, "192", 3));
		EXPECT_EQ(192, val(_metadata, WIDTH));
	} else {
		EXPECT_EQ(-EOPNOTSUPP, write_raw(WIDTH, "192", 3));
		EXPECT_EQ(128, val(_metadata, WIDTH));
	}
}

/* Multicasts from the first online CPU to the second and third. */
static void multicast_delta(struct __test_metadata *_metadata, int rounds,
			    unsigned long long *mc, unsigned long long *hc)
{
	unsigned long long mc0, hc0;
	int cpus[64], n;

	n = online_cpus(cpus, 64);
	/* With three CPUs, "the other two" would be sent as a broadcast. */
	if (n < 4)
		SKIP(return, "needs 4 online CPUs, has %d", n);
	mc0 = val(_metadata, PVAPIC_IPI_DIR "/multicasts");
	hc0 = val(_metadata, PVAPIC_IPI_DIR "/hypercalls");
	ASSERT_EQ(0, tlb_multicasts(cpus, 3, rounds));
	*mc = val(_metadata, PVAPIC_IPI_DIR "/multicasts") - mc0;
	*hc = val(_metadata, PVAPIC_IPI_DIR "/hypercalls") - hc0;
}

TEST_F(ipi, switch_on_counts)
{
	unsigned long long mc = 0, hc = 0;

	ASSERT_EQ(0, write_raw(ENABLED, "1\n", 2));
	ASSERT_EQ(1, val(_metadata, ENABLED));
	multicast_delta(_metadata, 200, &mc, &hc);
	TH_LOG("switch on: %llu multicasts, %llu hypercalls", mc, hc);
	EXPECT_GE(mc, TLB_MULTICASTS_MIN(200));
	EXPECT_GE(hc, mc);
}

TEST_F(ipi, switch_off_counts_nothing)
{
	unsigned long long mc = ~0ULL, hc = ~0ULL;

	ASSERT_EQ(0, write_raw(ENABLED, "0", 1));
	ASSERT_EQ(0, val(_metadata, ENABLED));
	multicast_delta(_metadata, 200, &mc, &hc);
	TH_LOG("switch off: %llu multicasts, %llu hypercalls", mc, hc);
	EXPECT_EQ(0, mc);
	EXPECT_EQ(0, hc);
}

TEST_HARNESS_MAIN
