# SPDX-License-Identifier: GPL-2.0
#
# kvm-nested-run: KVM x86 patch series for upstream Linux and for the
# long-term-stable kernels Debian ships, and the harness that builds them on
# Debian's kernel sources and tests them under emulated AMD SVM (QEMU TCG)
# and Intel VMX (Bochs). See README.md.
#
# BASE=NAME limits a target to one base of bases/ (make check BASE=6.1); the
# targets that work on one series (tree, export) need it.

ifdef BASE
export BASE
endif

SCRIPTS := scripts

.PHONY: all run check kut stress baseline fetch tree export mail quilt bisect mutants drift test-harness clean

# The main job: patched kernels, the series' own tests, a short report.
all run:
	@$(SCRIPTS)/check.sh run

# The full verdict, every base: checkpatch, base and patched kernels, stock
# selftests against the baseline, the negative control of every reproducer,
# the stress's short run, the mutants.
check: test-harness
	@$(SCRIPTS)/check.sh check

# The full set of kvm-unit-tests (tests/kut/lists/EMU-full) on the patched
# kernel of every base and emulator, against tests/kut/baseline/BASE-EMU;
# KUT_SET=latency: only x86/svm's latency sub-tests, on both kernels, for
# the runtime cost (patched/base of the minimum cycles of a round trip).
kut:
	@$(SCRIPTS)/check.sh kut

# Random stuffing sequences on both kernels and emulators (10000 sequences
# under QEMU, 1000 under Bochs; STRESS_QEMU, STRESS_BOCHS, STRESS_SEED).
stress:
	@$(SCRIPTS)/check.sh stress

# Re-record tests/baseline/BASE-EMU and tests/kut/baseline/BASE-EMU from the
# unpatched base (SUITES=stock or SUITES=kut records one of them).
baseline:
	@$(SCRIPTS)/check.sh baseline

# Apply and build each series on the newest linux-source-BASE in the archive.
drift:
	@$(SCRIPTS)/drift.sh

fetch:
	@$(SCRIPTS)/each-base.sh $(SCRIPTS)/fetch-base.sh

# A git tree of the series to edit ($(HOME)/.cache/kvm-nested-run/BASE/src),
# and back into series/BASE/.
tree:
	@$(SCRIPTS)/fetch-base.sh
	@$(SCRIPTS)/series.sh tree

export:
	@$(SCRIPTS)/series.sh export

# Mail-ready patches in out/BASE/mail/ (your git identity, Signed-off-by, Cc
# from get_maintainer.pl), checked with git send-email --dry-run.
mail:
	@$(SCRIPTS)/each-base.sh --series sh -c '$(SCRIPTS)/fetch-base.sh && $(SCRIPTS)/series.sh apply && $(SCRIPTS)/mail.sh'

# The series as quilt patches in out/BASE/quilt/, applied to a fresh base.
quilt:
	@$(SCRIPTS)/each-base.sh --series sh -c '$(SCRIPTS)/fetch-base.sh && $(SCRIPTS)/quilt.sh'

# Build checks of every patch (bisectability), config variants and sparse.
bisect:
	@$(SCRIPTS)/each-base.sh --series sh -c '$(SCRIPTS)/fetch-base.sh && $(SCRIPTS)/series.sh apply && $(SCRIPTS)/bisect.sh'

# Deliberate KVM bugs on top of the series: each must be caught.
mutants:
	@$(SCRIPTS)/each-base.sh --series sh -c '$(SCRIPTS)/fetch-base.sh && $(SCRIPTS)/series.sh apply && \
		$(SCRIPTS)/build-kernel.sh refs/knr/patched patched && $(SCRIPTS)/build-selftests.sh refs/knr/patched && \
		$(SCRIPTS)/build-initramfs.sh && $(SCRIPTS)/mutants.sh'

# The harness's own tests, on recorded logs: no kernel needed.
test-harness:
	@tests/harness/run.sh

clean:
	rm -rf out
