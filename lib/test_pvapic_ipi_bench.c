// SPDX-License-Identifier: GPL-2.0
/*
 * IPI latency benchmark: times IPI round trips from the CPU that asks and
 * reports per-call distributions through debugfs. It uses only exported
 * interfaces, so the same file builds in the tree (TEST_PVAPIC_IPI_BENCH)
 * and out of tree against any 6.12 kernel, and A/B comparisons run
 * identical code.
 *
 * /sys/kernel/debug/pvapic_ipi_bench/
 *   iterations  calls per test (1..1000000, default 1000)
 *   mask        CPUs the multicast test sends to (a cpulist; default all)
 *   run         write a test name, or "all", to run it on the writing CPU
 *   results     one line per test that ran: calls, min, p50, p99, max (ns)
 *
 * Tests: dry_run (the timing overhead alone), self (an IRQ-work IPI to the
 * sending CPU), unicast (call-function to the first other online CPU),
 * multicast (call-function to "mask", the sender excluded), broadcast
 * (call-function to all other online CPUs) and broadcast_lock (the same,
 * each handler taking one shared spinlock). Every call waits for all its
 * handlers, so a call's time is its round trip.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define BENCH_MAX_ITERATIONS	1000000

enum bench_test {
	BENCH_DRY_RUN,
	BENCH_SELF,
	BENCH_UNICAST,
	BENCH_MULTICAST,
	BENCH_BROADCAST,
	BENCH_BROADCAST_LOCK,
	BENCH_NR_TESTS
};

static const char * const bench_names[BENCH_NR_TESTS] = {
	[BENCH_DRY_RUN]		= "dry_run",
	[BENCH_SELF]		= "self",
	[BENCH_UNICAST]		= "unicast",
	[BENCH_MULTICAST]	= "multicast",
	[BENCH_BROADCAST]	= "broadcast",
	[BENCH_BROADCAST_LOCK]	= "broadcast_lock",
};

struct bench_result {
	bool valid;
	int cpu;
	unsigned int calls;
	unsigned int targets;
	u64 min, p50, p99, max;
};

/* bench_lock serialises runs and guards everything below. */
static DEFINE_MUTEX(bench_lock);
static unsigned int bench_iterations = 1000;
static cpumask_var_t bench_mask;
static struct bench_result bench_results[BENCH_NR_TESTS];
static struct dentry *bench_dir;

static DEFINE_SPINLOCK(bench_shared_lock);
static unsigned int bench_self_done;

static void bench_nop(void *info)
{
}

static void bench_take_lock(void *info)
{
	spin_lock(&bench_shared_lock);
	spin_unlock(&bench_shared_lock);
}

static void bench_self_work(struct irq_work *work)
{
	WRITE_ONCE(bench_self_done, 1);
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Time one call of @test; preemption is disabled by the caller. */
static u64 bench_one(enum bench_test test, int target,
		     const struct cpumask *mask, struct irq_work *work)
{
	u64 t0 = local_clock();

	switch (test) {
	case BENCH_DRY_RUN:
		break;
	case BENCH_SELF:
		WRITE_ONCE(bench_self_done, 0);
		irq_work_queue(work);
		while (!READ_ONCE(bench_self_done))
			cpu_relax();
		break;
	case BENCH_UNICAST:
		smp_call_function_single(target, bench_nop, NULL, 1);
		break;
	case BENCH_MULTICAST:
		smp_call_function_many(mask, bench_nop, NULL, true);
		break;
	case BENCH_BROADCAST:
		smp_call_function(bench_nop, NULL, 1);
		break;
	case BENCH_BROADCAST_LOCK:
		smp_call_function(bench_take_lock, NULL, 1);
		break;
	default:
		break;
	}
	return local_clock() - t0;
}

static int bench_run(enum bench_test test)
{
	struct irq_work work = IRQ_WORK_INIT_HARD(bench_self_work);
	struct bench_result *res = &bench_results[test];
	unsigned int i, n = bench_iterations, targets = 0;
	int cpu, target = nr_cpu_ids;
	cpumask_var_t mask;
	u64 *t;

	t = kvmalloc_array(n, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL)) {
		kvfree(t);
		return -ENOMEM;
	}

	cpus_read_lock();
	cpu = get_cpu();
	cpumask_and(mask, bench_mask, cpu_online_mask);
	cpumask_clear_cpu(cpu, mask);
	switch (test) {
	case BENCH_SELF:
		targets = 1;
		break;
	case BENCH_UNICAST:
		target = cpumask_any_but(cpu_online_mask, cpu);
		targets = target < nr_cpu_ids;
		break;
	case BENCH_MULTICAST:
		targets = cpumask_weight(mask);
		break;
	case BENCH_BROADCAST:
	case BENCH_BROADCAST_LOCK:
		targets = num_online_cpus() - 1;
		break;
	default:
		break;
	}
	if (test != BENCH_DRY_RUN && !targets) {
		put_cpu();
		cpus_read_unlock();
		pr_warn("%s: no target CPU online\n", bench_names[test]);
		free_cpumask_var(mask);
		kvfree(t);
		return -ENODEV;
	}
	for (i = 0; i < n; i++)
		t[i] = bench_one(test, target, mask, &work);
	put_cpu();
	cpus_read_unlock();
	irq_work_sync(&work);

	sort(t, n, sizeof(*t), bench_cmp_u64, NULL);
	*res = (struct bench_result) {
		.valid = true,
		.cpu = cpu,
		.calls = n,
		.targets = targets,
		.min = t[0],
		.p50 = t[(n - 1) / 2],
		.p99 = t[(u64)(n - 1) * 99 / 100],
		.max = t[n - 1],
	};
	free_cpumask_var(mask);
	kvfree(t);
	return 0;
}

