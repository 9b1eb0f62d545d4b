#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kut-verdict.sh check BASELINE LIST LOG
#	Judge the kvm-unit-tests of LIST (a tests/kut/lists file) in LOG, a
#	run on the patched kernel, against BASELINE (tests/kut/baseline/
#	BASE-EMU, recorded on the unpatched base): a sub-test that passed on
#	the base must pass; one that failed or aborted there must fail the
#	exact same way (the same FAIL lines, the same abort), or pass; a skip
#	must still skip; every sub-test of LIST in BASELINE must have run (but
#	those "missing" there, which did not run on the base either), and
#	every one that ran must be in BASELINE. A kernel report (WARNING, BUG,
#	...) while a test ran fails that test's group.
# kut-verdict.sh record LOG BASELINE LIST
#	Write BASELINE from LOG, a run of LIST on the unpatched base, keeping
#	the reasons ("# ...") that BASELINE gives, and its records of what
#	LIST does not run; a sub-test that does not pass and has none gets
#	"# REASON?" for a person to fill in.
# kut-verdict.sh latency BASE_LOG PATCHED_LOG
#	The nested VMRUN/VMEXIT round trips of x86/svm's latency tests: the
#	patched kernel's minimum cycles over the base's, from two boots of
#	one run (the averages swing with the host's load under TCG, the
#	minimums do not).
#
# Prints one line per sub-test, "PASS|FAIL|SKIP UNIT: why" (INFO for
# figures), and exits 1 if any line is FAIL.

set -u
here=$(dirname "$0")
fail=0

out() {
	echo "$1 $2: $3"
	[ "$1" = FAIL ] && fail=1
	return 0
}

parse() { awk -f "$here/kut.awk" "$1"; }

# selected LIST: "NAME FLAT ARGUMENTS..." of the lines of LIST.
selected() {
	sed -e 's/#.*//' "$1" | grep '[^[:space:]]' | awk -F'|' '{ split($1, a, " "); print a[1], a[2], $2 }'
}

# units_of BASELINE LIST: the units of BASELINE that LIST runs.
units_of() {
	awk 'NR == FNR { n = $1; f[n] = 1; if (($2 == "svm.flat" || $2 == "svm_npt.flat" || $2 == "vmx.flat") && NF > 2)
			for (i = 3; i <= NF; i++) want[n ":" $i] = 1
		else all[n] = 1; next }
	/^[^# \t]/ { u = $1; g = u; sub(/:.*/, "", g); if (all[g] || want[u] || (g == u && f[g])) print u }' \
		<(selected "$2") "$1"
}

# listed LIST: the units that LIST names: NAME:SUB-TEST for the sub-tests
# of svm.flat, svm_npt.flat and vmx.flat, NAME for the other tests.
listed() {
	selected "$1" | awk '{ if ($2 == "svm.flat" || $2 == "svm_npt.flat" || $2 == "vmx.flat")
		for (i = 3; i <= NF; i++) print $1 ":" $i; else print $1 }'
}

# base_result BASELINE UNIT / base_lines BASELINE UNIT: the recorded result
# word, and the recorded FAIL lines (sorted).
base_result() {
	awk -v u="$2" '$1 == u { print $2; exit }' "$1"
}
base_lines() {
	awk -v u="$2" '/^[^ \t]/ { on = ($1 == u); next } on && /^[ \t]/ { sub(/^[ \t]+/, ""); print }' "$1" | sort
}
base_reason() {
	awk -v u="$2" '$1 == u { if (sub(/^[^#]*# */, "")) print; exit }' "$1"
}

