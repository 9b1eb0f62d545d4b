# SPDX-License-Identifier: GPL-2.0
#
# kvm-nested-run: a KVM x86 patch series for Linux 6.12.y and the harness
# that builds it on Debian's kernel source and tests it under emulated AMD
# SVM (QEMU TCG) and Intel VMX (Bochs). See README.md.

BASE ?= 6.12
export BASE

SCRIPTS := scripts

.PHONY: all run check stress baseline fetch tree export mail quilt bisect mutants test-harness clean

# The main job: patched kernel, the series' own tests, a short report.
all run:
	@$(SCRIPTS)/check.sh run

# The full verdict: checkpatch, base and patched kernels, stock selftests
# against the baseline, the negative control of every reproducer.
check: test-harness
	@$(SCRIPTS)/check.sh check

# Random stuffing sequences on both kernels and emulators (10000 sequences
# under QEMU, 1000 under Bochs; STRESS_QEMU, STRESS_BOCHS, STRESS_SEED).
stress:
	@$(SCRIPTS)/check.sh stress

# Re-record tests/baseline/$(BASE)-* from the unpatched base.
baseline:
	@$(SCRIPTS)/check.sh baseline

fetch:
	@$(SCRIPTS)/fetch-base.sh

# A git tree of the series to edit ($(HOME)/.cache/kvm-nested-run/$(BASE)/src),
# and back into series/$(BASE)/.
tree: fetch
	@$(SCRIPTS)/series.sh tree

export:
	@$(SCRIPTS)/series.sh export

# Mail-ready patches in out/mail/ (your git identity, Signed-off-by, Cc from
# get_maintainer.pl), checked with git send-email --dry-run.
mail: fetch
	@$(SCRIPTS)/series.sh apply
	@$(SCRIPTS)/mail.sh

# The series as quilt patches in out/quilt/, applied to a fresh base.
quilt: fetch
	@$(SCRIPTS)/quilt.sh

# Build checks of every patch (bisectability), config variants and sparse.
bisect: fetch
	@$(SCRIPTS)/series.sh apply
	@$(SCRIPTS)/bisect.sh

# Deliberate KVM bugs on top of the series: each must be caught.
mutants: fetch
	@$(SCRIPTS)/series.sh apply
	@$(SCRIPTS)/build-kernel.sh refs/knr/patched patched
	@$(SCRIPTS)/build-selftests.sh refs/knr/patched
	@$(SCRIPTS)/build-initramfs.sh
	@$(SCRIPTS)/mutants.sh

# The harness's own tests, on recorded logs: no kernel needed.
test-harness:
	@tests/harness/run.sh

clean:
	rm -rf out
