#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh full: 'make stress': run tests/stress/nested_run_stress on the
#          base and the patched kernel in each emulator of EMUS, one boot
#          each, STRESS_QEMU (10000) sequences under QEMU and STRESS_BOCHS
#          (1000) under Bochs, and judge the runs. STRESS_KERNELS=patched
#          runs the patched kernel only, without the negative control.
# stress.sh verdict EMU BASE_LOG PATCHED_LOG: judge the stress sections of
#          two boot logs ('make check' runs a short stress in the boot of
#          each kernel, after the cases: 300 sequences under QEMU, 100
#          under Bochs; with seed 1 the bases first WARN at sequence 12
#          (QEMU; 7.3: 232) and 2 (Bochs)).
#
# The verdict is scripts/verdict.sh's against tests/stress/$BASE.expected:
# the patched kernel must not WARN or return EIO, the base must WARN where
# expected. STRESS_SEED (default 1) seeds the run; every failing sequence is
# printed with its index, and "nested_run_stress -s SEED -i INDEX -n 1"
# reruns it. The figures go to out/$BASE/stress.txt as well.

set -u
. "$(dirname "$0")/lib.sh"
load_base

expected=$top/tests/stress/$base_name.expected
kernels=${STRESS_KERNELS:-base patched}
report=$out/stress.txt

# section LOG: the stress's part of a boot log, which may hold other tests
# (to the end of the log if the guest died in it).
section() {
	tr -d '\r' < "$1" | sed -n '/KNR: case nested_run_stress:.* begin/,/KNR: case nested_run_stress:.* end/p'
}

# sites LOG REV: the WARN sites of LOG as "FILE<TAB>source line" of REV,
# so that a site keeps its name when the series moves its line.
sites() {
	local f l
	# "WARNING: CPU: 0 PID: 1 at FILE:LINE FUNC" (6.x), "WARNING: FILE:LINE at FUNC" (7.x)
	grep -aoE 'WARNING: (CPU: [0-9]+ PID: [0-9]+ at )?[^ ]+:[0-9]+' "$1" |
		sed -E 's/^WARNING: (CPU: [0-9]+ PID: [0-9]+ at )?//' | sort -u |
	while IFS=: read -r f l; do
		printf '%s\t%s\n' "$f" "$(git -C "$src" show "$2:$f" 2>/dev/null | sed -n "${l}p" |
			tr -s ' \t' '  ' | sed 's/^ //')"
	done
}

# verdict EMU BASE_LOG PATCHED_LOG (BASE_LOG "-": the base did not run)
verdict() {
	local emu=$1 blog=$2 plog=$3 k l s
	for k in base patched; do
		l=$([ $k = base ] && echo "$blog" || echo "$plog")
		[ "$l" != - ] || continue
		s=$out/logs/$emu/$k-stress.log
		[ -f "$l" ] && section "$l" > "$s" || : > "$s"
		sites "$s" "$([ $k = base ] && echo base || echo refs/knr/patched)" > "$s.sites"
	done
	"$top/scripts/verdict.sh" stress "$expected" "$emu" \
		"$([ "$blog" = - ] && echo - || echo "$out/logs/$emu/base-stress.log")" \
		"$out/logs/$emu/patched-stress.log" | tee -a "$report"
}

full() {
	local emu seed=${STRESS_SEED:-1} rc=0 pids=
	[[ "$seed" =~ ^[0-9]+$ ]] || die "STRESS_SEED must be a number, not '$seed'"
	case "$kernels" in
	"base patched"|patched) ;;
	*) die "STRESS_KERNELS must be 'base patched' or 'patched', not '$kernels'" ;;
	esac
	mkdir -p "$out"
	: > "$report"
	# Each emulator is single-threaded: their legs run side by side.
	for emu in ${EMUS:-qemu-svm bochs-vmx}; do
		leg "$emu" "$seed" > "$out/stress-$emu.txt" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || rc=1
	done
	for emu in ${EMUS:-qemu-svm bochs-vmx}; do
		cat "$out/stress-$emu.txt"
	done | tee -a "$report"
	return $rc
}

# leg EMU SEED: the full stress on both kernels under EMU, and its verdict.
leg() {
	local emu=$1 seed=$2 n per limit k
	case "$emu" in
	qemu-svm) n=${STRESS_QEMU:-10000} per=1 ;;
	bochs-vmx) n=${STRESS_BOCHS:-1000} per=10 ;;
	*) die "unknown emulator '$emu'" ;;
	esac
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "the number of sequences for $emu must be a positive number, not '$n'"
	# Generous limits, from the rates measured here (QEMU: about 8
	# sequences a second, Bochs: about 1 a second), plus a boot. The
	# tool prints nothing until it ends: the idle limit is the limit.
	limit=$((600 + n * per))
	for k in $kernels; do
		echo "  $emu $k: $n sequences, seed $seed (time limit $limit s)" >&2
		GUEST_TIMEOUT=$((limit + 60)) GUEST_IDLE=$((limit + 60)) STRESS_TIMEOUT=$limit \
			"$top/scripts/run-guest.sh" "$emu" "$k" "$out/logs/$emu/$k-full-stress.log" \
			"stress=$seed:$n" >/dev/null ||
			echo "error: $emu guest failed running the stress on $k" >&2
	done
	v=$(report=/dev/null verdict "$emu" \
		"$(case " $kernels " in *" base "*) echo "$out/logs/$emu/base-full-stress.log" ;; *) echo - ;; esac)" \
		"$out/logs/$emu/patched-full-stress.log")
	echo "$v"
	! grep -qw FAIL <<<"$v"
}

[ -f "$expected" ] || die "no stress for base $base_name (no $expected)"
case "${1:-}" in
full) full ;;
verdict) shift; [ $# -eq 3 ] || die "usage: stress.sh verdict EMU BASE_LOG PATCHED_LOG"; verdict "$@" ;;
*) die "usage: stress.sh full | verdict EMU BASE_LOG PATCHED_LOG" ;;
esac
