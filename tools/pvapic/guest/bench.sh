#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a rig guest for tools/pvapic/pvapic-bench. Usage:
#   bench.sh MODULE.ko ITERATIONS on|off|stock
# From CPU 0, multicasts to 1 CPU, half of the others and all but CPU 0
# (the kernel must be booted with no_ipi_broadcast=1, so all-but-self is
# a mask and not the broadcast shorthand). Per phase it prints one line:
#   phase NAME targets=N calls=N ns=N exits=N hypercalls=N p50=N p99=N ...
# where exits and hypercalls are the host's counters over the phase, and
# a "baseline" phase of sleeping gives the background exit rate.
#
# PVAPIC_BENCH_PLUG=APICID first hot-adds a vCPU with that APIC ID
# (pvapic-plug): the topology then has a CPU out of APIC-ID order. The
# masks are of the online CPUs other than 0, in CPU order.
ko=${1:?module} n=${2:?iterations} mode=${3:?mode}
G=$(dirname "$(readlink -f "$0")")
source "$G/lib.sh"
if [ -n "${PVAPIC_BENCH_PLUG:-}" ]; then
	c=$("$G/pvapic-plug" add "$PVAPIC_BENCH_PLUG") || exit 1
	echo "plugged: APIC ID $PVAPIC_BENCH_PLUG is CPU $c"
fi
D=/sys/kernel/debug/pvapic_ipi_bench
sw=/sys/kernel/pvapic/ipi/enabled
snap() { "$G/host-snapshot" | sed 's/[a-z]*=//g'; }

case $mode in
off) echo 0 > $sw || exit 1 ;;
on) [ "$(cat $sw)" = 1 ] || { echo "bench: PV path not active" >&2; exit 1; } ;;
esac
insmod "$ko" || exit 1
echo "$n" > $D/iterations || exit 1
online=$(cat /sys/devices/system/cpu/online)
echo "online: $online"
echo "kernel: $(uname -r) $(cat /proc/cmdline | grep -o 'no_ipi_broadcast=[^ ]*')"
[ -r /sys/kernel/debug/pvapic/pvipi ] && sed -n 's/^width: /width: /p' /sys/kernel/debug/pvapic/pvipi

read -r e0 h0 <<<"$(snap)"
t0=$(date +%s%N)
sleep 3
read -r e1 h1 <<<"$(snap)"
t1=$(date +%s%N)
echo "phase baseline ns=$((t1 - t0)) exits=$((e1 - e0)) hypercalls=$((h1 - h0))"

# (A here-string: the guest has no /dev/fd for a process substitution.)
mapfile -t others <<<"$(cpus_in "$online" | grep -vx 0)"
half=$(( (${#others[@]} + 1) / 2 ))
for phase in one half allbutself; do
	case $phase in
	one) mask=${others[0]} ;;
	half) mask=$(printf '%s\n' "${others[@]:0:half}" | paste -sd,) ;;
	allbutself) mask=$(printf '%s\n' "${others[@]}" | paste -sd,) ;;
	esac
	echo "$mask" > $D/mask || exit 1
	read -r e0 h0 <<<"$(snap)"
	t0=$(date +%s%N)
	taskset -c 0 sh -c "echo multicast > $D/run" || exit 1
	t1=$(date +%s%N)
	read -r e1 h1 <<<"$(snap)"
	r=$(grep '^multicast ' $D/results)
	echo "phase $phase mask=$mask ns=$((t1 - t0)) exits=$((e1 - e0)) hypercalls=$((h1 - h0)) ${r#multicast }"
done
rmmod test_pvapic_ipi_bench
