#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# verdict.sh stock BASELINE LOG [LIST]
#	Compare the stock selftests in a guest log with the baseline recorded
#	on the unpatched kernel: a test that passed there must pass, a known
#	failure must fail the same way, a skip must still skip. Every test of
#	LIST (a tests/lists file) must have run. A test recorded as "flaky"
#	(timing-dependent under the emulator, "flaky P/N": it passed P of N
#	runs when the baseline was recorded) that failed was run again in the
#	same boot, up to three times: it is a PASS if any run passed, a FAIL
#	if none did while it passed on the base, and the line gives the rates.
# verdict.sh cases CASES EMU BASE_LOG PATCHED_LOG
#	Judge every case that CASES (a tests/cases file) declares for EMU,
#	from the logs of one boot (or more, after a crash) of each kernel:
#	a reproducer must fail on the base and pass on the patched kernel, a
#	guard must pass on both. A kernel report counts for the case that was
#	running. BASE_LOG "-" judges the patched kernel alone.
# verdict.sh stress EXPECTED EMU BASE_LOG PATCHED_LOG
#	Judge a run of tests/stress/nested_run_stress, whose WARN sites
#	scripts/stress.sh resolved into LOG.sites. On the patched kernel every
#	sequence ran, no ioctl failed with EIO and no WARN fired except at a
#	"known" site of EXPECTED (pre-existing, not this series'); on the base
#	(BASE_LOG "-": not run) a "target" site fired, the bug the series
#	fixes: the negative control of the stress.
#
# A kernel report (WARNING, BUG, ...) charged to a test fails it on the
# patched kernel, whatever the test said. Prints one line per test:
#	PASS|FAIL|SKIP NAME: why
# and exits 1 if any line is FAIL.

set -u
here=$(dirname "$0")

parse() { awk -f "$here/parse-log.awk" "$1"; }

# result NAME PARSED: "pass", "fail DETAIL", "skip" or "missing"
result() {
	local r
	r=$(awk -v n="$1" '$1 == n && $2 != "kernel" { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$2")
	echo "${r:-missing}"
}

# runs NAME PARSED: "PASSES/RUNS" of a test that may have run more than once.
runs() {
	awk -v n="$1" '$1 == n && ($2 == "pass" || $2 == "fail" || $2 == "crash") { r++; if ($2 == "pass") p++ }
		END { printf "%d/%d\n", p, r }' <<<"$2"
}

# runs NAME PARSED: "PASSES/RUNS" of a test that may have run more than once.
runs() {
	awk -v n="$1" '$1 == n && ($2 == "pass" || $2 == "fail" || $2 == "crash") { r++; if ($2 == "pass") p++ }
		END { printf "%d/%d\n", p, r }' <<<"$2"
}

reports() {
	awk -v n="$1" '$1 == n && $2 == "kernel" { $1 = $2 = ""; sub(/^  /, ""); print }' <<<"$2"
}

fail=0
out() {
	echo "$1 $2: $3"
	[ "$1" = FAIL ] && fail=1
	return 0
}

# Reports charged to the boot or to no test at all fail the run.
global_reports() {
	local parsed=$1 what=$2 r
	r=$(awk '($1 == "boot" || $1 == "guest") { print }' <<<"$parsed")
	[ -z "$r" ] || out FAIL "$what" "$(echo "$r" | head -3 | tr '\n' ';')"
}

stock() {
	local baseline=$1 log=$2 list=${3:-} parsed name want got rep rate brate
	[ -f "$baseline" ] || { echo "error: no baseline $baseline" >&2; exit 2; }
	[ -f "$log" ] || { echo "error: no log $log" >&2; exit 2; }
	parsed=$(parse "$log")
	global_reports "$parsed" "$(basename "$log")"
	while read -r name want; do
		want=${want%%#*}
		want=$(echo $want)
		got=$(result "$name" "$parsed")
		rep=$(reports "$name" "$parsed")
		if [ "$got" = missing ]; then
			continue
		elif [ -n "$rep" ]; then
			out FAIL "$name" "kernel report: $(echo "$rep" | head -1)"
		elif [ "${want%% *}" = flaky ]; then
			# Timing-dependent under this emulator: run up to four
			# times; it must pass at least once if it ever passed on
			# the base.
			rate=$(runs "$name" "$parsed")
			brate=${want#flaky}
			brate=$(echo $brate)
			if [ "$rate" = 0/0 ]; then
				out SKIP "$name" "flaky, and skipped this time (base: ${brate:-not measured})"
			elif [ "${rate%/*}" -gt 0 ]; then
				out PASS "$name" "flaky: passed ${rate} runs (base: ${brate:-not measured})"
			elif [ "${brate%/*}" = 0 ]; then
				out SKIP "$name" "flaky: passed ${rate} runs, and ${brate} on the base"
			else
				out FAIL "$name" "flaky: passed ${rate} runs on the patched kernel, ${brate:-some} on the base"
			fi
		elif [ "$got" = "$want" ]; then
			case "$got" in
			pass) out PASS "$name" "passes, as on the base" ;;
			skip) out SKIP "$name" "skipped, as on the base" ;;
			*) out PASS "$name" "fails as on the base ($got)" ;;
			esac
		else
			out FAIL "$name" "base: $want, now: $got"
		fi
	done < <(grep -v '^#' "$baseline" | grep .)
	# Tests that should have run but did not.
	if [ -n "$list" ]; then
		for name in $(grep -v '^#' "$list"); do
			[ "$(result "$name" "$parsed")" != missing ] ||
				out FAIL "$name" "did not run (no result in $(basename "$log"))"
		done
	fi
	# Tests that ran but that the baseline does not know.
	for name in $(awk '$2 != "kernel" && $1 ~ /^kvm:/ { print $1 }' <<<"$parsed"); do
		grep -q "^$name[[:space:]]" "$baseline" ||
			out FAIL "$name" "not in $(basename "$baseline"): regenerate it with 'make baseline'"
	done
}

