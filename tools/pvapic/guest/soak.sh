#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest (with --disk) for tests/soak.sh. Usage:
#   soak.sh SECONDS
# First the irq_affinity kselftest, then the IPI storm module for SECONDS
# (call-function, NMI and reschedule multicasts from every CPU) while, at
# the same time, the PV IPI switch flips every few milliseconds, the CPUs
# other than 0 go offline and online, CPUs are hot-added and removed
# (pvapic-plug), and a disk is read back block for block. Then the disk's
# managed interrupts through CPU hotplug: an unreachable CPU U online with
# every reachable CPU R but 0 offline (offline U, offline R, online U),
# the disk probed while R is offline, and the disk removed and probed again
# while CPUs go offline and online. Last, where the kernel has pm_test, a
# suspend cycle.
# Prints "key: value" lines, and dmesg's warnings at the end.
dur=${1:?seconds}
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
sw=/sys/kernel/pvapic/ipi/enabled
stop=/tmp/soak-stop
source "$(dirname "$0")/lib.sh"
cpus=$(ls -d /sys/devices/system/cpu/cpu[1-9]*/online)

phases_start
echo "kernel: $(uname -r)"
echo "online: $(cat /sys/devices/system/cpu/online)"
echo "reachable: $(cat /sys/kernel/pvapic/irq/reachable)"
echo "=== selftest irq_affinity"
PVAPIC_MOVE_DEVICES=1 "$st/irq_affinity" 2>&1
echo "selftest-rc: irq_affinity $?"
phase kselftest

# Bad module parameters: each refused with EINVAL, a message naming the
# parameter, and nothing left loaded.
for p in rounds=0 rounds=10000001 rounds=abc timeout_ms=5 duration_s=604801 \
	 nmi_every=1 resched_every=1 multicast=1000001; do
	name=${p%%=*}
	before=$(dmesg | grep -c "test_pvapic_storm.*$name")
	err=$(insmod "$obj/lib/test_pvapic_storm.ko" "$p" 2>&1)
	rc=$?
	msg=$(( $(dmesg | grep -c "test_pvapic_storm.*$name") - before ))
	[ -d /sys/module/test_pvapic_storm ] && left=loaded || left=unloaded
	echo "badparam: $p rc=$rc ${err##*: } messages=$msg $left"
done

[ -b /dev/vda ] || { echo "soak: no disk (/dev/vda)"; exit 1; }
# Numbered lines, not /dev/urandom (which waits for the CRNG here): every
# 1 MiB block differs from every other, so a misplaced read shows.
# GNU seq: busybox's (first in PATH) is 14 times slower at this.
/usr/bin/seq 1 3000000 | head -c 16M > /tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=1M oflag=direct 2>/dev/null
for q in 0 1 2 3; do
	want[q]=$(dd if=/tmp/pattern bs=1M skip=$((4 * q)) count=4 2>/dev/null | md5sum)
done
rm -f $stop
phase params-and-disk

# The switch and hotplug loops use shell builtins only: with sleep(1) in
# them they made 26 and 8 turns in 60 s (a program is read over 9p through
# two levels of emulation). nap SECONDS sleeps without a program: nothing
# ever writes to fd 3.
mkfifo /tmp/soak-fifo
exec 3<> /tmp/soak-fifo
nap() { read -r -t "$1" -u 3; }
cpu=($cpus)

