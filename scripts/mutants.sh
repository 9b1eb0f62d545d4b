#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mutants.sh [NAME...]: prove that the series' WARNs and tests still catch
# KVM bugs. Each tests/mutants/$BASE/NAME.patch is a deliberate KVM bug applied on
# top of the series (never part of it), with three header lines:
#   Mutant-Emulator:  qemu-svm or bochs-vmx, the vendor it breaks
#   Mutant-Trigger:   TEST:CASE, the series case that exercises it
#   Mutant-Caught-By: "warn REGEX", a WARNING at a function matching REGEX
#                     must appear; or "test", the case must fail
# Each mutant is built incrementally from the patched kernel's objects and
# booted in its emulator. Prints "PASS NAME: caught by ..." or
# "FAIL NAME: SURVIVED"; a mutant that does not apply or build is a failure
# of the harness, never a catch. EMUS limits the emulators.

set -u
. "$(dirname "$0")/lib.sh"
load_base

wt=$base_dir/wt
emus=${EMUS:-qemu-svm bochs-vmx}
logs=$out/logs/mutants
fail=0
mkdir -p "$logs"
git -C "$src" rev-parse -q --verify refs/knr/patched >/dev/null || die "no refs/knr/patched: run scripts/series.sh apply"

header() { sed -n "s/^Mutant-$1: //p" "$2" | head -1; }

mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mutants=($(cd "$top/tests/mutants/$base_name" && ls *.patch | sed 's/\.patch$//'))

for name in "${mutants[@]}"; do
	m=$top/tests/mutants/$base_name/$name.patch
	[ -f "$m" ] || { echo "FAIL $name: no $m"; fail=1; continue; }
	emu=$(header Emulator "$m")
	trigger=$(header Trigger "$m")
	caught=$(header Caught-By "$m")
	case " $emus " in *" $emu "*) ;; *) echo "SKIP $name: $emu not selected (EMUS=$emus)"; continue ;; esac
	[ -n "$emu" ] && [ -n "$trigger" ] && [ -n "$caught" ] ||
		{ echo "FAIL $name: header lines missing"; fail=1; continue; }
	t0=$(date +%s)

	git -C "$wt" checkout -q --detach -f refs/knr/patched
	if ! git -C "$wt" apply "$m" 2>"$logs/$name.apply"; then
		echo "FAIL $name: does not apply to the series (harness failure)"
		fail=1
		continue
	fi
	git -C "$wt" -c user.name=mutant -c user.email=mutant@invalid commit -q -a -m "mutant $name"
	rev=$(git -C "$wt" rev-parse HEAD)
	git -C "$src" update-ref "refs/knr/mutant-$name" "$rev"
	if ! "$top/scripts/build-kernel.sh" "refs/knr/mutant-$name" "mutant-$name" >"$logs/$name.build" 2>&1; then
		echo "FAIL $name: does not build (harness failure), see $logs/$name.build"
		fail=1
		continue
	fi
	log=$logs/$name.log
	"$top/scripts/run-guest.sh" "$emu" "mutant-$name" "$log" "case=$trigger" >/dev/null 2>&1
	verdict=$(awk -f "$top/scripts/parse-log.awk" "$log")
	case "$caught" in
	warn\ *)
		re=${caught#warn }
		# "WARNING: CPU: 0 PID: 1 at FILE:LINE FUNC+" (6.x) or
		# "WARNING: FILE:LINE at FUNC+" (7.x); FUNC may be __FUNC or FUNC.isra.0
		site="arch/x86/kvm/[^ ]*:[0-9]+ (at )?_*($re)(\.[a-z]+\.[0-9]+)?"
		if grep -Eq "WARNING: .*$site\+" "$log"; then
			echo "PASS $name: caught by $(grep -Eo "$site" "$log" | head -1 | sed 's/ at / /') ($emu, $(($(date +%s) - t0)) s)"
		else
			echo "FAIL $name: SURVIVED, no WARNING in $re ($emu, $trigger; log $log)"
			fail=1
		fi
		;;
	test)
		if awk -v c="$trigger" '$1 == c && ($2 == "fail" || $2 == "kernel" || $2 == "crash")' <<<"$verdict" | grep -q .; then
			echo "PASS $name: caught by $trigger failing ($emu, $(($(date +%s) - t0)) s)"
		else
			echo "FAIL $name: SURVIVED, $trigger did not fail ($emu; log $log)"
			fail=1
		fi
		;;
	*)
		echo "FAIL $name: unknown Mutant-Caught-By '$caught'"
		fail=1
		;;
	esac
done
exit $fail
