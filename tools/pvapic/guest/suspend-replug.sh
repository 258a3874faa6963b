#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest with --disk N --disk-queues 4 --suspend-ready
# and pm_test (the debug guest). Usage:
#   suspend-replug.sh [CYCLES]
# Reproduces what the soak's suspend check can meet on 7.3 (README, "Linux
# 7.3"): the disk removed and probed again while CPUs 1-3 are offline (the
# soak's replug probes while CPUs go offline and online), CPUs 1-3 back
# online, then CYCLES suspends to RAM stopped by pm_test at "core", each
# followed by a 4 MiB read on every online CPU. Prints the disk queues'
# affinities and blk-mq's map (hctxN:CPUs) at boot, after the probe and
# after each suspend, and the online CPUs whose queue completes on a
# shut-down interrupt (queue_faults); stops at the first read that does
# not complete, with /proc/interrupts and each queue's interrupt state.
# E.g. (9.5 minutes here):
#   tools/pvapic/pvapic-vm --guest debug --apic-ids 0,1,0x105,0x1ff \
#	--ext-dest-id off --disk 64 --disk-queues 4 --irq-devices \
#	--suspend-ready --append "watchdog_thresh=60 possible_cpus=264" \
#	--timeout 1200 -- tools/pvapic/guest/suspend-replug.sh
source "$(dirname "$0")/lib.sh"
cycles=${1:-1}
[ -w /sys/power/pm_test ] || { echo "suspend-replug: no /sys/power/pm_test (CONFIG_PM_DEBUG)"; exit 1; }
[ -b /dev/vda ] || { echo "suspend-replug: no disk (/dev/vda)"; exit 1; }
cpu=(/sys/devices/system/cpu/cpu[1-9]*/online)
pci=$(disk_pci /dev/vda)

# ranges: numbers, one a line in ascending order, as a CPU list ("1,4-68").
ranges() {
	awk 'NR == 1 { a = b = $1; next }
	     $1 == b + 1 { b = $1; next }
	     { printf "%s%s,", a, (a == b ? "" : "-" b); a = b = $1 }
	     END { if (NR) printf "%s%s", a, (a == b ? "" : "-" b) }'
}

# queue_irqs DEV: the numbers of the disk DEV's per-queue interrupts.
queue_irqs() {
	awk -v v="$(disk_virtio "$1")-req." 'index($NF, v) == 1 { sub(":", "", $1); print $1 }' /proc/interrupts
}

# The disk's queue interrupts' affinities, then blk-mq's map.
masks() {
	local d=${1#/dev/} i h
	for i in $(queue_irqs "$d"); do
		printf '%s ' "$(cat "/proc/irq/$i/smp_affinity_list")"
	done
	for h in /sys/kernel/debug/block/"$d"/hctx*; do
		printf 'hctx%s:%s ' "${h##*hctx}" "$(ls -d "$h"/cpu* 2>/dev/null | sed 's,.*/cpu,,' | sort -n | ranges)"
	done
	echo
}
faults() { echo "queue faults: [$(queue_faults "$1" | paste -sd';')]"; }

echo "possible: $(cat /sys/devices/system/cpu/possible), online: $(cat /sys/devices/system/cpu/online)"
/usr/bin/seq 1 3000000 | head -c 16M > /tmp/pattern
dd if=/tmp/pattern of=/dev/vda bs=1M oflag=direct 2>/dev/null
want4=$(dd if=/tmp/pattern bs=1M count=4 2>/dev/null | md5sum)
echo "at boot: $(masks /dev/vda)"

for c in "${cpu[@]}"; do echo 0 > "$c"; done
disk_replug "$pci"
dev=$(disk_back "$pci") || { echo "suspend-replug: the disk did not come back"; exit 1; }
echo "probed with CPUs $(cat /sys/devices/system/cpu/online) online: $(masks "$dev")"
for c in "${cpu[@]}"; do echo 1 > "$c"; done
echo "CPUs $(cat /sys/devices/system/cpu/online) online: $(masks "$dev")"
faults "$dev"

for k in $(seq "$cycles"); do
	echo 1 > /sys/module/suspend/parameters/pm_test_delay
	echo core > /sys/power/pm_test
	err=$( { echo deep > /sys/power/mem_sleep && echo mem > /sys/power/state; } 2>&1 )
	echo none > /sys/power/pm_test
	echo "after suspend $k${err:+ ($err)}: $(masks "$dev")"
	faults "$dev"
	r=$(for c in $(cpus_in "$(cat /sys/devices/system/cpu/online)"); do
		read_on "$c" "$dev" 4 "$want4"; done | paste -sd' ')
	echo "reads after suspend $k: $r"
	case $r in
	*FAILED*)
		grep -E 'CPU|virtio' /proc/interrupts
		for i in $(queue_irqs "$dev"); do
			echo "irq $i: $(grep -o -E 'IRQD_[A-Z_]+' "/sys/kernel/debug/irq/irqs/$i" | paste -sd' ')"
		done
		exit 1 ;;
	esac
done
