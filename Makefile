# SPDX-License-Identifier: GPL-2.0
#
# hostsig: build, test and demo. See README.md.
#
#   make                 hostsig.ko for KDIR (or the running kernel, or every
#                        installed Debian kernel) and the userspace programs
#   make modules-all     hostsig.ko for every installed Debian kernel
#   make guest-modules   hostsig-guest.ko, the guest proxy, for every
#                        installed Debian cloud kernel (the tests' guests)
#   make check           every test; ends with "N passed, N failed"
#   make lint            checkpatch.pl --strict and sparse on the kernel code
#   make demo            the product at work in a test VM
#   make bench           benchmarks, printed as ratios against references
#
# Everything generated goes to build/ (BUILD=...), including the caches that
# make a second "make check" fast.

SRCDIR := $(CURDIR)
BUILD ?= $(SRCDIR)/build
export SRCDIR BUILD

# Lists derived from what is installed are expanded when they are used,
# never when this file is parsed: "make check" on a fresh machine installs
# the kernels (deps) first, and a recipe is expanded only once its
# prerequisites have run. Rules whose prerequisite lists need them
# (modules-all, guest-modules) are reached through a new make process.
#
# Kernels with headers installed, oldest first (e.g. 6.1.0-56-amd64).
KVERS = $(shell $(SRCDIR)/selftests/lib/kernels.sh)

# Suites run by "make check", in order; each is selftests/<suite>/run.sh.
# HOSTSIG_DEBUG_TIER=0 leaves out the debug-kernel tier (KASAN, lockdep,
# kmemleak, UBSAN: Documentation/debug-kernel.rst) for quick iterations.
HOSTSIG_DEBUG_TIER ?= 1
CHECK_SUITES ?= unit lint verifier elfverify hostsigd vm \
	$(if $(filter 1,$(HOSTSIG_DEBUG_TIER)),debug-kernel)

.PHONY: all modules modules-all guest-modules userspace vm-prepare check deps lint demo bench clean distclean \
	install install-module install-userspace dkms-install
.DEFAULT_GOAL := all

all: modules userspace

# --- hostsig.ko -------------------------------------------------------------
#
# Each kernel gets its own tree of symlinks to the sources, so objects built
# for different kernels never mix: build/modules/<release>/hostsig.ko.

# $(call module_rule,KDIR,RELEASE)
define module_rule
	@mkdir -p $(BUILD)/modules/$(2)
	@cp -rsf $(SRCDIR)/Kbuild $(SRCDIR)/kmod $(SRCDIR)/include $(BUILD)/modules/$(2)/
	$(MAKE) -C $(1) M=$(BUILD)/modules/$(2) CONFIG_DEBUG_INFO_BTF_MODULES= $(KBUILD_EXTRA) modules
endef

