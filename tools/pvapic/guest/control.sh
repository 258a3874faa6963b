#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest for tests/control.sh. Usage:
#   control.sh off N         switch the PV path off, send N multicasts
#   control.sh on N          send N multicasts with the switch on, run the
#                            pvapic kselftests, then the storm with injected
#                            hypercall faults, then backtrace NMIs with
#                            every hypercall short (the storm while the
#                            switch flips is part of the soak, guest/soak.sh)
# Prints "key: value" lines; kselftest output is passed through.
mode=${1:?mode} n=${2:?N}
obj=${PVAPIC_GUEST_OBJ:?PVAPIC_GUEST_OBJ not set}
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
G=$(dirname "$(readlink -f "$0")")
sw=/sys/kernel/pvapic/ipi/enabled

if [ "$mode" = off ]; then
	echo 0 > $sw || exit 1
fi
echo "enabled: $(cat $sw)"
"$G/multicast.sh" "$n"
[ "$mode" = off ] && exit 0

cd "$st" || exit 1
for t in ipi_sysfs ipi_trace trace_tools.sh; do
	echo "=== selftest $t"
	./$t 2>&1
	echo "selftest-rc: $t $?"
done

# The storm with every 7th hypercall failing, then delivering short: the
# native fallback must make up for each, and nothing may be lost.
dbg=/sys/kernel/debug/pvapic
field() { sed -n "s/^$1: //p" $dbg/pvipi; }
for mode in N Y; do
	echo $mode > $dbg/fail_short
	i0=$(field faults_injected) e0=$(field errors) s0=$(field short_counts) f0=$(field fallback_ipis)
	echo 7 > $dbg/fail_nth
	insmod "$obj/lib/test_pvapic_storm.ko" rounds=500 2>&1 | sed 's/^/insmod: /'
	rc=${PIPESTATUS[0]}
	echo 0 > $dbg/fail_nth
	rmmod test_pvapic_storm 2>/dev/null
	echo "fault-$mode: rc=$rc injected=$(($(field faults_injected) - i0)) errors=$(($(field errors) - e0)) short=$(($(field short_counts) - s0)) fallback_ipis=$(($(field fallback_ipis) - f0))"
	dmesg | grep -E 'test_pvapic_storm: (PASS|FAIL)' | tail -1 | sed "s/^\[[^]]*\] /fault-$mode-storm: /"
done

# Backtrace NMIs (sysrq l) while every hypercall delivers short: each CPU
# must take exactly one NMI. A second copy would be an unknown NMI, which
# panics the guest with kernel.unknown_nmi_panic=1 and so fails the run
# (last: it ends the run); the count below would only see one that did
# not panic.
echo Y > $dbg/fail_short
i0=$(field faults_injected) s0=$(field short_counts) f0=$(field fallback_ipis)
echo "pvapic-test: sysrq l" > /dev/kmsg
echo 1 > /proc/sys/kernel/unknown_nmi_panic
echo 1 > $dbg/fail_nth
echo l > /proc/sysrq-trigger
echo "pvapic-test: sysrq l returned" > /dev/kmsg
echo 0 > $dbg/fail_nth
# The write returns once every CPU has answered (or after 10 s), and no
# other backtrace can print meanwhile (nmi_backtrace serialises its
# requesters): the backtraces counted are those before it returned. A
# later one belongs to another reporter (a csd or RCU stall report, which
# a stall of the emulation can cause, and a lost IPI too: those reports
# are counted and shown, and the storms above are the loss test).
sleep 1
echo "pvapic-test: sysrq l done" > /dev/kmsg
echo 0 > /proc/sys/kernel/unknown_nmi_panic
echo "sysrq-faults: injected=$(($(field faults_injected) - i0)) short=$(($(field short_counts) - s0)) fallback_ipis=$(($(field fallback_ipis) - f0))"
bt=$(dmesg | sed -n '/pvapic-test: sysrq l$/,/pvapic-test: sysrq l done/p')
echo "sysrq-backtraces: $(printf '%s\n' "$bt" | sed -n '/pvapic-test: sysrq l returned/q; s/.*NMI backtrace for cpu \([0-9]*\)\( skipped: .*\)\{0,1\}$/\1/p' | sort -n | tr '\n' ' ')"
echo "sysrq-unknown: $(printf '%s\n' "$bt" | grep -c -E 'NMI received for unknown reason|Dazed and confused')"
rep='csd: |rcu: INFO|detected stall|soft lockup'
echo "sysrq-reports: $(printf '%s\n' "$bt" | grep -c -E "$rep")"
{
	printf '%s\n' "$bt" | grep -E "$rep"
	printf '%s\n' "$bt" | grep -E 'pvapic-test|sysrq|Sending NMI|NMI backtrace|NMI received|Dazed'
} | head -30 | sed 's/^/sysrq-log: /'
echo "sysrq-online: $(cat /sys/devices/system/cpu/online)"
exit 0
