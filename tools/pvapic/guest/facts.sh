#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest: print the facts the test suites assert on,
# one "key: value" per line. Usage: facts.sh [STORM-ROUNDS]
rounds=${1:-0}
KBUILD=$(dirname "$(readlink -f /proc/self/exe)")
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}
source "$(dirname "$0")/lib.sh"

echo "online: $(cat /sys/devices/system/cpu/online)"
dmesg | grep -E 'pvapic|kvm-guest|x2apic|APIC ID' | sed 's/^\[[^]]*\] /dmesg: /'

# KUnit results of our suites (they ran at boot).
for d in /sys/kernel/debug/kunit/pvapic*; do
	[ -d "$d" ] || continue
	s=${d##*/}
	grep -E '^    (not )?ok ' "$d/results" | sed "s/^    /kunit: $s /"
done

# The storm's multicasts are traced (pvapic_multicast), and windows-check
# compares each one's hypercalls with the fewest its targets need.
tr=/sys/kernel/tracing
ev=$tr/events/pvapic/pvapic_multicast
if [ "$rounds" -gt 0 ]; then
	if [ -d "$ev" ]; then
		echo 2048 > $tr/buffer_size_kb
		: > $tr/trace
		echo 1 > $ev/enable
	fi
	insmod "$obj/lib/test_pvapic_storm.ko" rounds="$rounds" 2>&1 | sed 's/^/insmod: /'
	echo "storm-rc: ${PIPESTATUS[0]}"
	if [ -d "$ev" ]; then
		echo 0 > $ev/enable
		sed -n 's/^# entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\) .*/windows-kept: \1 of \2/p' $tr/trace
		"$(dirname "$0")/windows-check" "$(sed -n 's/^width: //p' /sys/kernel/debug/pvapic/pvipi)" < $tr/trace
	fi
	storm_lines
	rmmod test_pvapic_storm 2>/dev/null
fi
[ -r /sys/kernel/debug/pvapic/pvipi ] && sed 's/^/pvipi-/' /sys/kernel/debug/pvapic/pvipi
exit 0
