#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel cache (tools/pvapic/kcache) with a stand-in build that writes
# a few files into its object directory and counts its runs: a build goes
# into the cache and a second object directory with the same inputs (and
# another -j) gets the same files without a build; a stamped directory is
# left alone unless a file of its source tree was edited since; a changed
# input or .config builds again; a failed build stores nothing; an entry
# that cannot be read is dropped and the kernel built; the cache keeps
# the entries used last and the newest of each name; a source stamp that
# names no tarball builds without the cache; bad calls are refused with
# one line.
source "$(dirname "$0")/lib.sh"
K=$PVAPIC_TOP/tools/pvapic/kcache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KCACHE_DIR=$tmp/cache KTIMES=$tmp/ktimes
mkdir -p "$tmp/tree" "$tmp/a" "$tmp/b" "$tmp/in/sub"
echo 'int x;' >"$tmp/tree/x.c"
echo 'CONFIG_X=y' >"$tmp/a/.config"
cp "$tmp/a/.config" "$tmp/b/.config"
echo "/usr/src/linux-source-6.12.tar.xz 150000000 1700000000" >"$tmp/source"
echo one >"$tmp/in/sub/p.patch"
echo series >"$tmp/series"
# The stand-in build: vmlinux and a module in the object directory $KOBJ
# (not on its command line, which is part of the key), and a count of runs.
cat >"$tmp/build" <<'EOF'
#!/bin/sh
echo "vmlinux of $(cat "$KOBJ/.config")" >"$KOBJ/vmlinux"
mkdir -p "$KOBJ/lib" && echo ko >"$KOBJ/lib/m.ko"
echo x >>"$(dirname "$KOBJ")/runs"
[ -z "$FAIL" ]
EOF
chmod +x "$tmp/build"

# kc OBJDIR [NAME [JOBS [TREE]]]: kcache over the stand-in; sets $out and
# $rc.
kc() {
	out=$(KOBJ=$1 "$K" "${2:-kname}" "${4:-$tmp/tree}" "$1" "$tmp/source" "$tmp/in" "$tmp/series" -- \
		"$tmp/build" "-j${3:-2}" -s 2>&1)
	rc=$?
}
runs() { wc -l <"$tmp/runs"; }
entries() { find "$KCACHE_DIR" -name '*.tar.zst' | wc -l; }

tap_plan 13

kc "$tmp/a"
key=$(cat "$tmp/a/.pvapic-kcache" 2>/dev/null)
expect_eq "0 1 1 kname-$key.tar.zst" "$rc $(runs) $(entries) $(basename "$(ls "$KCACHE_DIR"/*.tar.zst 2>/dev/null)")" \
	"a first build runs and goes into the cache under its key" "$out"

kc "$tmp/a"
expect_eq "0 1   KERNEL  kname up to date (kernel cache key $key)" "$rc $(runs) $(printf '%s\n' "$out" | tail -1)" \
	"the same inputs on the stamped object directory: nothing runs" "$out"

kc "$tmp/b" kname 7
expect_eq "0 1 vmlinux of CONFIG_X=y ko $key" \
	"$rc $(runs) $(cat "$tmp/b/vmlinux") $(cat "$tmp/b/lib/m.ko") $(cat "$tmp/b/.pvapic-kcache")" \
	"another object directory with the same inputs and -j7 gets the build's files from the cache, without a build" "$out"
expect_match '^  KERNEL  kname from the kernel cache in [0-9]+ s$' "$out" "and says so"
expect_match '^kname [0-9]+, kname [0-9]+ cache$' "$(paste -sd, "$KTIMES" | sed 's/,/, /')" \
	"KTIMES notes the build, then the kernel taken from the cache"

# A tree of its own, taken from the cache, then edited in place: kbuild
# runs, and keeps running there, without storing anything.
mkdir -p "$tmp/c" "$tmp/tree2"
cp "$tmp/a/.config" "$tmp/c/.config"
echo 'int x;' >"$tmp/tree2/x.c"
kc "$tmp/c" kname 2 "$tmp/tree2"
r0=$(runs)
sleep 1
echo 'int y;' >"$tmp/tree2/x.c"
kc "$tmp/c" kname 2 "$tmp/tree2"
kc "$tmp/c" kname 2 "$tmp/tree2"
expect_eq "1 3 1 local" "$r0 $(runs) $(entries) $(cat "$tmp/c/.pvapic-kcache")" \
	"a tree edited in place after its kernel came from the cache: kbuild runs each time, nothing is stored" "$out"

echo two >"$tmp/in/sub/p.patch"
kc "$tmp/b"
r1=$(runs)
echo 'CONFIG_X=m' >"$tmp/b/.config"
kc "$tmp/b"
expect_eq "4 5 3 vmlinux of CONFIG_X=m" "$r1 $(runs) $(entries) $(cat "$tmp/b/vmlinux")" \
	"a changed input file, then a changed .config, each build again and go into the cache"

echo 'CONFIG_X=f' >"$tmp/a/.config"
FAIL=1 kc "$tmp/a"
expect_eq "1 6 3 none" "$([ $rc -ne 0 ] && echo 1) $(runs) $(entries) $(cat "$tmp/a/.pvapic-kcache" 2>/dev/null || echo none)" \
	"a failed build fails, stores nothing and leaves the directory unstamped" "$out"

# An entry that cannot be read (here cut short) is dropped and built.
echo 'CONFIG_X=m' >"$tmp/a/.config"
e=$(ls "$KCACHE_DIR"/kname-"$(cat "$tmp/b/.pvapic-kcache")".tar.zst)
head -c 20 "$e" >"$e.cut" && mv "$e.cut" "$e"
kc "$tmp/a"
expect_eq "0 7 vmlinux of CONFIG_X=m" "$rc $(runs) $(cat "$tmp/a/vmlinux")" \
	"an entry that cannot be unpacked is dropped and the kernel built" "$out"
expect_match "^kcache: cannot unpack $e: dropped, kname is built$" "$out" "with one line saying so"

# Another name, then three more builds of kname with KCACHE_KEEP=2: the
# two used last stay, and the other name's only entry.
kc "$tmp/a" other
for c in p q r; do
	echo "CONFIG_X=$c" >"$tmp/b/.config"
	sleep 1
	KCACHE_KEEP=2 kc "$tmp/b"
done
expect_eq "kname kname other" "$(ls "$KCACHE_DIR" | sed 's/-.*//' | sort | paste -sd' ')" \
	"KCACHE_KEEP=2 keeps the 2 entries used last and the newest of each other name"

: >"$tmp/source"
r0=$(runs)
kc "$tmp/a"
expect_eq "0 $((r0 + 1)) 1" "$rc $(runs) $(printf '%s\n' "$out" | grep -c 'does not name the source tarball')" \
	"a source stamp that names no tarball: built without the cache, with one line saying so" "$out"

o1=$("$K" kname "$tmp/tree" "$tmp/a" "$tmp/source" "$tmp/none" -- true 2>&1); r1=$?
o2=$("$K" kname "$tmp/tree" "$tmp/a" "$tmp/source" make 2>&1); r2=$?
expect_eq "1 kcache: input $tmp/none missing|1 kcache: usage: kcache NAME TREE OBJDIR SOURCE [INPUT...] -- COMMAND..." \
	"$r1 $o1|$r2 $o2" "a missing input, and a call without --, are refused with one line"
tap_done
