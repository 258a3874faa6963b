#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 192-bit windows: on a host with KVM_HC_SEND_IPI_WIDE (--host ours) a
# multicast to APIC IDs 0, 100 and 190 is one hypercall; on a stock host it
# is two 128-bit ones and nothing else changes. The storm passes on both.
# When the wide host starts answering -KVM_ENOSYS (a migration to an older
# host, injected), the guest goes to 128-bit windows for good and loses
# nothing. A VMM that enforces the guest's PV CPUID hides the wide call
# (its bit, which QEMU does not know, stays clear): the probe finds none.
source "$(dirname "$0")/lib.sh"
OBJ=${PVAPIC_BUILD:-$PVAPIC_TOP/build}/obj/guest-ours
G=$PVAPIC_TOP/tools/pvapic/guest
N=300

run() {
	local host=$1 then=true
	shift
	[ "$host" = ours ] && then="$G/wide-gone.sh $N"
	"$VM" --host "$host" --apic-ids 0,100,190 --host-stats --timeout "$BOOT_TIMEOUT" "$@" -- \
		env PVAPIC_GUEST_OBJ="$OBJ" \
		bash -c "$G/multicast.sh $N && $G/facts.sh ${PVAPIC_STORM_ROUNDS:-1000} && $then" 2>&1
}

tap_plan 28
for host in ours upstream; do
	out=$(run "$host"); rc=$?
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
	all_took "" "$out" 3 "$N"
	tap_result $? "host $host: every CPU took every multicast (CAL deltas:$d)" \
		"$(printf '%s\n' "$out" | grep -E 'multicast|insmod')"
	storm_passed storm "$out" "host $host: storm reports no loss"
	windows_exact "host $host" "$out"
	expect_match '^pvipi-fallback_ipis: 0$' "$out" "host $host: no fallback (no failed or short hypercall)"
	hh=$(host_hc "$out")
	# On ours, minus the hypercalls of the part after the storm where the
	# wide call is gone (all made but the one injected).
	wg=$(get wg-hypercalls "$out")
	[ "$host" = ours ] && [ -n "$hh" ] && [ -n "$wg" ] && hh=$((hh - wg + 1))
	eval "hh_$host=\${hh:-0}"
	printf '%s\n' "$out" | grep -E '^(width|hypercalls|cal_delta|storm|host):' | sed 's/^/# /'
	[ "$host" = ours ] || continue

	# The host loses the wide call: the first 192-bit hypercall answers
	# -KVM_ENOSYS, its window goes out as two 128-bit ones, and every
	# later multicast takes two 128-bit hypercalls.
	expect_eq 1 "$(get wg-wide_enosys "$out")" "wide call gone: the guest saw -KVM_ENOSYS exactly once"
	expect_eq "refused=1 after=2" "$(get wg-trace "$out")" \
		"wide call gone: traced: one 192-bit call with ret=-1000, then its two 128-bit calls"
	expect_eq "128 host_wide=0" "$(get wg-width "$out")" "wide call gone: 128-bit windows for good, host_wide reads 0"
	expect_eq "refused, width 128" "$(get wg-width-192 "$out")" "wide call gone: writing 192 to width is refused"
	expect_eq 0 "$(get wg-fallback_ipis "$out")" "wide call gone: no native resend (the window went out as 128-bit hypercalls)"
	hc=$(get wg-hypercalls "$out")
	[ -n "$hc" ] && [ "$hc" -ge $((2 * N + 1)) ] && [ "$hc" -lt $((2 * N + N / 2)) ]
	tap_result $? "wide call gone: $N multicasts cost 2 hypercalls each, plus the refused one (counted $hc)"
	d=$(get wg-cal_delta "$out")
	all_took wg- "$out" 3 "$N" && [ "$(get wg-dmesg "$out")" = 1 ]
	tap_result $? "wide call gone: every CPU took every multicast, one warning in dmesg (CAL deltas:$d)"
done
# Hidden by the VMM: kvm-pv-enforce-cpuid=on, and QEMU leaves the wide
# call's CPUID bit clear.
out=$("$VM" --host ours --pv-enforce-cpuid --apic-ids 0,100,190 --host-stats \
	--timeout "$BOOT_TIMEOUT" -- env PVAPIC_GUEST_OBJ="$OBJ" "$G/multicast.sh" 100 2>&1); rc=$?
tap_result $rc "host ours, PV CPUID enforced: the rig ran the guest" "$(printf '%s\n' "$out" | tail -5)"
expect_eq "128 0" "$(get width "$out") $(get host_wide "$out")" \
	"host ours, PV CPUID enforced: the probe finds no wide call (width 128, host_wide 0)"
hc=$(get hypercalls "$out")
[ -n "$hc" ] && [ "$hc" -ge 200 ] && [ "$hc" -lt 250 ] && [ "$(get fallback_ipis "$out")" = 0 ]
tap_result $? "host ours, PV CPUID enforced: 100 multicasts cost 2 hypercalls each, none refused (counted $hc)"
d=$(get cal_delta "$out")
all_took "" "$out" 3 100
tap_result $? "host ours, PV CPUID enforced: every CPU took every multicast (CAL deltas:$d)"

[ "$hh_ours" -gt 0 ] && [ "$hh_ours" -lt "$hh_upstream" ]
tap_result $? "the host with the wide hypercall counts fewer hypercalls up to the storm's end ($hh_ours < $hh_upstream)"
# pvapic_ipi_width=128 on a wide host is checked by control.sh.
tap_done
