#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's own tests: scripts/verdict.sh and scripts/run-boots.sh on
# small recorded guest logs (tests/harness/logs; the stress logs come with
# the .sites files that scripts/stress.sh writes), and scripts/kut-verdict.sh
# and scripts/kut.sh on those of tests/kut/harness, one expectation each.
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
echo "1..$(grep -c '^expect ' "$0")"
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
# kvm-unit-tests (scripts/kut-verdict.sh, scripts/kut.awk): a base run in
# which svm_exception_test aborts and the guest runs the rest of the group
# again, and patched runs that differ from it one way each.
kv=$here/../../scripts/kut-verdict.sh
k=$here/../kut/harness
kb=$k/baseline kl=$k/list
expect 0 '^PASS svm:nmi: passes, as on the base' \
	"kut: a sub-test that passed on the base and passes now passes" -- run "$kv" check "$kb" "$kl" "$k/same.log"
expect 0 '^PASS debug: fails as on the base \(1 line' \
	"kut: a known failure with the same FAIL lines passes" -- run "$kv" check "$kb" "$kl" "$k/same.log"
expect 0 '^SKIP svm:svm_lbrv_test0: skipped, as on the base: emulator gap' \
	"kut: a skip is a SKIP with its reason, never a pass" -- run "$kv" check "$kb" "$kl" "$k/same.log"
expect 0 '^PASS svm:svm_exception_test: aborts as on the base' \
	"kut: an abort (no SUMMARY line) that the base shows the same way passes" -- run "$kv" check "$kb" "$kl" "$k/same.log"
expect 0 '^PASS svm:svm_intr_intercept_mix_nmi: passes' \
	"kut: the sub-tests after an abort ran in a new QEMU run, and count" -- run "$kv" check "$kb" "$kl" "$k/same.log"
expect 1 '^FAIL svm:nmi: base: pass, now: fail: FAIL: nmi: NMI intercept' \
	"kut: a sub-test that passed on the base and fails now fails the run" -- run "$kv" check "$kb" "$kl" "$k/regress.log"
expect 1 '^FAIL debug: a different failure: base: fail: FAIL: #DB: hw breakpoint.*now: fail: FAIL: #DB: single step' \
	"kut: a known failure that fails another way fails the run" -- run "$kv" check "$kb" "$kl" "$k/otherfail.log"
expect 1 '^FAIL svm:svm_exception_test: a different failure: .*#BP.*now: abort: .*#UD' \
	"kut: an abort with another exception than on the base fails the run" -- run "$kv" check "$kb" "$kl" "$k/otherabort.log"
expect 1 '^FAIL svm: kernel report: .*WARNING: .*nested_svm_vmexit' \
	"kut: a WARN while a group runs fails that group" -- run "$kv" check "$kb" "$kl" "$k/warn.log"
expect 0 '^PASS svm:null: passes' \
	"kut: a 'WARNING:' that kvm-unit-tests prints is no kernel report" -- run "$kv" check "$kb" "$kl" "$k/kutwarn.log"
expect 0 '^PASS kvm:state_test: passes, as on the base' \
	"kut: the selftests' verdict reads the same log and ignores kvm-unit-tests' lines" -- \
	run sh -c "printf 'kvm:state_test pass\n' > '$tmp/bl'; '$verdict' stock '$tmp/bl' '$k/kutwarn.log'"
expect 1 '^FAIL svm:svm_intr_intercept_mix_nmi: base: pass, now: abort: ABORT: guest killed' \
	"kut: a guest killed in a sub-test fails that sub-test by name" -- run "$kv" check "$kb" "$kl" "$k/hang.log"
expect 1 '^FAIL debug: did not run' \
	"kut: a test that a hang kept from running fails" -- run "$kv" check "$kb" "$kl" "$k/hang.log"
expect 1 '^FAIL svm:svm_intr_intercept_mix_nmi: did not run \(base: pass\)' \
	"kut: an abort that hides the rest of its group fails those sub-tests, not silence" -- run "$kv" check "$kb" "$kl" "$k/noresume.log"
expect 1 '^FAIL svm:svm_lbrv_test0: base: skip, now: pass' \
	"kut: a skip on the base that runs now is a change, and fails" -- run "$kv" check "$kb" "$kl" "$k/skip-pass.log"
