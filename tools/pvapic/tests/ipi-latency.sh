#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Offline tests of tools/pvapic/ipi-latency: crafted traces in each text
# format it reads, with known latencies; the pairing rules; errors; the
# SVG plot; recording and reading back through stand-in trace-cmd and perf.
source "$(dirname "$0")/lib.sh"
TOOL=$PVAPIC_TOP/tools/pvapic/ipi-latency
S=$PVAPIC_TOP/tools/pvapic/ipi-latency-tests
PY=$(python3 -c 'import sys; print(sys.executable)')
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run ARGS...: run the tool; $out is stdout and stderr, $rc its status.
run() { out=$("$TOOL" "$@" 2>&1); rc=$?; }

# expect_file EXPECTED DESCRIPTION: $rc is 0 and $out is the file's text.
expect_file() {
	[ "$rc" -eq 0 ] && [ "$out" = "$(cat "$1")" ]
	tap_result $? "$2" "exit status $rc; diff against ${1#"$PVAPIC_TOP"/}:" \
		"$(diff <(printf '%s\n' "$out") "$1")"
}

# expect_error MESSAGE DESCRIPTION: exit status 2 and exactly one line.
expect_error() { expect_eq "2|$1" "$rc|$out" "$2"; }

# svg_check FILE: prints "svg PATHS TEXT..." if FILE is well-formed SVG.
svg_check() {
	"$PY" - "$1" <<-'EOF'
	import sys, xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	ns = "{http://www.w3.org/2000/svg}"
	print(root.tag == ns + "svg" and "svg", len(root.findall(ns + "path")),
	      "|".join(t.text for t in root.iter(ns + "text") if t.text and ": n=" in t.text))
	EOF
}

# A stand-in for trace-cmd and perf: logs its arguments, runs the traced
# command, and reports $STUB_REPORT.
mkdir "$T/bin"
cat >"$T/bin/trace-cmd" <<'EOF'
#!/bin/bash
echo "$(basename "$0") $*" >>"$STUB_LOG"
case $1 in
record)
	while [ "$1" != -- ]; do
		[ "$1" = -o ] && out=$2
		shift
	done
	shift
	[ -z "$STUB_FAIL" ] || exit 1
	"$@" && : >"$out" ;;
report | script) cat "$STUB_REPORT" ;;
esac
EOF
chmod +x "$T/bin/trace-cmd"
cp "$T/bin/trace-cmd" "$T/bin/perf"
export STUB_LOG=$T/log STUB_REPORT
EVENTS="-e ipi:ipi_send_cpu -e ipi:ipi_send_cpumask -e irq_vectors:call_function_entry -e irq_vectors:call_function_single_entry -e irq_vectors:reschedule_entry"

tap_plan 24

run --report-text "$S/basic.txt"
expect_file "$S/basic.out" "trace-cmd report text, CPU-list masks: every kind, exact latencies"
run --report-text "$S/kernel-hex.txt"
expect_file "$S/kernel-hex.out" "kernel trace text, hex-word masks, microsecond timestamps"
run --report-text "$S/perf.txt"
expect_file "$S/perf.out" "perf script text"
run --report-text "$S/coalesce.txt"
expect_file "$S/coalesce.out" "coalesced sends, a send after the EOI, unmatched sends and entries"
run --events-only --report-text "$S/coalesce.txt"
expect_file "$S/coalesce.events" "--events-only lists the events as understood"

# Both mask formats, beyond one 32-bit word.
for m in 0-2,5,33 00000002,00000027; do
	printf '%16s-%-5d [004] %5d.%09d: ipi_send_cpumask:     cpumask=%s callsite=x+0x1 callback=y+0x0\n' \
		sh 7 1 0 "$m"
done >"$T/masks.txt"
run --events-only --report-text "$T/masks.txt"
expect_eq "0|0-2,5,33 0-2,5,33" "$rc|$(printf '%s\n' "$out" | awk '/ send /{printf "%s ", $NF}' | sed 's/ $//')" \
	"the same targets from a CPU list and from hex words"

# trace-cmd reports lost events as "CPU:N [M EVENTS DROPPED]".
sed '5a CPU:2 [12 EVENTS DROPPED]' "$S/basic.txt" >"$T/dropped.txt"
run --report-text "$T/dropped.txt"
expect_match '^ipi-latency: warning: the trace lost events \("CPU:2 \[12 EVENTS DROPPED\]"\); unmatched counts are unreliable$' \
	"$out" "lost events are reported"

# 100 reschedule IPIs from CPU 0 to CPU 1, latencies 100..1 us, on stdin.
for i in $(seq 1 100); do
	printf '%16s-%-5d [000] %5d.%09d: ipi_send_cpu:         cpu=1 callsite=resched_curr+0x5c callback=0x0\n' \
		sh 7 300 $((i * 1000000))
	printf '%16s-%-5d [001] %5d.%09d: reschedule_entry:     vector=253\n' \
		'<idle>' 0 300 $((i * 1000000 + (101 - i) * 1000))
done >"$T/hundred.txt"
out=$("$TOOL" --report-text - <"$T/hundred.txt" 2>&1)
expect_eq "reschedule cpu1 100 1.000 50.000 90.000 99.000 100.000 0 0 0" \
	"$(printf '%s\n' "$out" | awk '$1 == "reschedule" && $2 == "cpu1"' | tr -s ' ')" \
	"nearest-rank percentiles of 1..100 us, read from stdin"

run --plot "$T/basic.svg" --report-text "$S/basic.txt"
expect_match "^ipi-latency: plot written to $T/basic.svg$" "$out" "--plot reports the file"
expect_eq "8 pairs, 0 unmatched sends, 0 unmatched entries" \
	"$(printf '%s\n' "$out" | tail -1 | sed 's/^ipi-latency: //')" "--plot keeps the summary last"
