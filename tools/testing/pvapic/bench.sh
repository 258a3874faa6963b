#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench-sim: hypercalls and callgrind instruction counts per send, pvapic
# packer ("ours") against the model of the 6.12 packer ("upstream").
set -e
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== hypercalls per send (width 128 unless noted) =="
./pvipi-bench hcalls

echo
echo "== send-path memory (bytes; per CPU: its rank bitmap) =="
./pvipi-bench memory

echo
echo "== instructions per send (valgrind callgrind, trivial emit) =="
echo "   block = N CPUs in a row in CPU order; random = N CPUs anywhere"
valgrind --tool=callgrind --collect-atstart=no \
	--callgrind-out-file="$out/cg.out" ./pvipi-bench instr \
	>"$out/log" 2>&1 || { cat "$out/log"; exit 1; }

for f in $(ls -1 "$out" | grep '^cg\.out\.[0-9]' | sort -t. -k3 -n); do
	awk '/^desc: Trigger: Client Request: /{ sub(/^desc: Trigger: Client Request: /, ""); l = $0 }
	     /^summary: /{ print l "|" $2 }' "$out/$f"
done | awk -F'|' '
	{ key = $1 "|" $2 "|" $3; ir[key, $4] = $6 / $5
	  if (!(key in seen)) { seen[key] = ++n; order[n] = key } }
	END {
		printf "%-22s %-7s %5s %10s %10s %6s %7s %s\n", "topology", "mask",
		       "N", "ours", "upstream", "ratio", "target", "met"
		bad = 0; badrand = 0
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, p, "|")
			o = ir[k, "ours"]; u = ir[k, "upstream"]; r = o / u
			t = p[3] == 1 ? 1.0 : (p[3] >= 128 ? 0.5 : 0)
			met = t == 0 ? "-" : (r <= t ? "yes" : "NO")
			if (met == "NO" && p[2] == "block") bad++
			if (met == "NO" && p[2] == "random") badrand++
			printf "%-22s %-7s %5d %10.0f %10.0f %6.3f %7s %s\n", p[1], p[2],
			       p[3], o, u, r, t == 0 ? "-" : "<=" t, met
		}
		printf "instr targets missed: %d (block masks), %d (random masks)\n", bad, badrand
	}'
