# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the bash guest scripts (extdest.sh, facts.sh, soak.sh,
# bench.sh, kdump.sh, show.sh, suspend-replug.sh, pvapic-plug, pvapic-stall).

# dmesg lines of the vector domain running short, which no test should
# cause: extra patterns for each script's failure check.
IRQ_SPLATS='Affinity broken|reservation exceeds|Cannot disable CPU|IRQ request may fail'

# read_on CPU DEV MIB WANT: "CPU:same" when the first MIB MiB of DEV, read
# on CPU with O_DIRECT, have the md5sum WANT; "CPU:FAILED" otherwise. A
# read whose completion never arrives cannot be killed: it is left behind
# after 600 polls 0.1 s apart (60 s or more: each sleep is a program read
# over 9p), with its output detached so that a caller's $(...) ends.
read_on() {
	local f=/tmp/read.$1 i
	rm -f "$f"
	(taskset -c "$1" dd if="$2" bs=1M count="$3" iflag=direct 2>/dev/null |
		md5sum > "$f.new" && mv "$f.new" "$f") </dev/null >/dev/null 2>&1 &
	for i in $(seq 600); do [ -f "$f" ] && break; sleep 0.1; done
	[ "$(cat "$f" 2>/dev/null)" = "$4" ] && echo "$1:same" || echo "$1:FAILED"
}

# cpus_in LIST: the CPUs of a CPU list ("0,3-5"), one a line.
cpus_in() {
	awk -v l="$1" 'BEGIN { n = split(l, p, ","); for (i = 1; i <= n; i++) { if (split(p[i], r, "-") == 1) r[2] = r[1]; for (c = r[1]; c <= r[2]; c++) print c } }'
}

# online_other REACH: the online CPUs other than CPU 0 that device
# interrupts can (REACH=1) or cannot (REACH=0) reach. CPU 0 is always
# reachable.
online_other() {
	local reach c r
	reach=$(cpus_in "$(cat /sys/kernel/pvapic/irq/reachable)")
	for c in $(cpus_in "$(cat /sys/devices/system/cpu/online)"); do
		[ "$c" != 0 ] || continue
		if printf '%s\n' "$reach" | grep -qx "$c"; then r=1; else r=0; fi
		[ "$r" = "$1" ] && echo "$c"
	done
}

cpu_set() { echo "$2" > "/sys/devices/system/cpu/cpu$1/online"; }

# disk_virtio DEV: the virtio device of the virtio disk DEV (/dev/vda ->
# virtio0), under PVAPIC_SYSROOT if set; disk_pci DEV: its PCI function.
disk_device() { readlink -f "${PVAPIC_SYSROOT:-}/sys/block/${1#/dev/}/device"; }
disk_virtio() { basename "$(disk_device "$1")"; }
disk_pci() { basename "$(dirname "$(disk_device "$1")")"; }
# disk_replug PCI: remove the PCI function PCI and rescan the bus.
disk_replug() { echo 1 > "/sys/bus/pci/devices/$1/remove" && echo 1 > /sys/bus/pci/rescan; }
# disk_back PCI: "/dev/NAME" of the disk of the virtio function PCI once
# it is probed again; waits up to 300 polls (30 s or more).
disk_back() {
	local i d
	for i in $(seq 300); do
		d=$(ls /sys/bus/pci/devices/"$1"/virtio*/block 2>/dev/null | head -1)
		[ -n "$d" ] && [ -b "/dev/$d" ] && { echo "/dev/$d"; return 0; }
		sleep 0.1
	done
	return 1
}

