#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest: send N multicasts to every online CPU (the
# sender included) and print what the PV IPI driver and the CPUs counted.
n=${1:?usage: multicast.sh N}
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}
pv=/sys/kernel/debug/pvapic/pvipi
cal() { awk '$1=="CAL:"{s=""; for(i=2;i<=NF && $i ~ /^[0-9]+$/;i++) s=s" "$i; print s}' /proc/interrupts; }
field() { sed -n "s/^$1: //p" $pv; }

echo "width: $(field width)"
echo "host_wide: $(field host_wide)"
h0=$(field hypercalls) c0=$(cal)
insmod "$obj/lib/test_pvapic_storm.ko" multicast="$n"; echo "multicast-rc: $?"
rmmod test_pvapic_storm 2>/dev/null
h1=$(field hypercalls) c1=$(cal)
echo "hypercalls: $((h1 - h0))"
echo "hypercalls-total: $h1"
read -ra a <<<"$c0"
read -ra b <<<"$c1"
d=""
for i in "${!a[@]}"; do d="$d $((b[i] - a[i]))"; done
echo "cal_delta:$d"
echo "fallback_ipis: $(field fallback_ipis)"
