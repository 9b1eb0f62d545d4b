# SPDX-License-Identifier: GPL-2.0
#
# Builds tests/stress/nested_run_stress.c against a kernel tree's KVM
# selftest library, with the selftests' own flags and objects. Read after
# the selftests' Makefile:
#   make -C TREE/tools/testing/selftests/kvm -f Makefile -f stress.mk \
#        OUTPUT=OBJ/kselftest/kvm KHDR_INCLUDES="-isystem OBJ/usr/include" \
#        STRESS_SRC=.../nested_run_stress.c OBJ/kselftest/kvm/nested_run_stress

STRESS_SRC ?= $(error STRESS_SRC is not set)

# Which selftest library API the tree has (see nested_run_stress.c).
STRESS_API := $(if $(shell grep -s 'typedef u64 gva_t;' include/kvm_util_types.h),-DKNR_LIB_GVA_T)
STRESS_API += $(if $(shell grep -s 'generic_svm_setup(struct svm_test_data \*svm, void \*guest_rip);' \
			include/x86/svm_util.h),-DKNR_LIB_L2_STACK)
STRESS_API += $(if $(shell grep -s 'void vm_init_descriptor_tables(struct kvm_vm \*vm);' \
			include/x86_64/processor.h include/x86/processor.h),-DKNR_LIB_DESC_TABLES)

$(OUTPUT)/nested_run_stress: $(STRESS_SRC) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) $(STRESS_API) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
