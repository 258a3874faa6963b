#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest on a host with the 192-bit hypercall: make it
# answer -KVM_ENOSYS (debugfs fail_wide, as after a live migration to a
# host without it), send N multicasts and print what changed, as
# "wg-KEY: value" lines. Usage: wide-gone.sh N
n=${1:?usage: wide-gone.sh N}
G=$(dirname "$(readlink -f "$0")")
dbg=/sys/kernel/debug/pvapic
ipi=/sys/kernel/pvapic/ipi
field() { sed -n "s/^$1: //p" $dbg/pvipi; }

tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr
ev=$tr/events/pvapic/pvapic_hypercall
echo > $tr/trace
echo 1 > $ev/enable || exit 1
e0=$(field wide_enosys) f0=$(field fallback_ipis)
echo 1 > $dbg/fail_wide || exit 1
out=$("$G/multicast.sh" "$n")
echo 0 > $dbg/fail_wide
echo 0 > $ev/enable
# The refused call and, right after it on that CPU, the two that replaced it.
t=$(grep 'pvapic_hypercall:' $tr/trace)
echo "wg-trace: refused=$(grep -c 'width=192 .* ret=-1000$' <<<"$t") after=$(grep -A2 'width=192 .* ret=-1000$' <<<"$t" | grep -c 'width=128 .* ret=[12]$')"
printf '%s\n' "$out" | sed -n -E 's/^(hypercalls|cal_delta|multicast-rc):/wg-\1:/p'
echo "wg-wide_enosys: $(($(field wide_enosys) - e0))"
echo "wg-fallback_ipis: $(($(field fallback_ipis) - f0))"
echo "wg-width: $(cat $ipi/width) host_wide=$(cat $ipi/host_wide)"
if echo 192 2>/dev/null > $ipi/width; then r=accepted; else r=refused; fi
echo "wg-width-192: $r, width $(cat $ipi/width)"
echo "wg-dmesg: $(dmesg | grep -c 'answers the 192-bit IPI hypercall with -KVM_ENOSYS')"
