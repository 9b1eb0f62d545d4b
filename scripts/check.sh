#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh run|check|baseline: the harness's main loop.
#
#   run       build the patched kernel and run the series' own test cases on
#             it in each emulator: the quick look ('make').
#   check     the full verdict ('make check'): checkpatch, both kernels, the
#             stock selftests against the baseline, every series case on the
#             base (negative control) and on the patched kernel.
#   stress    'make stress': tests/stress/nested_run_stress, full length, on
#             both kernels in each emulator (scripts/stress.sh)
#   baseline  run the stock selftests on the base kernel and rewrite
#             tests/baseline/$BASE-$EMU, keeping the reasons already written.
#
# EMUS selects the emulators (default "qemu-svm bochs-vmx"), LIST the stock
# test list for baseline (default: the emulator's own list).

set -u
. "$(dirname "$0")/lib.sh"
load_base

mode=${1:-run}
emus=${EMUS:-qemu-svm bochs-vmx}
logs=$out/logs
results=$out/results.txt
cases=$top/tests/cases/$base_name
t_start=$(date +%s)

mkdir -p "$out"
: > "$results"

record() { # SECTION VERDICT-LINES...
	local sec=$1
	shift
	printf '%s\n' "$@" | grep . | sed "s|^|$sec |" | tee -a "$results" | sed 's/^/    /'
}

prepare() {
	local k
	step "install missing Debian packages" "$top/scripts/deps.sh" $emus || exit 1
	step "fetch and import the base" "$top/scripts/fetch-base.sh" || exit 1
	step "apply series/$base_name" "$top/scripts/series.sh" apply || exit 1
	for k in "$@"; do
		case $k in
		base) step "build the base kernel" "$top/scripts/build-kernel.sh" base base || exit 1 ;;
		patched) step "build the patched kernel" "$top/scripts/build-kernel.sh" refs/knr/patched patched || exit 1 ;;
		esac
	done
	# The guests run the selftests of the patched tree on either kernel.
	step "build the KVM selftests (patched tree)" "$top/scripts/build-selftests.sh" refs/knr/patched || exit 1
	step "pack the initramfs" "$top/scripts/build-initramfs.sh" || exit 1
}

# checkpatch_of DIR: the base tree's checkpatch --strict on the patches in
# DIR, one "NNNN TYPE: message" line per report. Commit ids cannot be looked
# up (no history in the imported base); IGNORE adds types to ignore.
checkpatch_of() {
	local p
	for p in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "$(basename "$p")" = 0000-cover-letter.patch ] && continue
		# Debian's python3 first: checkpatch runs scripts/spdxcheck.py,
		# which needs python3-ply and python3-git.
		(cd "$src" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --terse --show-types \
			--ignore "UNKNOWN_COMMIT_ID${IGNORE:+,$IGNORE}" -q "$p") |
			grep -E 'WARNING|ERROR|CHECK' | sed "s|^$p:[0-9]*: |$(basename "$p" | cut -c1-4) |"
	done
}

checkpatch() {
	local exp=$top/tests/checkpatch/$base_name.expected
	# The repository's patches carry no Signed-off-by, on purpose.
	IGNORE=MISSING_SIGN_OFF checkpatch_of "$top/series/$base_name" > "$out/checkpatch.txt"
	if diff -u "$exp" "$out/checkpatch.txt" > "$out/checkpatch.diff"; then
		record checkpatch "PASS series/$base_name: $(wc -l < "$exp") known report(s), each justified in README.md"
	else
		record checkpatch "FAIL series/$base_name: checkpatch differs from tests/checkpatch/$base_name.expected (out/checkpatch.diff)"
		sed 's/^/      /' "$out/checkpatch.diff" | head -20
	fi
}

# make mail with a throwaway identity: send-email --dry-run, and checkpatch
# on what would be mailed, Signed-off-by included.
mail() {
	if ! MAIL_IDENTITY="Dry Run <dry-run@example.invalid>" "$top/scripts/mail.sh"; then
		record mail "FAIL make mail: see above"
		return
	fi
	local n want
	n=$(grep -c '^Result: OK' "$out/send-email-dry-run.txt")
	want=$(($(ls "$top"/series/"$base_name"/[0-9][0-9][0-9][0-9]-*.patch | wc -l)))
	if [ "$n" -eq "$want" ] && grep -q '^To: kvm@vger.kernel.org' "$out/send-email-dry-run.txt" &&
	   grep -q 'pbonzini@redhat.com' "$out/send-email-dry-run.txt" &&
	   grep -q 'seanjc@google.com' "$out/send-email-dry-run.txt"; then
		record mail "PASS send-email --dry-run: $n mails to kvm@vger.kernel.org, Cc the KVM x86 maintainers"
	else
		record mail "FAIL send-email --dry-run: $n of $want mails, or kvm@vger/maintainers missing (out/send-email-dry-run.txt)"
	fi
	checkpatch_of "$out/mail" > "$out/checkpatch-mail.txt"
	if diff -u "$top/tests/checkpatch/$base_name.expected" "$out/checkpatch-mail.txt" > "$out/checkpatch-mail.diff"; then
		record mail "PASS checkpatch on out/mail: only the known reports, no missing Signed-off-by"
	else
		record mail "FAIL checkpatch on out/mail differs (out/checkpatch-mail.diff)"
	fi
}

