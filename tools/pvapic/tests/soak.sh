#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The storm soak on the rig: our guest at APIC IDs 0,1,0x105,0x1ff without
# ext-dest-id (CPU 1 reachable by device interrupts, CPUs 2 and 3 not) and
# a virtio-blk disk with 4 request queues (managed interrupts). Every CPU
# sends call-function, NMI and reschedule multicasts for
# PVAPIC_SOAK_DURATION seconds while the PV IPI switch flips, CPUs 1-3 go
# offline and online, APIC IDs 0x106 and 0x2 are hot-added and removed
# in turn, and the disk is read back; every call must be handled
# exactly once, every NMI and reschedule IPI taken, every read right, and
# dmesg clean. The irq_affinity kselftest runs first (with pvapic-vm
# --irq-devices, its moves of each kind of interrupt go between CPUs 0 and
# 1). After the storm: a read on each unreachable CPU U after offline U,
# offline CPU 1, online U; the disk probed while CPU 1 is offline; and the
# disk removed and probed 5 times while CPUs 1-3 go offline and online.
# Last, on the debug guest, a suspend to RAM stopped by pm_test at its
# last step (core): CPUs 1-3 down and back, every online CPU's disk queue
# on a started interrupt, a read on each CPU, no interrupt on CPU 2 or 3.
#
# PVAPIC_SOAK_GUEST=debug runs it on the lockdep/KASAN/DEBUG_ATOMIC_SLEEP
# build of our guest (make guest-debug, which also has CONFIG_SUSPEND and
# CONFIG_PM_DEBUG); make check runs both for 60 s.
source "$(dirname "$0")/lib.sh"
BUILD=${PVAPIC_BUILD:-$PVAPIC_TOP/build}
ST=$BUILD/src/ours/tools/testing/selftests/pvapic
LOGDIR=$BUILD/check
DURATION=${PVAPIC_SOAK_DURATION:-60}
GUESTS=${PVAPIC_SOAK_GUEST:-ours}
mkdir -p "$LOGDIR"

case $DURATION in
''|*[!0-9]*) echo "soak: DURATION must be a number of seconds, not '$DURATION'" >&2; exit 2 ;;
esac
for g in $GUESTS; do
	case $g in
	ours|debug) ;;
	*) echo "soak: the soak runs on guest ours or debug, not '$g'" >&2; exit 2 ;;
	esac
	[ -f "$BUILD/obj/guest-$g/lib/test_pvapic_storm.ko" ] || {
		echo "soak: $BUILD/obj/guest-$g/lib/test_pvapic_storm.ko missing: run 'make guest-$g'" >&2
		exit 2
	}
done

NKSFT=$(ksft_count "$ST/irq_affinity.c")
# The debug guest (CONFIG_SUSPEND, CONFIG_PM_DEBUG) adds a suspend cycle
# and its 4 checks.
n=0
for g in $GUESTS; do
	n=$((n + 16 + NKSFT + 1))
	[ "$g" = debug ] && n=$((n + 4))
done
tap_plan $n