# The switch, flipped every 5 ms.
(
	i=0
	while [ ! -e $stop ]; do
		echo $((i % 2)) > $sw
		i=$((i + 1))
		nap 0.005
	done
	echo "$i" > /tmp/soak-flips
) &
# Each other CPU in turn offline for 0.2 s, and every fourth round all of
# them at once (interrupts then have CPU 0 only).
(
	# The storm starts a sender on every CPU first: wait for its module
	# (insmod reads it over 9p, which took more than 1 s once).
	until [ -d /sys/module/test_pvapic_storm ] || [ -e $stop ]; do nap 0.1; done
	nap 1
	round=0
	while [ ! -e $stop ]; do
		round=$((round + 1))
		if [ $((round % 4)) = 0 ]; then
			set -- "${cpu[@]}"
		else
			set -- "${cpu[round % ${#cpu[@]}]}"
		fi
		for c in "$@"; do
			echo 0 > "$c" 2>/dev/null && echo "${c%/online}"
		done
		nap 0.2
		for c in "$@"; do
			echo 1 > "$c" || echo "online-failed ${c%/online}"
		done
		nap 0.2
	done > /tmp/soak-offlines
) &
# CPU hot-add and hot-remove (pvapic-plug) in turn of APIC ID 0x106
# (unreachable without ext-dest-id: CPU 263, between CPUs 2 and 3 by APIC
# ID, so the PV IPI map is rebuilt out of CPU order) and 0x2 (reachable:
# CPU 4), each added, left online for 0.5 s, removed; as many as fit in
# the storm (a cycle takes tens of seconds here).
(
	until [ -d /sys/module/test_pvapic_storm ] || [ -e $stop ]; do nap 0.1; done
	nap 1
	plug=$(dirname "$0")/pvapic-plug
	ok=0 bad=0 i=0
	while [ ! -e $stop ]; do
		id=$([ $((i % 2)) = 0 ] && echo 0x106 || echo 0x2)
		i=$((i + 1))
		if n=$("$plug" add $id 2>&1); then
			echo "plugged $id $n"
			nap 0.5
			if "$plug" del $id > /dev/null 2>&1; then
				ok=$((ok + 1))
			else
				bad=$((bad + 1)); echo "unplug-failed $id"
			fi
		else
			bad=$((bad + 1)); echo "plug-failed $id: $n"
		fi
	done > /tmp/soak-plugs
	# A CPU whose removal failed is removed now, for the checks after
	# the storm.
	for id in 0x2 0x106; do
		"$plug" del $id > /dev/null 2>&1
	done
	echo "$ok $bad" > /tmp/soak-plug-count
) &
# The disk, read 4 MiB at a time, each compared with what was written.
(
	reads=0 bad=0
	while [ ! -e $stop ]; do
		q=$((reads % 4))
		got=$(dd if=/dev/vda bs=1M skip=$((4 * q)) count=4 iflag=direct 2>/dev/null | md5sum)
		reads=$((reads + 1))
		[ "$got" = "${want[q]}" ] || bad=$((bad + 1))
	done
	echo "$reads $bad" > /tmp/soak-reads
) &

insmod "$obj/lib/test_pvapic_storm.ko" duration_s="$dur" 2>&1 | sed 's/^/insmod: /'
echo "storm-rc: ${PIPESTATUS[0]}"
touch $stop
wait
phase storm
storm_lines
rmmod test_pvapic_storm 2>/dev/null

echo "flips: $(cat /tmp/soak-flips)"
for c in $cpus; do
	c=${c%/online}
	echo "offlines-${c##*/}: $(grep -c "^$c\$" /tmp/soak-offlines)"
done
grep '^online-failed' /tmp/soak-offlines | sed 's/^/soak: /'
read -r pok pbad < /tmp/soak-plug-count
echo "plug-cycles: $pok ok, $pbad failed, CPUs $(sed -n 's/^plugged [^ ]* //p' /tmp/soak-plugs | paste -sd,)"
grep -E '^(plug|unplug)-failed' /tmp/soak-plugs | head -5 | sed 's/^/soak: /'
echo "present-after: $(cat /sys/devices/system/cpu/present)"
read -r reads bad < /tmp/soak-reads
echo "disk-reads: $reads"
echo "disk-bad-reads: $bad"
echo "online-after: $(cat /sys/devices/system/cpu/online)"
echo 1 > $sw
echo "enabled-after: $(cat $sw)"

t0=$SECONDS
# offline U, offline R, online U: a read on U completes (its queue's
# interrupt must not be started on U, nor aimed at R's vector).
want4=${want[0]}
U=$(online_other 0) R=$(online_other 1)
echo "managed-sequence: $(for u in $U; do for r in $R; do
	cpu_set "$u" 0; cpu_set "$r" 0; cpu_set "$u" 1
	echo "$r/$u online=$(cat /sys/devices/system/cpu/online) $(read_on "$u" /dev/vda 4 "$want4")"
	cpu_set "$r" 1
done; done | paste -sd' ')"

# The disk's PCI function.
pci=$(disk_pci /dev/vda)

# Probed while every reachable CPU but 0 is offline: every online CPU
# reads, and so do those CPUs once back.
for r in $R; do cpu_set "$r" 0; done
disk_replug "$pci"
dev=$(disk_back "$pci") || dev=/dev/none
echo "probe-offline: online $(cat /sys/devices/system/cpu/online): $(for c in $(cpus_in "$(cat /sys/devices/system/cpu/online)"); do
	read_on "$c" "$dev" 4 "$want4"; done | paste -sd' ')"
for r in $R; do cpu_set "$r" 1; done
echo "probe-offline-back: $(for r in $R; do read_on "$r" "$dev" 4 "$want4"; done | paste -sd' ')"

