#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest for `make run`: what a user wants to see.
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}

echo "== kernel: $(uname -r) ($(cut -d' ' -f4- /proc/version | head -c 60)...)"
echo "== CPUs online: $(cat /sys/devices/system/cpu/online) of possible $(cat /sys/devices/system/cpu/possible)"
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	n=${c##*/cpu}
	[ "$(cat "$c/online" 2>/dev/null || echo 1)" = 1 ] || continue
	printf '   cpu%-4s apicid %#x\n' "$n" \
		"$(awk -v c="$n" '$1=="processor"{p=$3} $1=="apicid"&&p==c{print $3}' /proc/cpuinfo)"
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
