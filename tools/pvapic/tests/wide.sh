#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 192-bit windows: on a host with KVM_HC_SEND_IPI_WIDE (--host ours) a
# multicast to APIC IDs 0, 100 and 190 is one hypercall; on a stock host it
# is two 128-bit ones and nothing else changes. The storm passes on both.
source "$(dirname "$0")/lib.sh"
OBJ=${PVAPIC_BUILD:-$PVAPIC_TOP/build}/obj/guest-ours
G=$PVAPIC_TOP/tools/pvapic/guest
N=300

run() {
	"$VM" --apic-ids 0,100,190 --host-stats --timeout "$BOOT_TIMEOUT" "$@" -- env PVAPIC_GUEST_OBJ="$OBJ" \
		bash -c "$G/multicast.sh $N && $G/facts.sh ${PVAPIC_STORM_ROUNDS:-1000}" 2>&1
}

tap_plan 15
for host in ours upstream; do
	out=$(run --host "$host"); rc=$?
	tap_result $rc "host $host: the rig ran the guest" "$(printf '%s\n' "$out" | tail -5)"
	if [ "$host" = ours ]; then w=192 wide=1 per=1; else w=128 wide=0 per=2; fi
	expect_eq "$w" "$(get width "$out")" "host $host: the guest uses $w-bit windows"
	expect_eq "$wide" "$(get host_wide "$out")" "host $host: the probe finds host_wide=$wide"
	hc=$(get hypercalls "$out")
	# Other multicasts (TLB flushes of the module load) may add a few.
	[ -n "$hc" ] && [ "$hc" -ge $((per * N)) ] && [ "$hc" -lt $((per * N + N / 2)) ]
	tap_result $? "host $host: $N multicasts to all three CPUs cost $per hypercall(s) each (counted $hc)"
	# The module waits for every CPU to take each multicast before sending
	# the next one (IPIs of one vector sent back to back merge in the IRR).
	d=$(get cal_delta "$out")
	ok=0 n=0
	for x in $d; do n=$((n + 1)); [ "$x" -ge "$N" ] || ok=1; done
	[ "$n" -eq 3 ] && [ $ok -eq 0 ] && [ "$(get multicast-rc "$out")" = 0 ]
	tap_result $? "host $host: every CPU took every multicast (CAL deltas:$d)" \
		"$(printf '%s\n' "$out" | grep -E 'multicast|insmod')"
	storm_passed storm "$out" "host $host: storm reports no loss"
	expect_match '^pvipi-fallback_ipis: 0$' "$out" "host $host: no fallback (no failed or short hypercall)"
	hh=$(host_hc "$out")
	eval "hh_$host=\${hh:-0}"
	printf '%s\n' "$out" | grep -E '^(width|hypercalls|cal_delta|storm|host):' | sed 's/^/# /'
done
[ "$hh_ours" -gt 0 ] && [ "$hh_ours" -lt "$hh_upstream" ]
tap_result $? "the host with the wide hypercall counts fewer hypercalls ($hh_ours < $hh_upstream)"
# pvapic_ipi_width=128 on a wide host is checked by control.sh.
tap_done
