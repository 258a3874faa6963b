#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel cache (tools/pvapic/kcache) with a stand-in build that writes
# into its object directory the tree's file and .config it was built from,
# and counts its runs: a build goes into the cache and a second object
# directory with the same inputs (another -j, another checkout path) gets
# the same files without a build; a stamped directory is left alone; a
# file of the tree edited in place, and a changed .config, get keys of
# their own (the edit undone comes back from the cache); files the
# selftests write into the tree, and a file touched with the same content,
# change nothing; a failed build stores nothing; an entry that does not
# decompress is dropped and the kernel built; the cache keeps the entries
# used last and the one used last of each other name; a source stamp that
# names no tarball builds without the cache; bad calls are refused with
# one line.
source "$(dirname "$0")/lib.sh"
K=$PVAPIC_TOP/tools/pvapic/kcache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KCACHE_DIR=$tmp/cache KTIMES=$tmp/ktimes
mkdir -p "$tmp/up" "$tmp/tree" "$tmp/a" "$tmp/b"
echo "/usr/src/linux-source-6.12.tar.xz 150000000 1700000000" >"$tmp/up/.pvapic-extracted"
# The pristine file, older than the stamp, and the one "the series" wrote.
echo 'int p;' >"$tmp/tree/pristine.c"
touch -d '2025-01-01' "$tmp/tree/pristine.c"
touch -d '2026-01-01' "$tmp/up/.pvapic-extracted"
echo 'int x;' >"$tmp/tree/x.c"
echo 'CONFIG_X=y' >"$tmp/a/.config"
cp "$tmp/a/.config" "$tmp/b/.config"
# The stand-in build: vmlinux from the tree's x.c and the .config, a
# module, and a count of runs; the object directory is $KOBJ (not on its
# command line, which is part of the key).
cat >"$tmp/build" <<'EOF'
#!/bin/sh
echo "$(cat "$KTREE/x.c") $(cat "$KOBJ/.config")" >"$KOBJ/vmlinux"
mkdir -p "$KOBJ/lib" && echo ko >"$KOBJ/lib/m.ko"
echo x >>"$KRUNS"
[ -z "$FAIL" ]
EOF
chmod +x "$tmp/build"

# kc OBJDIR [NAME [JOBS [TOP]]]: kcache over the stand-in, with the
# command naming the checkout TOP [$tmp/ck1]; sets $out and $rc.
kc() {
	local top=${4:-$tmp/ck1}
	out=$(KOBJ=$1 KTREE=$tmp/tree KRUNS=$tmp/runs KCACHE_TOP=$top \
		"$K" "${2:-kname}" "$tmp/tree" "$1" "$tmp/up/.pvapic-extracted" -- \
		"$tmp/build" "-j${3:-2}" -s "--top=$top/build" 2>&1)
	rc=$?
}
runs() { wc -l <"$tmp/runs"; }
entries() { find "$KCACHE_DIR" -name '*.tar.zst' | wc -l; }

tap_plan 14

