#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside any guest booted with pvapic-vm --irq-devices (upstream's
# too): prints the interrupt hierarchy (irq-hierarchy.sh), then runs the
# irq_affinity kselftest's "moves" fixture: five moves in a row of an
# MSI-X, an MSI, an IOAPIC edge and an IOAPIC level interrupt.
st=${PVAPIC_SELFTESTS:?PVAPIC_SELFTESTS not set}
"$(dirname "$0")/irq-hierarchy.sh"
echo "=== selftest irq_affinity -f moves"
PVAPIC_MOVE_DEVICES=1 "$st/irq_affinity" -f moves 2>&1
echo "selftest-rc: irq_affinity $?"
