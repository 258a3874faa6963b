#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unreachable CPUs on the rig, with our guest at APIC IDs 0, 0x105 and
# 0x1ff and a virtio-blk disk with 3 request queues (managed interrupts):
# - ext-dest-id off: all three CPUs online, every interrupt on CPU 0 (the
#   9p interrupt counted there, and never on CPUs 1-2, while files are
#   read), pinning the 9p MSI-X interrupt, the console's IOAPIC interrupt and
#   ttyS1's (not yet activated) to CPU 1 refused with EINVAL, ttyS1's
#   activated on CPU 0 after every online CPU was asked for it, and the
#   KUnit case vector_shortage run on the live vector domain;
# - ext-dest-id on: those pins accepted and CPU 1 (APIC ID 0x105) counts
#   the 9p interrupt while files are read, which needs 15-bit routing by
#   the host;
# - both: the irq_affinity kselftest, the KUnit suite, a disk read from
#   every CPU, also with only CPU 0 and the unreachable CPUs online, and
#   disk reads checked block for block while CPUs 1 and 2 go offline and
#   online;
# - both: our guest's irq domains and chips are exactly upstream's on the
#   same topology (an upstream boot): no remapping domain, upstream's MSI
#   and IOAPIC chips;
# - ext-dest-id on, ours and upstream's: five moves in a row of an MSI-X,
#   an MSI, an IOAPIC edge and an IOAPIC level interrupt (pvapic-vm
#   --irq-devices), each counted on its new CPU only (kselftest
#   irq_affinity, fixture "moves"); with ext-dest-id off CPU 0 is the only
#   reachable one, and those tests skip;
# - ext-dest-id off, crashkernel=160M: a panic on CPU 2 (APIC ID 0x1ff)
#   with our bzImage loaded as the capture kernel, which boots on CPU 0's
#   APIC ID and reads /proc/vmcore (tools/pvapic/guest/kdump.sh).
source "$(dirname "$0")/lib.sh"
BUILD=${PVAPIC_BUILD:-$PVAPIC_TOP/build}
ST=$BUILD/src/ours/tools/testing/selftests/pvapic
LOGDIR=$BUILD/check
mkdir -p "$LOGDIR"

run() {
	vm --apic-ids 0,0x105,0x1ff --ext-dest-id "$1" --disk 64 --disk-queues 3 --irq-devices \
		--log "$LOGDIR/extdest-$1.log" -- \
		env PVAPIC_SELFTESTS="$ST" "$PVAPIC_TOP/tools/pvapic/guest/extdest.sh"
	printf '%s\n' "$out" > "$LOGDIR/extdest-$1.out"
}
# unchanged "AFTER (before: BEFORE)": true when a guest's "pin-*-after"
# line shows the same affinity after a refused request as before it.
unchanged() { [ -n "$1" ] && [ "${1%% *}" = "$(printf '%s\n' "$1" | sed -n 's/.*(before: \(.*\))$/\1/p')" ]; }
# count CPU LINE: the count of CPU (0-based) in a /proc/interrupts line;
# 0 when LINE is empty (a boot that printed nothing).
count() { awk -v c="$1" '{ print $(c + 2) + 0 }' <<<"$2"; }

# The kselftest's results; those of its "moves" fixture (one per kind of
# interrupt).
NKSFT=$(ksft_count "$ST/irq_affinity.c")
NMOVES=$(ksft_count "$ST/irq_affinity.c" moves)
NKUNIT=4
tap_plan $((2 * (14 + NKSFT) + 25 + NMOVES))

