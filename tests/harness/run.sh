#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's own tests: scripts/verdict.sh on small recorded guest logs
# (tests/harness/logs; the stress logs come with the .sites files that
# scripts/stress.sh writes), one expectation each. Prints KTAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
verdict=$here/../../scripts/verdict.sh
l=$here/logs
n=0 failed=0

# expect WANT_EXIT GREP DESCRIPTION -- verdict.sh ARGS...
expect() {
	local want=$1 pattern=$2 desc=$3 got out
	shift 4
	n=$((n + 1))
	out=$("$verdict" "$@" 2>&1)
	got=$?
	if [ "$got" = "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		echo "$out" | sed 's/^/# /'
		echo "# exit $got, wanted $want and a line matching '$pattern'"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..23"
expect 0 '^PASS kvm:debug_regs: fails as on the base' \
	"a known failure that fails the same way passes" -- stock "$l/baseline" "$l/stock-same.log"
expect 0 '^SKIP kvm:sev_smoke_test' \
	"a test skipped on the base is reported as a skip" -- stock "$l/baseline" "$l/stock-same.log"
expect 1 '^FAIL kvm:state_test: kernel report: .*WARNING' \
	"a WARN while a test runs fails that test" -- stock "$l/baseline" "$l/stock-warn.log"
expect 1 '^FAIL kvm:state_test: base: pass, now: fail' \
	"a base-passing test that fails now fails the run" -- stock "$l/baseline" "$l/stock-regress.log"
expect 1 '^FAIL kvm:debug_regs: base: fail exit=254, now: fail exit=1' \
	"a known failure that fails another way fails the run" -- stock "$l/baseline" "$l/stock-otherfail.log"
expect 1 '^FAIL .*TAINT_WARN set before any test' \
	"a boot that WARNed before the tests fails the run" -- stock "$l/baseline" "$l/stock-boottaint.log"
expect 1 '^FAIL kvm:state_test: kernel report: BUG' \
	"a test that crashes the guest fails" -- stock "$l/baseline" "$l/stock-crash.log"
expect 0 '^PASS t:c: reproducer: base fail' \
	"a reproducer that WARNs on the base and passes when patched passes" -- case reproducer "$l/case-warn.log" "$l/case-pass.log"
expect 1 '^FAIL t:c: reproducer passes on the base kernel' \
	"a reproducer that passes on the base fails the run" -- case reproducer "$l/case-pass.log" "$l/case-pass.log"
expect 1 '^FAIL t:c: patched kernel report: .*WARNING' \
	"a WARN on the patched kernel fails, even if the test passed" -- case guard "$l/case-pass.log" "$l/case-warn.log"
expect 0 '^SKIP t:c: skipped: VMX: no such exit' \
	"a skipped case is a SKIP with its reason, not a pass" -- case reproducer "$l/case-skip.log" "$l/case-skip.log"
expect 0 '^SKIP t:c: skipped: VMX: no such exit' \
	"a harness SKIP() with exit status 0 is still a skip" -- case reproducer "$l/case-skip-rc0.log" "$l/case-skip-rc0.log"
expect 1 '^FAIL t:c: .*guest killed after its time limit' \
	"a guest that hangs fails, naming the case" -- case guard "$l/case-pass.log" "$l/case-hang.log"

expect 0 '^SKIP kvm:kvm_clock_test: flaky under this emulator, now fail' \
	"a flaky test that fails is a skip, never a pass" -- stock "$l/baseline" "$l/stock-flaky.log"
printf 'kvm:state_test\nkvm:debug_regs\nkvm:xapic_ipi_test\n' > "${TMPDIR:-/tmp}/knr-list.$$"
expect 1 '^FAIL kvm:xapic_ipi_test: did not run' \
	"a listed test missing from the log fails" -- stock "$l/baseline" "$l/stock-same.log" "${TMPDIR:-/tmp}/knr-list.$$"
rm -f "${TMPDIR:-/tmp}/knr-list.$$"


e=$l/stress.expected
expect 0 '^PASS qemu-svm patched nested_run_stress:1:200: 200 sequences in 30 s, no WARN, no EIO' \
	"a stress run without WARN or EIO passes" -- stress "$e" qemu-svm - "$l/stress-clean.log"
expect 0 '^PASS qemu-svm patched .*1 known pre-existing WARN site' \
	"a stress WARN at a known pre-existing site is reported, not a failure" -- stress "$e" qemu-svm - "$l/stress-known.log"
expect 1 '^FAIL qemu-svm patched .*WARN at arch/x86/kvm/svm/nested.c: WARN_ON_ONCE\(svm->nested.nested_run_pending\)' \
	"the series' target WARN on the patched kernel fails the stress" -- stress "$e" qemu-svm - "$l/stress-target.log"
expect 1 '^FAIL qemu-svm patched .*WARN at .*kvm_nested_run_in_progress' \
	"any WARN not listed as known fails the stress" -- stress "$e" qemu-svm - "$l/stress-new.log"
expect 1 '^FAIL qemu-svm patched .*EIO 1 time' \
	"an EIO fails the stress" -- stress "$e" qemu-svm - "$l/stress-eio.log"
expect 1 '^FAIL qemu-svm patched .*ran 150 of 200 sequences' \
	"a stress that stops early fails" -- stress "$e" qemu-svm - "$l/stress-short.log"
expect 1 '^FAIL qemu-svm base .*no WARN at a target site' \
	"a base that never WARNs at the target site fails the stress's negative control" -- stress "$e" qemu-svm "$l/stress-known.log" "$l/stress-clean.log"
expect 0 '^PASS qemu-svm base .*WARN at arch/x86/kvm/svm/nested.c' \
	"a base that WARNs at the target site passes the stress's negative control" -- stress "$e" qemu-svm "$l/stress-target.log" "$l/stress-clean.log"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
