#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest for `make run`: what a user wants to see.
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}
source "$(dirname "$0")/lib.sh"

echo "== kernel: $(uname -r) ($(cut -d' ' -f4- /proc/version | head -c 60)...)"
echo "== CPUs online: $(cat /sys/devices/system/cpu/online) of possible $(cat /sys/devices/system/cpu/possible)"
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	n=${c##*/cpu}
	[ "$(cat "$c/online" 2>/dev/null || echo 1)" = 1 ] || continue
	printf '   cpu%-4s apicid %#x\n' "$n" \
		"$(apicid_of "$n")"
done
echo "== boot messages"
dmesg | grep -E 'pvapic|kvm-guest: (setup|PV)|x2apic|Aborting bringup|KTAP|# pvapic|ok [0-9]+ pvapic' |
	sed 's/^\[[^]]*\] /   /'
if [ -r /sys/kernel/debug/pvapic/pvipi ]; then
	echo "== PV IPI cluster driver (/sys/kernel/debug/pvapic/pvipi)"
	sed 's/^/   /' /sys/kernel/debug/pvapic/pvipi
	echo "== IPI storm: every CPU sends 500 random multicasts and waits for each"
	insmod "$obj/lib/test_pvapic_storm.ko" rounds=500 && rmmod test_pvapic_storm
	dmesg | grep -E 'test_pvapic_storm: (PASS|FAIL)' | tail -1 | sed 's/^\[[^]]*\] /   /'
	echo "== 200 multicasts to every CPU (sender included), one at a time"
	"$(dirname "$0")/multicast.sh" 200 | sed 's/^/   /'
	echo "== PV IPI counters after the storm and the multicasts"
	sed 's/^/   /' /sys/kernel/debug/pvapic/pvipi | grep -E 'multicasts|targets|hypercalls|fallback'
fi
if [ -d /sys/kernel/pvapic ]; then
	echo "== switches and state (/sys/kernel/pvapic)"
	for f in /sys/kernel/pvapic/*/*; do
		printf '   %-28s %s\n' "${f#/sys/kernel/pvapic/}" "$(cat "$f")"
	done
	echo "== device interrupts (effective CPU; only reachable CPUs take them)"
	grep -E 'PCI-MSI|IO-APIC' /proc/interrupts | while read -r n rest; do
		n=${n%:}
		printf '   irq %-4s cpu %-4s %s\n' "$n" "$(cat /proc/irq/$n/effective_affinity_list)" \
			"$(awk '{print $NF}' <<<"$rest")"
	done
fi
ko=$obj/lib/test_pvapic_ipi_bench.ko
sw=/sys/kernel/pvapic/ipi/enabled
if [ -f "$ko" ] && [ -w $sw ] && [ "$(cat $sw)" = 1 ] && insmod "$ko"; then
	b=/sys/kernel/debug/pvapic_ipi_bench
	n=$(nproc)
	echo "== IPI round trip, CPU 0 -> CPUs 1-$((n - 2)) (benchmark module, 200 calls, ns)"
	echo 200 > $b/iterations
	echo "1-$((n - 2))" > $b/mask
	for on in 1 0; do
		echo $on > $sw
		taskset -c 0 sh -c "echo multicast > $b/run"
		printf '   PV path %-3s %s\n' "$([ $on = 1 ] && echo on || echo off)" \
			"$(sed -n 's/^multicast .*targets=\([0-9]*\) \(.*\)/targets=\1 \2/p' $b/results)"
	done
	echo 1 > $sw
	rmmod test_pvapic_ipi_bench
fi
