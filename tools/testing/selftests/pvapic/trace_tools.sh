#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# perf and trace-cmd read the pvapic trace events with no helper: record
# them around a multicast workload and check that the tools print them.
cd "$(dirname "$0")" || exit 1
# The workload: ipi_sysfs's switch_on_counts test sends 200 multicasts.
source ../kselftest/ktap_helpers.sh

ktap_print_header
ktap_set_plan 2

if [ ! -d /sys/kernel/pvapic/ipi ] || [ "$(cat /sys/kernel/pvapic/ipi/enabled)" != 1 ]; then
	ktap_test_fail "the PV IPI path is not active (/sys/kernel/pvapic/ipi/enabled)"
	ktap_test_fail "the PV IPI path is not active"
	ktap_finished
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


for tool in perf trace-cmd; do
	if ! command -v $tool >/dev/null; then
		ktap_test_fail "$tool: not installed"
		continue
	fi
	case $tool in
	perf)
		perf record -q -a -e 'pvapic:*' -o "$work/perf.data" -- \
			./ipi_sysfs -t switch_on_counts >"$work/rec.log" 2>&1
		perf script -i "$work/perf.data" >"$work/out" 2>>"$work/rec.log" ;;
	trace-cmd)
		trace-cmd record -q -e pvapic -o "$work/trace.dat" \
			./ipi_sysfs -t switch_on_counts >"$work/rec.log" 2>&1
		trace-cmd report -i "$work/trace.dat" >"$work/out" 2>>"$work/rec.log" ;;
	esac
	mc=$(grep -c 'pvapic_multicast:.*cpumask=.*hypercalls=' "$work/out")
	hc=$(grep -c 'pvapic_hypercall:.*base=.*bits=.*ret=' "$work/out")
	if [ "$mc" -ge 100 ] && [ "$hc" -ge 100 ]; then
		ktap_test_pass "$tool prints pvapic events ($mc multicast, $hc hypercall)"
	else
		sed 's/^/# /' "$work/rec.log" | tail -5
		head -5 "$work/out" | sed 's/^/# /'
		ktap_test_fail "$tool prints pvapic events ($mc multicast, $hc hypercall)"
	fi
done
ktap_finished