for g in $GUESTS; do
	# The debug guest spends minutes of its boot in the ACPI scan of the
	# 512 possible CPUs under KASAN and lockdep, without rescheduling for
	# up to a minute (soft lockups of 22 to 58 s in swapper/0 in the
	# scan; boot to power-off took 366 s of the 420 s limit on
	# 2026-11-29): it gets twice the boot time, and its soft-lockup
	# detector reports after 120 s instead of 20 (watchdog_thresh=60).
	# The disk's hotplug and replug checks after the storm
	# (checks-after-storm-s) get 180 s, the debug guest twice that.
	# The debug guest's suspend cycle needs its 9p devices to keep their
	# state through it (--suspend-ready).
	bt=$BOOT_TIMEOUT wd= after=180 susp=
	[ "$g" = debug ] && bt=$((2 * BOOT_TIMEOUT)) wd=watchdog_thresh=60 after=360 susp=--suspend-ready
	vm --guest "$g" --apic-ids 0,1,0x105,0x1ff --ext-dest-id off --disk 64 --disk-queues 4 --irq-devices --host-stats \
		${wd:+--append "$wd"} $susp \
		--timeout $((bt + DURATION + after)) --log "$LOGDIR/soak-$g.log" -- \
		env PVAPIC_GUEST_OBJ="$BUILD/obj/guest-$g" PVAPIC_SELFTESTS="$ST" \
		"$PVAPIC_TOP/tools/pvapic/guest/soak.sh" "$DURATION"
	printf '%s\n' "$out" > "$LOGDIR/soak-$g.out"
	tap_result $rc "$g: the rig ran the guest" "$err"
	# Hot-pluggable CPUs 4-257 have APIC IDs 2-0xff: reachable too.
	expect_eq "0-3 0-1,4-257" "$(get online "$out") $(get reachable "$out")" \
		"$g: CPUs 0-3 online, CPUs 0-1 (and hot-pluggable 4-257) reachable by device interrupts"
	ksft_results "$g: kselftest irq_affinity" \
		"$(printf '%s\n' "$out" | sed -n '/^=== selftest irq_affinity/,/^selftest-rc: irq_affinity/p')" \
		"$NKSFT"

	bad=$(printf '%s\n' "$out" | sed -n 's/^badparam: //p')
	[ "$(printf '%s\n' "$bad" | grep -c 'rc=1 Invalid parameters messages=[1-9][0-9]* unloaded$')" = 8 ]
	tap_result $? "$g: 8 bad storm module parameters refused with EINVAL and a message naming each" "$bad"
	printf '%s\n' "$bad" | sed 's/^/# badparam: /'
	expect_eq 0 "$(get storm-rc "$out")" "$g: the storm module loaded and passed"
	# Senders once stopped early when every other CPU was offline.
	ms=$(get storm "$out" | sed -n 's/.* elapsed_ms=\([0-9]*\) .*/\1/p')
	[ -n "$ms" ] && [ "$ms" -ge $((DURATION * 1000)) ]
	tap_result $? "$g: the storm ran for ${ms:-?} ms of the ${DURATION} s asked"
	expect_match '^storm: test_pvapic_storm: PASS: cpus=4 ' "$out" "$g: a sender on each of the 4 CPUs"
	storm_passed storm "$out" \
		"$g: every call handled once, every NMI and reschedule IPI taken, nothing late"
	fl=$(get flips "$out")
	[ -n "$fl" ] && [ "$fl" -ge 10 ]
	tap_result $? "$g: the PV IPI switch flipped during the storm ($fl times)"
	o1=$(get offlines-cpu1 "$out") o2=$(get offlines-cpu2 "$out") o3=$(get offlines-cpu3 "$out")
	[ "${o1:-0}" -ge 1 ] && [ "${o2:-0}" -ge 1 ] && [ "${o3:-0}" -ge 1 ] &&
		[ "$(get online-after "$out")" = 0-3 ] && [ "$(get enabled-after "$out")" = 1 ]
	tap_result $? "$g: CPUs went offline and online during the storm (reachable CPU 1: $o1, unreachable CPU 2: $o2, CPU 3: $o3 times)" \
		"$(printf '%s\n' "$out" | grep -E '^(online-after|enabled-after|soak):')"
	pc=$(get plug-cycles "$out")
	# Cycles alternate APIC IDs 0x106 (CPU 263) and 0x2 (CPU 4).
	[[ $pc =~ ^([1-9][0-9]*)\ ok,\ 0\ failed,\ CPUs\ 263(,4,263)*(,4)?$ ]] &&
		[ "$(printf '%s\n' "${pc#*CPUs }" | awk -F, '{ print NF }')" = "${BASH_REMATCH[1]}" ] &&
		[ "$(get present-after "$out")" = 0-3 ]
	tap_result $? "$g: CPUs hot-added and removed during the storm: APIC ID 0x106 (CPU 263), then 0x2 (CPU 4), in turn ($pc)" \
		"$(printf '%s\n' "$out" | grep -E '^(present-after|soak):')"
	r=$(get disk-reads "$out") b=$(get disk-bad-reads "$out")
	[ -n "$r" ] && [ "$r" -ge 1 ] && [ "$b" = 0 ]
	tap_result $? "$g: $r disk reads of 4 MiB during the storm, ${b:-?} wrong"
	expect_eq "1/2 online=0,2-3 2:same 1/3 online=0,2-3 3:same" "$(get managed-sequence "$out")" \
		"$g: offline U, offline 1, online U: a read on U completes (U = 2, 3)"
	expect_eq "online 0,2-3: 0:same 2:same 3:same" "$(get probe-offline "$out")" \
		"$g: the disk probed while CPU 1 is offline: a read on each online CPU completes"
	expect_eq "1:same" "$(get probe-offline-back "$out")" "$g: and on CPU 1 once it is back"
	rp=$(get replug "$out")
	[[ $rp =~ ^5\ rounds,\ 5\ read\ back,\ [1-9][0-9]*\ offlines,\ 0\ online\ failures$ ]] &&
		[ "$(get online-after-replug "$out")" = 0-3 ]
	tap_result $? "$g: the disk removed and probed again while CPUs 1-3 went offline and online ($rp; $(get replug-online-busy "$out") onlines waited for a probe)" \
		"$(printf '%s\n' "$out" | grep '^soak: online-failed')"
	if [ "$g" = debug ]; then
		# CPUs 1-3 down through freeze_secondary_cpus() and back (an
		# offline guard once made it fail with EBUSY), the disk's
		# queues freed and allocated again, and no interrupt left on
		# the unreachable CPUs 2 and 3.
		expect_eq 0 "$(get suspend-rc "$out")" \
			"$g: a suspend to RAM stopped by pm_test at its last step (core) completes" \
			"$(printf '%s\n' "$out" | grep -E '^suspend-(err|log):')"
		# A queue whose interrupt a resume left shut down never
		# completes a read (README, "Linux 7.3"): said before the reads.
		expect_eq "" "$(printf '%s\n' "$out" | sed -n 's/^suspend-queue-fault: //p')" \
			"$g: after the suspend every online CPU's disk queue completes on a started interrupt"
		expect_eq "down 3, up 3, online 0-3 / 0:same 1:same 2:same 3:same" \
			"$(get suspend-cpus "$out") / $(get suspend-read-each "$out")" \
			"$g: the suspend took CPUs 1-3 down and back, and a disk read on each CPU completes after it"
		eff=$(get suspend-effective "$out")
		[ -n "$eff" ] && [ -z "$(printf '%s\n' $eff | grep -v -x -E '0|1|0-1')" ]
		tap_result $? "$g: after the suspend every activated interrupt's effective CPUs are reachable ones (0, 1): $eff"
	fi
	expect_eq 0 "$(get dmesg-splats "$out")" "$g: no warning, lockdep, KASAN or atomic-sleep report, unknown NMI or I/O error in dmesg" \
		"$(printf '%s\n' "$out" | grep '^dmesg:')"
	printf '%s\n' "$out" | grep -E '^(kernel|storm|flips|offlines-|plug-cycles|disk-|host|managed-|probe-|replug|checks-after-storm-s|suspend-s|phases-s):' | sed 's/^/# /'
done
tap_done
