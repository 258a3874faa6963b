#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a pvapic guest booted with crashkernel= for tests/extdest.sh,
# twice: in the first kernel, it loads our own bzImage
# ($PVAPIC_GUEST_KERNEL) as the capture kernel (kdump_load, with this
# kernel's command line, nr_cpus=1 and reset_devices) and crashes the
# kernel on an unreachable CPU (sysrq c); the rig's l2-init then runs it
# again in the capture kernel, which prints the first kernel's facts
# (kept in the run directory) and its own: the APIC ID of its boot CPU,
# the ELF header and CPU notes of /proc/vmcore and a read of 16 MiB of the
# old kernel's memory in it.
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
run=${pvrun:?not in a pvapic rig guest (pvrun unset)}
first=$run/kdump-first
source "$(dirname "$0")/lib.sh"

if [ ! -e /proc/vmcore ]; then
	kernel=${PVAPIC_GUEST_KERNEL:?PVAPIC_GUEST_KERNEL not set}
	U=$(online_other 0 | tail -n 1)
	{
		echo "first-online: $(cat /sys/devices/system/cpu/online)"
		echo "first-reachable: $(cat /sys/kernel/pvapic/irq/reachable)"
		echo "first-crash-size: $(cat /sys/kernel/kexec_crash_size)"
		cmd=$(sed -e 's/\(^\| \)crashkernel=[^ ]*//g' /proc/cmdline)
		err=$("$st/kdump_load" "$kernel" "$cmd nr_cpus=1 reset_devices loglevel=4" 2>&1)
		echo "first-load-rc: $?"
		echo "first-load-err: ${err:-none}"
		echo "first-kernel: $(uname -r) $(uname -v)"
		echo "first-loaded: $(cat /sys/kernel/kexec_crash_loaded)"
		echo "first-crash-cpu: ${U:-none} apicid $(apicid_of "$U")"
	} > "$first"
	sync
	[ -n "$U" ] || { cat "$first"; echo "kdump: no unreachable CPU online"; exit 1; }
	# The panic, on U; the capture kernel runs this script again.
	taskset -c "$U" sh -c 'echo c > /proc/sysrq-trigger'
	cat "$first"
	echo "kdump: still running after sysrq c on CPU $U"
	exit 1
fi

cat "$first"
echo "capture-kernel: $(uname -r) $(uname -v)"
echo "capture-online: $(cat /sys/devices/system/cpu/online)"
echo "capture-boot-apicid: $(apicid_of 0)"
echo "capture-pvapic-mode: $(cat /sys/kernel/pvapic/irq/mode)"
echo "vmcore-magic: $(head -c 4 /proc/vmcore | od -A n -t x1 | tr -d ' ')"
echo "vmcore-prstatus: $(readelf -n /proc/vmcore 2>/dev/null | grep -c NT_PRSTATUS)"
# 16 MiB from 256 MiB into the file: the old kernel's memory, past the
# headers and notes.
echo "vmcore-read: $(dd if=/proc/vmcore bs=1M skip=256 count=16 iflag=fullblock 2>/dev/null | wc -c)"
bad="WARNING:|BUG:|timed out|I/O error|MP-BIOS bug|APIC error|$IRQ_SPLATS"
echo "capture-dmesg-warnings: $(dmesg | grep -c -E "$bad")"
dmesg | grep -E "$bad" | head -5 | sed 's/^/dmesg: /'
exit 0
