#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's order of work (tools/pvapic/pvapic-check), with stand-in
# suites and kernel builds that only print (PVAPIC_CHECK_SUITES): a suite
# waits only for the kernel it boots (wide and control for host-ours,
# soak-debug for guest-debug; rig, extdest and soak for none), a failed
# build stops exactly the suites that need it and counts once, and the
# background steps end when make check is killed.
source "$(dirname "$0")/lib.sh"
CHECK=$PVAPIC_TOP/tools/pvapic/pvapic-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok='echo 1 passed, 0 failed'
SUITES="deps:$ok
rig:sleep 1; $ok
wide:$ok
control:$ok
extdest:$ok
soak:$ok
soak-debug:$ok
static:$ok
fuzz:$ok"

# check HOST-BUILD DEBUG-BUILD: pvapic-check over the stand-ins; sets
# $out, $rc and $order: the suites and builds in the order their results
# were shown (a suite not run as NAME:not-run).
check() {
	out=$(env -u PVAPIC_SUITES PVAPIC_BUILD="$tmp/b" PVAPIC_CHECK_SUITES="$SUITES" \
		PVAPIC_LATE_HOST="$1" PVAPIC_LATE_DEBUG="$2" "$CHECK" 2>&1)
	rc=$?
	order=$(printf '%s\n' "$out" | sed -n -E \
		-e 's/^(host|debug) built$/\1/p' \
		-e 's/^=== suite ([a-z-]+): [0-9]+ passed.*/\1/p' \
		-e 's/^=== suite ([a-z-]+): not run.*/\1:not-run/p' | tr '\n' ' ')
}

tap_plan 8

# The debug guest's build takes longer than every suite before
# soak-debug: only soak-debug, and static after it in the background,
# wait for it.
check 'echo host built' 'sleep 4; echo debug built'
expect_eq "deps rig host wide control extdest soak debug soak-debug static fuzz " "$order" \
	"only soak-debug and static wait for guest-debug; wide and control for host-ours" "$out"
expect_eq "0 9 passed, 0 failed" "$rc $(printf '%s\n' "$out" | tail -1)" \
	"all pass: exit 0 and the counts of the nine suites"

check 'echo host broke; exit 3' 'echo debug built'
expect_eq "deps rig wide:not-run control:not-run extdest soak debug soak-debug static fuzz " "$order" \
	"host-ours fails: wide and control are not run, the rest is" "$out"
expect_eq "1 7 passed, 3 failed" "$rc $(printf '%s\n' "$out" | tail -1)" \
	"host-ours fails: the build and the two suites count one failure each"

check 'echo host built' 'echo debug broke; exit 3'
expect_eq "deps rig host wide control extdest soak soak-debug:not-run static:not-run fuzz " "$order" \
	"guest-debug fails: soak-debug and static are not run, the rest is" "$out"
expect_eq "1 7 passed, 3 failed" "$rc $(printf '%s\n' "$out" | tail -1)" \
	"guest-debug fails: the build, static and soak-debug count one failure each"

# A name in PVAPIC_SUITES that is no suite: one line, exit 2, nothing run.
out=$(PVAPIC_SUITES="deps nosuch" PVAPIC_BUILD="$tmp/n" PVAPIC_CHECK_SUITES="$SUITES" "$CHECK" 2>&1)
expect_eq "2 pvapic-check: PVAPIC_SUITES names no suite 'nosuch' (the suites: deps rig wide control extdest soak soak-debug static fuzz )" \
	"$? $out" "PVAPIC_SUITES naming no suite: one line with the reason, exit 2, nothing run"

# make check killed (SIGKILL, as by a CI timeout) while a build runs
# beside the suites: the background group ends itself within 5 s.
mark="sleep 71.$$" fg="sleep 61.$$"
env -u PVAPIC_SUITES PVAPIC_BUILD="$tmp/k" PVAPIC_CHECK_SUITES="rig:$fg; $ok
wide:$ok" PVAPIC_LATE_HOST="$mark" PVAPIC_LATE_DEBUG= "$CHECK" >/dev/null 2>&1 &
checker=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	pgrep -f "^$mark\$" >/dev/null && break
	sleep 0.5
done
before=$(pgrep -f "^$mark\$" | wc -l)
{ kill -9 "$checker"; wait "$checker"; } 2>/dev/null
sleep 7
after=$(pgrep -f "^$mark\$" | wc -l)
# The suite it was running is not in that group: end it.
pkill -f "^$fg\$"
pkill -f "^$mark\$"
expect_eq "1 0" "$before $after" \
	"make check killed: the build beside it ran, and ended within 7 s"

tap_done