check() {
	local baseline=$1 list=$2 log=$3 parsed u want got gotl wantl r g
	[ -f "$baseline" ] || { echo "error: no baseline $baseline" >&2; exit 2; }
	[ -f "$list" ] || { echo "error: no list $list" >&2; exit 2; }
	[ -f "$log" ] || { echo "error: no log $log" >&2; exit 2; }
	parsed=$(parse "$log")
	if ! grep -q '^C ' <<<"$parsed"; then
		out FAIL "kvm-unit-tests" "no kvm-unit-tests in $(basename "$log")"
		return
	fi
	while read -r _ r; do
		out FAIL "kvm-unit-tests" "$r"
	done < <(grep '^X ' <<<"$parsed")
	# A kernel report fails the group that was running.
	for g in $(awk '$1 == "K" { print $2 }' <<<"$parsed" | sort -u); do
		out FAIL "$g" "kernel report: $(awk -v g="$g" '$1 == "K" && $2 == g { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' <<<"$parsed")"
	done
	for u in $(units_of "$baseline" "$list"); do
		want=$(base_result "$baseline" "$u")
		got=$(awk -v u="$u" '$1 == "R" && $2 == u { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' <<<"$parsed")
		gotl=$(awk -v u="$u" '$1 == "F" && $2 == u { $1 = $2 = ""; sub(/^ +/, ""); print }' <<<"$parsed" | sort)
		wantl=$(base_lines "$baseline" "$u")
		r=$(base_reason "$baseline" "$u")
		if [ -z "$got" ] && [ "$want" = missing ]; then
			out SKIP "$u" "did not run, as on the base${r:+: $r}"
		elif [ -z "$got" ]; then
			out FAIL "$u" "did not run (base: $want)"
		elif [ "$want" = pass ]; then
			if [ "${got%% *}" = pass ]; then
				out PASS "$u" "passes, as on the base"
			else
				out FAIL "$u" "base: pass, now: ${got%% *}$(first "$gotl")"
			fi
		elif [ "$want" = fail ] || [ "$want" = abort ]; then
			if [ "${got%% *}" = pass ]; then
				out PASS "$u" "passes now; on the base it did not ($want${r:+: $r})"
			elif [ "${got%% *}" = "$want" ] && [ "$gotl" = "$wantl" ]; then
				out PASS "$u" "$([ "$want" = fail ] && echo fails || echo aborts) as on the base ($(grep -c . <<<"$wantl") line(s) the same${r:+; $r})"
			else
				out FAIL "$u" "a different failure: base: $want$(first "$(comm -23 <(echo "$wantl") <(echo "$gotl"))"); now: ${got%% *}$(first "$(comm -13 <(echo "$wantl") <(echo "$gotl"))")"
			fi
		elif [ "$want" = missing ]; then
			out FAIL "$u" "base: missing (listed, but it did not run on the base either), now: ${got%% *}"
		elif [ "${got%% *}" = "$want" ]; then
			case "$want" in
			skip) out SKIP "$u" "skipped, as on the base${r:+: $r}" ;;
			none) out SKIP "$u" "printed no result line, as on the base${r:+: $r}" ;;
			*) out PASS "$u" "$want, as on the base${r:+: $r}" ;;
			esac
		else
			out FAIL "$u" "base: $want, now: ${got%% *}$(first "$gotl")"
		fi
	done
	# What the list names but the baseline does not know.
	for u in $(listed "$list"); do
		[ -n "$(base_result "$baseline" "$u")" ] ||
			awk -v u="$u" '$1 == "R" && $2 == u { f = 1 } END { exit !f }' <<<"$parsed" ||
			out FAIL "$u" "listed, but not in $(basename "$baseline") and it did not run: record it with 'make baseline'"
	done
	# What ran but the baseline does not know.
	for u in $(awk '$1 == "R" { print $2 }' <<<"$parsed" | sort -u); do
		[ -n "$(base_result "$baseline" "$u")" ] ||
			out FAIL "$u" "not in $(basename "$baseline"): record it with 'make baseline'"
	done
}

# first LINES: ": the first of LINES", or nothing.
first() {
	[ -n "$1" ] && echo ": $(head -1 <<<"$1")"
}

