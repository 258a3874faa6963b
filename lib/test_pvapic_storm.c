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
 * Every nmi_every-th send of a sender is instead an NMI multicast through
 * apic->send_IPI_mask(), and every resched_every-th one a reschedule IPI
 * multicast. NMIs are counted by a handler of our own: one per target per
 * send, none lost; an NMI beyond that is reported as "extra" (the native
 * resend after a short hypercall count makes those on purpose). A
 * reschedule IPI carries nothing to count, so a target passes when its
 * reschedule count moves after the send.
 *
 * CPUs may go offline and online during the storm: senders are bound to
 * their CPU but move when it goes offline, masks are picked from the online
 * CPUs with preemption disabled (no CPU can go offline before the calls are
 * queued, and a dying CPU runs its queued calls), and NMI and reschedule
 * sends hold the CPU hotplug lock until every target took them, because
 * an offline CPU ignores both. With duration_s the senders run for that
 * long instead of a number of rounds.
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
#include <linux/version.h>

#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>

static unsigned int rounds = 2000;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "multicasts each CPU sends (1..10000000, default 2000)");

/*
 * A lost IPI never arrives; a late one does. Under nested emulation with
 * more vCPUs than host cores a vCPU has been kept from running for 10 s.
 * The bound counts only time the waiting sender ran (see storm_clock).
 */
static unsigned int timeout_ms = 30000;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "bound on the wait for one multicast (10..600000 ms, default 30000)");

static unsigned int multicast;
module_param(multicast, uint, 0444);
MODULE_PARM_DESC(multicast, "instead of the storm, send this many multicasts to all online CPUs (0..1000000)");

static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "random seed (default 1)");

static unsigned int duration_s;
module_param(duration_s, uint, 0444);
MODULE_PARM_DESC(duration_s, "run for this many seconds instead of a number of rounds (0..604800, default 0)");

static unsigned int nmi_every = 16;
module_param(nmi_every, uint, 0444);
MODULE_PARM_DESC(nmi_every, "every Nth send of a sender is an NMI multicast (0: none, default 16)");

static unsigned int resched_every = 16;
module_param(resched_every, uint, 0444);
MODULE_PARM_DESC(resched_every, "every Nth send of a sender is a reschedule IPI multicast (0: none, default 16)");

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
	u64 nmi_calls;
	u64 nmi_targets;
	u64 nmi_lost;
	u64 resched_calls;
	u64 resched_targets;
	u64 resched_lost;
	unsigned int *seen;
	int error;
};

/*
 * The clock of one wait for IPIs. A waiting sender looks at the time at
 * least every few milliseconds; a step of more than STORM_STALL_MS between
 * two looks means the sender did not run: its vCPU stood still, the whole
 * VM did (the emulation under the rig at times stops every vCPU at once,
 * for up to a minute), or it was kept off its CPU. Targets that stood
 * still with it are not late, so such a step is left out of the timeout
 * and reported instead: stalls= counts the waits that saw one (a stall of
 * the whole VM once for each sender waiting then), longest_stall_ms= is
 * the longest. Each wait looks at the clock before it looks at the
 * targets, so a sender that waited across a stall always sees it. A lost
 * IPI still times out after timeout_ms of the sender's own running time.
 */
#define STORM_STALL_MS 1000

struct storm_clock {
	ktime_t last;
	s64 ran_ns;
};

static atomic64_t storm_stalls;
static atomic64_t storm_longest_stall_ns;

static void storm_clock_start(struct storm_clock *c)
{
	c->last = ktime_get();
	c->ran_ns = 0;
}

/* Account the time since the last look; true once timeout_ms has run. */
static bool storm_clock_expired(struct storm_clock *c)
{
	ktime_t now = ktime_get();
	s64 step = ktime_to_ns(ktime_sub(now, c->last));
	s64 longest;

	c->last = now;
	if (step <= (s64)STORM_STALL_MS * NSEC_PER_MSEC) {
		c->ran_ns += step;
		return c->ran_ns >= (s64)timeout_ms * NSEC_PER_MSEC;
	}
	atomic64_inc(&storm_stalls);
	longest = atomic64_read(&storm_longest_stall_ns);
	while (step > longest &&
	       !atomic64_try_cmpxchg(&storm_longest_stall_ns, &longest, step))
		;
	return false;
}

