#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of what goes into the kernel tree, no kernel build needed:
# mkseries writes the series; checkpatch --strict over each kernel-tree
# file and each patch of the series (findings must be listed, with a
# reason, in patches/checkpatch-exceptions); kernel-doc -Wall over our
# .c/.h files; the series applies with git am to the pristine tree and
# gives the build tree's files, each step's glue naming only files that
# exist (tools/pvapic/check-series), for 6.12 and for 7.3; sparse over
# our objects and the upstream files the series edits in the guest-ours
# build and in the 7.3 debug guest's (upstream's own findings there
# listed, with a reason, in patches/sparse-exceptions; PVAPIC_NO_SPARSE=1
# skips it).
source "$(dirname "$0")/lib.sh"
BUILD=${PVAPIC_BUILD:-$PVAPIC_TOP/build}
SRC_UP=${PVAPIC_SRC_UP:-$BUILD/src/upstream}
SRC_OURS=$BUILD/src/ours
OBJ=$BUILD/obj/guest-ours
P=$PVAPIC_TOP/tools/pvapic
EXC=$PVAPIC_TOP/patches/checkpatch-exceptions
SERIES=$BUILD/check/static-series
export PVAPIC_SRC_UP=$SRC_UP
# The pristine 7.3 tree (make guest-debug, whose guest is 7.3's, extracts
# it): the 7.3 series is written, checkpatched and applied too. It is the
# tree of the checkout that built $BUILD's debug guest: obj/guest-debug
# links to its objects in that tree's src/ours.
SRC_OURS73=$PVAPIC_TOP/build/linux-7.3/src/ours
if [ -L "$BUILD/obj/guest-debug" ]; then
	SRC_OURS73=$(dirname "$(readlink -m "$BUILD/obj/guest-debug")")
fi
SRC_UP73=${PVAPIC_SRC_UP73:-$(dirname "$SRC_OURS73")/upstream}
SERIES73=$BUILD/check/static-series-7.3
SPARSE73=${PVAPIC_SPARSE73:-${PVAPIC_CACHE:-$HOME/.cache/pvapic}/sparse/bin/sparse}

