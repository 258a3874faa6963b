// SPDX-License-Identifier: GPL-2.0
/*
 * IPI storm test: every online CPU sends call-function IPIs to random masks
 * of the other online CPUs and waits, with a bound, for each handler. Every
 * call must run exactly once on every target. Loading the module runs the
 * test and fails with -EIO if any call was lost, ran twice or timed out;
 * after a pass the module stays loaded, doing nothing, until removed.
 *
 * The wait is bounded (smp_call_function_many() with wait=false, then
 * polling) so that a lost IPI is reported instead of hanging the sender.
 *
 * With multicast=N the module instead sends N call-function IPIs to every
 * online CPU, the sender included, through apic->send_IPI_mask() (no
 * shorthand). Before each send it waits, with a bound, until every CPU has
 * taken the previous one (irq_call_count moved), because IPIs of one
 * vector sent back to back merge in the IRR. An IPI with no queued call is
 * harmless: the handler finds nothing to run.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <asm/apic.h>
#include <asm/irq_vectors.h>

static unsigned int rounds = 2000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "multicasts each CPU sends (1..10000000, default 2000)");

static unsigned int timeout_ms = 10000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "bound on the wait for one multicast (10..600000 ms, default 10000)");

static unsigned int multicast;
module_param(multicast, uint, 0444);
MODULE_PARM_DESC(multicast, "instead of the storm, send this many multicasts to all online CPUs (0..1000000)");

static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "random seed (default 1)");

/* One in-flight multicast of one sender. */
struct storm_call {
	atomic_t remaining;
	atomic_t duplicates;
	cpumask_var_t done;
};

struct storm_sender {
	struct task_struct *task;
	unsigned int cpu;
	struct storm_call call;
	cpumask_var_t mask;
	struct rnd_state rnd;
	u64 calls;
	u64 targets;
	u64 timeouts;
	u64 duplicates;
	int error;
};

static DEFINE_PER_CPU(atomic64_t, storm_handled);
static atomic_t storm_running;
static DECLARE_COMPLETION(storm_finished);

static void storm_handler(void *info)
{
	struct storm_call *call = info;

	atomic64_inc(this_cpu_ptr(&storm_handled));
	if (cpumask_test_and_set_cpu(smp_processor_id(), call->done))
		atomic_inc(&call->duplicates);
	else
		atomic_dec(&call->remaining);
}

/* A random non-empty subset of the online CPUs other than this one. */
static unsigned int storm_pick(struct storm_sender *s)
{
	unsigned int cpu, n = 0, density = prandom_u32_state(&s->rnd) % 100;

	cpumask_clear(s->mask);
	for_each_online_cpu(cpu) {
		if (cpu == s->cpu)
			continue;
		if (prandom_u32_state(&s->rnd) % 100 <= density) {
			cpumask_set_cpu(cpu, s->mask);
			n++;
		}
	}
	if (!n) {
		cpu = cpumask_any_but(cpu_online_mask, s->cpu);
		if (cpu < nr_cpu_ids) {
			cpumask_set_cpu(cpu, s->mask);
			n = 1;
		}
	}
	return n;
}

