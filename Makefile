# SPDX-License-Identifier: GPL-2.0
#
# pvapic: assemble a Linux build tree from Debian's linux-source-6.12 (or,
# with KERNEL=7.3, linux-source-7.3), apply our patch series and overlay,
# build the kernels, and run the rig.
#
#   make run      boot our guest on the nested-KVM rig and show the driver set
#   make check    every test; last line "N passed, N failed"
#   make kernels  upstream (level-1 host and upstream guest), host-ours, guest-ours
#   make help     everything else

TOP		:= $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE		?= $(HOME)/.cache/pvapic
JOBS		?= $(shell nproc)

# The kernel version the guests are built from: 6.12 (bookworm-backports'
# linux-source-6.12) or 7.3 (trixie-backports' linux-source-7.3, which
# install-deps downloads and unpacks into the cache; nothing is installed).
# Another version has its own build directory under build/, its own
# patches where upstream's files moved (patches/<version>/ holds those, by
# the same names as the series'), and our files unchanged. The level-1
# host is always 6.12's: its kernels are linked in from build/obj.
KERNEL		?= 6.12
KERNELS		:= 6.12 7.3
# Variables given on the command line (KERNEL=, BUILD=, ...) reach no
# sub-make by themselves: kbuild and tools/ have variables of these names.
# Our own sub-makes get theirs explicitly (SUBMAKE).
MAKEOVERRIDES	=
ifeq ($(filter $(KERNEL),$(KERNELS)),)
$(error KERNEL=$(KERNEL): pvapic builds on $(KERNELS))
endif
BUILD612	:= $(TOP)/build
ifeq ($(KERNEL),6.12)
BUILD		?= $(BUILD612)
TARBALL		?= /usr/src/linux-source-6.12.tar.xz
else
BUILD		?= $(TOP)/build/linux-$(KERNEL)
TARBALL		?= $(CACHE)/linux-$(KERNEL)/usr/src/linux-source-$(KERNEL).tar.xz
endif

SRC_UP		:= $(BUILD)/src/upstream
SRC_OURS	:= $(BUILD)/src/ours
SRC_HOST	:= $(BUILD)/src/host
OBJ		:= $(BUILD)/obj
# Every kernel is built in a directory directly under its source tree
# (kbuild then uses the relative srctree '..'), so the compiler command
# lines of the same file in two trees are identical: host-ours reuses
# upstream's ccache objects, and guest-ours upstream's, for every file
# whose preprocessed text the series and config leave alone.
# $(OBJ)/<kernel> are symlinks to these directories.
BASE_OBJDIR	:= obj-base
GUEST_OBJDIR	:= obj-guest
DEBUG_OBJDIR	:= obj-debug

