#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run pvipi-sim on the corpus and on malformed input. TAP, then a last line
# "N passed, N failed"; exit non-zero on any failure.
cd "$(dirname "$0")" || exit 2
SIM=./pvipi-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

result() {	# result OK|FAIL description
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# corpus: every mask passes, for every packer and width
for topo in corpus/*.topo; do
	masks=${topo%.topo}.masks
	for args in "--packer ours --width 128" "--packer ours --width 192" \
		    "--packer upstream"; do
		# shellcheck disable=SC2086
		$SIM --topology "$topo" --masks "$masks" $args >"$tmp/out" 2>&1
		rc=$?
		if [ $rc = 0 ] && tail -n1 "$tmp/out" | grep -q ' 0 failed$' &&
		   head -n1 "$tmp/out" | grep -q "^mask	hypercalls	delivered_ok$"; then
			result OK "$topo $args"
		else
			result FAIL "$topo $args (exit $rc)"
		fi
	done
done

# expected hypercall counts on the 2022 case
$SIM --topology corpus/upstream-bug-2022.topo \
	--masks corpus/upstream-bug-2022.masks >"$tmp/out" 2>&1
if grep -q '^0-2	2	1$' "$tmp/out"; then
	result OK "{1,128,0}: 2 windows of 128"
else
	result FAIL "{1,128,0}: 2 windows of 128"
fi
$SIM --topology corpus/upstream-bug-2022.topo --width 192 \
	--masks corpus/upstream-bug-2022.masks >"$tmp/out" 2>&1
if grep -q '^0-2	1	1$' "$tmp/out"; then
	result OK "{1,128,0}: 1 window of 192"
else
	result FAIL "{1,128,0}: 1 window of 192"
fi

# bad input: exit 2 and a FILE:LINE: message
printf '0 0\n1 1\n2 2\n' >"$tmp/good.topo"
printf '0-2\n' >"$tmp/good.masks"
bad() {	# bad description file line topo masks [extra args]
	desc=$1 file=$2 line=$3 topo=$4 masks=$5
	shift 5
	$SIM --topology "$topo" --masks "$masks" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "^$file:$line: " "$tmp/err"; then
		result OK "$desc"
	else
		result FAIL "$desc (exit $rc: $(cat "$tmp/err"))"
	fi
}
printf '0 0\n# comment\n\n1 1 7\n' >"$tmp/extra.topo"
bad "topology: extra field" "$tmp/extra.topo" 4 "$tmp/extra.topo" "$tmp/good.masks"
printf '0 0\n1 zz\n' >"$tmp/word.topo"
bad "topology: bad APIC ID" "$tmp/word.topo" 2 "$tmp/word.topo" "$tmp/good.masks"
printf '0 0\n1\n' >"$tmp/short.topo"
bad "topology: missing APIC ID" "$tmp/short.topo" 2 "$tmp/short.topo" "$tmp/good.masks"
printf '0 0\n1 0x10\n1 5\n' >"$tmp/dupcpu.topo"
bad "topology: duplicate CPU" "$tmp/dupcpu.topo" 3 "$tmp/dupcpu.topo" "$tmp/good.masks"
printf '0 0x10\n1 16\n' >"$tmp/dupid.topo"
bad "topology: duplicate APIC ID" "$tmp/dupid.topo" 2 "$tmp/dupid.topo" "$tmp/good.masks"
bad "topology: missing file" "$tmp/nope.topo" 0 "$tmp/nope.topo" "$tmp/good.masks"
printf '0-1\n0-3\n' >"$tmp/unknown.masks"
bad "masks: unknown CPU" "$tmp/unknown.masks" 2 "$tmp/good.topo" "$tmp/unknown.masks"
printf '0 0\n2 2\n' >"$tmp/hole.topo"
printf '0-2\n' >"$tmp/hole.masks"
bad "masks: CPU not in topology" "$tmp/hole.masks" 1 "$tmp/hole.topo" "$tmp/hole.masks"
printf '0-1\n\n2-0\n' >"$tmp/range.masks"
bad "masks: reversed range" "$tmp/range.masks" 3 "$tmp/good.topo" "$tmp/range.masks"
printf '0,,1\n' >"$tmp/comma.masks"
bad "masks: malformed cpulist" "$tmp/comma.masks" 1 "$tmp/good.topo" "$tmp/comma.masks"
printf '0-2 allbutself=9\n' >"$tmp/self.masks"
bad "masks: unknown allbutself CPU" "$tmp/self.masks" 1 "$tmp/good.topo" "$tmp/self.masks"
printf '0-2 allbutself\n' >"$tmp/self2.masks"
bad "masks: malformed allbutself" "$tmp/self2.masks" 1 "$tmp/good.topo" "$tmp/self2.masks"
bad "masks: missing file" "$tmp/nope.masks" 0 "$tmp/good.topo" "$tmp/nope.masks"

opt() {	# opt description args...
	desc=$1
	shift
	$SIM "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 2 ] && [ -s "$tmp/err" ]; then
		result OK "$desc"
	else
		result FAIL "$desc (exit $rc)"
	fi
}
opt "option: --width 192 with --packer upstream" --topology "$tmp/good.topo" \
	--masks "$tmp/good.masks" --packer upstream --width 192
opt "option: --width 64" --topology "$tmp/good.topo" --masks "$tmp/good.masks" \
	--width 64
opt "option: unknown packer" --topology "$tmp/good.topo" \
	--masks "$tmp/good.masks" --packer fast
opt "option: unknown option" --topology "$tmp/good.topo" \
	--masks "$tmp/good.masks" --frobnicate 1
opt "option: missing --masks" --topology "$tmp/good.topo"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ $failed = 0 ]