expect 1 '^FAIL svm:svm_new_test: not in baseline' \
	"kut: a sub-test that the baseline does not know fails" -- run "$kv" check "$kb" "$kl" "$k/unknown.log"
expect 1 '^FAIL kvm-unit-tests: no kvm-unit-tests in' \
	"kut: a log without kvm-unit-tests fails, it is no pass" -- run "$kv" check "$kb" "$kl" "$k/nokut.log"
expect 0 'svm:latency_run_exit/VMEXIT 0\.995 \(4100/4120\), svm:latency_run_exit/VMRUN 1\.021 \(5321/5210\)' \
	"kut: the latency figure is patched/base of the minimums, not of the averages" -- run "$kv" latency "$k/base.log" "$k/same.log"
expect 0 '^svm:svm_exception_test +abort  # emulator gap \(recorded example\)$' \
	"kut: make baseline keeps the reasons written in the baseline" -- \
	run sh -c "cp '$kb' '$tmp/kb' && '$kv' record '$k/base.log' '$tmp/kb' '$kl' >/dev/null && cat '$tmp/kb'"
expect 0 '^    FAIL: #DB: hw breakpoint \(emulator gap\)$' \
	"kut: make baseline records the FAIL lines of a failing sub-test" -- \
	run sh -c "'$kv' record '$k/base.log' '$tmp/kb2' '$kl' >/dev/null && cat '$tmp/kb2'"
expect 0 '^debug +fail  # REASON\?$' \
	"kut: make baseline asks for a reason for every new failure" -- run cat "$tmp/kb2"
expect 1 'error: the base kernel reported problems' \
	"kut: make baseline refuses a base run with a kernel report" -- run "$kv" record "$k/warn.log" "$tmp/kb3" "$kl"
printf 'svm svm.flat -cpu max | null\n' > "$tmp/kl-sub"
expect 0 '^other +pass' \
	"kut: make baseline of a subset keeps what the subset does not run" -- \
	run sh -c "cp '$kb' '$tmp/kb4' && printf 'other                pass\nsvm:vmrun            pass\n' >> '$tmp/kb4' &&
		'$kv' record '$k/base.log' '$tmp/kb4' '$tmp/kl-sub' >/dev/null && cat '$tmp/kb4'"
expect 0 '^svm:vmrun +pass' \
	"kut: ... and the sub-tests of a group that it does not name" -- run cat "$tmp/kb4"
printf 'KNR: kut list x begin commit=c\nKNR: kut vmexit_cpuid begin flat=vmexit.flat tainted=0 uptime=1 args=cpuid\n# kut: cpuid 1234\nKNR: kut vmexit_cpuid end rc=1 tainted=0 uptime=2\nKNR: kut list x end tainted=0\n' > "$tmp/bench.log"
expect 0 '^R vmexit_cpuid none$' \
	"kut: a benchmark that exits with status 0 and no SUMMARY reported nothing, it did not abort" -- \
	run awk -f "$here/../../scripts/kut.awk" "$tmp/bench.log"
mkdir -p "$tmp/lists"
printf 'svm svm.flat -cpu max | null nmi\n' > "$tmp/lists/qemu-svm-full"
printf 'svm svm.flat -cpu max,+svm | null\n' > "$tmp/lists/qemu-svm"
expect 1 'qemu-svm: svm is not in tests/kut/lists/qemu-svm-full with the same flat and options|svm is not in .* with the same flat and options' \
	"kut: a list that runs a test with other options than the full set is refused" -- \
	run env KUT_LISTS="$tmp/lists" "$here/../../scripts/kut.sh" lists
printf 'svm svm.flat -cpu max | null vmrun\n' > "$tmp/lists/qemu-svm"
expect 1 'svm: vmrun is not in' \
	"kut: a list that runs a sub-test the full set lacks is refused" -- \
	run env KUT_LISTS="$tmp/lists" "$here/../../scripts/kut.sh" lists
expect 0 'tests/kut/lists: ok' \
	"kut: the repository's lists are well-formed subsets of their full sets" -- run "$here/../../scripts/kut.sh" lists
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