# judge_case NAME KIND BASE_PARSED PATCHED_PARSED: one case on both kernels
# (BASE_PARSED "-": the base was not run).
judge_case() {
	local name=$1 kind=$2 bparsed=$3 pparsed=$4 b p brep prep
	b=$(result "$name" "$bparsed")
	[ "$bparsed" = - ] && b="not run"
	p=$(result "$name" "$pparsed")
	brep=$(reports "$name" "$bparsed" | head -1)
	prep=$(reports "$name" "$pparsed" | head -1)
	[ -z "$brep" ] || b="fail (kernel: $brep)"
	if [ -n "$prep" ]; then
		out FAIL "$name" "patched kernel report: $prep"
	elif [ "${p%% *}" = skip ] &&
		{ [ "${b%% *}" = skip ] || [ "$kind" = guard ] || [ "$bparsed" = - ]; }; then
		out SKIP "$name" "skipped: $(skip_reason "$p")"
	elif [ "${p%% *}" != pass ]; then
		out FAIL "$name" "$kind fails on the patched kernel: $p"
	elif [ "$bparsed" = - ]; then
		out PASS "$name" "$kind: patched pass (base not run)"
	elif [ "$kind" = reproducer ] && [ "${b%% *}" = pass ]; then
		out FAIL "$name" "reproducer passes on the base kernel: it proves nothing"
	elif [ "$kind" = reproducer ] && [ "${b%% *}" != fail ] && [ "${b%% *}" != crash ]; then
		out FAIL "$name" "reproducer did not run on the base kernel: $b"
	elif [ "$kind" = guard ] && [ "${b%% *}" != pass ]; then
		out FAIL "$name" "guard fails on the base kernel: $b"
	else
		out PASS "$name" "$kind: base ${b}, patched pass"
	fi
}

