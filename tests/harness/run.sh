#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's own tests: scripts/verdict.sh and scripts/run-boots.sh on
# small recorded guest logs (tests/harness/logs; the stress logs come with
# the .sites files that scripts/stress.sh writes), one expectation each.
# Prints KTAP.

set -u
here=$(cd "$(dirname "$0")" && pwd)
verdict=$here/../../scripts/verdict.sh
l=$here/logs
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect WANT_EXIT GREP DESCRIPTION -- verdict.sh ARGS...
# (or -- run COMMAND ARGS... for another command)
expect() {
	local want=$1 pattern=$2 desc=$3 got out
	shift 4
	n=$((n + 1))
	if [ "$1" = run ]; then
		shift
		out=$("$@" 2>&1)
	else
		out=$("$verdict" "$@" 2>&1)
	fi
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
echo "1..39"
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
printf 'kvm:state_test\nkvm:debug_regs\nkvm:xapic_ipi_test\n' > "$tmp/list"
expect 1 '^FAIL kvm:xapic_ipi_test: did not run' \
	"a listed test missing from the log fails" -- stock "$l/baseline" "$l/stock-same.log" "$tmp/list"

# Flaky tests: run again in the same boot when they fail.
expect 1 '^FAIL kvm:kvm_clock_test: flaky: passed 0/1 runs on the patched kernel, 3/4 on the base' \
	"a flaky test that fails and is not run again is a failure, never a skip" -- stock "$l/baseline" "$l/stock-flaky.log"
expect 0 '^PASS kvm:kvm_clock_test: flaky: passed 1/3 runs \(base: 3/4\)' \
	"a flaky test that passes when run again passes, with its pass rate" -- stock "$l/baseline" "$l/stock-flaky-rerun.log"
expect 1 '^FAIL kvm:kvm_clock_test: flaky: passed 0/4 runs on the patched kernel, 3/4 on the base' \
	"a flaky test that never passes on the patched kernel fails" -- stock "$l/baseline" "$l/stock-flaky-never.log"
expect 0 '^SKIP kvm:kvm_clock_test: flaky, and skipped this time' \
	"a flaky test that skips is a skip" -- stock "$l/baseline" "$l/stock-flaky-skip.log"

# One case, one boot (the logs of earlier versions of the harness).
printf 't:c reproducer qemu-svm\n' > "$tmp/reproducer"
printf 't:c guard qemu-svm\n' > "$tmp/guard"
expect 0 '^PASS t:c: reproducer: base fail' \
	"a reproducer that WARNs on the base and passes when patched passes" -- cases "$tmp/reproducer" qemu-svm "$l/case-warn.log" "$l/case-pass.log"
expect 1 '^FAIL t:c: reproducer passes on the base kernel' \
	"a reproducer that passes on the base fails the run" -- cases "$tmp/reproducer" qemu-svm "$l/case-pass.log" "$l/case-pass.log"
expect 1 '^FAIL t:c: patched kernel report: .*WARNING' \
	"a WARN on the patched kernel fails, even if the test passed" -- cases "$tmp/guard" qemu-svm "$l/case-pass.log" "$l/case-warn.log"
expect 0 '^SKIP t:c: skipped: VMX: no such exit' \
	"a skipped case is a SKIP with its reason, not a pass" -- cases "$tmp/reproducer" qemu-svm "$l/case-skip.log" "$l/case-skip.log"
expect 0 '^SKIP t:c: skipped: VMX: no such exit' \
	"a harness SKIP() with exit status 0 is still a skip" -- cases "$tmp/reproducer" qemu-svm "$l/case-skip-rc0.log" "$l/case-skip-rc0.log"
expect 0 '^SKIP t:c: skipped: VMX: no such exit' \
	"without a base run ('make run'), a reproducer that skips is a skip" -- cases "$tmp/reproducer" qemu-svm - "$l/case-skip.log"
expect 1 '^FAIL t:c: .*guest killed after its time limit' \
	"a guest that hangs fails, naming the case" -- cases "$tmp/guard" qemu-svm "$l/case-pass.log" "$l/case-hang.log"

# All cases of a base in one boot per kernel.
c=$l/cases
expect 0 '^PASS t:c5: guard: base pass' \
	"all cases of one boot pass as declared" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-pass.log"
expect 1 '^FAIL t:c2: patched kernel report: .*WARNING' \
	"a WARN inside case 2 fails case 2" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-warn2.log"
expect 0 '^PASS t:c3: reproducer' \
	"a WARN inside case 2 fails no other case (TAINT_WARN stays set after it)" -- \
	run sh -c "'$verdict' cases '$c' qemu-svm '$l/multi-base.log' '$l/multi-warn2.log' | grep -v '^FAIL t:c2:'; exit 0"
expect 0 '^PASS t:c2: reproducer: base fail \(kernel: .*WARNING: .* nested_svm_vmexit' \
	"on the base, a reproducer's WARN counts for that reproducer" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-pass.log"
expect 0 '^PASS t:c4: guard: base pass' \
	"on the base, a reproducer's WARN counts for no later guard" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-pass.log"
expect 0 '^PASS t:c3: reproducer: base fail rc=1' \
	"on the base, a reproducer fails by its own assertion after another case WARNed" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-pass.log"
expect 1 '^FAIL t:c3: patched kernel report: .*BUG: kernel NULL pointer' \
	"a guest that dies in case 3 fails case 3" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-crash3.log"
expect 0 '^PASS t:c4: guard: base pass, patched pass' \
	"the cases after a guest that died run in a fresh boot, and count" -- \
	run sh -c "'$verdict' cases '$c' qemu-svm '$l/multi-base.log' '$l/multi-crash3.log'; exit 0"
expect 0 '^cases=3$' \
	"after a guest died in case 3, the next boot starts at case 4" -- \
	run env KNR_CASES="$c" "$here/../../scripts/run-boots.sh" --after qemu-svm "$l/multi-crash3-first.log" cases=0 stress=1:200
expect 0 '^stress=1:200$' \
	"after a guest died in a case, the next boot still runs the stress" -- \
	run env KNR_CASES="$c" "$here/../../scripts/run-boots.sh" --after qemu-svm "$l/multi-crash3-first.log" cases=0 stress=1:200
expect 0 '^$' \
	"a boot that finished leaves nothing for another boot" -- \
	run env KNR_CASES="$c" "$here/../../scripts/run-boots.sh" --after qemu-svm "$l/multi-pass.log" cases=0
expect 1 '^FAIL t:c5: guard fails on the patched kernel: missing' \
	"a case missing from the log fails" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-missing5.log"
expect 1 '^FAIL t:c2: .*guest killed after no progress' \
	"a guest that hangs in case 2 fails case 2 by name" -- cases "$c" qemu-svm "$l/multi-base.log" "$l/multi-hang2.log"

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
