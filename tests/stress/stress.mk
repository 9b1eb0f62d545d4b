# SPDX-License-Identifier: GPL-2.0
#
# Builds tests/stress/nested_run_stress.c against a kernel tree's KVM
# selftest library, with the selftests' own flags and objects. Read after
# the selftests' Makefile:
#   make -C TREE/tools/testing/selftests/kvm -f Makefile -f stress.mk \
#        OUTPUT=OBJ/kselftest/kvm KHDR_INCLUDES="-isystem OBJ/usr/include" \
#        STRESS_SRC=.../nested_run_stress.c OBJ/kselftest/kvm/nested_run_stress

STRESS_SRC ?= $(error STRESS_SRC is not set)

$(OUTPUT)/nested_run_stress: $(STRESS_SRC) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