static int storm_thread(void *arg)
{
	struct storm_sender *s = arg;
	struct storm_call *call = &s->call;
	unsigned int i, n;
	ktime_t deadline;

	for (i = 0; i < rounds && !s->error; i++) {
		n = storm_pick(s);
		if (!n)
			break;
		cpumask_clear(call->done);
		atomic_set(&call->duplicates, 0);
		atomic_set(&call->remaining, n);

		preempt_disable();
		smp_call_function_many(s->mask, storm_handler, call, false);
		preempt_enable();

		deadline = ktime_add_ms(ktime_get(), timeout_ms);
		while (atomic_read(&call->remaining) > 0) {
			if (ktime_after(ktime_get(), deadline)) {
				pr_err("CPU %u: multicast %u to %*pbl: %d of %u handlers did not run within %u ms\n",
				       s->cpu, i, cpumask_pr_args(s->mask),
				       atomic_read(&call->remaining), n,
				       timeout_ms);
				s->timeouts++;
				s->error = -ETIMEDOUT;
				break;
			}
			cond_resched();
		}
		s->calls++;
		s->targets += n;
		if (atomic_read(&call->duplicates)) {
			s->duplicates += atomic_read(&call->duplicates);
			s->error = -EIO;
		}
	}
	if (atomic_dec_and_test(&storm_running))
		complete(&storm_finished);
	/* Stay until stopped so kthread_stop() has a task to reap. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static unsigned int storm_calls_of(unsigned int cpu)
{
	return READ_ONCE(per_cpu(irq_stat, cpu).irq_call_count);
}

static int __init storm_multicast(void)
{
	unsigned int *seen, cpu, i, missed = 0;
	unsigned long flags;
	ktime_t deadline;
	bool all;

	seen = kcalloc(nr_cpu_ids, sizeof(*seen), GFP_KERNEL);
	if (!seen)
		return -ENOMEM;
	cpus_read_lock();
	for (i = 0; i < multicast; i++) {
		for_each_online_cpu(cpu)
			seen[cpu] = storm_calls_of(cpu);
		local_irq_save(flags);
		__apic_send_IPI_mask(cpu_online_mask, CALL_FUNCTION_VECTOR);
		local_irq_restore(flags);

		deadline = ktime_add_ms(ktime_get(), timeout_ms);
		do {
			all = true;
			for_each_online_cpu(cpu)
				if (storm_calls_of(cpu) == seen[cpu])
					all = false;
			if (all)
				break;
			cpu_relax();
		} while (!ktime_after(ktime_get(), deadline));
		if (!all)
			missed++;
	}
	pr_info("%s: multicast=%u to CPUs %*pbl: %u not taken by every CPU within %u ms\n",
		missed ? "FAIL" : "PASS", multicast,
		cpumask_pr_args(cpu_online_mask), missed, timeout_ms);
	cpus_read_unlock();
	kfree(seen);
	return missed ? -EIO : 0;
}

static int __init storm_init(void)
{
	struct storm_sender *senders;
	u64 calls = 0, targets = 0, handled = 0, timeouts = 0, dups = 0;
	unsigned int cpu, nr = 0, i;
	int ret = 0;

	if (multicast > 1000000) {
		pr_err("multicast=%u: must be 0..1000000\n", multicast);
		return -EINVAL;
	}
	if (multicast)
		return storm_multicast();
	if (!rounds || rounds > 10000000) {
		pr_err("rounds=%u: must be 1..10000000\n", rounds);
		return -EINVAL;
	}
	if (timeout_ms < 10 || timeout_ms > 600000) {
		pr_err("timeout_ms=%u: must be 10..600000\n", timeout_ms);
		return -EINVAL;
	}

	cpus_read_lock();
	if (num_online_cpus() < 2) {
		cpus_read_unlock();
		pr_err("needs at least 2 online CPUs\n");
		return -ENODEV;
	}
	senders = kcalloc(num_online_cpus(), sizeof(*senders), GFP_KERNEL);
	if (!senders) {
		ret = -ENOMEM;
		goto unlock;
	}
	for_each_online_cpu(cpu) {
		struct storm_sender *s = &senders[nr];

		s->cpu = cpu;
		prandom_seed_state(&s->rnd, (u64)seed << 32 | cpu);
		if (!zalloc_cpumask_var(&s->mask, GFP_KERNEL) ||
		    !zalloc_cpumask_var(&s->call.done, GFP_KERNEL)) {
			free_cpumask_var(s->mask);
			ret = -ENOMEM;
			goto free;
		}
		nr++;
	}
	for_each_possible_cpu(cpu)
		atomic64_set(per_cpu_ptr(&storm_handled, cpu), 0);

	reinit_completion(&storm_finished);
	atomic_set(&storm_running, nr);
	for (i = 0; i < nr; i++) {
		struct storm_sender *s = &senders[i];

		s->task = kthread_create_on_cpu(storm_thread, s, s->cpu,
						"pvapic_storm/%u");
		if (IS_ERR(s->task)) {
			ret = PTR_ERR(s->task);
			s->task = NULL;
			/* Threads never started count as finished. */
			while (i < nr) {
				if (atomic_dec_and_test(&storm_running))
					complete(&storm_finished);
				i++;
			}
			break;
		}
	}
	for (i = 0; i < nr; i++)
		if (senders[i].task)
			wake_up_process(senders[i].task);
	wait_for_completion(&storm_finished);

	for (i = 0; i < nr; i++) {
		struct storm_sender *s = &senders[i];

		if (s->task)
			kthread_stop(s->task);
		calls += s->calls;
		targets += s->targets;
		timeouts += s->timeouts;
		dups += s->duplicates;
		if (s->error && !ret)
			ret = -EIO;
	}
	for_each_possible_cpu(cpu)
		handled += atomic64_read(per_cpu_ptr(&storm_handled, cpu));

	/* A timed-out call may still complete later; count what we saw. */
	if (!timeouts && handled != targets + dups)
		ret = -EIO;
	pr_info("%s: cpus=%u rounds=%u calls=%llu targets=%llu handled=%llu lost=%llu duplicates=%llu timeouts=%llu\n",
		ret ? "FAIL" : "PASS", nr, rounds, calls, targets, handled,
		targets > handled ? targets - handled : 0, dups, timeouts);
	if (timeouts) {
		/* A late handler may still write to its call: keep them. */
		pr_err("leaking the senders of timed-out calls\n");
		goto unlock;
	}
free:
	for (i = 0; i < nr; i++) {
		free_cpumask_var(senders[i].mask);
		free_cpumask_var(senders[i].call.done);
	}
	kfree(senders);
unlock:
	cpus_read_unlock();
	return ret;
}
module_init(storm_init);

static void __exit storm_exit(void)
{
}
module_exit(storm_exit);

MODULE_DESCRIPTION("IPI storm test for multicast call-function IPIs");
MODULE_LICENSE("GPL");
