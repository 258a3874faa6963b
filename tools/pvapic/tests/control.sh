#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The run-time switch and what users see: with /sys/kernel/pvapic/ipi/enabled
# at 0 a multicast workload makes no hypercall at all (counted by the host),
# at 1 it does; the pvapic kselftests (sysfs switches, trace events, perf
# and trace-cmd) pass in the guest; the storm loses nothing when every 7th
# hypercall fails or delivers short. (The storm while the switch flips is
# in soak.sh.)
source "$(dirname "$0")/lib.sh"
BUILD=${PVAPIC_BUILD:-$PVAPIC_TOP/build}
OBJ=$BUILD/obj/guest-ours
ST=$BUILD/src/ours/tools/testing/selftests/pvapic
LOGDIR=$BUILD/check
G=$PVAPIC_TOP/tools/pvapic/guest
N=300
mkdir -p "$LOGDIR"

run() {
	local mode=$1
	shift
	vm --cpus 4 --host-stats --log "$LOGDIR/control-$mode.log" "$@" -- \
		env PVAPIC_GUEST_OBJ="$OBJ" PVAPIC_SELFTESTS="$ST" "$G/control.sh" "$mode" $N
}

# The pvapic kselftests are counted one by one from their KTAP lines.
NKSFT=$(grep -c '^TEST_F(' "$ST"/ipi_sysfs.c "$ST"/ipi_trace.c | awk -F: '{s+=$2} END {print s}')
tap_plan $((20 + NKSFT))

# On the host with the wide hypercall, pvapic_ipi_width=128 keeps 128-bit
# windows and skips the probe.
run off --host ours --append pvapic_ipi_width=128
tap_result $rc "switch off: the rig ran the guest" "$err"
expect_eq 128 "$(get width "$out")" "pvapic_ipi_width=128 keeps 128-bit windows on a wide host"
expect_eq 0 "$(get enabled "$out")" "switch off: enabled reads 0"
expect_eq 0 "$(get hypercalls "$out")" "switch off: the driver made no hypercall for $N multicasts"
# The boot may send a multicast or two before the switch goes off: the host
# counts exactly the driver's hypercalls since boot, and nothing else.
hh=$(host_hc "$out") ht=$(get hypercalls-total "$out")
[ -n "$hh" ] && [ "$hh" = "$ht" ]
tap_result $? "switch off: the host counted only the driver's hypercalls from before the switch went off ($hh, driver $ht)"
printf '%s\n' "$out" | grep -E '^(cal_delta|host):' | sed 's/^/# /'

run on
tap_result $rc "switch on: the rig ran the guest" "$err"
expect_eq 1 "$(get enabled "$out")" "switch on: enabled reads 1"
hc=$(get hypercalls "$out") hh=$(host_hc "$out")
[ -n "$hc" ] && [ "$hc" -ge $N ] && [ -n "$hh" ] && [ "$hh" -ge "$hc" ]
tap_result $? "switch on: $N multicasts made $hc hypercalls, the host counted $hh"

ksft_results kselftest \
	"$(printf '%s\n' "$out" | sed -n '/^=== selftest ipi_/,/^selftest-rc: ipi_trace/p')" "$NKSFT"
tools=$(printf '%s\n' "$out" | sed -n '/^=== selftest trace_tools.sh/,/^selftest-rc: trace_tools.sh/p')
expect_match 'ok 1 perf prints pvapic events' "$tools" "kselftest trace_tools.sh: perf prints the pvapic events"
expect_match 'ok 2 trace-cmd prints pvapic events' "$tools" "kselftest trace_tools.sh: trace-cmd prints the pvapic events"

printf '%s\n' "$out" | grep -E '^(host|hypercalls|cal_delta):' | sed 's/^/# /'

# Fault injection: every 7th hypercall fails (N) or delivers short (Y).
for mode in N Y; do
	line=$(get fault-$mode "$out")
	[[ $line =~ rc=([0-9]+)\ injected=([0-9]+)\ errors=([0-9]+)\ short=([0-9]+)\ fallback_ipis=([0-9]+) ]]
	frc=${BASH_REMATCH[1]:-x} inj=${BASH_REMATCH[2]:-0} ne=${BASH_REMATCH[3]:-x} ns=${BASH_REMATCH[4]:-x} fb=${BASH_REMATCH[5]:-0}
	if [ $mode = N ]; then what=failed want_e=$inj want_s=0; else what=short want_e=0 want_s=$inj; fi
	[ "$frc" = 0 ] && [ "$inj" -gt 0 ]
	tap_result $? "fault injection ($what): the storm loses nothing with $inj injected faults" "$line" \
		"$(get fault-$mode-storm "$out")"
	[ "$ne" = "$want_e" ] && [ "$ns" = "$want_s" ] && [ "$fb" -ge "$inj" ]
	tap_result $? "fault injection ($what): counters match ($ne errors, $ns short, $fb native IPIs for $inj faults)"
	# NMIs go one target per hypercall, so a short count names the
	# target that missed it and no NMI arrives twice (before, the whole
	# window was resent: 15 extra NMIs in this storm, 2026-11-29).
	storm_passed fault-$mode-storm "$out" \
		"fault injection ($what): every call, NMI and reschedule IPI of the storm arrived, no NMI twice"
	printf '# fault-%s: %s\n# %s\n' $mode "$line" "$(get fault-$mode-storm "$out")"
done

# sysrq l with every hypercall short and kernel.unknown_nmi_panic=1: one
# backtrace from each online CPU (the sender prints its own), and not one
# NMI twice (it would panic the guest, failing the boot above).
on=$(get sysrq-online "$out")
want="no CPU online list from the guest"
if [[ $on =~ ^([0-9]+)-([0-9]+)$ ]]; then
	want=$(seq -s ' ' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")" "
fi
log=$(printf '%s\n' "$out" | grep '^sysrq-log:')
expect_eq "$want" "$(get sysrq-backtraces "$out")" \
	"sysrq l, every hypercall short: one NMI backtrace from each online CPU ($on)" "$log"
expect_eq 0 "$(get sysrq-unknown "$out")" "sysrq l, every hypercall short: no unknown NMI" "$log"
echo "# csd, RCU stall or soft-lockup reports from sysrq l to one second after it: $(get sysrq-reports "$out")"
line=$(get sysrq-faults "$out")
[[ $line =~ injected=([0-9]+)\ short=([0-9]+)\ fallback_ipis=([0-9]+) ]]
inj=${BASH_REMATCH[1]:-0} ns=${BASH_REMATCH[2]:-x} fb=${BASH_REMATCH[3]:-0}
n_other=$(($(wc -w <<<"$want") - 1))
[ "$inj" -ge "$n_other" ] && [ "$ns" = "$inj" ] && [ "$fb" -ge "$inj" ]
tap_result $? "sysrq l: each of the $n_other other CPUs' NMI hypercalls came back short and was resent natively ($line)"
tap_done