# Removed and probed again 5 times while CPUs 1-3 go offline and online.
# A PCI probe holds CPU hotplug off (pci_call_probe()): a CPU that cannot
# come online meanwhile (EBUSY) is tried again, 200 times at most (10 s);
# any other error, or EBUSY for longer, counts.
rm -f $stop
(
	while [ ! -e $stop ]; do
		for c in "${cpu[@]}"; do echo 0 > "$c" 2>/dev/null && echo "${c%/online}"; done
		nap 0.2
		for c in "${cpu[@]}"; do
			n=0
			while ! err=$( { echo 1 > "$c"; } 2>&1 ); do
				n=$((n + 1))
				case $err in
				*"resource busy"*) [ $n -lt 200 ] && { echo "online-busy"; nap 0.05; continue; } ;;
				esac
				echo "online-failed ${c%/online} ${err##*: }"
				break
			done
		done
		nap 0.2
	done > /tmp/replug-offlines
) &
ok=0
for i in 1 2 3 4 5; do
	disk_replug "$pci"
	dev=$(disk_back "$pci") && [ "$(read_on 0 "$dev" 4 "$want4")" = 0:same ] && ok=$((ok + 1))
done
touch $stop
wait
echo "replug: 5 rounds, $ok read back, $(grep -c '^/sys' /tmp/replug-offlines) offlines, $(grep -c '^online-failed' /tmp/replug-offlines) online failures"
echo "replug-online-busy: $(grep -c '^online-busy' /tmp/replug-offlines)"
grep '^online-failed' /tmp/replug-offlines | sed 's/^/soak: /'
echo "online-after-replug: $(cat /sys/devices/system/cpu/online)"
echo "checks-after-storm-s: $((SECONDS - t0))"
phase checks-after-storm

# A suspend to RAM that pm_test stops at its last step before the machine
# would sleep ("core": tasks frozen, devices suspended, so that the disk's
# queues and their managed interrupts are freed and, on resume, allocated
# again; every CPU but 0 taken down by freeze_secondary_cpus(); the
# interrupt controllers' syscore suspend and resume), then each online CPU
# whose disk queue completes on an interrupt that is not started (none
# expected; queue_faults prints them, and a line for what it cannot read,
# all checked by tests/soak.sh), a read on each CPU
# and the effective CPUs of every activated interrupt. Only a kernel
# with CONFIG_PM_SLEEP_DEBUG (the debug guest) has pm_test; the 9p devices
# must survive it (pvapic-vm --suspend-ready).
if [ -w /sys/power/pm_test ]; then
	t0=$SECONDS
	echo 1 > /sys/module/suspend/parameters/pm_test_delay
	echo core > /sys/power/pm_test
	mark="pvapic-soak: suspend $$"
	echo "$mark" > /dev/kmsg
	err=$( { echo deep > /sys/power/mem_sleep && echo mem > /sys/power/state; } 2>&1 )
	rc=$?
	echo none > /sys/power/pm_test
	echo "suspend-rc: $rc"
	echo "suspend-err: ${err##*: }"
	dmesg | sed -n "/$mark/,\$p" > /tmp/suspend.log
	echo "suspend-cpus: down $(grep -c -E 'smpboot: CPU [0-9]+ is now offline' /tmp/suspend.log)," \
		"up $(grep -c -E 'CPU[0-9]+ is up' /tmp/suspend.log), online $(cat /sys/devices/system/cpu/online)"
	queue_faults "$dev" | sed 's/^/suspend-queue-fault: /'
	echo "suspend-read-each: $(for c in $(cpus_in "$(cat /sys/devices/system/cpu/online)"); do
		read_on "$c" "$dev" 4 "$want4"; done | paste -sd' ')"
	echo "suspend-effective: $(for d in /proc/irq/[0-9]*; do
		grep -q IRQD_ACTIVATED "/sys/kernel/debug/irq/irqs/${d##*/}" 2>/dev/null &&
			cat "$d/effective_affinity_list"
	done | sort -u | paste -sd' ')"
	grep -E 'PM: |non-boot CPUs|suspend debug|[Ee]rror|fail' /tmp/suspend.log | sed 's/^/suspend-log: /'
	echo "suspend-s: $((SECONDS - t0))"
else
	echo "suspend-rc: no /sys/power/pm_test (a kernel without CONFIG_PM_SLEEP_DEBUG)"
fi

# Any warning, lockdep or KASAN report, sleeping-in-atomic BUG, unknown NMI
# or I/O error is a failure. "NMI handler (...) took too long to run" is
# not: it times the handler in wall-clock time, and a vCPU of this
# emulation is often descheduled for milliseconds.
splat='WARNING:|BUG:|INFO:|Oops|Uhhuh|I/O error|timed out|Call Trace'
splat+="|$IRQ_SPLATS"
dmesg | grep -E "$splat" | grep -v -E 'INFO: NMI handler \(.*\) took too long to run' > /tmp/soak-splats
echo "dmesg-splats: $(wc -l < /tmp/soak-splats)"
head -20 /tmp/soak-splats | sed 's/^/dmesg: /'
phase suspend-and-dmesg
phases_print
exit 0
