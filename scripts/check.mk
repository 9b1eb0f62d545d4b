# SPDX-License-Identifier: GPL-2.0
#
# The steps of 'make' and 'make check' for each base, as a graph for make
# to run in parallel; scripts/check.sh starts it with one job more than the
# machine has cores. A step is "scripts/check.sh step NAME" for one base; it
# writes its verdicts to OUT/BASE/results/NAME.txt and its output to
# OUT/BASE/NAME.log (on the terminal too, each line prefixed with "[BASE
# NAME]") and, when it completed, make touches OUT/BASE/.stamps/NAME. A step that fails (a kernel that does
# not build) stops the steps that need it, and the report names it.
#
#   fetch     fetch and import the base, apply the series
#   kernels   the base and patched kernels, the selftests, the initramfs
#   static    checkpatch, make mail, make quilt
#   bisect    every patch builds, the tip's config variants, sparse
#   EMU       one emulator's leg: a boot of each kernel and the verdicts
#   mutants   deliberate KVM bugs, each built and booted
#   kut       (once, for every base, when KUT=y) build kvm-unit-tests and
#             pack their payload (scripts/kut.sh payload), beside the
#             kernels; the emulator legs wait for it. It never fails the
#             graph: a leg without kvm-unit-tests reports why.
#
# The builds (kernels, bisect, mutants) share make's job server, so that
# with both emulators running a build gets the one job left, and run niced.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

TOP ?= .
OUT ?= $(TOP)/out
BASES ?= 6.12
EMUS ?= qemu-svm bochs-vmx
MODE ?= check
KUT ?=
kut_stamp := $(if $(KUT),$(OUT)/.stamps/kut)

step = $(OUT)/$(1)/.stamps/$(2)
run_step = BASE=$(1) MODE=$(MODE) EMUS="$(EMUS)" $(3) $(TOP)/scripts/check.sh step $(2) 2>&1 | \
	tee $(OUT)/$(1)/$(2).log | sed -u 's/^/[$(1) $(2)] /' && touch $$@

# Builds yield to the emulators: a starved emulator slows the guest's clock
# against the host's, and the timing-dependent selftests fail.
build = nice -n 10

define base_steps
$(call step,$(1),fetch):
	@mkdir -p $$(@D)
	@$(call run_step,$(1),fetch)

$(call step,$(1),kernels): $(call step,$(1),fetch)
	+@$(call run_step,$(1),kernels,$(build))

$(call step,$(1),static): $(call step,$(1),fetch)
	@$(call run_step,$(1),static)

$(call step,$(1),bisect): $(call step,$(1),fetch) | $(call step,$(1),kernels)
	+@$(call run_step,$(1),bisect,$(build))

$(foreach e,$(EMUS),$(call step,$(1),$(e))): $(call step,$(1),kernels) | $(kut_stamp)
	@$(call run_step,$(1),$$(@F))

$(call step,$(1),mutants): $(call step,$(1),kernels)
	+@$(call run_step,$(1),mutants,$(build))

check-$(1): $(foreach s,$(EMUS) static bisect mutants,$(call step,$(1),$(s)))
run-$(1): $(foreach e,$(EMUS),$(call step,$(1),$(e)))
kernels-$(1): $(call step,$(1),kernels)
endef

$(foreach b,$(BASES),$(eval $(call base_steps,$(b))))

$(OUT)/.stamps/kut:
	@mkdir -p $(@D)
	+@$(build) $(TOP)/scripts/kut.sh payload 2>&1 | tee $(OUT)/kut.log | sed -u 's/^/[kut] /'; touch $@

# BASES come in the order the harness wants them done: the kernels of a
# base wait for those of the one before, and a base's build checks for its
# kernels, so that the emulator legs of the first base, the longest, start
# as early as they can and the builds fill the cores around them.
$(foreach i,$(shell seq 2 $(words $(BASES))),$(eval \
	$(call step,$(word $(i),$(BASES)),kernels): | $(call step,$(word $(shell expr $(i) - 1),$(BASES)),kernels)))

.PHONY: check run kernels $(foreach b,$(BASES),check-$(b) run-$(b) kernels-$(b))
check: $(foreach b,$(BASES),check-$(b))
run: $(foreach b,$(BASES),run-$(b))
kernels: $(foreach b,$(BASES),kernels-$(b))
