#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside a guest: prints its interrupt hierarchy from
# /sys/kernel/debug/irq, one "irqdomain: NAME" line per irq domain and one
# "irqchain: IRQ HANDLER DOMAIN/CHIP > PARENT-DOMAIN/PARENT-CHIP ..." line
# per interrupt, so that two guests' hierarchies can be compared as text.
d=/sys/kernel/debug/irq
[ -d $d/domains ] || { echo "irq-hierarchy: no $d (CONFIG_GENERIC_IRQ_DEBUGFS, debugfs)"; exit 1; }
for f in $d/domains/*; do
	echo "irqdomain: ${f##*/}"
done | sort
# One awk over every interrupt's file: an awk per interrupt cost the
# guest 6 to 8 s through the emulation.
awk '
	function flush() { if (chain != "") print "irqchain: " irq " " h " " chain }
	FNR == 1 {
		flush()
		irq = FILENAME; sub(/.*\//, "", irq); h = ""; dom = ""; chain = ""
	}
	$1 == "handler:" { h = $2 }
	$1 == "domain:" { dom = $2 }
	$1 == "chip:" { chain = chain (chain == "" ? "" : " > ") dom "/" $2 }
	END { flush() }
' $d/irqs/* | sort -n -k2