hier_on= hier_off=
for ext in off on; do
	run $ext
	tap_result $rc "ext-dest-id $ext: the rig ran the guest" "$err"
	expect_eq 0-2 "$(get online "$out")" "ext-dest-id $ext: CPUs 0-2 online (APIC IDs 0,0x105,0x1ff)"
	if [ $ext = off ]; then
		expect_eq "1 active" "$(get irq-active "$out") $(get irq-mode "$out")" \
			"ext-dest-id off: pvapic is active (CPUs 1 and 2 unreachable)"
		# CPU 0 and the hot-pluggable CPU numbers 3-257 (APIC IDs 1-0xff,
		# numbered after the present CPUs) are reachable.
		lim=255 reach=0,3-257 alone="online 0-2: 1:same 2:same"
	else
		expect_eq "0 not-needed" "$(get irq-active "$out") $(get irq-mode "$out")" \
			"ext-dest-id on: pvapic is not needed (every APIC ID fits 15 bits)"
		# Every possible CPU, the hot-pluggable ones included.
		lim=32767 reach=$(get possible "$out") alone="online 0: "
	fi
	expect_eq "$lim" "$(get irq-apic_id_limit "$out")" "ext-dest-id $ext: APIC ID limit $lim"
	expect_eq "$reach" "$(get irq-reachable "$out")" "ext-dest-id $ext: reachable CPUs $reach"
	nk=$(printf '%s\n' "$out" | grep -c '^kunit: ok ')
	expect_eq "$NKUNIT" "$nk" "ext-dest-id $ext: KUnit pvapic_extdest: $nk of $NKUNIT cases ok"
	# The vector domain out of vectors: only where CPUs are unreachable.
	vs=$(printf '%s\n' "$out" | grep -E '^kunit: (not )?ok [0-9]+ vector_shortage')
	if [ $ext = off ]; then
		[[ $vs =~ ^kunit:\ ok\ [0-9]+\ vector_shortage$ ]]
		tap_result $? "ext-dest-id off: KUnit vector_shortage: the reachable CPUs' vectors used up, -ENOSPC, none on CPUs 1-2" \
			"$vs" "$(printf '%s\n' "$out" | grep '^kunit: # vector_shortage')"
	else
		[[ $vs =~ ^kunit:\ ok\ [0-9]+\ vector_shortage\ \#\ SKIP\ every\ CPU\ is\ reachable$ ]]
		tap_result $? "ext-dest-id on: KUnit vector_shortage skips: every CPU is reachable" "$vs"
	fi
	printf '%s\n' "$out" | grep '^kunit: # ' | sed 's/^/# /'
	expect_eq same "$(get disk-read-cpu1 "$out")" "ext-dest-id $ext: a disk read from CPU 1 returns what was written"
	expect_eq "3 0:same 1:same 2:same" "$(get blk-queues "$out") $(get disk-read-each "$out")" \
		"ext-dest-id $ext: 3 request queues; a read from each CPU completes" \
		"$(printf '%s\n' "$out" | grep '^blk-managed:')"
	expect_eq "$alone" "$(get disk-read-unreachable-alone "$out")" \
		"ext-dest-id $ext: reads from the unreachable CPUs complete with only CPU 0 reachable online"
	r=$(get hotplug-reads "$out") b=$(get hotplug-bad-reads "$out") f=$(get hotplug-offlines "$out")
	[ -n "$r" ] && [ "$r" -ge 3 ] && [ "$b" = 0 ] && [ -n "$f" ] && [ "$f" -ge 10 ] &&
		[ "$(get online-after "$out")" = 0-2 ]
	tap_result $? "ext-dest-id $ext: $r disk reads, $b wrong, while CPUs went offline $f times"
	expect_eq 0 "$(get dmesg-warnings "$out")" "ext-dest-id $ext: no warning, timeout or I/O error in dmesg" \
		"$(printf '%s\n' "$out" | grep '^dmesg:')"

	# With ext-dest-id on every online CPU is reachable: nothing to refuse;
	# with it off only CPU 0 is: nowhere to move an interrupt to.
	skip_ok='moves\..*SKIP +fewer than two reachable online CPUs'
	[ $ext = on ] && skip_ok=unreachable_refused
	ksft_results "ext-dest-id $ext: kselftest irq_affinity" \
		"$(printf '%s\n' "$out" | sed -n '/^=== selftest irq_affinity/,/^selftest-rc: irq_affinity/p')" \
		"$NKSFT" "$skip_ok"

	p9=$(get 9p-irq "$out")
	hier=$(printf '%s\n' "$out" | grep -E '^irq(domain|chain): ')
	# The 9p interrupt's count on each CPU while the files were read.
	a=$(get 9p-before "$out") z=$(get 9p-after "$out")
	d0=$(( $(count 0 "$z") - $(count 0 "$a") ))
	d1=$(( $(count 1 "$z") - $(count 1 "$a") ))
	d2=$(( $(count 2 "$z") - $(count 2 "$a") ))
	if [ $ext = off ]; then
		hier_off=$hier
		eff=$(printf '%s\n' "$out" | sed -n 's/^effective: [0-9]* //p' | sort -u | paste -sd' ')
		expect_eq 0 "$eff" "ext-dest-id off: every /proc/irq/*/effective_affinity_list is CPU 0"
		for k in 9p ttyS0 ttyS1; do
			pa=$(get pin-$k-after "$out")
			[ "$(get pin-$k-rc "$out")" = "1 Invalid argument" ] && unchanged "$pa"
			tap_result $? "ext-dest-id off: echo 1 > smp_affinity_list of $k's $(get pin-$k-state "$out") interrupt fails with EINVAL and changes nothing" \
				"$(printf '%s\n' "$out" | grep "^pin-$k-")"
		done
		expect_eq "activated inactive" "$(get pin-ttyS0-state "$out") $(get pin-ttyS1-state "$out")" \
			"ext-dest-id off: ttyS0's interrupt was activated, ttyS1's not yet"
		expect_eq 0 "$(get pin-9p-effective "$out")" "ext-dest-id off: 9p's effective affinity stays CPU 0"
		[ "$d0" -gt 100 ] && [ "$d1 $d2" = "0 0" ]
		tap_result $? "ext-dest-id off: the 9p interrupts still served by CPU 0 while $(get 9p-files "$out") files were read ($d0), none on CPUs 1 and 2 ($d1 $d2)" \
			"$a" "$z"
		expect_eq "0  0" "$(get ttyS1-online-rc "$out") $(get ttyS1-open-effective "$out")" \
			"ext-dest-id off: ttyS1's inactive interrupt takes every online CPU, and is activated on CPU 0 when the port opens"
	else
		for k in 9p ttyS0 ttyS1; do
			expect_eq "0 " "$(get pin-$k-rc "$out")" \
				"ext-dest-id on: echo 1 > smp_affinity_list of $k's $(get pin-$k-state "$out") interrupt is accepted"
		done
		expect_eq 1 "$(get pin-9p-effective "$out")" "ext-dest-id on: 9p's effective affinity is CPU 1 (APIC ID 0x105)"
		[ "$d1" -gt 100 ]
		tap_result $? "ext-dest-id on: CPU 1 took the 9p interrupts while $(get 9p-files "$out") files were read ($d1 on CPU 1, $d0 on CPU 0)"
		hier_on=$hier
	fi
	printf '%s\n' "$out" | grep -E '^(interrupts|9p-|blk-|hotplug|dmesg|phases-s):' | sed 's/^/# /'
done

# Upstream's guest on the same topology, disk included: its interrupt
# hierarchy must be ours, domain for domain and chip for chip.
vm --guest upstream --apic-ids 0,0x105,0x1ff --ext-dest-id on --disk 64 --disk-queues 3 --irq-devices \
	--log "$LOGDIR/extdest-upstream.log" -- \
	env PVAPIC_SELFTESTS="$ST" "$PVAPIC_TOP/tools/pvapic/guest/irq-moves.sh"
tap_result $rc "upstream, ext-dest-id on: the rig ran the guest" "$err"
printf '%s\n' "$out" > "$LOGDIR/extdest-upstream.out"
ksft_results "upstream, ext-dest-id on: kselftest irq_affinity -f moves" \
	"$(printf '%s\n' "$out" | sed -n '/^=== selftest irq_affinity/,/^selftest-rc: irq_affinity/p')" \
	"$NMOVES"
hier_up=$(printf '%s\n' "$out" | grep -E '^irq(domain|chain): ')
nd=$(printf '%s\n' "$hier_up" | grep -c '^irqdomain: ') ni=$(printf '%s\n' "$hier_up" | grep -c '^irqchain: ')
[ "$ni" -gt 0 ] && [ "$hier_on" = "$hier_up" ]
tap_result $? "ext-dest-id on: our irq domains and chips are upstream's ($nd domains, $ni interrupts)" \
	"differences (< upstream, > ours):" "$(diff <(printf '%s\n' "$hier_up") <(printf '%s\n' "$hier_on"))"
[ "$ni" -gt 0 ] && [ "$hier_off" = "$hier_up" ]
tap_result $? "ext-dest-id off, CPUs 1-2 unreachable: our irq domains and chips are upstream's too" \
	"differences (< upstream, > ours):" "$(diff <(printf '%s\n' "$hier_up") <(printf '%s\n' "$hier_off"))"
printf '%s\n' "$hier_up" | sed 's/^/# upstream /'

# A panic on an unreachable CPU with a capture kernel loaded: CPU 0, which
# device interrupts reach, starts the capture kernel (pvapic's handoff in
# the crash NMI); the capture kernel mounts its 9p root, runs the script
# again and reads /proc/vmcore. Without the handoff it boots on APIC ID
# 0x1ff, where its 9p root's interrupts cannot reach it, and never gets
# to its init.
kmsg="CPU 2, which device interrupts cannot reach, crashed: offering the capture kernel to CPU 0"
nmsg="did not take the capture kernel"
vm --apic-ids 0,0x105,0x1ff --ext-dest-id off --append "crashkernel=160M" \
	--log "$LOGDIR/extdest-kdump.log" -- \
	env PVAPIC_SELFTESTS="$ST" PVAPIC_GUEST_KERNEL="$BUILD/obj/guest-ours/arch/x86/boot/bzImage" \
	"$PVAPIC_TOP/tools/pvapic/guest/kdump.sh"
printf '%s\n' "$out" > "$LOGDIR/extdest-kdump.out"
tap_result $rc "kdump: the rig ran the guest through its crash and the capture kernel" "$err"
cs=$(get first-crash-size "$out")
[ "$(get first-load-rc "$out") $(get first-load-err "$out") $(get first-loaded "$out")" = "0 none 1" ] &&
	[ "${cs:-0}" -gt 0 ]
tap_result $? "kdump: our bzImage loaded as the capture kernel (kexec_file_load) into the crashkernel= area (${cs:-?} bytes)" \
	"$(printf '%s\n' "$out" | grep '^first-')"
expect_eq "0-2 0,3-257 2 apicid 511" \
	"$(get first-online "$out") $(get first-reachable "$out") $(get first-crash-cpu "$out")" \
	"kdump: the crash on CPU 2 (APIC ID 0x1ff), which device interrupts cannot reach"
# The guest console of the boot that passed (a retried boot's consoles
# come first in the log).
gcon=$(sed -n '/^===== level 2 (guest) console =====$/,/^===== level-2 QEMU/p' "$LOGDIR/extdest-kdump.log" 2>/dev/null)
expect_eq "1 0" "$(grep -c -F "$kmsg" <<<"$gcon") $(grep -c -F "$nmsg" <<<"$gcon")" \
	"kdump: the first kernel says, once: $kmsg; never that CPU 0 $nmsg"
fk=$(get first-kernel "$out")
[ -n "$fk" ] && [ "$(get capture-kernel "$out")" = "$fk" ] &&
	[ "$(get capture-boot-apicid "$out") $(get capture-online "$out") $(get capture-pvapic-mode "$out")" = "0 0 not-needed" ]
tap_result $? "kdump: the capture kernel (our build: $fk) booted on APIC ID 0, where its 9p root's interrupts reach it" \
	"$(printf '%s\n' "$out" | grep -E '^(first-kernel|capture)')"
expect_eq "7f454c46 3 16777216" \
	"$(get vmcore-magic "$out") $(get vmcore-prstatus "$out") $(get vmcore-read "$out")" \
	"kdump: /proc/vmcore is an ELF core with the registers of the 3 CPUs (the crashed one, and CPUs 0 and 1 stopped by the crash NMI), 16 MiB of the old kernel's memory read"
expect_eq 0 "$(get capture-dmesg-warnings "$out")" "kdump: no warning, timeout or I/O error in the capture kernel's dmesg" \
	"$(printf '%s\n' "$out" | grep '^dmesg:')"
printf '%s\n' "$out" | grep -E '^(first|capture|vmcore)' | sed 's/^/# /'

# pvapic_extdest=off gives upstream's behaviour back; in the same boot,
# unknown values of the other parameters leave their defaults, with a
# warning naming the parameter.
vm --apic-ids 0,0x105,0x1ff --ext-dest-id off \
	--append "pvapic_extdest=off pvapic_ipi=bogus pvapic_ipi_width=77" -- \
	sh -c 'cat /sys/devices/system/cpu/online /sys/kernel/pvapic/irq/active \
		/sys/kernel/pvapic/ipi/enabled /sys/kernel/pvapic/ipi/width
		dmesg | grep -c -E "pvapic_ipi=bogus: expected on or off; keeping on|pvapic_ipi_width=77: expected 128 or 192"'
tap_result $rc "pvapic_extdest=off: the rig ran the guest" "$err"
expect_eq "0
0" "$(printf '%s\n' "$out" | head -2)" "pvapic_extdest=off: only CPU 0 online, as upstream; pvapic inactive"
expect_eq "1
128
2" "$(printf '%s\n' "$out" | tail -3)" \
	"pvapic_ipi=bogus, pvapic_ipi_width=77: PV path on, width 128, one warning each"
tap_done
