# SPDX-License-Identifier: GPL-2.0
#
# pvapic: assemble a Linux 6.12 build tree from Debian's linux-source-6.12,
# apply our patch series and overlay, build the kernels, and run the rig.
#
#   make run      boot our guest on the nested-KVM rig and show the driver set
#   make check    every test; last line "N passed, N failed"
#   make kernels  the guest (ours, upstream) and host vmlinux images
#   make help     everything else

TOP		:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD		?= $(TOP)/build
CACHE		?= $(HOME)/.cache/pvapic
TARBALL		?= /usr/src/linux-source-6.12.tar.xz
JOBS		?= $(shell nproc)

SRC_UP		:= $(BUILD)/src/upstream
SRC_OURS	:= $(BUILD)/src/ours
SRC_HOST	:= $(BUILD)/src/host
OBJ		:= $(BUILD)/obj
# The two host kernels are built in a directory directly under their source
# trees (kbuild then uses the relative srctree '..'), so their compiler
# command lines are identical and host-ours reuses host-upstream's ccache
# objects for every file the host series leaves alone. $(OBJ)/host-* are
# symlinks to them.
HOST_OBJDIR	:= obj-host

# Overlay: our files at their kernel paths, copied over the patched tree.
OVERLAY_DIRS	:= arch drivers include lib tools Documentation
PATCHES		:= $(TOP)/patches/series $(wildcard $(TOP)/patches/*.patch)
HOST_PATCHES	:= $(TOP)/host/patches/series $(wildcard $(TOP)/host/patches/*.patch)

# ccache is used when present, never required.
ifneq ($(shell command -v ccache 2>/dev/null),)
KCC		:= ccache gcc
export CCACHE_DIR ?= $(CACHE)/ccache
else
KCC		:= gcc
endif
KMAKE		= $(MAKE) --no-print-directory -C $(1) O=$(2) CC="$(KCC)" \
		  KBUILD_BUILD_USER=pvapic KBUILD_BUILD_HOST=pvapic

GUEST_FRAGS	:= $(TOP)/configs/common.config $(TOP)/configs/guest.config
HOST_FRAGS	:= $(TOP)/configs/common.config $(TOP)/configs/host.config
OURS_FRAGS	:= $(GUEST_FRAGS) $(TOP)/configs/ours.config
DEBUG_FRAGS	:= $(OURS_FRAGS) $(TOP)/configs/debug.config

.PHONY: all help deps src overlay kernels guest-ours guest-upstream guest-debug \
	host-upstream host-ours run check soak bench bench-sim fuzz harness patches selftests \
	clean distclean

all: kernels

help:
	@echo "make run         boot our guest on the rig (APIC IDs 0,1,0x105,0x1ff)"
	@echo "make check       run every test; last line 'N passed, N failed'"
	@echo "make soak        IPI storm soak on the rig: DURATION=seconds [600], SOAK_GUEST=ours|debug"
	@echo "make kernels     build guest-ours, guest-upstream, host-upstream, host-ours"
	@echo "make guest-debug build our guest with lockdep, KASAN, DEBUG_ATOMIC_SLEEP"
	@echo "make bench       rig benchmark: upstream vs ours on vs ours off -> BENCHMARKS.md"
	@echo "make bench-sim   packer benchmark in the userspace harness"
	@echo "make fuzz        libFuzzer run of the packer vs the host model (FUZZ_TIME=60 s or FUZZ_RUNS=N)"
	@echo "make patches     the guest series as git am-able mails in build/patches"
	@echo "make deps        install the Debian packages the build and rig need"
	@echo "make clean       remove kernel objects; distclean also the sources"
	@echo "Rig: tools/pvapic/pvapic-vm --help"

deps:
	@$(TOP)/tools/pvapic/install-deps

# --- source trees ----------------------------------------------------------

$(SRC_UP)/.pvapic-extracted: | deps
	rm -rf $(SRC_UP) $(BUILD)/src/.extract
	mkdir -p $(BUILD)/src/.extract
	tar -xf $(TARBALL) -C $(BUILD)/src/.extract
	mv $(BUILD)/src/.extract/linux-source-6.12 $(SRC_UP)
	rmdir $(BUILD)/src/.extract
	touch $@

# A patched tree is recreated from the pristine one whenever its series
# changes; unchanged files keep their times, so kbuild rebuilds only what
# the patches touch. $(1): tree, $(2): patch directory (with a series file)
define patched_tree
	if [ -d $(1)/$(HOST_OBJDIR) ]; then rm -rf $(1).keep; mv $(1)/$(HOST_OBJDIR) $(1).keep; fi
	rm -rf $(1)
	rsync -a --exclude=/$(HOST_OBJDIR)/ $(SRC_UP)/ $(1)/
	if [ -d $(1).keep ]; then mv $(1).keep $(1)/$(HOST_OBJDIR); fi
	rm -f $(1)/.pvapic-extracted
	@set -e; grep -v -E '^[[:space:]]*(#|$$)' $(2)/series | \
	while read -r p; do \
		echo "  PATCH   $$p"; \
		patch -d $(1) -p1 -s --no-backup-if-mismatch -f < $(2)/$$p; \
	done
	touch $(1)/.pvapic-patched
endef

$(SRC_OURS)/.pvapic-patched: $(SRC_UP)/.pvapic-extracted $(PATCHES)
	$(call patched_tree,$(SRC_OURS),$(TOP)/patches)

$(SRC_HOST)/.pvapic-patched: $(SRC_UP)/.pvapic-extracted $(HOST_PATCHES)
	$(call patched_tree,$(SRC_HOST),$(TOP)/host/patches)

src: $(SRC_OURS)/.pvapic-patched

# Copy only files whose content changed, stamping them now so kbuild sees
# them as new.
overlay: $(SRC_OURS)/.pvapic-patched
	@cd $(TOP) && for d in $(OVERLAY_DIRS); do \
		[ -d $$d ] || continue; \
		rsync -r --checksum --exclude='*.o' --exclude='.*.cmd' \
			$$d/ $(SRC_OURS)/$$d/ || exit 1; \
	done

# --- kernels -----------------------------------------------------------------

# $(1): object dir, $(2): source dir, $(3): fragments
define kconfig
	mkdir -p $(1)
	$(call KMAKE,$(2),$(1)) tinyconfig >/dev/null
	$(2)/scripts/kconfig/merge_config.sh -m -O $(1) $(1)/.config $(3) >/dev/null
	$(call KMAKE,$(2),$(1)) olddefconfig >/dev/null
	$(TOP)/tools/pvapic/check-config $(1)/.config $(3)
endef

$(OBJ)/guest-ours/.config: $(OURS_FRAGS) $(SRC_OURS)/.pvapic-patched | overlay
	$(call kconfig,$(@D),$(SRC_OURS),$(OURS_FRAGS))

$(OBJ)/guest-debug/.config: $(DEBUG_FRAGS) $(SRC_OURS)/.pvapic-patched | overlay
	$(call kconfig,$(@D),$(SRC_OURS),$(DEBUG_FRAGS))

$(OBJ)/guest-upstream/.config: $(GUEST_FRAGS) $(SRC_UP)/.pvapic-extracted
	$(call kconfig,$(@D),$(SRC_UP),$(GUEST_FRAGS))

# $(1): link in $(OBJ), $(2): source tree
define host_objdir
	mkdir -p $(2)/$(HOST_OBJDIR) $(OBJ)
	if [ ! -L $(1) ]; then rm -rf $(1); fi
	ln -sfn $(2)/$(HOST_OBJDIR) $(1)
endef

$(OBJ)/host-upstream/.config: $(HOST_FRAGS) $(SRC_UP)/.pvapic-extracted
	$(call host_objdir,$(@D),$(SRC_UP))
	$(call kconfig,$(@D),$(SRC_UP),$(HOST_FRAGS))

$(OBJ)/host-ours/.config: $(HOST_FRAGS) $(SRC_HOST)/.pvapic-patched
	$(call host_objdir,$(@D),$(SRC_HOST))
	$(call kconfig,$(@D),$(SRC_HOST),$(HOST_FRAGS))

guest-ours: overlay $(OBJ)/guest-ours/.config
	@echo "  KERNEL  guest-ours"
	@$(call KMAKE,$(SRC_OURS),$(OBJ)/guest-ours) -j$(JOBS) -s vmlinux modules

# Our guest with lockdep, KASAN and DEBUG_ATOMIC_SLEEP (make check's soak).
guest-debug: overlay $(OBJ)/guest-debug/.config
	@echo "  KERNEL  guest-debug"
	@$(call KMAKE,$(SRC_OURS),$(OBJ)/guest-debug) -j$(JOBS) -s vmlinux modules

guest-upstream: $(OBJ)/guest-upstream/.config
	@echo "  KERNEL  guest-upstream"
	@$(call KMAKE,$(SRC_UP),$(OBJ)/guest-upstream) -j$(JOBS) -s vmlinux modules

host-upstream: $(OBJ)/host-upstream/.config
	@echo "  KERNEL  host-upstream"
	@$(call KMAKE,$(SRC_UP),$(OBJ)/host-upstream) -j$(JOBS) -s vmlinux

host-ours: $(OBJ)/host-ours/.config
	@echo "  KERNEL  host-ours"
	@$(call KMAKE,$(SRC_HOST),$(OBJ)/host-ours) -j$(JOBS) -s vmlinux

# One after the other: the machine has two cores.
kernels:
	@$(MAKE) --no-print-directory host-upstream
	@$(MAKE) --no-print-directory host-ours
	@$(MAKE) --no-print-directory guest-upstream
	@$(MAKE) --no-print-directory guest-ours

# --- userspace --------------------------------------------------------------------

# The pvapic kselftests, built in our tree (the rig runs them in the guest).
selftests: overlay
	@$(MAKE) --no-print-directory -C $(SRC_OURS)/tools/testing/selftests/pvapic \
		OUTPUT=$(SRC_OURS)/tools/testing/selftests/pvapic


harness:
	@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic

bench-sim:
	@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic bench

fuzz:
	@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic fuzz

# --- the series for kernel maintainers ----------------------------------------

# git am-able mails (patches/git-series) in $(BUILD)/patches.
patches: $(SRC_UP)/.pvapic-extracted
	@$(TOP)/tools/pvapic/mkseries --upstream $(SRC_UP) $(BUILD)/patches

# --- entry points ------------------------------------------------------------------

run: kernels
	@$(TOP)/tools/pvapic/pvapic-run

check: kernels guest-debug selftests
	@$(TOP)/tools/pvapic/pvapic-check

# The storm soak for DURATION seconds (make check runs 60 s of it).
DURATION	?= 600
SOAK_GUEST	?= ours
soak: kernels selftests $(if $(filter debug,$(SOAK_GUEST)),guest-debug)
	@PVAPIC_SOAK_DURATION=$(DURATION) PVAPIC_SOAK_GUEST=$(SOAK_GUEST) \
		$(TOP)/tools/pvapic/tests/soak.sh

bench: kernels
	@$(TOP)/tools/pvapic/pvapic-bench

clean:
	rm -rf $(OBJ) $(SRC_UP)/$(HOST_OBJDIR) $(SRC_HOST)/$(HOST_OBJDIR)
	-@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic clean

distclean: clean
	rm -rf $(BUILD)
