#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh [full|short]: run tests/stress/nested_run_stress on the base and
# the patched kernel in each emulator of EMUS, one boot each, and judge the
# runs with scripts/verdict.sh (tests/stress/$BASE.expected): the patched
# kernel must not WARN or return EIO, the base must WARN where expected.
#
#   full   'make stress': STRESS_QEMU (10000) sequences under QEMU,
#          STRESS_BOCHS (1000) under Bochs
#   short  what 'make check' runs: 200 under QEMU, 100 under Bochs (with
#          seed 1 the base WARNs at sequence 73 under either emulator)
#
# STRESS_SEED (default 1) seeds the run; every failing sequence is printed
# with its index, and "nested_run_stress -s SEED -i INDEX -n 1" reruns it.
# The figures go to out/stress.txt as well.

set -u
. "$(dirname "$0")/lib.sh"
load_base

mode=${1:-full}
emus=${EMUS:-qemu-svm bochs-vmx}
seed=${STRESS_SEED:-1}
expected=$top/tests/stress/$base_name.expected
report=$out/stress.txt

case "$mode" in
full) qemu_n=${STRESS_QEMU:-10000} bochs_n=${STRESS_BOCHS:-1000} ;;
short) qemu_n=200 bochs_n=100 ;;
*) die "usage: stress.sh [full|short]" ;;
esac
[[ "$seed" =~ ^[0-9]+$ ]] || die "STRESS_SEED must be a number, not '$seed'"

# sites LOG REV: the WARN sites of LOG as "FILE<TAB>source line" of REV,
# so that a site keeps its name when the series moves its line.
sites() {
	local f l
	grep -ao 'WARNING: CPU: [0-9]* PID: [0-9]* at [^ ]*:[0-9]*' "$1" | sed 's/.* at //' | sort -u |
	while IFS=: read -r f l; do
		printf '%s\t%s\n' "$f" "$(git -C "$src" show "$2:$f" 2>/dev/null | sed -n "${l}p" |
			tr -s ' \t' '  ' | sed 's/^ //')"
	done
}

mkdir -p "$out"
: > "$report"
for emu in $emus; do
	case "$emu" in
	qemu-svm) n=$qemu_n per=1 ;;
	bochs-vmx) n=$bochs_n per=10 ;;
	*) die "unknown emulator '$emu'" ;;
	esac
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "the number of sequences for $emu must be a positive number, not '$n'"
	# Generous limits, from the rates measured here (QEMU: about 8
	# sequences a second, Bochs: about 1 a second), plus a boot.
	limit=$((600 + n * per))
	for k in base patched; do
		log=$out/logs/$emu/$k-stress-$seed-$n.log
		echo "  $emu $k: $n sequences, seed $seed (time limit $limit s)" >&2
		GUEST_TIMEOUT=$((limit + 60)) TEST_TIMEOUT=$limit \
			"$top/scripts/run-guest.sh" "$emu" "$k" "stress=$seed:$n" "$log" >/dev/null ||
			echo "error: $emu guest failed running the stress on $k" >&2
		sites "$log" "$([ $k = base ] && echo base || echo refs/knr/patched)" > "$log.sites"
	done
	"$top/scripts/verdict.sh" stress "$expected" "$emu" "$out/logs/$emu/base-stress-$seed-$n.log" \
		"$out/logs/$emu/patched-stress-$seed-$n.log" | tee -a "$report"
done
grep -q '^FAIL' "$report" && exit 1
exit 0