quilt_check() {
	if "$top/scripts/quilt.sh"; then
		record quilt "PASS out/quilt: quilt push -a applies on a fresh base, no fuzz"
	else
		record quilt "FAIL make quilt: see above"
	fi
}

bisect_check() {
	record bisect "$("$top/scripts/bisect.sh")"
}

stress_check() {
	record stress "$(EMUS=$emus "$top/scripts/stress.sh" "$1")"
}

mutants_check() {
	record mutants "$(EMUS=$emus "$top/scripts/mutants.sh")"
}

# Stock selftests on the patched kernel, compared with the base's baseline.
stock() {
	local emu=$1 log=$logs/$emu/patched-stock.log
	step "$emu: stock KVM selftests on the patched kernel" \
		"$top/scripts/run-guest.sh" "$emu" patched "list=$emu" "$log"
	record "$emu/stock" "$("$top/scripts/verdict.sh" stock "$top/tests/baseline/$base_name-$emu" "$log" \
		"$top/tests/lists/$emu")"
}

# case_list EMU: the series' cases declared for EMU, as "TEST:CASE KIND".
case_list() {
	awk -v e="$1" '!/^#/ && NF >= 3 { for (i = 3; i <= NF; i++) if ($i == e) print $1, $2 }' "$cases"
}

series_cases() {
	local emu=$1 kernels=$2 c kind k blog
	case_list "$emu" | while read -r c kind; do
		for k in $kernels; do
			"$top/scripts/run-guest.sh" "$emu" "$k" "case=$c" "$logs/$emu/$k-${c/:/-}.log" >/dev/null ||
				echo "error: $emu guest failed for $c" >&2
		done
		blog=-
		[ "$kernels" = patched ] || blog=$logs/$emu/base-${c/:/-}.log
		record "$emu/series" "$("$top/scripts/verdict.sh" case "$kind" \
			"$blog" "$logs/$emu/patched-${c/:/-}.log")"
	done
}

summary() {
	local p f s
	p=$(grep -c ' PASS ' "$results")
	f=$(grep -c ' FAIL ' "$results")
	s=$(grep -c ' SKIP ' "$results")
	echo
	echo "Report ($mode, $(($(date +%s) - t_start)) s): $results"
	printf '  %-22s %6s %6s %6s\n' section passed failed skipped
	awk '{ n[$1 " " $2]++; s[$1] = 1 } END { for (k in s) printf "  %-22s %6d %6d %6d\n", k, n[k " PASS"], n[k " FAIL"], n[k " SKIP"] }' "$results" | sort
	if [ "$f" -gt 0 ]; then
		echo "Failures:"
		grep ' FAIL ' "$results" | sed 's/^/  /'
	fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

case "$mode" in
run)
	prepare patched
	for emu in $emus; do
		step "$emu: the series' cases on the patched kernel" series_cases "$emu" patched
	done
	summary
	;;
check)
	prepare base patched
	step "checkpatch --strict on each patch" checkpatch
	step "make mail (throwaway identity) and send-email --dry-run" mail
	step "make quilt and quilt push -a" quilt_check
	[ -n "${NO_BISECT:-}" ] || step "build every patch (KVM=m, WERROR) and the tip's variants, sparse" bisect_check
	for emu in $emus; do
		stock "$emu"
		step "$emu: the series' cases on the base and the patched kernel" series_cases "$emu" "base patched"
	done
	step "random stuffing sequences (nested_run_stress, short, fixed seed)" stress_check short
	[ -n "${NO_MUTANTS:-}" ] || step "mutant kernels: deliberate KVM bugs must be caught" mutants_check
	summary
	;;
stress)
	prepare base patched
	step "random stuffing sequences (nested_run_stress)" stress_check full
	summary
	;;
baseline)
	prepare base
	for emu in $emus; do
		# QEMU records every test the base builds; Bochs its own list.
		list=${LIST:-$([ "$emu" = qemu-svm ] && echo all || echo "$emu")}
		log=$logs/$emu/base-$list.log
		step "$emu: stock KVM selftests ($list) on the base kernel" \
			"$top/scripts/run-guest.sh" "$emu" base "list=$list" "$log" || exit 1
		"$top/scripts/make-baseline.sh" "$log" "$top/tests/baseline/$base_name-$emu" "$list"
	done
	;;
*)
	die "usage: check.sh run|check|stress|baseline"
	;;
esac