skip_reason() {
	local r=${1#skip}
	r=$(echo $r)
	[ "$r" = - ] && r=
	echo "${r:-no reason given}"
}

cases_verdict() {
	local cases=$1 emu=$2 blog=$3 plog=$4 bparsed=- pparsed f name kind
	for f in "$blog" "$plog"; do
		[ "$f" = - ] || [ -f "$f" ] || { echo "error: no log $f" >&2; exit 2; }
	done
	[ -f "$cases" ] || { echo "error: no list of cases $cases" >&2; exit 2; }
	[ "$blog" = - ] || bparsed=$(parse "$blog")
	pparsed=$(parse "$plog")
	global_reports "$pparsed" "$emu patched kernel"
	while read -r name kind; do
		judge_case "$name" "$kind" "$bparsed" "$pparsed"
	done < <(awk -v e="$emu" '!/^#/ && NF >= 3 { for (i = 3; i <= NF; i++) if ($i == e) print $1, $2 }' "$cases")
}

# stress_figures LOG: "N sequences in S s", the time the tool measured in
# the guest, and the host's time for the whole boot when the log has it
# (under Bochs the guest's clock does not follow the host's).
stress_figures() {
	local f h
	f=$(sed -n 's/^# sequences \([0-9]*\), operations [0-9]*, seconds \([0-9]*\).*/\1 sequences in \2 s/p' "$1" | tail -1)
	h=$(sed -n 's/^KNR: host: .* rc=[0-9]* \([0-9]*\) s$/\1/p' "$1" | tail -1)
	echo "${f:-no figures (the tool did not finish)}${h:+ (boot and run: $h s on the host)}"
}

# stress_sites EXPECTED EMU SITES: each WARN site of SITES ("FILE<TAB>the
# source line of the WARN") as "KIND FILE: STATEMENT", KIND from EXPECTED
# (target, known) or "unknown".
stress_sites() {
	local f stmt kind
	while IFS=$'\t' read -r f stmt; do
		kind=$(awk -v e="$2" -v f="$f" -v s="$stmt" '
			!/^#/ && NF >= 4 && ($2 == e || $2 == "all") && $3 == f {
				t = $0; sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", t)
				if (t == s) { print $1; exit }
			}' "$1")
		echo "${kind:-unknown} $f: $stmt"
	done < "$3"
}

stress_verdict() {
	local expected=$1 emu=$2 blog=$3 plog=$4 name want n eio sites bad targets other known first
	for f in "$blog" "$plog"; do
		[ "$f" = - ] || { [ -f "$f" ] && [ -f "$f.sites" ]; } ||
			{ echo "error: no log $f or no $f.sites" >&2; exit 2; }
	done
	[ -f "$expected" ] || { echo "error: no list of WARN sites $expected" >&2; exit 2; }
	name=$(sed -n 's/.*KNR: case \(nested_run_stress:[^ ]*\) begin.*/\1/p' "$plog" | head -1)
	[ -n "$name" ] || name=nested_run_stress
	want=${name##*:}
	n=$(sed -n 's/^# sequences \([0-9]*\),.*/\1/p' "$plog" | tail -1)
	eio=$(sed -n 's/^# ioctls refused with an errno: [0-9]*, EIO: \([0-9]*\).*/\1/p' "$plog" | tail -1)
	sites=$(stress_sites "$expected" "$emu" "$plog.sites")
	bad=$(grep -v '^known ' <<<"$sites" | grep . | sed 's/^[a-z]* //' | paste -sd ';')
	known=$(grep -c '^known ' <<<"$sites")
	other=$(grep -a -E 'BUG: |kernel BUG at|Oops: |Kernel panic|KASAN: |UBSAN: |possible circular locking|general protection fault' "$plog" | head -1 | tr -d '\r')
	if [ -n "$other" ]; then
		out FAIL "$emu patched $name" "kernel report: $other"
	elif [ -n "$bad" ]; then
		out FAIL "$emu patched $name" "WARN at $bad"
	elif [ "${n:-0}" != "$want" ]; then
		out FAIL "$emu patched $name" "ran ${n:-0} of $want sequences (see its log)"
	elif [ "${eio:-x}" != 0 ]; then
		out FAIL "$emu patched $name" "KVM_RUN or another ioctl failed with EIO ${eio:-?} time(s)"
	elif [ "$known" -gt 0 ]; then
		out PASS "$emu patched $name" "$(stress_figures "$plog"), no EIO, no WARN of this series; $known known pre-existing WARN site(s), as on the base: $(grep '^known ' <<<"$sites" | sed 's/^known //' | paste -sd ';')"
	else
		out PASS "$emu patched $name" "$(stress_figures "$plog"), no WARN, no EIO"
	fi
	[ "$blog" = - ] && return
	sites=$(stress_sites "$expected" "$emu" "$blog.sites")
	targets=$(grep '^target ' <<<"$sites" | sed 's/^target //' | paste -sd ';')
	if [ -z "$(awk -v e="$emu" '!/^#/ && $1 == "target" && ($2 == e || $2 == "all")' "$expected")" ]; then
		out FAIL "$emu base $name" "no target site for $emu in $(basename "$expected")"
	elif [ -z "$targets" ]; then
		out FAIL "$emu base $name" "$(stress_figures "$blog"), no WARN at a target site: the stress does not reach the bug"
	else
		first=$(sed -n 's/^# site [0-9]*: \(.*\): first at sequence \([0-9]*\).*/\1 at sequence \2/p' "$blog" |
			tr -d '\r' | paste -sd ';' | sed 's/;/; /g')
		out PASS "$emu base $name" "$(stress_figures "$blog"), WARN at $targets, first WARN per site: ${first:-none}"
	fi
}

case "${1:-}" in
stress) shift; [ $# -eq 4 ] || { echo "usage: verdict.sh stress EXPECTED EMU BASE_LOG PATCHED_LOG" >&2; exit 2; }; stress_verdict "$@" ;;
stock) shift; [ $# -ge 2 ] || { echo "usage: verdict.sh stock BASELINE LOG [LIST]" >&2; exit 2; }; stock "$@" ;;
cases) shift; [ $# -eq 4 ] || { echo "usage: verdict.sh cases CASES EMU BASE_LOG PATCHED_LOG" >&2; exit 2; }; cases_verdict "$@" ;;
*) echo "usage: verdict.sh stock BASELINE LOG [LIST] | cases CASES EMU BASE_LOG PATCHED_LOG | stress ..." >&2; exit 2 ;;
esac
exit $fail
