# SPDX-License-Identifier: GPL-2.0
# Small TAP helpers for pvapic's shell test suites.
PVAPIC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VM=$PVAPIC_TOP/tools/pvapic/pvapic-vm
# --timeout of one boot of a suite: they take 40-200 s. pvapic-vm boots
# once more after a timeout, and again after other failures of the
# emulation, so a suite's boot ends within twice this.
BOOT_TIMEOUT=360
_t_n=0 _t_pass=0 _t_fail=0

tap_plan() { _t_plan=$1; echo "TAP version 13"; echo "1..$1"; }

# ok CONDITION-STATUS DESCRIPTION [DIAGNOSTIC...]
tap_result() {
	local rc=$1 desc=$2
	shift 2
	_t_n=$((_t_n + 1))
	if [ "$rc" -eq 0 ]; then
		_t_pass=$((_t_pass + 1))
		echo "ok $_t_n - $desc"
	else
		_t_fail=$((_t_fail + 1))
		echo "not ok $_t_n - $desc"
		local l
		for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
	fi
}

# expect_eq WANT GOT DESCRIPTION [DIAGNOSTIC...]
expect_eq() {
	local want=$1 got=$2 desc=$3
	shift 3
	[ "$want" = "$got" ]
	tap_result $? "$desc" "want: $want" "got:  $got" "$@"
}

# expect_match REGEX TEXT DESCRIPTION
expect_match() {
	printf '%s\n' "$2" | grep -q -E -- "$1"
	tap_result $? "$3" "want match: $1" "got: $(printf '%s' "$2" | head -c 2000)"
}

tap_done() {
	# A plan that the results do not match is a broken suite: it counts
	# as one failure.
	if [ -n "${_t_plan:-}" ] && [ "$_t_n" -ne "$_t_plan" ]; then
		echo "# the plan was 1..$_t_plan but $_t_n results were given"
		_t_fail=$((_t_fail + 1))
	fi
	echo "$_t_pass passed, $_t_fail failed"
	[ "$_t_fail" -eq 0 ]
}

# vm ARGS...: run pvapic-vm; sets $out (stdout), $err (stderr without the
# rig's retry notices) and $rc. Retry notices are shown as TAP comments so
# that a flaky emulation is visible but does not spoil exact comparisons.
RIG_NOTE='^(pvapic-vm: rig failure on attempt|  last lines of |  report of the guest before its panic:|  \| )'
# A boot whose caller gives no --timeout gets BOOT_TIMEOUT (pvapic-vm
# takes the last --timeout given), not pvapic-vm's 900 s: a rig boot that
# hung after its hot-remove waited 901 s for it on 2026-12-02.
vm() {
	local ef
	ef=$(mktemp)
	out=$("$VM" --timeout "$BOOT_TIMEOUT" "$@" 2>"$ef")
	rc=$?
	# The rig's retries and the console lines of a boot that timed out
	# are diagnostics; the rest is the command's stderr and the reason.
	grep -E "$RIG_NOTE" "$ef" | sed 's/^/# /'
	err=$(grep -v -E "$RIG_NOTE" "$ef")
	rm -f "$ef"
}

# get KEY TEXT: the value of the first "KEY: value" line of TEXT.
get() { printf '%s\n' "$2" | sed -n "s/^$1: //p" | head -1; }

# storm_passed PREFIX TEXT DESCRIPTION: the result line
# "PREFIX: test_pvapic_storm: PASS: ..." of TEXT reports every call-function
# IPI handled exactly once, every NMI taken once and every reschedule IPI
# seen, in time.
# On failure it shows the storm's lines of TEXT (its result, exit status,
# insmod's output, the module's errors) and the rig's retry notices.
storm_passed() {
	local want="^$1: test_pvapic_storm: PASS: .* lost=0 duplicates=0 timeouts=0 nmi_calls=[1-9][0-9]* .* nmi_lost=0 nmi_extra=0 resched_calls=[1-9][0-9]* .* resched_lost=0\$"
	printf '%s\n' "$2" | grep -q -E -- "$want"
	tap_result $? "$3" "want match: $want" \
		"got: $(printf '%s\n' "$2" | grep -E "^($1|$1-rc|$1-error|storm-rc|storm-error|insmod|pvapic-vm):" | head -c 3000)"
}