# Overlay: our files at their kernel paths, copied over the patched tree.
OVERLAY_DIRS	:= arch drivers include lib tools Documentation
PATCHES		:= $(TOP)/patches/series $(wildcard $(TOP)/patches/*.patch) \
		   $(wildcard $(TOP)/patches/$(KERNEL)/*.patch)
HOST_PATCHES	:= $(TOP)/host/patches/series $(wildcard $(TOP)/host/patches/*.patch)

# ccache is used when present, never required. KCC is expanded when a
# recipe runs, after 'deps' has installed ccache, so the first compile of a
# cold run is cached, and every later command gives kbuild the same CC
# (a changed CC would rebuild the whole kernel).
export CCACHE_DIR ?= $(CACHE)/ccache
KCC		= $(if $(shell command -v ccache 2>/dev/null),ccache gcc,gcc)
KMAKE		= $(MAKE) --no-print-directory -C $(1) O=$(2) CC="$(KCC)" \
		  KBUILD_BUILD_USER=pvapic KBUILD_BUILD_HOST=pvapic
# Each kernel's time goes to $(BUILD)/kernel-times for make check's
# summary. A kernel of another version than 6.12 is named with it
# ("guest-debug-7.3").
KTIMES		?= $(BUILD)/kernel-times
# This make again, for one target, with this version's settings.
SUBMAKE		= $(MAKE) --no-print-directory KERNEL=$(KERNEL) BUILD=$(BUILD) \
		  KTIMES=$(KTIMES) CACHE=$(CACHE) JOBS=$(JOBS) TARBALL=$(TARBALL)
# The settings of another version: $(1) the version, $(2) its build directory.
OTHERMAKE	= $(MAKE) --no-print-directory KERNEL=$(1) BUILD=$(2) \
		  KTIMES=$(KTIMES) CACHE=$(CACHE) JOBS=$(JOBS)
KNAME		= $(1)$(if $(filter 6.12,$(KERNEL)),,-$(KERNEL))
# $(1): name, $(2): source tree, $(3): object directory, $(4): kbuild's
# targets. Built, or taken from the kernel cache in $(CACHE)/kernels
# (tools/pvapic/kcache) when a build from the same inputs (the tarball,
# the tree's files that differ from it, .config, command) is there.
kbuilt		= KTIMES=$(KTIMES) KCACHE_DIR=$(CACHE)/kernels KCACHE_TOP=$(TOP) \
		  $(TOP)/tools/pvapic/kcache $(KNAME) $(2) $(3) $(SRC_UP)/.pvapic-extracted -- \
		  $(call KMAKE,$(2),$(3)) -j$(JOBS) -s $(4)

# One upstream kernel is both the level-1 host and the upstream guest (a
# kernel build less); host-ours is it with the host series, guest-ours it
# with our series and options, guest-debug that with lockdep and KASAN.
BASE_FRAGS	:= $(TOP)/configs/common.config $(TOP)/configs/$(KERNEL).config \
		   $(TOP)/configs/guest.config $(TOP)/configs/host.config
OURS_FRAGS	:= $(BASE_FRAGS) $(TOP)/configs/ours.config
DEBUG_FRAGS	:= $(OURS_FRAGS) $(TOP)/configs/debug.config

.PHONY: all help deps src overlay kernels upstream guest-ours guest-upstream guest-debug \
	host-upstream host-ours run check soak bench bench-sim fuzz harness patches selftests \
	clean distclean

all: kernels

help:
	@echo "make run         boot our guest on the rig (APIC IDs 0,1,0x105,0x1ff)"
	@echo "make check       run every test; last line 'N passed, N failed'"
	@echo "make soak        IPI storm soak on the rig: DURATION=seconds [600], SOAK_GUEST=ours|debug"
	@echo "make kernels     build upstream (the level-1 host and upstream guest), host-ours, guest-ours"
	@echo "make guest-debug build our guest with lockdep, KASAN, DEBUG_ATOMIC_SLEEP (from Linux 7.3)"
	@echo "make bench       rig benchmark: upstream vs ours on vs ours off -> BENCHMARKS.md"
	@echo "make bench-sim   packer benchmark in the userspace harness"
	@echo "make fuzz        libFuzzer run of the packer vs the host model (FUZZ_TIME=60 s or FUZZ_RUNS=N)"
	@echo "make patches     the guest series as git am-able mails in build/patches"
	@echo "make deps        install the Debian packages the build and rig need"
	@echo "make clean       remove kernel objects; distclean also the sources"
	@echo "KERNEL=7.3       build the guests from Linux 7.3 (build/linux-7.3; the hosts stay 6.12's);"
	@echo "                 make check builds its debug guest from 7.3 (DEBUG_KERNEL=6.12 for 6.12's)"
	@echo "Rig: tools/pvapic/pvapic-vm --help"

# install-deps is quick when everything is there; a version other than
# 6.12 also needs its source in the cache.
export PVAPIC_CACHE := $(CACHE)
deps:
	@$(TOP)/tools/pvapic/install-deps
ifneq ($(KERNEL),6.12)
	@$(TOP)/tools/pvapic/install-deps --linux-source $(KERNEL) >/dev/null
endif

# --- source trees ----------------------------------------------------------

# The stamp names the tarball the tree came from (name, size, time): the
# kernel cache keys each build on it.
$(SRC_UP)/.pvapic-extracted: | deps
	rm -rf $(SRC_UP) $(BUILD)/src/.extract
	mkdir -p $(BUILD)/src/.extract
	tar -xf $(TARBALL) -C $(BUILD)/src/.extract
	mv $(BUILD)/src/.extract/linux-source-$(KERNEL) $(SRC_UP)
	rmdir $(BUILD)/src/.extract
	stat -c '%n %s %Y' $(TARBALL) >$@

# A patched tree is recreated from the pristine one whenever its series
# changes; unchanged files keep their times, so kbuild rebuilds only what
# the patches touch in the object directories (obj-*), which are kept.
# Every file the old tree had changed (newer than the pristine tree's
# stamp: patched or overlaid) is touched in the new one before patching,
# or a file the new series no longer patches would come back with its old
# time and kbuild would keep the object built from the patched version.
# Touched files stay newer than the stamp, so a failed patch loses none.
# $(1): tree, $(2): patch directory (with a series file)
define patched_tree
	rm -rf $(1).keep; mkdir -p $(1).keep
	if [ -d $(1) ]; then (cd $(1) && find . -path './obj-*' -prune -o -type f \
		-newer $(SRC_UP)/.pvapic-extracted -print) > $(1).keep/.changed; fi
	for d in $(1)/obj-*; do if [ -d $$d ]; then mv $$d $(1).keep/; fi; done
	rm -rf $(1)
	rsync -a --exclude='/obj-*/' $(SRC_UP)/ $(1)/
	mv $(1).keep/obj-* $(1)/ 2>/dev/null || true
	if [ -s $(1).keep/.changed ]; then (cd $(1) && xargs -r touch -c) < $(1).keep/.changed; fi
	rm -rf $(1).keep
	rm -f $(1)/.pvapic-extracted
	@set -e; grep -v -E '^[[:space:]]*(#|$$)' $(2)/series | \
	while read -r p; do \
		f=$(2)/$(KERNEL)/$$p; [ -f $$f ] || f=$(2)/$$p; \
		echo "  PATCH   $${f#$(TOP)/}"; \
		patch -d $(1) -p1 -s --no-backup-if-mismatch -f < $$f; \
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

# $(1): link in $(OBJ), $(2): source tree, $(3): object directory in it
define objdir
	mkdir -p $(2)/$(3) $(OBJ)
	if [ ! -L $(1) ]; then rm -rf $(1); fi
	ln -sfn $(2)/$(3) $(1)
endef

$(OBJ)/upstream/.config: $(BASE_FRAGS) $(SRC_UP)/.pvapic-extracted
	$(call objdir,$(@D),$(SRC_UP),$(BASE_OBJDIR))
ifeq ($(KERNEL),6.12)
	$(call objdir,$(OBJ)/host-upstream,$(SRC_UP),$(BASE_OBJDIR))
endif
	$(call objdir,$(OBJ)/guest-upstream,$(SRC_UP),$(BASE_OBJDIR))
	$(call kconfig,$(@D),$(SRC_UP),$(BASE_FRAGS))

$(OBJ)/host-ours/.config: $(BASE_FRAGS) $(SRC_HOST)/.pvapic-patched
	$(call objdir,$(@D),$(SRC_HOST),$(BASE_OBJDIR))
	$(call kconfig,$(@D),$(SRC_HOST),$(BASE_FRAGS))

$(OBJ)/guest-ours/.config: $(OURS_FRAGS) $(SRC_OURS)/.pvapic-patched | overlay
	$(call objdir,$(@D),$(SRC_OURS),$(GUEST_OBJDIR))
	$(call kconfig,$(@D),$(SRC_OURS),$(OURS_FRAGS))

# The debug guest (lockdep, KASAN; make check's soak) is built from Linux
# $(DEBUG_KERNEL) whatever KERNEL is, and linked into build/obj: make check
# runs the newest kernel under the debug options, 6.12 in the other suites.
DEBUG_KERNEL	?= 7.3
ifeq ($(KERNEL),$(DEBUG_KERNEL))
$(OBJ)/guest-debug/.config: $(DEBUG_FRAGS) $(SRC_OURS)/.pvapic-patched | overlay
	$(call objdir,$(@D),$(SRC_OURS),$(DEBUG_OBJDIR))
	$(call kconfig,$(@D),$(SRC_OURS),$(DEBUG_FRAGS))
endif

# The level-1 host and the upstream guest (host-upstream, guest-upstream).
upstream: $(OBJ)/upstream/.config
	@$(call kbuilt,upstream,$(SRC_UP),$(OBJ)/upstream,vmlinux modules)

guest-upstream: upstream

ifeq ($(KERNEL),6.12)
host-upstream: upstream

host-ours: $(OBJ)/host-ours/.config
	@$(call kbuilt,host-ours,$(SRC_HOST),$(OBJ)/host-ours,vmlinux)
else
# The level-1 hosts are 6.12's, built in build/ and linked here: host-ours
# is 6.12's host-ours, host-upstream its upstream.
host612		= $(if $(filter host-ours,$(1)),host-ours,upstream)
host-upstream host-ours:
	@$(call OTHERMAKE,6.12,$(BUILD612)) $(call host612,$@)
	@$(call objdir,$(OBJ)/$@,$(BUILD612)/obj,$(call host612,$@))
endif

# bzImage too: the crash test (tests/extdest.sh) loads it as the capture
# kernel with kexec_file_load().
guest-ours: overlay $(OBJ)/guest-ours/.config
	@$(call kbuilt,guest-ours,$(SRC_OURS),$(OBJ)/guest-ours,vmlinux bzImage modules)

# Our guest with lockdep, KASAN and DEBUG_ATOMIC_SLEEP (make check's soak).
ifeq ($(KERNEL),$(DEBUG_KERNEL))
guest-debug: overlay $(OBJ)/guest-debug/.config
	@$(call kbuilt,guest-debug,$(SRC_OURS),$(OBJ)/guest-debug,vmlinux modules)
else
guest-debug:
	@$(call OTHERMAKE,$(DEBUG_KERNEL),$(TOP)/build/linux-$(DEBUG_KERNEL)) guest-debug
	@$(call objdir,$(OBJ)/guest-debug,$(TOP)/build/linux-$(DEBUG_KERNEL)/src/ours,$(DEBUG_OBJDIR))
endif

# One after the other: the machine has two cores.
kernels:
	@$(SUBMAKE) upstream
	@$(SUBMAKE) host-ours
	@$(SUBMAKE) guest-ours
ifneq ($(KERNEL),6.12)
	@$(SUBMAKE) host-upstream
endif

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
	@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic fuzz \
		$(if $(FUZZ_TIME),FUZZ_TIME=$(FUZZ_TIME)) $(if $(FUZZ_RUNS),FUZZ_RUNS=$(FUZZ_RUNS))

# --- the series for kernel maintainers ----------------------------------------

# git am-able mails (patches/git-series) in $(BUILD)/patches.
patches: $(SRC_UP)/.pvapic-extracted
	@$(TOP)/tools/pvapic/mkseries --upstream $(SRC_UP) --kernel $(KERNEL) $(BUILD)/patches

# --- entry points ------------------------------------------------------------------

# make run boots our guest on the stock host: it needs those two kernels.
run: upstream guest-ours $(if $(filter 6.12,$(KERNEL)),,host-upstream)
	@PVAPIC_BUILD=$(BUILD) $(TOP)/tools/pvapic/pvapic-run

# The static suite checks the 7.3 objects with sid's sparse, which only
# make check needs (install-deps --sparse). The suites start once the
# kernels of the first rig suites are built; host-ours and guest-debug
# are built by pvapic-check at nice 19 beside the suites (LATE_HOST, then
# LATE_DEBUG), and each suite that boots one waits only for that one.
# One kernel after the other, as in kernels (make -j would build two at
# once). guest-debug's make is OTHERMAKE's, without TARBALL: that of
# DEBUG_KERNEL is its own.
LATE_HOST	= $(SUBMAKE) -C $(TOP) host-ours
LATE_DEBUG	= $(call OTHERMAKE,$(KERNEL),$(BUILD)) DEBUG_KERNEL=$(DEBUG_KERNEL) -C $(TOP) guest-debug
check:
	@$(SUBMAKE) upstream
	@$(SUBMAKE) guest-ours
ifneq ($(KERNEL),6.12)
	@$(SUBMAKE) host-upstream
endif
	@$(SUBMAKE) selftests
	@$(TOP)/tools/pvapic/install-deps --sparse >/dev/null
	@PVAPIC_BUILD=$(BUILD) PVAPIC_LATE_HOST='$(LATE_HOST)' PVAPIC_LATE_DEBUG='$(LATE_DEBUG)' $(TOP)/tools/pvapic/pvapic-check

# The storm soak for DURATION seconds (make check runs 60 s of it).
DURATION	?= 600
SOAK_GUEST	?= ours
soak: kernels selftests $(if $(filter debug,$(SOAK_GUEST)),guest-debug)
	@PVAPIC_BUILD=$(BUILD) PVAPIC_SOAK_DURATION=$(DURATION) PVAPIC_SOAK_GUEST=$(SOAK_GUEST) \
		$(TOP)/tools/pvapic/tests/soak.sh

bench: kernels
	@PVAPIC_BUILD=$(BUILD) $(TOP)/tools/pvapic/pvapic-bench

clean:
	rm -rf $(OBJ) $(SRC_UP)/obj-* $(SRC_OURS)/obj-* $(SRC_HOST)/obj-*
ifeq ($(KERNEL),6.12)
	rm -rf $(BUILD612)/linux-*/obj $(BUILD612)/linux-*/src/*/obj-*
endif
	-@$(MAKE) --no-print-directory -C $(TOP)/tools/testing/pvapic clean

distclean: clean
	rm -rf $(BUILD)
