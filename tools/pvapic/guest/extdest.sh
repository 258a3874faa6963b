#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest (with --disk) for tests/extdest.sh: prints the
# facts about unreachable CPUs as "key: value" lines, runs the irq_affinity
# kselftest, reads the disk from every CPU (also with only CPU 0 and the
# unreachable CPUs online), then while the CPUs other than 0 go offline
# and online, checking every block read back.
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
ir=/sys/kernel/pvapic/irq

echo "online: $(cat /sys/devices/system/cpu/online)"
echo "possible: $(cat /sys/devices/system/cpu/possible)"
for f in active mode ext_dest_id apic_id_limit reachable; do
	echo "irq-$f: $(cat $ir/$f 2>&1)"
done
"$(dirname "$0")/irq-hierarchy.sh"
for d in /sys/kernel/debug/kunit/pvapic_extdest; do
	[ -d "$d" ] && grep -E '^    (not )?ok ' "$d/results" | sed 's/^    /kunit: /'
done
# Every interrupt's effective CPUs, one line each.
for d in /proc/irq/[0-9]*; do
	e=$(cat "$d/effective_affinity_list" 2>/dev/null)
	[ -n "$e" ] && echo "effective: ${d##*/} $e"
done

# The disk's first queue interrupt and the root's 9p interrupt (not managed).
blk=$(awk '/virtio[0-9]+-req/ {sub(":", "", $1); print $1; exit}' /proc/interrupts)
p9=$(awk '/virtio[0-9]+-requests/ {sub(":", "", $1); print $1; exit}' /proc/interrupts)
echo "blk-irq: $blk"
echo "9p-irq: $p9"
grep -E 'virtio' /proc/interrupts | sed 's/^/interrupts: /'

# echo 1 > /proc/irq/N/smp_affinity_list for the 9p interrupt.
if [ -n "$p9" ]; then
	before=$(cat /proc/irq/$p9/smp_affinity_list)
	err=$( { echo 1 > /proc/irq/$p9/smp_affinity_list; } 2>&1 )
	echo "pin-cpu1-rc: $? ${err##*: }"
	echo "pin-cpu1-after: $(cat /proc/irq/$p9/smp_affinity_list) (before: $before)"
	echo "pin-cpu1-effective: $(cat /proc/irq/$p9/effective_affinity_list)"
	# Reading files goes through 9p: count that interrupt per CPU.
	c0=$(grep "^ *$p9:" /proc/interrupts)
	find /usr/share/doc -type f 2>/dev/null | head -300 | xargs cat > /dev/null 2>&1
	c1=$(grep "^ *$p9:" /proc/interrupts)
	echo "9p-before: $c0"
	echo "9p-after: $c1"
fi

# The serial port's IOAPIC interrupt, which moves at its next interrupt
# (or when it is activated): pin it to CPU 1.
if [ -d /proc/irq/4 ]; then
	grep -q IRQD_ACTIVATED /sys/kernel/debug/irq/irqs/4 && act=activated || act=inactive
	echo "pin4-state: $act"
	before=$(cat /proc/irq/4/smp_affinity_list)
	err=$( { echo 1 > /proc/irq/4/smp_affinity_list; } 2>&1 )
	echo "pin4-cpu1-rc: $? ${err##*: }"
	echo "pin4-cpu1-after: $(cat /proc/irq/4/smp_affinity_list) (before: $before)"
	echo "$before" > /proc/irq/4/smp_affinity_list
fi

echo "=== selftest irq_affinity"
"$st/irq_affinity" 2>&1
echo "selftest-rc: irq_affinity $?"

# Disk I/O on CPU 1 (its queue's interrupt), then under CPU hotplug.
if [ -b /dev/vda ]; then
	# Numbered lines, not /dev/urandom: before the CRNG is ready a read of
	# urandom spins for entropy, about 40 s in this emulation. Every 1 MiB
	# block still differs from every other, so a misplaced read shows.
	seq 1 3000000 | head -c 16M > /tmp/pattern
	want=$(md5sum < /tmp/pattern)
	dd if=/tmp/pattern of=/dev/vda bs=1M oflag=direct 2>/dev/null
	b0=$(grep -E 'virtio[0-9]+-req' /proc/interrupts | tr '\n' '|')
	got=$(taskset -c 1 dd if=/dev/vda bs=1M count=16 iflag=direct 2>/dev/null | md5sum)
	b1=$(grep -E 'virtio[0-9]+-req' /proc/interrupts | tr '\n' '|')
	echo "disk-read-cpu1: $([ "$got" = "$want" ] && echo same || echo DIFFERENT)"
	echo "blk-before: $b0"
	echo "blk-after: $b1"

	# Each request queue has a managed interrupt (--disk-queues). A read
	# from every online CPU completes, also after the unreachable CPUs
	# went offline, then every reachable one but CPU 0, and the
	# unreachable ones came back without them.
	echo "blk-queues: $(ls -d /sys/block/vda/mq/[0-9]* | wc -l)"
	echo "blk-managed: $(grep -E 'virtio[0-9]+-req' /proc/interrupts | awk '{sub(":", "", $1); print $1}' |
		while read -r n; do grep -q IRQD_AFFINITY_MANAGED /sys/kernel/debug/irq/irqs/$n && echo "$n:$(cat /proc/irq/$n/smp_affinity_list)"; done | paste -sd' ')"
	# A read whose completion never arrives cannot be killed: wait 60 s.
	read_on() {
		rm -f /tmp/read.$1
		(taskset -c "$1" dd if=/dev/vda bs=1M count=16 iflag=direct 2>/dev/null |
			md5sum > /tmp/read.$1.new && mv /tmp/read.$1.new /tmp/read.$1) &
		for i in $(seq 600); do [ -f /tmp/read.$1 ] && break; sleep 0.1; done
		[ "$(cat /tmp/read.$1 2>/dev/null)" = "$want" ] && echo "$1:same" || echo "$1:FAILED"
	}
	cpus_in() { awk -v l="$1" 'BEGIN { n = split(l, p, ","); for (i = 1; i <= n; i++) { if (split(p[i], r, "-") == 1) r[2] = r[1]; for (c = r[1]; c <= r[2]; c++) print c } }'; }
	online=$(cat /sys/devices/system/cpu/online)
	reach=$(cat $ir/reachable)
	echo "disk-read-each: $(for c in $(cpus_in "$online"); do read_on "$c"; done | paste -sd' ')"
	unreach=$(for c in $(cpus_in "$online"); do cpus_in "$reach" | grep -qx "$c" || echo "$c"; done)
	others=$(for c in $(cpus_in "$online"); do [ "$c" != 0 ] && cpus_in "$reach" | grep -qx "$c" && echo "$c"; done)
	for c in $unreach $others; do echo 0 > /sys/devices/system/cpu/cpu$c/online; done
	for c in $unreach; do echo 1 > /sys/devices/system/cpu/cpu$c/online; done
	echo "disk-read-unreachable-alone: online $(cat /sys/devices/system/cpu/online): $(for c in $unreach; do read_on "$c"; done | paste -sd' ')"
	for c in $others; do echo 1 > /sys/devices/system/cpu/cpu$c/online; done

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
echo "dmesg-warnings: $(dmesg | grep -c -E 'WARNING:|BUG:|timed out|I/O error|Failed to redirect')"
dmesg | grep -E 'pvapic-irq|WARNING:|BUG:|timed out|I/O error|Failed to redirect' | sed 's/^/dmesg: /'
exit 0