# sparse_check: sparse (C=2) over the objects of our .c files and of the
# upstream .c files the series edits, in the guest-ours build; sets
# $sparse_msg and returns non-zero on any warning or error in those files.
# Needs sparse and a configured build/obj/guest-ours with a current overlay
# (make guest-ours). CC and the build identity must be the Makefile's, or
# kbuild sees a changed command line and rebuilds the objects.
# sparse_check SRC OBJ [CHECK]: the same in tree SRC with objects in OBJ,
# with the checker CHECK (default sparse).
sparse_check() {
	local src=$1 obj=$2 check=${3:-sparse} objs=() files=() f kcc=gcc log rc re n
	for f in "${kfiles[@]}" "${hooked_c[@]}"; do
		case $f in
		tools/*) ;;
		*.c) objs+=("${f%.c}.o"); files+=("$f") ;;
		*.h) files+=("$f") ;;
		esac
	done
	if ! command -v "$check" >/dev/null; then
		sparse_msg="$check is not installed (tools/pvapic/install-deps installs sparse, install-deps --sparse the one for 7.3)"
		return 1
	fi
	if [ ! -f "$obj/.config" ]; then
		sparse_msg="no $obj/.config (make guest-ours, make guest-debug)"
		return 1
	fi
	if command -v ccache >/dev/null; then
		kcc="ccache gcc"
		export CCACHE_DIR=${CCACHE_DIR:-${CACHE:-$HOME/.cache/pvapic}/ccache}
	fi
	log=$(make --no-print-directory -C "$src" O="$obj" CC="$kcc" \
		KBUILD_BUILD_USER=pvapic KBUILD_BUILD_HOST=pvapic \
		CHECK="$check" C=2 CF=-D__CHECK_ENDIAN__ "${objs[@]}" 2>&1)
	rc=$?
	# kbuild turns the checker off, with only a warning, when
	# scripts/checker-valid.sh rejects it (7.3 wants __typeof_unqual__).
	if printf '%s\n' "$log" | grep -q 'specified, but .* is not available or not up to date'; then
		sparse_msg="kbuild in $src turned the checker off: sparse $("$check" --version 2>&1) ($check) is not up to date for it"
		return 1
	fi
	re="(^|/)($(printf '%s\n' "${files[@]}" | sed 's/[.]/[.]/g' | paste -sd '|')):[0-9]+(:[0-9]+)?: (warning|error)"
	# Upstream's own findings in the files the series edits, listed in
	# patches/sparse-exceptions as "FILE | message | why".
	# Only in those files: a finding in one of ours is never excused.
	log=$(printf '%s\n' "$log" | awk -v ex="$PVAPIC_TOP/patches/sparse-exceptions" \
		-v hooked="$(printf '%s\n' "${hooked_c[@]}" | paste -sd' ')" '
		BEGIN {
			nh = split(hooked, h, " ")
			for (i = 1; i <= nh; i++) ok[h[i]] = 1
			while ((getline l < ex) > 0) {
				if (l ~ /^[[:space:]]*(#|$)/) continue
				n = split(l, f, / \| /)
				if (n >= 2 && (f[1] in ok)) skip[f[1] "|" f[2]] = 1
			}
		}
		{
			if (match($0, /[^ ]+:[0-9]+(:[0-9]+)?: (warning|error): /)) {
				loc = substr($0, RSTART, RLENGTH); msg = substr($0, RSTART + RLENGTH)
				sub(/:[0-9]+(:[0-9]+)?: (warning|error): $/, "", loc); sub(/^(\.\.\/)+/, "", loc)
				if ((loc "|" msg) in skip) next
			}
			print
		}') || { sparse_msg="the sparse-exceptions filter failed"; return 1; }
	n=$(printf '%s\n' "$log" | grep -cE "$re")
	sparse_msg="make exited $rc; $n sparse warnings or errors in our files"
	if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
		sparse_msg+=$'\n'$(printf '%s\n' "$log" | grep -E "$re|Error|error:" | head -40)
		return 1
	fi
	return 0
}

# The exceptions: parallel arrays of target glob and exact finding.
exc_glob=() exc_msg=()
if [ -f "$EXC" ]; then
	while IFS= read -r l; do
		case $l in '#'* | '') continue ;; esac
		g=${l%% | *} rest=${l#* | }
		exc_glob+=("$g") exc_msg+=("${rest%% | *}")
	done <"$EXC"
fi

# checkpatch_one TARGET FILE [ARGS...]: the findings not in the exceptions,
# in $cp_bad; returns 1 if there are any or checkpatch misbehaved.
checkpatch_one() {
	local target=$1 file=$2 out rc l msg i ok
	shift 2
	cp_bad=""
	# Outside any git work tree: checkpatch checks a git-tracked *.patch as
	# a source file.
	out=$(cd / && GIT_DIR=/nonexistent perl "$SRC_UP/scripts/checkpatch.pl" \
		--no-tree --strict --terse --show-types --no-summary "$@" "$file" 2>&1)
	rc=$?
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		msg=${l#"$file":}
		msg=$(printf '%s' "$msg" | sed -E 's/^[0-9]+: //')
		if ! [[ $msg =~ ^(ERROR|WARNING|CHECK):[A-Z0-9_]+:\  ]]; then
			cp_bad+="unexpected checkpatch output: $l"$'\n'
			continue
		fi
		ok=1
		for i in "${!exc_glob[@]}"; do
			# shellcheck disable=SC2053 # the glob is meant to match
			if [[ $target == ${exc_glob[$i]} ]] && [ "$msg" = "${exc_msg[$i]}" ]; then
				ok=0
				break
			fi
		done
		[ $ok -eq 0 ] || cp_bad+="$l"$'\n'
	done <<<"$out"
	if [ "$rc" -ne 0 ] && [ -z "$out" ]; then
		cp_bad="checkpatch exited $rc without findings"
	fi
	cp_bad=${cp_bad%$'\n'}
	[ -z "$cp_bad" ]
}

# write_series VERSION UPSTREAM OUTDIR MAILS: mkseries writes the VERSION
# series against the pristine tree UPSTREAM into OUTDIR; sets ws_rc and
# ws_out, and the array named MAILS to the mails written.
write_series() {
	local -n mails=$4
	local f
	mails=()
	if [ ! -f "$2/Makefile" ]; then
		ws_out="no pristine $1 tree at $2 ('make src' extracts 6.12's, 'make guest-debug' 7.3's)"
		ws_rc=1
		return
	fi
	ws_out=$("$P/mkseries" --kernel "$1" --upstream "$2" "$3" 2>&1)
	ws_rc=$?
	[ $ws_rc -eq 0 ] || return
	for f in "$3"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$f" ] && mails+=("$f")
	done
}

# checkpatch_mails LABEL MAIL...: checkpatch --strict on each mail of a
# series, one result each ("checkpatch --strict LABEL0001-..."); one
# failure when there is no mail.
checkpatch_mails() {
	local label=$1 f b
	shift
	[ $# -gt 0 ] || tap_result 1 "checkpatch --strict over the ${label}series" "mkseries failed"
	for f; do
		b=$(basename "$f")
		checkpatch_one "${b#[0-9][0-9][0-9][0-9]-}" "$f"
		tap_result $? "checkpatch --strict $label$b" "$cp_bad"
	done
}

# --- what there is to check -------------------------------------------------
t0=$(date +%s%N)
mapfile -t kfiles < <("$P/mkseries" --list-files)
write_series 6.12 "$SRC_UP" "$SERIES" patches
mk_rc=$ws_rc mk_out=$ws_out
mapfile -t hooked_c < <(cat "${patches[@]}" /dev/null |
	sed -n 's|^diff --git a/\(.*\.c\) b/.*|\1|p' | sort -u |
	while read -r f; do [ -f "$SRC_UP/$f" ] && echo "$f"; done)
cfiles=()
for f in "${kfiles[@]}"; do
	case $f in *.c | *.h) cfiles+=("$f") ;; esac
done

np=${#patches[@]}
[ "$np" -gt 0 ] || np=1
write_series 7.3 "$SRC_UP73" "$SERIES73" patches73
mk73_rc=$ws_rc mk73_out=$ws_out
np73=${#patches73[@]}
[ "$np73" -gt 0 ] || np73=1
tap_plan $((1 + ${#kfiles[@]} + np + ${#cfiles[@]} + 4 + 2 + 1 + np73 + 4))

tap_result $mk_rc "mkseries writes the series (${#patches[@]} patches)" "$mk_out"

# --- checkpatch ---------------------------------------------------------------
for f in "${kfiles[@]}"; do
	checkpatch_one "$f" "$PVAPIC_TOP/$f" -f
	tap_result $? "checkpatch --strict -f $f" "$cp_bad"
done
checkpatch_mails "" "${patches[@]}"

# --- kernel-doc -----------------------------------------------------------------
for f in "${cfiles[@]}"; do
	out=$(perl "$SRC_UP/scripts/kernel-doc" -none -Wall "$PVAPIC_TOP/$f" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ]
	tap_result $? "kernel-doc -none -Wall $f" "$out"
done

# --- the series applies and is the build's tree ---------------------------------
# series_results VERSION OUT: the four results of check-series' output OUT
# for the VERSION series, each failure with the diagnostics of the first.
series_results() {
	local v=$1 out=$2 c diag
	printf '%s\n' "$out" | grep -E '^# ' | sed "s/^# /# $v: /"
	diag=$(printf '%s\n' "$out" | grep -vE '^(result |# )')
	for c in "apply:git am applies the $v series to the pristine $v files" \
		"content:the $v series gives exactly the $v build tree's files (pristine + patches/series$([ "$v" = 6.12 ] || echo " with patches/$v") + overlay)" \
		"refs:at each patch of the $v series, the Makefile/Kconfig glue and #includes name only files that exist" \
		"docs:each new .rst of the $v series is :orphan: or in a toctree"; do
		if printf '%s\n' "$out" | grep -qx "result ${c%%:*} ok"; then
			tap_result 0 "${c#*:}"
		else
			tap_result 1 "${c#*:}" "${diag:-see above}"
			diag=""
		fi
	done
}
if [ $mk_rc -eq 0 ]; then
	cs_out=$("$P/check-series" "$SERIES" 2>&1)
else
	cs_out="mkseries failed"
fi
series_results 6.12 "$cs_out"

# --- the 7.3 series ---------------------------------------------------------------
# Written from the same overlay files with patches/7.3/ in place of the
# same-named hook patches; checkpatch --strict on each mail, and git am on
# the pristine 7.3 files gives the 7.3 build's tree.
tap_result $mk73_rc "mkseries --kernel 7.3 writes the 7.3 series (${#patches73[@]} patches)" "$mk73_out"
checkpatch_mails "7.3 " "${patches73[@]}"
if [ $mk73_rc -eq 0 ]; then
	cs73_out=$("$P/check-series" --kernel 7.3 --upstream "$SRC_UP73" "$SERIES73" 2>&1)
else
	cs73_out="mkseries --kernel 7.3 failed"
fi
series_results 7.3 "$cs73_out"

# --- sparse ----------------------------------------------------------------------------
if [ "${PVAPIC_NO_SPARSE:-0}" = 1 ]; then
	tap_result 0 "sparse over our objects # SKIP PVAPIC_NO_SPARSE=1"
	tap_result 0 "sparse over our 7.3 objects # SKIP PVAPIC_NO_SPARSE=1"
else
	sparse_check "$SRC_OURS" "$OBJ"
	tap_result $? "sparse over our objects (6.12, guest-ours): no warnings in our files" "$sparse_msg"
	# The 7.3 tree's objects are the debug guest's (make guest-debug).
	# 7.3's kbuild wants a sparse that knows __typeof_unqual__: sid's,
	# which install-deps unpacks into the cache (install-deps --sparse).
	sparse_check "$SRC_OURS73" "$SRC_OURS73/obj-debug" "$SPARSE73"
	tap_result $? "sparse over our objects (7.3, guest-debug, sparse $("$SPARSE73" --version 2>/dev/null)): no warnings in our files" "$sparse_msg"
fi
echo "# static: $((($(date +%s%N) - t0) / 1000000)) ms"
tap_done
