#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of our guest on the rig: KUnit suites built into it, the PV IPI
# cluster path, an IPI storm, and what the host counts.
source "$(dirname "$0")/lib.sh"
OBJ=${PVAPIC_BUILD:-$PVAPIC_TOP/build}/obj/guest-ours
FACTS=$PVAPIC_TOP/tools/pvapic/guest/facts.sh
ROUNDS=${PVAPIC_STORM_ROUNDS:-1500}
# 8 vCPUs share the machine's 2 cores through two levels of emulation, so
# the 8-CPU storm runs a third of the rounds (8 x 500 calls with default
# settings, against 4 x 1500 on the 4-CPU topology).
ROUNDS8=${PVAPIC_STORM_ROUNDS8:-$((ROUNDS / 3))}
LOGDIR=${PVAPIC_BUILD:-$PVAPIC_TOP/build}/check
mkdir -p "$LOGDIR"
nboot=0

# facts ROUNDS TOPOLOGY-ARGS...: boot, print facts (and host counters);
# both consoles are kept in $LOGDIR/guest-boot-$nboot.log (the caller
# counts the boots: this runs in a subshell)
facts() {
	local rounds=$1
	shift
	"$VM" "$@" --host-stats --timeout "$BOOT_TIMEOUT" --log "$LOGDIR/guest-boot-$nboot.log" -- \
		env PVAPIC_GUEST_OBJ="$OBJ" "$FACTS" "$rounds" 2>&1
}

check_topology() {
	local name=$1 online=$2 maxwin=$3 rounds=$4
	shift 4
	local out rc kunit nk nbad mc hc hh

	nboot=$((nboot + 1))
	out=$(facts "$rounds" "$@"); rc=$?
	tap_result $rc "$name: the rig ran the guest" "$(printf '%s\n' "$out" | tail -5)" \
		"guest console ($LOGDIR/guest-boot-$nboot.log), last lines:" \
		"$(tail -25 "$LOGDIR/guest-boot-$nboot.log" 2>/dev/null)"
	expect_eq "$online" "$(get online "$out")" "$name: CPUs online"
	expect_match '^dmesg: pvapic: PV IPI cluster path active' "$out" "$name: PV IPI cluster path active"

	kunit=$(printf '%s\n' "$out" | grep '^kunit: ')
	nk=$(printf '%s\n' "$kunit" | grep -c ' ok ')
	nbad=$(printf '%s\n' "$kunit" | grep -c ' not ok ')
	[ "$nk" -gt 0 ] && [ "$nbad" -eq 0 ]
	tap_result $? "$name: KUnit pvapic suites: $nk cases ok, $nbad not ok" \
		"$(printf '%s\n' "$kunit" | grep ' not ok ')"

	expect_match '^storm-rc: 0$' "$out" "$name: storm module loads (every call handled once)"
	storm_passed storm "$out" "$name: storm reports no loss"
	printf '%s\n' "$out" | grep -E '^(storm|host|pvipi-[a-z_]+):' | sed 's/^/# /'

	mc=$(get pvipi-multicasts "$out")
	hc=$(get pvipi-hypercalls "$out")
	hh=$(host_hc "$out")
	[ -n "$hc" ] && [ -n "$hh" ] && [ "$hc" -gt 0 ] && [ "$hh" -ge "$hc" ]
	tap_result $? "$name: the host counts the guest's PV IPI hypercalls ($hc <= $hh)"
	# An NMI goes to one target per hypercall (the storm counts its NMI
	# multicasts and their targets); any other multicast to one window
	# where a window covers every CPU, to at most maxwin elsewhere.
	[[ $(get storm "$out") =~ nmi_calls=([0-9]+)\ nmi_targets=([0-9]+) ]]
	nc=${BASH_REMATCH[1]:-x} nt=${BASH_REMATCH[2]:-x}
	if [ "$maxwin" = 1 ]; then
		expect_eq "$((mc - nc + nt))" "$hc" \
			"$name: one hypercall per multicast, one per NMI target ($mc multicasts, $nc of them NMIs to $nt targets)"
	fi
	windows_exact "$name" "$out"
	expect_match '^pvipi-fallback_ipis: 0$' "$out" "$name: no fallback needed on a healthy host"
}

tap_plan 19
# The most windows any multicast can need: {0,1} {0x105} {0x1ff}; {0..7}.
# Where it is more than one, each multicast of the storm is checked against
# the fewest windows its own targets need (windows_exact).
check_topology "APIC IDs 0,1,0x105,0x1ff" 0-3 3 "$ROUNDS" --apic-ids 0,1,0x105,0x1ff
check_topology "8 contiguous CPUs" 0-7 1 "$ROUNDS8" --cpus 8
tap_done