static ssize_t bench_run_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[32];
	int i, ret = 0;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);

	mutex_lock(&bench_lock);
	if (!strcmp(buf, "all")) {
		for (i = 0; i < BENCH_NR_TESTS && !ret; i++)
			ret = bench_run(i);
	} else {
		i = match_string(bench_names, BENCH_NR_TESTS, buf);
		ret = i < 0 ? -EINVAL : bench_run(i);
	}
	mutex_unlock(&bench_lock);
	return ret ? ret : count;
}

static const struct file_operations bench_run_fops = {
	.owner = THIS_MODULE,
	.write = bench_run_write,
	.llseek = noop_llseek,
};

static int bench_results_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&bench_lock);
	for (i = 0; i < BENCH_NR_TESTS; i++) {
		const struct bench_result *r = &bench_results[i];

		if (!r->valid)
			continue;
		seq_printf(m, "%s cpu=%d calls=%u targets=%u min=%llu p50=%llu p99=%llu max=%llu\n",
			   bench_names[i], r->cpu, r->calls, r->targets,
			   r->min, r->p50, r->p99, r->max);
	}
	mutex_unlock(&bench_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_results);

static int bench_mask_show(struct seq_file *m, void *v)
{
	mutex_lock(&bench_lock);
	seq_printf(m, "%*pbl\n", cpumask_pr_args(bench_mask));
	mutex_unlock(&bench_lock);
	return 0;
}

static int bench_mask_open(struct inode *inode, struct file *file)
{
	return single_open(file, bench_mask_show, NULL);
}

static ssize_t bench_mask_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	cpumask_var_t mask;
	int ret;

	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = cpumask_parselist_user(ubuf, count, mask);
	if (!ret && cpumask_empty(mask))
		ret = -EINVAL;
	if (!ret) {
		mutex_lock(&bench_lock);
		cpumask_copy(bench_mask, mask);
		mutex_unlock(&bench_lock);
	}
	free_cpumask_var(mask);
	return ret ? -EINVAL : count;
}

static const struct file_operations bench_mask_fops = {
	.owner = THIS_MODULE,
	.open = bench_mask_open,
	.read = seq_read,
	.write = bench_mask_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int bench_iterations_get(void *data, u64 *val)
{
	mutex_lock(&bench_lock);
	*val = bench_iterations;
	mutex_unlock(&bench_lock);
	return 0;
}

static int bench_iterations_set(void *data, u64 val)
{
	if (!val || val > BENCH_MAX_ITERATIONS)
		return -EINVAL;
	mutex_lock(&bench_lock);
	bench_iterations = val;
	mutex_unlock(&bench_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(bench_iterations_fops, bench_iterations_get,
			 bench_iterations_set, "%llu\n");

static int __init bench_init(void)
{
	if (!alloc_cpumask_var(&bench_mask, GFP_KERNEL))
		return -ENOMEM;
	cpumask_copy(bench_mask, cpu_possible_mask);

	bench_dir = debugfs_create_dir("pvapic_ipi_bench", NULL);
	debugfs_create_file_unsafe("iterations", 0600, bench_dir, NULL,
				   &bench_iterations_fops);
	debugfs_create_file("mask", 0600, bench_dir, NULL, &bench_mask_fops);
	debugfs_create_file("run", 0200, bench_dir, NULL, &bench_run_fops);
	debugfs_create_file("results", 0400, bench_dir, NULL,
			    &bench_results_fops);
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove(bench_dir);
	free_cpumask_var(bench_mask);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("IPI latency benchmark for the pvapic PV IPI path");
MODULE_LICENSE("GPL");
