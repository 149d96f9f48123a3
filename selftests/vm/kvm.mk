# SPDX-License-Identifier: GPL-2.0
#
# Build hostsig's VM tests with the KVM selftest library of the kernel's own
# tree, with exactly the flags the kernel's KVM selftests use. Run as
#
#   make -C <linux>/tools/testing/selftests/kvm -f <this file> \
#        OUTPUT=<dir> HOSTSIG_SRCDIR=<repo> HOSTSIG_TESTS="a b" hostsig-tests
#
# The working directory must be the kernel's KVM selftests directory: we
# include its Makefile, which includes lib.mk and defines LIBKVM_OBJS.

include Makefile

HOSTSIG_PROGS := $(addprefix $(OUTPUT)/,$(HOSTSIG_TESTS))
# libnl-3 and libnl-genl-3 for the netlink tests, linked statically too.
HOSTSIG_NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0)
HOSTSIG_NL_LIBS := $(shell pkg-config --static --libs libnl-genl-3.0)
HOSTSIG_DEPS := $(wildcard $(HOSTSIG_SRCDIR)/selftests/vm/*.h) \
		$(HOSTSIG_SRCDIR)/include/uapi/linux/hostsig.h

.PHONY: hostsig-tests
hostsig-tests: $(HOSTSIG_PROGS)

# Static, so the test VM's initramfs needs no shared libraries.
$(HOSTSIG_PROGS): $(OUTPUT)/%: $(HOSTSIG_SRCDIR)/selftests/vm/%.c $(LIBKVM_OBJS) $(HOSTSIG_DEPS)
	$(CC) $(CFLAGS) -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-I$(HOSTSIG_SRCDIR)/include/uapi -I$(HOSTSIG_SRCDIR)/selftests/vm \
		$(HOSTSIG_NL_CFLAGS) $(CPPFLAGS) -static $(LDFLAGS) $< $(LIBKVM_OBJS) \
		$(HOSTSIG_NL_LIBS) $(LDLIBS) -o $@
