#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest (with --disk) for tests/extdest.sh: prints the
# facts about unreachable CPUs as "key: value" lines, runs the irq_affinity
# kselftest, reads the disk from every CPU (also with only CPU 0 and the
# unreachable CPUs online), then while the CPUs other than 0 go offline
# and online, checking every block read back.
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
ir=/sys/kernel/pvapic/irq
source "$(dirname "$0")/lib.sh"

phases_start
echo "online: $(cat /sys/devices/system/cpu/online)"
echo "possible: $(cat /sys/devices/system/cpu/possible)"
for f in active mode ext_dest_id apic_id_limit reachable; do
	echo "irq-$f: $(cat $ir/$f 2>&1)"
done
"$(dirname "$0")/irq-hierarchy.sh"
for d in /sys/kernel/debug/kunit/pvapic_extdest; do
	[ -d "$d" ] && grep -E '^    ((not )?ok |# vector_shortage: )' "$d/results" | sed 's/^    /kunit: /'
done
# Every interrupt's effective CPUs, one line each (read by the shell: a
# program per interrupt costs seconds here).
for d in /proc/irq/[0-9]*; do
	e=
	read -r e 2>/dev/null < "$d/effective_affinity_list"
	[ -n "$e" ] && echo "effective: ${d##*/} $e"
done

# The disk's first queue interrupt and the root's 9p interrupt (not managed).
blk=$(awk '/virtio[0-9]+-req/ {sub(":", "", $1); print $1; exit}' /proc/interrupts)
p9=$(awk '/virtio[0-9]+-requests/ {sub(":", "", $1); print $1; exit}' /proc/interrupts)
echo "blk-irq: $blk"
echo "9p-irq: $p9"
phase facts
grep -E 'virtio' /proc/interrupts | sed 's/^/interrupts: /'

# pin NAME IRQ: echo 1 > /proc/irq/IRQ/smp_affinity_list, and print
# "pin-NAME-KEY: value" lines: whether IRQ was activated, the write's
# status and error, the affinity after it (and before), and the effective
# affinity.
pin() {
	local before err rc act
	grep -q IRQD_ACTIVATED /sys/kernel/debug/irq/irqs/$2 && act=activated || act=inactive
	before=$(cat /proc/irq/$2/smp_affinity_list)
	err=$( { echo 1 > /proc/irq/$2/smp_affinity_list; } 2>&1 )
	rc=$?
	echo "pin-$1-state: $act"
	echo "pin-$1-rc: $rc ${err##*: }"
	echo "pin-$1-after: $(cat /proc/irq/$2/smp_affinity_list) (before: $before)"
	echo "pin-$1-effective: $(cat /proc/irq/$2/effective_affinity_list)"
}