# windows_exact NAME TEXT: guest/facts.sh traced the storm's multicasts
# (pvapic_multicast) and guest/windows-check found that each took exactly
# the fewest hypercalls its targets' APIC IDs need (the fewest windows of
# the width in use; an NMI one a target), and the trace lost none.
windows_exact() {
	local w k n h o
	w=$(get windows "$2")
	k=$(get windows-kept "$2")
	[[ $w =~ ^([0-9]+)\ multicasts,\ ([0-9]+)\ hypercalls,\ ([0-9]+)\ optimal,\ 0\ more,\ 0\ fewer,\ 0\ unknown$ ]]
	n=${BASH_REMATCH[1]:-0} h=${BASH_REMATCH[2]:-x} o=${BASH_REMATCH[3]:-y}
	[ "$n" -gt 0 ] && [ "$h" = "$o" ] && [ -n "$k" ] && [ "${k% of *}" = "${k#* of }" ]
	tap_result $? "$1: each traced multicast took the fewest hypercalls its targets allow ($w; trace kept ${k:-?})" \
		"$(printf '%s\n' "$2" | grep -E '^(windows|windows-bad|windows-kept):')"
}

# all_took PREFIX TEXT NCPUS N: guest/multicast.sh's lines in TEXT (keys
# with PREFIX) say it ran (multicast-rc 0) and that each of NCPUS CPUs
# took at least N call-function IPIs (cal_delta).
all_took() {
	local x n=0
	for x in $(get "${1}cal_delta" "$2"); do
		n=$((n + 1))
		[ "$x" -ge "$4" ] || return 1
	done
	[ "$n" -eq "$3" ] && [ "$(get "${1}multicast-rc" "$2")" = 0 ]
}

# host_stat KEY TEXT: the number that pvapic-vm --host-stats printed for
# KEY (exits, hypercalls, npt-faults, huge-kb, io-exits) on its "host:"
# lines of TEXT; nothing when no such line has KEY=N.
host_stat() {
	printf '%s\n' "$2" | sed -n "s/^host: \(.* \)\{0,1\}$1=\([0-9][0-9]*\)\( .*\)\{0,1\}\$/\2/p"
}

# host_hc TEXT: the host's hypercall count from pvapic-vm --host-stats.
host_hc() { host_stat hypercalls "$1"; }

# ksft_count FILE [FIXTURE]: how many results kselftest_harness prints for
# the tests of FILE (of FIXTURE only, if given): each TEST_F of a fixture
# once per FIXTURE_VARIANT_ADD of that fixture, or once if it has none.
ksft_count() {
	local f n=0 t v
	for f in ${2:-$(sed -n 's/^TEST_F\(_TIMEOUT\)\{0,1\}(\([a-z0-9_]*\),.*/\2/p' "$1" | sort -u)}; do
		t=$(grep -c -E "^TEST_F(_TIMEOUT)?\\($f," "$1")
		v=$(grep -c "^FIXTURE_VARIANT_ADD($f," "$1")
		n=$((n + t * (v > 0 ? v : 1)))
	done
	echo "$n"
}

# ksft_results PREFIX TEXT NWANT [SKIP-OK-REGEX]: one TAP result per
# kselftest_harness result line ("ok N name" / "not ok N name") of TEXT,
# then one that all NWANT tests reported. A skip counts as a failure
# unless its line matches SKIP-OK-REGEX.
ksft_results() {
	local prefix=$1 text=$2 want=$3 skip_ok=${4:-} line got=0
	while read -r line; do
		case $line in
		"ok "*[Ss][Kk][Ii][Pp]*)
			if [ -n "$skip_ok" ] && [[ $line =~ $skip_ok ]]; then
				tap_result 0 "$prefix: $line (an expected skip)"
			else
				tap_result 1 "$prefix: $line (skipped: counted as a failure)"
			fi ;;
		"ok "*) tap_result 0 "$prefix: ${line#ok }" ;;
		*) tap_result 1 "$prefix: ${line#not ok }" \
			"$(printf '%s\n' "$text" | grep '^#' | tail -15)" ;;
		esac
		got=$((got + 1))
	done < <(printf '%s\n' "$text" | grep -E '^(not )?ok [0-9]+ ')
	[ "$got" -eq "$want" ]
	tap_result $? "$prefix: all $want tests reported ($got)" \
		"$(printf '%s\n' "$text" | tail -10)"
}
