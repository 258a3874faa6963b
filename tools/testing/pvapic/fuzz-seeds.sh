#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Write the seed corpus of pvipi-fuzz into fuzz-corpus/ (the input layout
# is described at the top of fuzz.c). Bytes are given in hex:
#   flags order mask nseg  (count stride gap [u32])...  params...  bitmap...
# "PVIPI_FUZZ_DUMP=1 ./pvipi-fuzz fuzz-corpus/NAME" shows what one decodes to.
cd "$(dirname "$0")" || exit 2
dir=fuzz-corpus
rm -rf "$dir"
mkdir -p "$dir"

seed() {	# seed NAME HEXBYTE...
	name=$1
	shift
	out=
	for b in "$@"; do
		out="$out\\$(printf %o "0x$b")"
	done
	# shellcheck disable=SC2059
	printf "$out" >"$dir/$name"
}

# contiguous APIC IDs, identity map (flags f0: more than 256 CPUs)
seed contig-8-all           00 00 01 00  07 01 00
seed contig-250-all-w192    01 00 01 01  bf 01 00  39 01 00
seed contig-8192-all        f0 00 01 00  ff 01 00
seed contig-200-bitmap      00 00 00 00  c7 01 00  ff 00 01 80 aa 55
seed contig-129-ranges-w192 01 00 0b 00  80 01 05  00 00 01 00  7f 00 02 00
# sparse APIC IDs beyond 32767 (gap u32 = 40000), a CPU without one
seed sparse-high            00 00 01 02  09 01 ff 40 9c 00 00  00 00 00  04 7f 00
seed sparse-2g-w192         01 04 02 02  3f 03 df  3f c9 05  3f 01 7f \
                            01 00 00 00  80 78 56 34 12
seed near-u32-max           00 00 01 01  03 01 00  13 01 ff f0 ff ff ff
seed x2apic-clusters        00 04 01 03  0f 01 00  0f 01 ff f0 ff 00 00 \
                            0f 01 ff f0 ff 00 00  0f 01 ff f0 ff 00 00 \
                            2a 00 00 00
# window edges: strides 127, 128, 129, 191, 192, 193
seed window-edges           00 04 02 05  09 7f 00  09 80 00  09 81 00 \
                            09 bf 00  09 c0 00  09 c1 00  07 00 00 00  c0 11 22 33 44
seed window-edges-w192      01 04 02 05  09 7f 00  09 80 00  09 81 00 \
                            09 bf 00  09 c0 00  09 c1 00  07 00 00 00  c0 11 22 33 44
# CPU order: interleaved sockets, reversed, rotated, shuffled, swapped
seed interleaved-4x64       00 12 01 03  3f 01 00  3f 01 40  3f 01 40  3f 01 40
seed interleaved-2x128-w192 01 02 01 01  7f 01 00  7f 01 82
seed reversed-250           00 01 02 01  bf 01 00  39 01 00  40 01 02 03 04
seed upstream-bug-2022      00 03 01 01  01 01 00  00 01 7e  02 00
seed shuffled-1024-stride2  f0 04 02 00  f1 02 00  0d f0 ad de  7f 11 22 33 44
seed swapped-256-w192       01 0d 01 01  7f 01 00  7f 01 00  00 00 ff 00  10 00 20 00
seed holes-last-identity    00 06 01 02  3f 01 00  09 00 00  3f 01 00
seed rank-ranges-shuffled   00 04 0f 01  7f 01 00  7f 03 00  01 02 03 04 \
                            00 00 40 00  80 00 20 00
# allbutself: a CPU (u16), a CPU of the mask, out of range; and no mask
seed allbutself-cpu         02 00 01 00  3f 01 00  05 00
seed allbutself-w192        03 04 01 01  7f 01 00  7f 01 00  99 99 99 99  40 00
seed allbutself-in-mask     04 04 02 00  c1 01 00  aa aa aa aa  03  40 11 22 33 44
seed allbutself-only-cpu    04 00 00 00  07 01 00  00  04
seed exclude-out-of-range   06 00 01 00  07 01 00  02
seed empty-mask             00 00 00 00  3f 01 00
# garbage bits past nr_cpus and mask_bits past nr_cpus
seed tail-garbage           08 00 01 00  45 01 00  03
seed tail-garbage-shuffled  0b 04 02 01  45 01 00  45 05 40  01 02 03 04  02  80 09 08 07 06
# the map must refuse a duplicate APIC ID
seed duplicate-apic-id      00 07 01 00  0f 01 00  03 00 09 00