# The 9p root's MSI-X interrupt, kept on CPU 1 if that is accepted.
if [ -n "$p9" ]; then
	pin 9p "$p9"
	# Reading files goes through 9p: count that interrupt per CPU. 60
	# headers of one directory (linux-libc-dev's, which build-essential
	# pulls in), about 6 interrupts each, where tests/extdest.sh wants
	# more than 100 (a walk of directories over 9p through two levels
	# costs seconds).
	c0=$(grep "^ *$p9:" /proc/interrupts)
	set -- /usr/include/linux/*.h
	[ $# -gt 60 ] && set -- "${@:1:60}"
	cat "$@" > /dev/null 2>&1
	echo "9p-files: $#"
	c1=$(grep "^ *$p9:" /proc/interrupts)
	echo "9p-before: $c0"
	echo "9p-after: $c1"
fi
phase 9p-reads

# The IOAPIC interrupts of the console port ttyS0 (irq 4, open) and of
# ttyS1 (irq 3, --irq-devices), never opened so far: not activated. An
# accepted pin is undone.
for p in ttyS0:4 ttyS1:3; do
	n=${p#*:}
	[ -d /proc/irq/$n ] || continue
	was=$(cat /proc/irq/$n/smp_affinity_list)
	pin "${p%:*}" "$n"
	[ "$(cat /proc/irq/$n/smp_affinity_list)" = "$was" ] || echo "$was" > /proc/irq/$n/smp_affinity_list
done
# ttyS1's interrupt, given every online CPU while it is not activated,
# is activated when the port is opened: on a CPU that owns its vector.
if [ -c /dev/ttyS1 ]; then
	err=$( { cat /sys/devices/system/cpu/online > /proc/irq/3/smp_affinity_list; } 2>&1 )
	echo "ttyS1-online-rc: $? ${err##*: }"
	exec 5> /dev/ttyS1
	echo x >&5
	echo "ttyS1-open-effective: $(cat /proc/irq/3/effective_affinity_list)"
	exec 5>&-
fi

echo "=== selftest irq_affinity"
PVAPIC_MOVE_DEVICES=1 "$st/irq_affinity" 2>&1
echo "selftest-rc: irq_affinity $?"
phase kselftest

# Disk I/O on CPU 1 (its queue's interrupt), then under CPU hotplug.
if [ -b /dev/vda ]; then
	# Numbered lines, not /dev/urandom: before the CRNG is ready a read of
	# urandom spins for entropy, about 40 s in this emulation. Every 1 MiB
	# block still differs from every other, so a misplaced read shows.
	# GNU seq: busybox's (first in PATH) is 14 times slower at this.
	/usr/bin/seq 1 3000000 | head -c 16M > /tmp/pattern
	want=$(md5sum < /tmp/pattern)
	dd if=/tmp/pattern of=/dev/vda bs=1M oflag=direct 2>/dev/null
	b0=$(grep -E 'virtio[0-9]+-req' /proc/interrupts | tr '\n' '|')
	got=$(taskset -c 1 dd if=/dev/vda bs=1M count=16 iflag=direct 2>/dev/null | md5sum)
	b1=$(grep -E 'virtio[0-9]+-req' /proc/interrupts | tr '\n' '|')
	echo "disk-read-cpu1: $([ "$got" = "$want" ] && echo same || echo DIFFERENT)"
	echo "blk-before: $b0"
	echo "blk-after: $b1"
	phase disk-write-and-read

	# Each request queue has a managed interrupt (--disk-queues). A read
	# from every online CPU completes, also after the unreachable CPUs
	# went offline, then every reachable one but CPU 0, and the
	# unreachable ones came back without them.
	echo "blk-queues: $(ls -d /sys/block/vda/mq/[0-9]* | wc -l)"
	echo "blk-managed: $(grep -E 'virtio[0-9]+-req' /proc/interrupts | awk '{sub(":", "", $1); print $1}' |
		while read -r n; do grep -q IRQD_AFFINITY_MANAGED /sys/kernel/debug/irq/irqs/$n && echo "$n:$(cat /proc/irq/$n/smp_affinity_list)"; done | paste -sd' ')"
	online=$(cat /sys/devices/system/cpu/online)
	echo "disk-read-each: $(for c in $(cpus_in "$online"); do read_on "$c" /dev/vda 16 "$want"; done | paste -sd' ')"
	unreach=$(online_other 0)
	others=$(online_other 1)
	for c in $unreach $others; do cpu_set "$c" 0; done
	for c in $unreach; do cpu_set "$c" 1; done
	echo "disk-read-unreachable-alone: online $(cat /sys/devices/system/cpu/online): $(for c in $unreach; do read_on "$c" /dev/vda 16 "$want"; done | paste -sd' ')"
	for c in $others; do cpu_set "$c" 1; done
	phase reads-per-cpu

	reads=0 bad=0 flips=0
	(
		for i in $(seq 12); do
			for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
				echo 0 > "$c" 2>/dev/null && echo flip
			done
			sleep 0.2
			for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
				echo 1 > "$c" 2>/dev/null
			done
			sleep 0.2
		done
	) > /tmp/flips &
	hp=$!
	while kill -0 $hp 2>/dev/null; do
		got=$(dd if=/dev/vda bs=1M count=16 iflag=direct 2>/dev/null | md5sum)
		reads=$((reads + 1))
		[ "$got" = "$want" ] || bad=$((bad + 1))
	done
	wait $hp
	echo "hotplug-reads: $reads"
	echo "hotplug-bad-reads: $bad"
	echo "hotplug-offlines: $(grep -c flip /tmp/flips)"
	echo "online-after: $(cat /sys/devices/system/cpu/online)"
fi
phase hotplug-reads
bad="WARNING:|BUG:|timed out|I/O error|Failed to redirect|$IRQ_SPLATS"
echo "dmesg-warnings: $(dmesg | grep -c -E "$bad")"
dmesg | grep -E "pvapic-irq|$bad" | sed 's/^/dmesg: /'
phase dmesg
phases_print
exit 0