static DEFINE_PER_CPU(atomic64_t, storm_handled);
static DEFINE_PER_CPU(atomic_t, storm_nmi_pending);
static atomic64_t storm_nmi_handled;
static atomic64_t storm_nmi_extra;
static bool storm_nmi_armed;
/* One NMI multicast at a time: a second NMI to a CPU may merge with one. */
static DEFINE_MUTEX(storm_nmi_lock);
static atomic_t storm_running;
static DECLARE_COMPLETION(storm_finished);

static int storm_nmi(unsigned int type, struct pt_regs *regs)
{
	if (atomic_dec_if_positive(this_cpu_ptr(&storm_nmi_pending)) >= 0) {
		atomic64_inc(&storm_nmi_handled);
		return NMI_HANDLED;
	}
	if (READ_ONCE(storm_nmi_armed)) {
		atomic64_inc(&storm_nmi_extra);
		return NMI_HANDLED;
	}
	return NMI_DONE;
}

static void storm_handler(void *info)
{
	struct storm_call *call = info;

	atomic64_inc(this_cpu_ptr(&storm_handled));
	if (cpumask_test_and_set_cpu(smp_processor_id(), call->done))
		atomic_inc(&call->duplicates);
	else
		atomic_dec(&call->remaining);
}

/*
 * A random non-empty subset of the online CPUs other than this one. Called
 * with preemption disabled, so none of them can go offline until the
 * caller enables it again.
 */
static unsigned int storm_pick(struct storm_sender *s)
{
	unsigned int cpu, self = smp_processor_id(), n = 0;
	unsigned int density = prandom_u32_state(&s->rnd) % 100;

	cpumask_clear(s->mask);
	for_each_online_cpu(cpu) {
		if (cpu == self)
			continue;
		if (prandom_u32_state(&s->rnd) % 100 <= density) {
			cpumask_set_cpu(cpu, s->mask);
			n++;
		}
	}
	if (!n) {
		cpu = cpumask_any_but(cpu_online_mask, self);
		if (cpu < nr_cpu_ids) {
			cpumask_set_cpu(cpu, s->mask);
			n = 1;
		}
	}
	return n;
}

static void storm_send(const struct cpumask *mask, int vector)
{
	unsigned long flags;

	local_irq_save(flags);
	__apic_send_IPI_mask(mask, vector);
	local_irq_restore(flags);
}

/*
 * The x86 interrupt statistics: named fields in 6.12, an array indexed by
 * enum irq_stat_counts in 7.3 (the two kernels this test is built for).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
#define STORM_RESCHED_COUNT	counts[IRQ_COUNT_RESCHEDULE]
#define STORM_CALL_COUNT	counts[IRQ_COUNT_CALL_FUNCTION]
#else
#define STORM_RESCHED_COUNT	irq_resched_count
#define STORM_CALL_COUNT	irq_call_count
#endif

static unsigned int storm_resched_of(unsigned int cpu)
{
	return READ_ONCE(per_cpu(irq_stat, cpu).STORM_RESCHED_COUNT);
}

static unsigned int storm_calls_of(unsigned int cpu)
{
	return READ_ONCE(per_cpu(irq_stat, cpu).STORM_CALL_COUNT);
}

/* Our NMI handler takes this from 1 to 0 (one NMI multicast at a time). */
static unsigned int storm_nmi_pending_of(unsigned int cpu)
{
	return atomic_read(per_cpu_ptr(&storm_nmi_pending, cpu));
}

/* Before a send: what count_of() reads for each CPU of @mask. */
static void storm_snapshot(const struct cpumask *mask, unsigned int *seen,
			   unsigned int (*count_of)(unsigned int cpu))
{
	unsigned int cpu;

	for_each_cpu(cpu, mask)
		seen[cpu] = count_of(cpu);
}