record() {
	local log=$1 baseline=$2 list=$3 parsed tmp u res detail reason commit
	[ -f "$log" ] || { echo "error: no log $log" >&2; exit 2; }
	parsed=$(parse "$log")
	commit=$(awk '$1 == "C" { print $2; exit }' <<<"$parsed")
	[ -n "$commit" ] || { echo "error: no kvm-unit-tests in $log" >&2; exit 1; }
	if grep -q '^[KX] ' <<<"$parsed"; then
		echo "error: the base kernel reported problems in $log; not writing a baseline:" >&2
		grep '^[KX] ' <<<"$parsed" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$baseline")"
	tmp=$(mktemp)
	{
		echo "# kvm-unit-tests $commit on the unpatched base, from 'make baseline'"
		echo "# (last: list $(basename "$list"); what it does not run is kept from earlier lists)."
		echo "# Format: UNIT RESULT  # why it does not pass; the FAIL lines of a sub-test"
		echo "# that fails or aborts follow it, indented."
		awk '$1 == "R" && !seen[$2]++ { $1 = ""; sub(/^ /, ""); print }' <<<"$parsed" |
		while read -r u res detail; do
			reason=$(base_reason "$baseline" "$u" 2>/dev/null)
			[ "$reason" = "REASON?" ] && reason=
			[ "$res" = skip ] && [ -z "$reason" ] && reason="REASON? (kvm-unit-tests: ${detail:-skipped})"
			# "none": it printed no result line (vmexit.flat, a
			# benchmark; a sub-test that x86/svm skips silently).
			[ "$res" = pass ] && reason=
			[ "$res" != pass ] && [ "$res" != none ] && [ -z "$reason" ] && reason="REASON?"
			printf '%-48s %s\n' "$u" "$res${reason:+  # $reason}"
			awk -v u="$u" '$1 == "F" && $2 == u { $1 = $2 = ""; sub(/^ +/, ""); print "    " $0 }' <<<"$parsed"
		done
		# Listed, but kvm-unit-tests said nothing of it (vmx.flat
		# skips a sub-test whose init finds a feature missing silently).
		for u in $(listed "$list"); do
			awk -v u="$u" '$1 == "R" && $2 == u { f = 1 } END { exit !f }' <<<"$parsed" && continue
			reason=$(base_reason "$baseline" "$u" 2>/dev/null)
			printf '%-48s %s\n' "$u" "missing  # ${reason:-REASON? (listed, but kvm-unit-tests printed nothing of it)}"
		done
		# What LIST does not run keeps its record (a baseline of the
		# full set, then one of the subset that 'make check' runs).
		[ -f "$baseline" ] && awk -v drop="$( { listed "$list"; listed "$list" | sed 's/:.*//';
				awk '$1 == "R" { print $2 }' <<<"$parsed"; } | paste -sd' ')" '
			BEGIN { n = split(drop, d, " "); for (i = 1; i <= n; i++) done[d[i]] = 1 }
			/^#/ { next }
			/^[^ \t]/ { on = !($1 in done) && !(seen[$1]++) }
			on' "$baseline"
	} > "$tmp"
	mv "$tmp" "$baseline"
	echo "kvm-unit-tests baseline: $baseline ($(counts "$baseline"))"
}

# counts BASELINE: "N sub-tests: N pass, ..." of a baseline file.
counts() {
	awk '/^[^# \t]/ { n++; c[$2]++ } END { printf "%d sub-tests:", n; s = " "
		for (r in c) { printf "%s%d %s", s, c[r], r; s = ", " } }' "$1"
}

latency() {
	local blog=$1 plog=$2 figs
	for f in "$blog" "$plog"; do
		[ -f "$f" ] || { echo "error: no log $f" >&2; exit 2; }
	done
	figs=$(join <(parse "$blog" | awk '$1 == "L" { print $2 "/" $3, $4 }' | sort) \
		<(parse "$plog" | awk '$1 == "L" { print $2 "/" $3, $4 }' | sort) |
		awk '$2 > 0 { printf "%s%s %.3f (%d/%d)", s, $1, $3 / $2, $3, $2; s = ", " }')
	if [ -z "$figs" ]; then
		out SKIP "latency" "no latency figures in both logs"
	else
		echo "INFO latency: patched/base of the minimum cycles of a nested round trip: $figs"
	fi
}

case "${1:-}" in
check) shift; [ $# -eq 3 ] || { echo "usage: kut-verdict.sh check BASELINE LIST LOG" >&2; exit 2; }; check "$@" ;;
record) shift; [ $# -eq 3 ] || { echo "usage: kut-verdict.sh record LOG BASELINE LIST" >&2; exit 2; }; record "$@" ;;
latency) shift; [ $# -eq 2 ] || { echo "usage: kut-verdict.sh latency BASE_LOG PATCHED_LOG" >&2; exit 2; }; latency "$@" ;;
counts) shift; counts "$1"; echo ;;
*) echo "usage: kut-verdict.sh check BASELINE LIST LOG | record LOG BASELINE LIST | latency BASE_LOG PATCHED_LOG" >&2; exit 2 ;;
esac
exit $fail