# queue_faults DEV: each online CPU whose blk-mq hardware queue of the
# virtio disk DEV (/dev/vda) completes on an interrupt that is not
# started, one line "CPU C: hctxN, irq I (virtioX-req.N, affinity LIST)
# shut down", in CPU order, from blk-mq's debugfs map (hctxN/cpuC) and the
# interrupt's state (a queue without an interrupt of its own completes on
# virtioX-virtqueues, or on the INTx virtioX, which may be shared: "virtio0,
# virtio1"; poll queues have none).
# Nothing when every online CPU's queue can complete; a line and status 1
# when the map or an interrupt's state cannot be read. A resume of
# virtio-blk sets up its interrupts again but keeps the queue map of its
# probe, and the two spreads need not agree (README, "Linux 7.3").
# PVAPIC_SYSROOT, if set, is where /sys and /proc are (the rig suite's test
# of this function).
queue_faults() {
	queue_faults_unsorted "$@" | sort -n -k2
	return "${PIPESTATUS[0]}"
}
queue_faults_unsorted() {
	local r=${PVAPIC_SYSROOT:-} d=${1#/dev/} v h hs n c irq name online rc=0
	v=$(disk_virtio "$d")
	online=" $(cpus_in "$(cat "$r/sys/devices/system/cpu/online")" | paste -sd' ') "
	hs=("$r"/sys/kernel/debug/block/"$d"/hctx*)
	if [ ! -d "${hs[0]}" ]; then
		echo "no blk-mq map of $d in debugfs"
		return 1
	fi
	for h in "${hs[@]}"; do
		n=${h##*hctx}
		grep -q '^poll' "$h/type" 2>/dev/null && continue
		for name in "$v-req.$n" "$v-virtqueues" "$v"; do
			irq=$(awk -v name="$name" '
				{ for (i = NF; i > 1; i--) { f = $i; sub(/,$/, "", f)
				    if (f == name) { sub(":", "", $1); print $1; exit } } }' "$r/proc/interrupts")
			[ -n "$irq" ] && break
		done
		for c in "$h"/cpu*; do
			[ -d "$c" ] || continue
			c=${c##*/cpu}
			[[ $online == *" $c "* ]] || continue
			if [ -z "$irq" ]; then
				echo "CPU $c: hctx$n, no interrupt of $v in /proc/interrupts"
				rc=1
			elif [ ! -r "$r/sys/kernel/debug/irq/irqs/$irq" ]; then
				echo "CPU $c: hctx$n, irq $irq ($name): no state in debugfs"
				rc=1
			elif ! grep -q IRQD_IRQ_STARTED "$r/sys/kernel/debug/irq/irqs/$irq"; then
				echo "CPU $c: hctx$n, irq $irq ($name, affinity $(cat "$r/proc/irq/$irq/smp_affinity_list")) shut down"
			fi
		done
	done
	return $rc
}

# Where a guest script's time goes: phases_start when its command starts
# (it notes the guest's uptime then), phase NAME at the end of each part,
# and phases_print at the end ("phases-s: boot=UPTIME NAME=SECONDS ...").
phases_start() { phases="boot=$(cut -d. -f1 /proc/uptime)" phase_t0=$SECONDS; }
phase() { phases+=" $1=$((SECONDS - phase_t0))"; phase_t0=$SECONDS; }
phases_print() { echo "phases-s: $phases"; }

# apicid_of CPU: the APIC ID (decimal) /proc/cpuinfo gives an online CPU.
apicid_of() {
	awk -v c="$1" '$1 == "processor" { p = $3 } $1 == "apicid" && p == c { print $3; exit }' /proc/cpuinfo
}

# rig_ask OP ARG: have level 1 carry out a request of the rig guest
# (tools/pvapic/rig/l1-init: "add ID", "del ID", "stall SECONDS") and
# print its answer ("ok" or the reason). Returns 1, with the reason in the
# file $rig_err (the caller's), when the request cannot be made or gets no
# answer in 60 s.
# shellcheck disable=SC2154 # rig_err is set by the caller
rig_ask() {
	local name
	name=$$.$(date +%s%N)
	if [ -z "${pvrun:-}" ]; then
		echo "not in a pvapic rig guest (pvrun unset)" > "$rig_err"
		return 1
	fi
	mkdir -p "$pvrun/plug-req" 2>/dev/null
	if ! { echo "$1 $2" > "$pvrun/plug-req/$name.new" &&
	       mv "$pvrun/plug-req/$name.new" "$pvrun/plug-req/$name"; }; then
		echo "cannot write a request to the rig" > "$rig_err"
		return 1
	fi
	for _ in $(seq 600); do
		if [ -f "$pvrun/plug/$name" ]; then
			cat "$pvrun/plug/$name"
			return 0
		fi
		sleep 0.1
	done
	echo "no answer from the level-1 host in 60 s" > "$rig_err"
	return 1
}

# storm_lines: the storm module's last result line from dmesg as
# "storm: ...", and its first errors (waits that ran out, senders leaked)
# as "storm-error: ..." lines.
storm_lines() {
	dmesg | grep -E 'test_pvapic_storm: (PASS|FAIL)' | tail -1 | sed 's/^\[[^]]*\] /storm: /'
	dmesg | grep -E 'test_pvapic_storm: .*(did not|leaking)' | head -5 | sed 's/^\[[^]]*\] /storm-error: /'
}