/*
 * After a send: wait, at most timeout_ms, until count_of() of every CPU of
 * @mask differs from @seen. Returns how many CPUs it did not change for.
 */
static unsigned int storm_wait_moved(const struct cpumask *mask,
				     const unsigned int *seen,
				     unsigned int (*count_of)(unsigned int cpu))
{
	struct storm_clock clock;
	unsigned int cpu, left;

	storm_clock_start(&clock);
	for (;;) {
		bool expired = storm_clock_expired(&clock);

		left = 0;
		for_each_cpu(cpu, mask)
			left += count_of(cpu) == seen[cpu];
		if (!left || expired)
			return left;
		cond_resched();
	}
}

/*
 * An NMI or reschedule IPI multicast, with CPU hotplug held off until every
 * target took it: a CPU that goes offline first would ignore it.
 */
static void storm_special(struct storm_sender *s, unsigned int round,
			  bool nmi)
{
	unsigned int (*count_of)(unsigned int cpu);
	unsigned int cpu, n, left;

	count_of = nmi ? storm_nmi_pending_of : storm_resched_of;
	if (nmi)
		mutex_lock(&storm_nmi_lock);
	cpus_read_lock();
	preempt_disable();
	n = storm_pick(s);
	if (!n) {
		preempt_enable();
		goto unlock;
	}
	if (nmi)
		for_each_cpu(cpu, s->mask)
			atomic_inc(per_cpu_ptr(&storm_nmi_pending, cpu));
	storm_snapshot(s->mask, s->seen, count_of);
	storm_send(s->mask, nmi ? NMI_VECTOR : RESCHEDULE_VECTOR);
	preempt_enable();

	left = storm_wait_moved(s->mask, s->seen, count_of);
	if (left) {
		pr_err("%s multicast %u from CPU %u to %*pbl: %u of %u targets did not take it within %u ms of waiting\n",
		       nmi ? "NMI" : "reschedule", round, s->cpu,
		       cpumask_pr_args(s->mask), left, n, timeout_ms);
		s->error = -ETIMEDOUT;
	}
	if (nmi) {
		/* A late NMI must not be taken for one of the next send. */
		for_each_cpu(cpu, s->mask)
			atomic_set(per_cpu_ptr(&storm_nmi_pending, cpu), 0);
		s->nmi_calls++;
		s->nmi_targets += n;
		s->nmi_lost += left;
	} else {
		s->resched_calls++;
		s->resched_targets += n;
		s->resched_lost += left;
	}
unlock:
	cpus_read_unlock();
	if (nmi)
		mutex_unlock(&storm_nmi_lock);
}