kc "$tmp/a"
key=$(cat "$tmp/a/.pvapic-kcache" 2>/dev/null)
expect_eq "0 1 1 kname-$key.tar.zst" "$rc $(runs) $(entries) $(basename "$(ls "$KCACHE_DIR"/*.tar.zst 2>/dev/null)")" \
	"a first build runs and goes into the cache under its key" "$out"

kc "$tmp/a"
expect_eq "0 1   KERNEL  kname up to date (kernel cache key $key)" "$rc $(runs) $(printf '%s\n' "$out" | tail -1)" \
	"the same inputs on the stamped object directory: nothing runs" "$out"

# Another checkout (its path in the command is KCACHE_TOP's) and -j7.
kc "$tmp/b" kname 7 "$tmp/ck2"
expect_eq "0 1 int x; CONFIG_X=y ko $key" \
	"$rc $(runs) $(cat "$tmp/b/vmlinux") $(cat "$tmp/b/lib/m.ko") $(cat "$tmp/b/.pvapic-kcache")" \
	"another object directory, checkout and -j with the same inputs: the build's files from the cache, no build" "$out"
expect_match '^  KERNEL  kname from the kernel cache in [0-9]+ s$' "$out" "and says so"
expect_match '^kname [0-9]+, kname [0-9]+ cache$' "$(paste -sd, "$KTIMES" | sed 's/,/, /')" \
	"KTIMES notes the build, then the kernel taken from the cache"

# The selftests' files in the tree and a file touched with its content:
# the same key.
mkdir -p "$tmp/tree/tools/testing/selftests/pvapic"
echo bin >"$tmp/tree/tools/testing/selftests/pvapic/irq_affinity"
touch "$tmp/tree/x.c"
kc "$tmp/b"
expect_eq "0 1 $key" "$rc $(runs) $(cat "$tmp/b/.pvapic-kcache")" \
	"files the selftests write into the tree and a file touched with the same content: still up to date" "$out"

# A file edited in place: a key of its own, built from the edit; undone:
# the first build again, from the cache.
echo 'int y;' >"$tmp/tree/x.c"
kc "$tmp/b"
k2=$(cat "$tmp/b/.pvapic-kcache")
echo 'int x;' >"$tmp/tree/x.c"
kc "$tmp/b"
expect_eq "2 2 int x; CONFIG_X=y $key" "$(entries) $(runs) $(cat "$tmp/b/vmlinux") $(cat "$tmp/b/.pvapic-kcache")" \
	"a file edited in place builds under a key of its own ($k2), and undone comes back from the cache" "$out"

echo 'CONFIG_X=m' >"$tmp/b/.config"
kc "$tmp/b"
expect_eq "3 3 int x; CONFIG_X=m" "$(runs) $(entries) $(cat "$tmp/b/vmlinux")" \
	"a changed .config builds again and goes into the cache"

echo 'CONFIG_X=f' >"$tmp/a/.config"
FAIL=1 kc "$tmp/a"
expect_eq "1 4 3 none" "$([ $rc -ne 0 ] && echo 1) $(runs) $(entries) $(cat "$tmp/a/.pvapic-kcache" 2>/dev/null || echo none)" \
	"a failed build fails, stores nothing and leaves the directory unstamped" "$out"

# An entry cut short is dropped and the kernel built.
echo 'CONFIG_X=m' >"$tmp/a/.config"
e=$KCACHE_DIR/kname-$(cat "$tmp/b/.pvapic-kcache").tar.zst
head -c 20 "$e" >"$e.cut" && mv "$e.cut" "$e"
kc "$tmp/a"
expect_eq "0 5 int x; CONFIG_X=m" "$rc $(runs) $(cat "$tmp/a/vmlinux")" \
	"an entry that does not decompress is dropped and the kernel built" "$out"
expect_match "^kcache: cannot decompress $e: dropped, kname is built$" "$out" "with one line saying so"

# Another name, then three more builds of kname with KCACHE_KEEP=2, each
# entry used later than the one before: the two used last stay, and the
# other name's only entry.
kc "$tmp/a" other
touch -d @1690000000 "$KCACHE_DIR"/*.tar.zst
i=0
for c in p q r; do
	echo "CONFIG_X=$c" >"$tmp/b/.config"
	KCACHE_KEEP=2 kc "$tmp/b"
	i=$((i + 1))
	touch -d "@$((1700000000 + i))" "$KCACHE_DIR/kname-$(cat "$tmp/b/.pvapic-kcache").tar.zst"
done
expect_eq "kname-CONFIG_X=q kname-CONFIG_X=r other" \
	"$(for f in "$KCACHE_DIR"/*.tar.zst; do n=${f##*/}; printf '%s\n' "${n%%-*}$(zstd -q -d -c "$f" | tar -xO ./.config 2>/dev/null | sed 's/^/-/')"; done | sed 's/^other-.*/other/' | sort | paste -sd' ')" \
	"KCACHE_KEEP=2 keeps the 2 entries used last and the one of each other name"

: >"$tmp/up/.pvapic-extracted"
r0=$(runs)
kc "$tmp/a"
expect_eq "0 $((r0 + 1)) 1" "$rc $(runs) $(printf '%s\n' "$out" | grep -c 'does not name the source tarball')" \
	"a source stamp that names no tarball: built without the cache, with one line saying so" "$out"

o1=$("$K" kname "$tmp/tree" "$tmp/nowhere" "$tmp/up/.pvapic-extracted" -- true 2>&1); r1=$?
o2=$("$K" kname "$tmp/tree" "$tmp/a" "$tmp/up/.pvapic-extracted" make 2>&1); r2=$?
expect_eq "1 kcache: $tmp/nowhere/.config missing: configure kname first|1 kcache: usage: kcache NAME TREE OBJDIR SOURCE -- COMMAND..." \
	"$r1 $o1|$r2 $o2" "an object directory that is not configured, and a call without --, are refused with one line"
tap_done
