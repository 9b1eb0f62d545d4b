# SPDX-License-Identifier: GPL-2.0
#
# Prints the value of the variable KNR_VAR of the KVM selftests' Makefile
# (read after it), e.g. the tests of an architecture:
#   make -s -C TREE/tools/testing/selftests/kvm -f Makefile -f print-var.mk \
#        KNR_VAR=TEST_GEN_PROGS_x86_64 knr-print

knr-print:
	@echo $($(KNR_VAR))
