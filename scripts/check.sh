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

checkpatch() {
	local p exp got
	exp=$top/tests/checkpatch/$base_name.expected
	got=$out/checkpatch.txt
	: > "$got"
	for p in "$top"/series/"$base_name"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "$(basename "$p")" = 0000-cover-letter.patch ] && continue
		# No git history in the base tree: commit ids cannot be looked
		# up; the repository's patches carry no Signed-off-by on purpose.
		(cd "$src" && perl scripts/checkpatch.pl --strict --no-tree --terse --show-types \
			--ignore MISSING_SIGN_OFF,UNKNOWN_COMMIT_ID -q "$p") |
			grep -E 'WARNING|ERROR|CHECK' | sed "s|^$p:[0-9]*: |$(basename "$p") |" >> "$got"
	done
	if diff -u "$exp" "$got" > "$out/checkpatch.diff"; then
		record checkpatch "PASS checkpatch: $(wc -l < "$got") known warning(s), each justified in $(basename "$exp")"
	else
		record checkpatch "FAIL checkpatch: output differs from tests/checkpatch/$base_name.expected (see out/checkpatch.diff)"
		sed 's/^/      /' "$out/checkpatch.diff" | head -20
	fi
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
	for emu in $emus; do
		stock "$emu"
		step "$emu: the series' cases on the base and the patched kernel" series_cases "$emu" "base patched"
	done
	summary
	;;
baseline)
	prepare base
	for emu in $emus; do
		list=${LIST:-$emu}
		log=$logs/$emu/base-$list.log
		step "$emu: stock KVM selftests ($list) on the base kernel" \
			"$top/scripts/run-guest.sh" "$emu" base "list=$list" "$log" || exit 1
		"$top/scripts/make-baseline.sh" "$log" "$top/tests/baseline/$base_name-$emu" "$list"
	done
	;;
*)
	die "usage: check.sh run|check|baseline"
	;;
esac