release_of = $(shell cat $(1)/include/config/kernel.release 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build

ifneq ($(KDIR),)
modules:
	$(call module_rule,$(KDIR),$(call release_of,$(KDIR)))
else ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
modules:
	$(call module_rule,$(RUNNING_KDIR),$(shell uname -r))
else
modules: modules-all
endif

modules-all: $(addprefix module-,$(KVERS))
	@test -n "$(KVERS)" || { echo "no kernel headers installed (make deps)"; exit 1; }

module-%:
	$(call module_rule,/lib/modules/$*/build,$*)

# --- hostsig-guest.ko -------------------------------------------------------
#
# The guest proxy (kmod/guest/), for the kernels the tests boot as nested
# guests: build/guest-modules/<release>/kmod/guest/hostsig-guest.ko, in a
# tree of symlinks that mirrors kmod/guest/ and include/.

GUEST_KVERS = $(shell $(SRCDIR)/selftests/nested/kernels.sh)

# $(call guest_module_rule,KDIR,RELEASE)
define guest_module_rule
	@mkdir -p $(BUILD)/guest-modules/$(2)/kmod
	@cp -rsf $(SRCDIR)/kmod/guest $(BUILD)/guest-modules/$(2)/kmod/
	@cp -rsf $(SRCDIR)/include $(BUILD)/guest-modules/$(2)/
	$(MAKE) -C $(1) M=$(BUILD)/guest-modules/$(2)/kmod/guest \
		CONFIG_DEBUG_INFO_BTF_MODULES= $(KBUILD_EXTRA) modules
endef

guest-modules: $(addprefix guest-module-,$(GUEST_KVERS))

guest-module-%:
	$(call guest_module_rule,/lib/modules/$*/build,$*)

# --- userspace -------------------------------------------------------------

userspace:
	$(MAKE) -C $(SRCDIR)/userspace O=$(BUILD)/userspace

# --- installing on a KVM host -----------------------------------------------
#
#   make install [KDIR=...] [DESTDIR=...] [PREFIX=/usr/local]
#	the module for KDIR (default: the running kernel) into
#	/lib/modules/<release>/updates/, and the programs, unit, man pages
#	and example configuration
#   make dkms-install
#	the module's sources under /usr/src/hostsig-VERSION/, registered with
#	DKMS so that it is rebuilt for every kernel Debian installs

VERSION := $(shell git -C $(SRCDIR) describe --tags --always 2>/dev/null || echo 0.1)
PREFIX ?= /usr/local
INSTALL_KDIR := $(if $(KDIR),$(KDIR),$(RUNNING_KDIR))
INSTALL_REL = $(call release_of,$(INSTALL_KDIR))

install: install-module install-userspace

install-module:
	@test -e $(INSTALL_KDIR)/Makefile || \
		{ echo "no kernel headers in $(INSTALL_KDIR): apt-get install linux-headers-$$(uname -r), or KDIR=..."; exit 1; }
	$(call module_rule,$(INSTALL_KDIR),$(INSTALL_REL))
	$(MAKE) -C $(INSTALL_KDIR) M=$(BUILD)/modules/$(INSTALL_REL) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates modules_install
	$(if $(DESTDIR),,depmod -a $(INSTALL_REL))

install-userspace: userspace
	$(MAKE) -C $(SRCDIR)/userspace O=$(BUILD)/userspace DESTDIR=$(DESTDIR) \
		PREFIX=$(PREFIX) install

dkms-install:
	@command -v dkms >/dev/null || { echo "dkms is not installed (apt-get install dkms)"; exit 1; }
	rm -rf $(DESTDIR)/usr/src/hostsig-$(VERSION)
	mkdir -p $(DESTDIR)/usr/src/hostsig-$(VERSION)
	cp -r $(SRCDIR)/Kbuild $(SRCDIR)/kmod $(SRCDIR)/include $(DESTDIR)/usr/src/hostsig-$(VERSION)/
	sed 's/@VERSION@/$(VERSION)/' $(SRCDIR)/kmod/dkms.conf >$(DESTDIR)/usr/src/hostsig-$(VERSION)/dkms.conf
	dkms install hostsig/$(VERSION)

# --- tests ------------------------------------------------------------------

# Debian's packages, and the emulator the test VMs run on (QEMU from
# Debian 13's backports, unpacked under build/cache: selftests/lib/qemu.sh).
deps:
	@$(SRCDIR)/selftests/lib/deps.sh
	@$(SRCDIR)/selftests/lib/qemu.sh prepare $(BUILD)

# What the test VMs boot, for every installed kernel: hostsig.ko, the
# guest proxy for the nested guests, the userspace programs (also linked
# statically for the VMs), the test programs and the initramfs parts.
# Reached through a new make process, after deps (see KVERS).
vm-prepare:
	$(MAKE) modules-all guest-modules userspace
	$(MAKE) -C $(SRCDIR)/userspace O=$(BUILD)/userspace static
	$(MAKE) -C $(SRCDIR)/selftests prepare KVERS="$(KVERS)"

check: deps
	$(if $(filter debug-kernel,$(CHECK_SUITES)),$(SRCDIR)/selftests/debug-kernel/start.sh $(BUILD))
	$(MAKE) vm-prepare
	@$(SRCDIR)/selftests/run-suites.sh $(BUILD)/results $(CHECK_SUITES)

lint: deps
	@$(SRCDIR)/selftests/lib/ksrc.sh $(BUILD) 6.1 scripts >/dev/null
	@$(SRCDIR)/selftests/run-suites.sh $(BUILD)/results lint

demo: deps
	$(MAKE) vm-prepare
	@$(SRCDIR)/selftests/demo/run.sh

bench: deps
	$(MAKE) vm-prepare
	@$(SRCDIR)/selftests/bench.sh

clean:
	rm -rf $(BUILD)/modules $(BUILD)/userspace $(BUILD)/results $(BUILD)/tests

# Also removes the caches (extracted kernel sources, initramfs parts).
distclean:
	rm -rf $(BUILD)