static int storm_thread(void *arg)
{
	struct storm_sender *s = arg;
	struct storm_call *call = &s->call;
	struct storm_clock clock;
	unsigned int i, n;
	ktime_t end;

	end = ktime_add_ms(ktime_get(), (u64)duration_s * MSEC_PER_SEC);
	for (i = 0; !s->error; i++) {
		if (duration_s ? ktime_after(ktime_get(), end) : i >= rounds)
			break;
		if (nmi_every && i % nmi_every == nmi_every - 1) {
			storm_special(s, i, true);
			continue;
		}
		if (resched_every && i % resched_every == resched_every / 2) {
			storm_special(s, i, false);
			continue;
		}
		cpumask_clear(call->done);
		atomic_set(&call->duplicates, 0);

		preempt_disable();
		n = storm_pick(s);
		atomic_set(&call->remaining, n);
		if (n)
			smp_call_function_many(s->mask, storm_handler, call,
					       false);
		preempt_enable();
		if (!n) {
			/* Every other CPU is offline for now. */
			msleep(20);
			continue;
		}

		storm_clock_start(&clock);
		for (;;) {
			bool expired = storm_clock_expired(&clock);

			if (atomic_read(&call->remaining) <= 0)
				break;
			if (expired) {
				pr_err("multicast %u from CPU %u to %*pbl: %d of %u handlers did not run within %u ms of waiting\n",
				       i, s->cpu, cpumask_pr_args(s->mask),
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

static int __init storm_multicast(void)
{
	unsigned int *seen, i, missed = 0;

	seen = kcalloc(nr_cpu_ids, sizeof(*seen), GFP_KERNEL);
	if (!seen)
		return -ENOMEM;
	cpus_read_lock();
	for (i = 0; i < multicast; i++) {
		storm_snapshot(cpu_online_mask, seen, storm_calls_of);
		storm_send(cpu_online_mask, CALL_FUNCTION_VECTOR);
		if (storm_wait_moved(cpu_online_mask, seen, storm_calls_of))
			missed++;
	}
	pr_info("%s: multicast=%u to CPUs %*pbl: %u not taken by every CPU within %u ms (stalls=%lld longest_stall_ms=%lld)\n",
		missed ? "FAIL" : "PASS", multicast,
		cpumask_pr_args(cpu_online_mask), missed, timeout_ms,
		atomic64_read(&storm_stalls),
		atomic64_read(&storm_longest_stall_ns) / NSEC_PER_MSEC);
	cpus_read_unlock();
	kfree(seen);
	return missed ? -EIO : 0;
}

static int storm_check_params(void)
{
	if (!rounds || rounds > 10000000) {
		pr_err("rounds=%u: must be 1..10000000\n", rounds);
		return -EINVAL;
	}
	if (timeout_ms < 10 || timeout_ms > 600000) {
		pr_err("timeout_ms=%u: must be 10..600000\n", timeout_ms);
		return -EINVAL;
	}
	if (duration_s > 604800) {
		pr_err("duration_s=%u: must be 0..604800\n", duration_s);
		return -EINVAL;
	}
	/* 1 would leave no call-function IPIs to count. */
	if (nmi_every == 1 || resched_every == 1) {
		pr_err("nmi_every=%u resched_every=%u: each must be 0 or at least 2\n",
		       nmi_every, resched_every);
		return -EINVAL;
	}
	return 0;
}

static void storm_free(struct storm_sender *senders, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		free_cpumask_var(senders[i].mask);
		free_cpumask_var(senders[i].call.done);
		kfree(senders[i].seen);
	}
	kfree(senders);
}

static int __init storm_init(void)
{
	u64 calls = 0, targets = 0, handled = 0, timeouts = 0, dups = 0;
	u64 nmi_calls = 0, nmi_targets = 0, nmi_lost = 0, nmi_handled;
	u64 rs_calls = 0, rs_targets = 0, rs_lost = 0, nmi_extra;
	struct storm_sender *senders;
	unsigned int cpu, nr = 0, i;
	s64 elapsed_ms;
	ktime_t start;
	int ret;

	if (multicast > 1000000) {
		pr_err("multicast=%u: must be 0..1000000\n", multicast);
		return -EINVAL;
	}
	if (multicast)
		return storm_multicast();
	ret = storm_check_params();
	if (ret)
		return ret;

	/* The senders are set up for the CPUs online now. */
	cpus_read_lock();
	senders = kcalloc(num_online_cpus(), sizeof(*senders), GFP_KERNEL);
	if (!senders) {
		cpus_read_unlock();
		return -ENOMEM;
	}
	for_each_online_cpu(cpu) {
		struct storm_sender *s = &senders[nr++];

		s->cpu = cpu;
		prandom_seed_state(&s->rnd, (u64)seed << 32 | cpu);
		s->seen = kcalloc(nr_cpu_ids, sizeof(*s->seen), GFP_KERNEL);
		if (!s->seen || !zalloc_cpumask_var(&s->mask, GFP_KERNEL) ||
		    !zalloc_cpumask_var(&s->call.done, GFP_KERNEL)) {
			ret = -ENOMEM;
			break;
		}
	}
	cpus_read_unlock();
	if (ret)
		goto free;
	if (nr < 2) {
		pr_err("needs at least 2 online CPUs\n");
		ret = -ENODEV;
		goto free;
	}

	for_each_possible_cpu(cpu) {
		atomic64_set(per_cpu_ptr(&storm_handled, cpu), 0);
		atomic_set(per_cpu_ptr(&storm_nmi_pending, cpu), 0);
	}
	atomic64_set(&storm_nmi_handled, 0);
	atomic64_set(&storm_nmi_extra, 0);
	atomic64_set(&storm_stalls, 0);
	atomic64_set(&storm_longest_stall_ns, 0);
	ret = register_nmi_handler(NMI_LOCAL, storm_nmi, 0, "pvapic_storm");
	if (ret)
		goto free;
	WRITE_ONCE(storm_nmi_armed, true);

	reinit_completion(&storm_finished);
	atomic_set(&storm_running, nr);
	for (i = 0; i < nr; i++) {
		struct storm_sender *s = &senders[i];

		/*
		 * Bound, but not a per-CPU kthread (kthread_create_on_cpu()):
		 * CPU hotplug moves it off a CPU going offline instead of
		 * waiting for it to finish.
		 */
		s->task = kthread_create(storm_thread, s, "pvapic_storm/%u",
					 s->cpu);
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
		kthread_bind(s->task, s->cpu);
	}
	start = ktime_get();
	for (i = 0; i < nr; i++)
		if (senders[i].task)
			wake_up_process(senders[i].task);
	wait_for_completion(&storm_finished);
	elapsed_ms = ktime_ms_delta(ktime_get(), start);

	for (i = 0; i < nr; i++) {
		struct storm_sender *s = &senders[i];

		if (s->task)
			kthread_stop(s->task);
		calls += s->calls;
		targets += s->targets;
		timeouts += s->timeouts;
		dups += s->duplicates;
		nmi_calls += s->nmi_calls;
		nmi_targets += s->nmi_targets;
		nmi_lost += s->nmi_lost;
		rs_calls += s->resched_calls;
		rs_targets += s->resched_targets;
		rs_lost += s->resched_lost;
		if (s->error && !ret)
			ret = -EIO;
	}
	for_each_possible_cpu(cpu)
		handled += atomic64_read(per_cpu_ptr(&storm_handled, cpu));

	/* Duplicate NMIs of a resend arrive with the first or just after. */
	msleep(100);
	WRITE_ONCE(storm_nmi_armed, false);
	unregister_nmi_handler(NMI_LOCAL, "pvapic_storm");
	nmi_handled = atomic64_read(&storm_nmi_handled);
	nmi_extra = atomic64_read(&storm_nmi_extra);

	/* A timed-out call may still complete later; count what we saw. */
	if (!timeouts && handled != targets + dups)
		ret = -EIO;
	if (nmi_handled + nmi_lost != nmi_targets)
		ret = -EIO;
	pr_info("%s: cpus=%u rounds=%u duration_s=%u elapsed_ms=%lld stalls=%lld longest_stall_ms=%lld calls=%llu targets=%llu handled=%llu lost=%llu duplicates=%llu timeouts=%llu nmi_calls=%llu nmi_targets=%llu nmi_handled=%llu nmi_lost=%llu nmi_extra=%llu resched_calls=%llu resched_targets=%llu resched_lost=%llu\n",
		ret ? "FAIL" : "PASS", nr, rounds, duration_s, elapsed_ms,
		atomic64_read(&storm_stalls),
		atomic64_read(&storm_longest_stall_ns) / NSEC_PER_MSEC, calls,
		targets,
		handled, targets > handled ? targets - handled : 0, dups,
		timeouts, nmi_calls, nmi_targets, nmi_handled, nmi_lost,
		nmi_extra, rs_calls, rs_targets, rs_lost);
	if (timeouts) {
		/* A late handler may still write to its call: keep them. */
		pr_err("leaking the senders of timed-out calls\n");
		return ret;
	}
free:
	storm_free(senders, nr);
	return ret;
}
module_init(storm_init);

static void __exit storm_exit(void)
{
}
module_exit(storm_exit);

MODULE_DESCRIPTION("IPI storm test for multicast call-function IPIs");
MODULE_LICENSE("GPL");