expect_eq "svg 6 call-function IPIs: n=6|cpu1: n=2, p50=2.000 µs|cpu2: n=2, p50=3.000 µs|cpu3: n=2, p50=6.000 µs|all: n=6, p50=4.000 µs|call-function-single IPIs: n=1|cpu2: n=1, p50=7.500 µs|reschedule IPIs: n=1|cpu0: n=1, p50=1.250 µs" \
	"$(svg_check "$T/basic.svg" 2>&1)" "SVG is well-formed: a panel per kind, a CDF per target, an 'all' CDF, legend"
grep -v _entry "$S/coalesce.txt" >"$T/nopairs.txt"
run --plot "$T/none.svg" --report-text "$T/nopairs.txt"
expect_eq "0|svg 0 " "$rc|$(svg_check "$T/none.svg" 2>&1)" "SVG of a trace without pairs is well-formed"

sed 's/cpumask=1-3/cpumask=1-x/' "$S/basic.txt" >"$T/bad-mask.txt"
run --report-text "$T/bad-mask.txt"
expect_error "ipi-latency: malformed input at $T/bad-mask.txt:3: bad cpumask '1-x'" "malformed cpumask: exit 2, one line"
sed 's/vector=251//' "$S/basic.txt" >"$T/bad-vector.txt"
run --report-text "$T/bad-vector.txt"
expect_error "ipi-latency: malformed input at $T/bad-vector.txt:14: call_function_single_entry without vector=" \
	"entry without vector: exit 2, one line"
printf 'cpus=4\nreschedule_entry: vector=253\n' >"$T/bad-line.txt"
run --report-text "$T/bad-line.txt"
expect_error "ipi-latency: malformed input at $T/bad-line.txt:2: cannot parse 'reschedule_entry: vector=253'" \
	"unparseable event line: exit 2, one line"
run --report-text "$S/perf-6.1.txt"
expect_error "ipi-latency: malformed input at $S/perf-6.1.txt:3: cpumask=524320 is the raw field, not a CPU list (the program that printed it cannot decode __cpumask, e.g. perf 6.1): use trace-cmd" \
	"an undecoded cpumask (perf 6.1): exit 2, one line"
grep -v -E 'ipi_send|_entry' "$S/basic.txt" >"$T/noipi.txt"
run --report-text "$T/noipi.txt"
expect_error "ipi-latency: no IPI events in $T/noipi.txt: the ipi: and irq_vectors: events need a kernel with CONFIG_TRACEPOINTS and tracefs (/sys/kernel/tracing)" \
	"no IPI events: exit 2, one line"
run --report-text "$T/missing.txt"
expect_error "ipi-latency: cannot read $T/missing.txt: No such file or directory" "missing input: exit 2, one line"
run --plot "$T/x.svg"
expect_error "ipi-latency: nothing to do: give -- COMMAND, --input or --report-text (see --help)" "no command: exit 2, one line"
out=$(PATH=/nonexistent "$PY" "$TOOL" -- true 2>&1); rc=$?
expect_error "ipi-latency: trace-cmd not found in PATH (Debian package trace-cmd)" "trace-cmd missing: exit 2, one line"

STUB_REPORT=$S/basic.txt
: >"$STUB_LOG"
out=$(PATH=$T/bin:$PATH "$TOOL" -- touch "$T/ran" 2>&1); rc=$?
[ -f "$T/ran" ] && [ "$(wc -l <"$STUB_LOG")" -eq 2 ] && [ "$rc" -eq 0 ] && [ "$out" = "$(cat "$S/basic.out")" ] &&
	grep -q -E "^trace-cmd record -q -C mono -o .*/trace\.dat $EVENTS -- touch $T/ran$" "$STUB_LOG" &&
	grep -q -E "^trace-cmd report -t -i .*/trace\.dat$" "$STUB_LOG"
tap_result $? "records COMMAND with trace-cmd (mono clock, the five events), reports it with -t" \
	"exit status $rc" "$(cat "$STUB_LOG")" "$out"

: >"$STUB_LOG"
: >"$T/saved.dat"
out=$(PATH=$T/bin:$PATH "$TOOL" --input "$T/saved.dat" 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "$(cat "$S/basic.out")" ] && [ "$(cat "$STUB_LOG")" = "trace-cmd report -t -i $T/saved.dat" ]
tap_result $? "--input reads a trace.dat through trace-cmd report -t" "exit status $rc" "$(cat "$STUB_LOG")" "$out"

out=$(STUB_FAIL=1 PATH=$T/bin:$PATH "$TOOL" -- true 2>&1); rc=$?
expect_error "ipi-latency: trace-cmd record failed (exit status 1); the ipi: and irq_vectors: events need a kernel with CONFIG_TRACEPOINTS and tracefs (/sys/kernel/tracing)" \
	"a failed trace-cmd record: exit 2, one line"

STUB_REPORT=$S/perf.txt
: >"$STUB_LOG"
out=$(PATH=$T/bin:$PATH "$TOOL" --perf -- true 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "$(cat "$S/perf.out")" ] &&
	grep -q -E "^perf record -q -a -k monotonic -o .*/perf\.data $EVENTS -- true$" "$STUB_LOG" &&
	grep -q -E "^perf script -i .*/perf\.data --ns -F cpu,time,event,trace$" "$STUB_LOG"
tap_result $? "--perf records system-wide with perf record and reads perf script --ns" \
	"exit status $rc" "$(cat "$STUB_LOG")" "$out"

tap_done
