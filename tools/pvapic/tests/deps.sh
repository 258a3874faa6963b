#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# install-deps' apt source detection on the apt layouts a Debian machine
# can have, each built in a temporary directory (no apt call is made for them):
# whether bookworm-backports is already configured, and else which mirror
# the bookworm entry uses. And --linux-source's refusals and its cache,
# and the sparse --sparse installs for the 7.3 tree (this one does fetch,
# once, into the cache).
source "$(dirname "$0")/lib.sh"
DEPS=$PVAPIC_TOP/tools/pvapic/install-deps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

DEB822='Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main'
LIST='deb http://security.example/debian-security bookworm-security main
# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://list.example/debian bookworm main contrib'

# layout NAME FILE=CONTENT...: a root with those files under etc/apt.
layout() {
	local root=$tmp/$1 kv
	shift
	mkdir -p "$root/etc/apt"
	for kv in "$@"; do
		mkdir -p "$root/etc/apt/$(dirname "${kv%%=*}")"
		printf '%s\n' "${kv#*=}" > "$root/etc/apt/${kv%%=*}"
	done
	echo "$root"
}

# detects WANT DESCRIPTION ROOT: install-deps --detect ROOT prints WANT.
detects() {
	local got rc
	got=$("$DEPS" --detect "$3" 2>&1); rc=$?
	expect_eq "0 $1" "$rc $got" "$2"
}

tap_plan 16

detects "add http://mirror.example/debian" "deb822 only: the bookworm entry's mirror" \
	"$(layout deb822 sources.list.d/debian.sources="$DEB822")"
detects "add http://list.example/debian" "sources.list only: the bookworm line's mirror (options, comments and security skipped)" \
	"$(layout list sources.list="$LIST")"
detects "add http://list.example/debian" "both: sources.list's bookworm entry" \
	"$(layout both sources.list="$LIST" sources.list.d/debian.sources="$DEB822")"
detects "add http://mirror.example/debian" "both, sources.list empty: the deb822 entry" \
	"$(layout both-empty sources.list= sources.list.d/debian.sources="$DEB822")"
detects "add http://deb.debian.org/debian" "neither: Debian's default mirror" \
	"$(layout neither)"
detects "present /etc/apt/sources.list.d/debian.sources" "backports in a deb822 Suites line" \
	"$(layout bp822 sources.list.d/debian.sources="${DEB822/bookworm-updates/bookworm-backports}")"
detects "present /etc/apt/sources.list.d/bp.list" "backports in a .list file" \
	"$(layout bplist sources.list="$LIST" \
		sources.list.d/bp.list="deb [arch=amd64] http://list.example/debian bookworm-backports main")"
detects "present /etc/apt/sources.list.d/pvapic-bookworm-backports.sources" "backports added by an earlier run" \
	"$(layout earlier sources.list.d/debian.sources="$DEB822" \
		sources.list.d/pvapic-bookworm-backports.sources="Types: deb
URIs: http://mirror.example/debian
Suites: bookworm-backports
Components: main")"
detects "add http://mirror.example/debian" "backports in a disabled deb822 stanza do not count" \
	"$(layout disabled sources.list.d/debian.sources="$DEB822

Enabled: no
Types: deb
URIs: http://mirror.example/debian
Suites: bookworm-backports
Components: main")"
detects "add http://list.example/debian" "commented-out and deb-src backports lines do not count" \
	"$(layout commented sources.list="# deb http://list.example/debian bookworm-backports main
deb-src http://list.example/debian bookworm-backports main
$LIST")"

out=$("$DEPS" --detect "$tmp/absent" 2>&1); rc=$?
[ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ $out == "install-deps: usage: "* ]]
tap_result $? "--detect on a missing directory: one line with the reason, non-zero exit" "rc=$rc" "$out"
out=$("$DEPS" --bogus 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == "install-deps: usage: "* ]]
tap_result $? "an unknown option: one line with the reason, non-zero exit" "rc=$rc" "$out"

# --linux-source: the versions pvapic builds on, and a source already in
# the cache is found there (no apt call).
out=$("$DEPS" --linux-source 7.0 2>&1); rc=$?
expect_eq "1 install-deps: --linux-source: pvapic builds on Linux 6.12 and 7.3, not '7.0'" "$rc $out" \
	"--linux-source 7.0: refused with the versions pvapic builds on"
out=$("$DEPS" --linux-source 2>&1); rc=$?
expect_eq "1 install-deps: usage: install-deps --linux-source VERSION" "$rc $out" \
	"--linux-source without a version: one line with the usage"
mkdir -p "$tmp/cache/linux-7.3/usr/src" && : > "$tmp/cache/linux-7.3/usr/src/linux-source-7.3.tar.xz"
out=$(PVAPIC_CACHE=$tmp/cache "$DEPS" --linux-source 7.3 2>&1); rc=$?
expect_eq "0 $tmp/cache/linux-7.3/usr/src/linux-source-7.3.tar.xz" "$rc $out" \
	"--linux-source 7.3 with the source in the cache: its path, nothing fetched"

# --sparse: the sparse for the 7.3 tree knows __typeof_unqual__, which
# 7.3's scripts/checker-valid.sh asks of it (0.6.4 reports an error).
sp=$("$DEPS" --sparse 2>&1 | tail -n 1)
printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' > "$tmp/tu.c"
err=$("$sp" -D__x86_64__ "$tmp/tu.c" 2>&1)
[ -x "$sp" ] && [ -z "$err" ]
tap_result $? "--sparse: $sp ($("$sp" --version 2>&1)) handles __typeof_unqual__ as 7.3's kbuild asks" "$err"

tap_done
