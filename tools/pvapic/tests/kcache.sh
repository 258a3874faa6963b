#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel cache (tools/pvapic/kcache) with a stand-in build that writes
# a few files into its object directory and counts its runs: a build goes
# into the cache and a second object directory with the same inputs gets
# the same files without a build; a changed input, .config or command
# builds again; a stamped directory is left alone; a failed build stores
# nothing; the cache keeps its newest KCACHE_KEEP entries; bad calls are
# refused with one line.
source "$(dirname "$0")/lib.sh"
K=$PVAPIC_TOP/tools/pvapic/kcache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KCACHE_DIR=$tmp/cache KTIMES=$tmp/ktimes
mkdir -p "$tmp/a" "$tmp/b" "$tmp/in/sub"
echo 'CONFIG_X=y' >"$tmp/a/.config"
cp "$tmp/a/.config" "$tmp/b/.config"
echo tarball >"$tmp/src.tar.xz"
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

# kc OBJDIR: kcache over the stand-in; sets $out and $rc.
kc() {
	out=$(KOBJ=$1 "$K" kname "$1" "$tmp/src.tar.xz" "$tmp/in" "$tmp/series" -- "$tmp/build" 2>&1)
	rc=$?
}
runs() { wc -l <"$tmp/runs"; }
entries() { find "$KCACHE_DIR" -name '*.tar.zst' | wc -l; }

tap_plan 10

kc "$tmp/a"
key=$(cat "$tmp/a/.pvapic-kcache" 2>/dev/null)
expect_eq "0 1 1 kname-$key.tar.zst" "$rc $(runs) $(entries) $(basename "$(ls "$KCACHE_DIR"/*.tar.zst 2>/dev/null)")" \
	"a first build runs and goes into the cache under its key" "$out"

kc "$tmp/a"
expect_eq "0 1   KERNEL  kname up to date (kernel cache key $key)" "$rc $(runs) $(printf '%s\n' "$out" | tail -1)" \
	"the same inputs on the stamped object directory: nothing runs" "$out"

kc "$tmp/b"
expect_eq "0 1 vmlinux of CONFIG_X=y ko $key" \
	"$rc $(runs) $(cat "$tmp/b/vmlinux") $(cat "$tmp/b/lib/m.ko") $(cat "$tmp/b/.pvapic-kcache")" \
	"another object directory with the same inputs gets the build's files from the cache, without a build" "$out"
expect_match '^  KERNEL  kname from the kernel cache in [0-9]+ s$' "$out" "and says so"
expect_match '^kname [0-9]+, kname [0-9]+ cache$' "$(paste -sd, "$KTIMES" | sed 's/,/, /')" \
	"KTIMES notes the build, then the kernel taken from the cache"

echo two >"$tmp/in/sub/p.patch"
kc "$tmp/b"
r1=$(runs)
echo 'CONFIG_X=m' >"$tmp/b/.config"
kc "$tmp/b"
expect_eq "2 3 3 vmlinux of CONFIG_X=m" "$r1 $(runs) $(entries) $(cat "$tmp/b/vmlinux")" \
	"a changed input file, then a changed .config, each build again and go into the cache"

echo 'CONFIG_X=f' >"$tmp/a/.config"
FAIL=1 kc "$tmp/a"
expect_eq "1 4 3 none" "$([ $rc -ne 0 ] && echo 1) $(runs) $(entries) $(cat "$tmp/a/.pvapic-kcache" 2>/dev/null || echo none)" \
	"a failed build fails, stores nothing and leaves the directory unstamped" "$out"

echo 'CONFIG_X=n' >"$tmp/b/.config"
KCACHE_KEEP=2 kc "$tmp/b"
expect_eq "2" "$(entries)" "KCACHE_KEEP=2 keeps the 2 newest entries"

out=$("$K" kname "$tmp/a" "$tmp/src.tar.xz" "$tmp/none" -- true 2>&1)
expect_eq "1 kcache: input $tmp/none missing" "$? $out" "a missing input is refused with one line"
out=$("$K" kname "$tmp/nowhere" "$tmp/src.tar.xz" -- true 2>&1)
expect_eq "1 kcache: $tmp/nowhere/.config missing: configure kname first" "$? $out" \
	"an object directory that is not configured is refused with one line"
tap_done
