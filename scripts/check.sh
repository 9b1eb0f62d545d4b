#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh MODE: the harness's main loop, over the bases of BASES (default:
# every base in bases/; 'make check BASE=6.1' sets one).
#
#   run       'make': the patched kernels and the series' own cases on them
#             in each emulator, for every base whose series is not empty
#   check     'make check': the full verdict of every base: checkpatch, mail
#             and quilt, every patch builds, both kernels, the stock
#             selftests against the baseline, every case of the series on
#             the base (negative control) and on the patched kernel, the
#             stress's short run, the mutants
#   stress    'make stress': tests/stress/nested_run_stress, full length, on
#             both kernels in each emulator (scripts/stress.sh)
#   baseline  'make baseline': run the stock selftests and the full set of
#             kvm-unit-tests on the base kernel and rewrite
#             tests/baseline/$BASE-$EMU and tests/kut/baseline/$BASE-$EMU,
#             keeping the reasons written (SUITES="stock kut" by default)
#   kut       'make kut': the full set of kvm-unit-tests
#             (tests/kut/lists/$EMU-full) on the patched kernel of every
#             base, against tests/kut/baseline/$BASE-$EMU
#
# The steps of run and check form a graph (scripts/check.mk) that make runs
# with one job more than the machine has cores: every emulator is
# single-threaded, so the QEMU and Bochs legs of a base run side by side and
# the next base's kernels build beside them. Each step writes its verdict
# lines to out/BASE/results/STEP.txt; the report at the end counts them.
#
#   check.sh step NAME   one step of one base (BASE), as check.mk runs it
#
# EMUS selects the emulators (default "qemu-svm bochs-vmx"), LIST the stock
# test list for baseline (default: tests/lists/$BASE-$EMU; "all": every
# test the base builds), SUITES what baseline records ("stock kut").
#
# kvm-unit-tests (scripts/kut.sh: KUT_SRC, or the commit of tests/kut/pin)
# run in a boot of the patched kernel of their own in 'make check', for the bases
# whose series is not empty: tests/kut/lists/$EMU, judged against
# tests/kut/baseline/$BASE-$EMU. 'make kut' runs tests/kut/lists/$EMU-full
# instead, and under QEMU boots the base kernel of those bases too, with
# the latency sub-tests (tests/kut/lists/qemu-svm-latency), for the ratio
# of the minimum cycles of a nested VMRUN/VMEXIT round trip; with
# KUT_SET=latency both kernels run only those.

set -u
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
emus=${EMUS:-qemu-svm bochs-vmx}
bases=${BASES:-${BASE:-$(all_bases | paste -sd' ')}}
top_out=${KNR_OUT:-$top/out}

# record SECTION VERDICT-LINES...: keep the verdict lines of a step.
record() {
	local sec=$1
	shift
	printf '%s\n' "$@" | grep . | sed "s|^|$base_name/$sec |" | tee -a "$results" | sed 's/^/    /'
}

patches() {
	series_patches "$base_name"
}

# case_list EMU: the series' cases declared for EMU, as "TEST:CASE KIND".
case_list() {
	[ -f "$cases" ] && awk -v e="$1" '!/^#/ && NF >= 3 { for (i = 3; i <= NF; i++) if ($i == e) print $1, $2 }' "$cases"
}

# checkpatch_of DIR: the base tree's checkpatch --strict on the patches in
# DIR, one "NNNN TYPE: message" line per report. Commit ids cannot be looked
# up (no history in the imported base); IGNORE adds types to ignore.
checkpatch_of() {
	local p n
	for p in "$1"/*.patch; do
		# format-patch -v2 names them v2-0001-...; the report keeps "0001".
		n=$(basename "$p" | sed 's/^v[0-9]*-//' | cut -c1-4)
		[ "$n" = 0000 ] && continue
		# Debian's python3 first: checkpatch runs scripts/spdxcheck.py,
		# which needs python3-ply and python3-git.
		(cd "$src" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --terse --show-types \
			--ignore "UNKNOWN_COMMIT_ID${IGNORE:+,$IGNORE}" -q "$p") |
			grep -E 'WARNING|ERROR|CHECK' | sed "s|^$p:[0-9]*: |$n |"
	done
}

checkpatch() {
	local exp=$top/tests/checkpatch/$base_name.expected
	# The repository's patches carry no Signed-off-by, on purpose.
	IGNORE=MISSING_SIGN_OFF checkpatch_of "$top/series/$base_name" > "$out/checkpatch.txt"
	if diff -u "$exp" "$out/checkpatch.txt" > "$out/checkpatch.diff"; then
		record checkpatch "PASS series/$base_name: $(grep -c . "$exp") known report(s), each justified in README.md"
	else
		record checkpatch "FAIL series/$base_name: checkpatch differs from tests/checkpatch/$base_name.expected ($out/checkpatch.diff)"
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
	want=$(($(patches | wc -l) + 1))
	if [ "$n" -eq "$want" ] && grep -q '^To: kvm@vger.kernel.org' "$out/send-email-dry-run.txt" &&
	   grep -q 'pbonzini@redhat.com' "$out/send-email-dry-run.txt" &&
	   grep -q 'seanjc@google.com' "$out/send-email-dry-run.txt"; then
		record mail "PASS send-email --dry-run: $n mails to kvm@vger.kernel.org, Cc the KVM x86 maintainers"
	else
		record mail "FAIL send-email --dry-run: $n of $want mails, or kvm@vger/maintainers missing ($out/send-email-dry-run.txt)"
	fi
	checkpatch_of "$out/mail" > "$out/checkpatch-mail.txt"
	if diff -u "$top/tests/checkpatch/$base_name.expected" "$out/checkpatch-mail.txt" > "$out/checkpatch-mail.diff"; then
		record mail "PASS checkpatch on $out/mail: only the known reports, no missing Signed-off-by"
	else
		record mail "FAIL checkpatch on $out/mail differs ($out/checkpatch-mail.diff)"
	fi
}

quilt_check() {
	if "$top/scripts/quilt.sh"; then
		record quilt "PASS out/$base_name/quilt: quilt push -a applies on a fresh base, no fuzz"
	else
		record quilt "FAIL make quilt: see above"
	fi
}

docs_check() {
	record docs "$("$top/scripts/docs.sh")"
}

bisect_check() {
	local r rc
	r=$("$top/scripts/bisect.sh" 2>&1)
	rc=$?
	# A bisect that stops before its first verdict is a failure, not silence.
	if [ $rc -ne 0 ] && ! grep -q '^FAIL' <<<"$r"; then
		r=$(printf '%s\n%s' "$(grep -E '^(PASS|SKIP) ' <<<"$r")" \
			"FAIL make bisect stopped (status $rc): $(grep -v -E '^(PASS|SKIP) ' <<<"$r" | tail -1)")
	fi
	record bisect "$(grep -E '^(PASS|FAIL|SKIP) ' <<<"$r")"
	grep -v -E '^(PASS|FAIL|SKIP) ' <<<"$r" | sed 's/^/    /' >&2
}

mutants_check() {
	record mutants "$(EMUS=$emus "$top/scripts/mutants.sh")"
}

# stress_count EMU: the sequences of the short stress run under EMU, or
# nothing if the base has no stress expectations (tests/stress/$BASE.expected).
stress_count() {
	[ -f "$top/tests/stress/$base_name.expected" ] || return 0
	case "$1" in
	qemu-svm) echo 300 ;;
	bochs-vmx) echo 100 ;;
	esac
}

# kut_lists EMU KERNEL: the kvm-unit-tests list that KERNEL's boot runs in
# this mode, if any.
kut_lists() {
	case "$mode:$2" in
	kut:patched)
		case "${KUT_SET:-full}" in
		latency) [ ! -f "$top/tests/kut/lists/$1-latency" ] || echo "$1-latency" ;;
		*) echo "$1-full" ;;
		esac ;;
	kut:base) [ -z "$(patches)" ] || [ ! -f "$top/tests/kut/lists/$1-latency" ] || echo "$1-latency" ;;
	check:patched) [ -z "$(patches)" ] || echo "$1" ;;
	esac
}

# kut_verdict EMU: the verdicts of kvm-unit-tests in this leg's logs.
kut_verdict() {
	local emu=$1 logs=$out/logs/$1 baseline=$top/tests/kut/baseline/$base_name-$1 list
	list=$(kut_lists "$emu" patched)
	if [ -z "$list" ]; then
		[ "$mode" != check ] ||
			record "$emu/kut" "SKIP kvm-unit-tests: series/$base_name is empty ('make kut' runs them on every base)"
		return 0
	fi
	if [ -n "$kut_err" ]; then
		record "$emu/kut" "FAIL kvm-unit-tests do not build: $kut_err"
		return
	elif [ -n "$kut_skip" ]; then
		record "$emu/kut" "SKIP kvm-unit-tests: $kut_skip"
		return
	fi
	if [ ! -f "$baseline" ]; then
		record "$emu/kut" "FAIL kvm-unit-tests: no baseline tests/kut/baseline/$base_name-$emu: record it with 'SUITES=kut make baseline'"
	else
		record "$emu/kut" "$("$top/scripts/kut-verdict.sh" check "$baseline" "$top/tests/kut/lists/$list" \
			"$logs/patched$([ "$mode" = check ] && echo -kut).log")"
	fi
	[ -z "$(kut_lists "$emu" base)" ] || [ ! -f "$logs/base.log" ] ||
		record "$emu/kut" "$("$top/scripts/kut-verdict.sh" latency "$logs/base.log" "$logs/patched.log")"
}

# kut_payload: build kvm-unit-tests (once for every base; check.mk's "kut"
# step did it already), or set kut_skip to why there is none (no source)
# and kut_err to why the build failed.
kut_payload() {
	local err rc=0
	kut_skip= kut_err=
	err=$("$top/scripts/kut.sh" payload 2>&1 >/dev/null) || rc=$?
	case $rc in
	0) ;;
	3) kut_skip=$(echo "$err" | tail -1) ;;
	*) kut_err=$(echo "$err" | grep -m1 error || echo "$err" | tail -1); kut_skip=$kut_err ;;
	esac
}

# leg EMU KERNELS: everything one emulator runs for this base, one boot per
# kernel: on the patched kernel the stock selftests, the series' cases and
# the stress's short run; on the base the cases and the stress. Then the
# verdicts. KERNELS "patched" leaves the base out ('make'). kvm-unit-tests
# (kut_lists) run in a boot of their own in 'make check'; 'make kut' runs
# only them.
leg() {
	local emu=$1 kernels=$2 k what n list logs kl kut_skip= kut_err=
	logs=$out/logs/$emu
	list=$base_name-$emu
	n=$(stress_count "$emu")
	[ -z "$(kut_lists "$emu" patched)" ] || kut_payload
	for k in $kernels; do
		what=()
		if [ "$mode" != kut ]; then
			[ "$k" = patched ] && [ "$mode" = check ] && [ -f "$top/tests/lists/$list" ] && what+=("stock=$list")
			[ -n "$(case_list "$emu")" ] && what+=(cases=0)
			[ -n "$n" ] && [ "$mode" = check ] && what+=("stress=1:$n")
		fi
		kl=$(kut_lists "$emu" "$k")
		[ -z "$kl" ] || [ -n "$kut_skip" ] || [ "$mode" = check ] || what+=("kut=$kl")
		[ ${#what[@]} -eq 0 ] ||
			step "$emu: ${what[*]} on the $k kernel" \
				"$top/scripts/run-boots.sh" "$emu" "$k" "$logs/$k.log" "${what[@]}"
		# In 'make check' a boot of their own: after the selftests,
		# cases and stress, x86/svm's L2 hung in 3 boots of 5 (base
		# and patched kernels alike), never in a boot that ran only
		# kvm-unit-tests (README, "kvm-unit-tests").
		[ -z "$kl" ] || [ -n "$kut_skip" ] || [ "$mode" != check ] ||
			step "$emu: kut=$kl on the $k kernel, a boot of its own" \
				"$top/scripts/run-boots.sh" "$emu" "$k" "$logs/$k-kut.log" "kut=$kl"
	done
	if [ "$mode" = kut ]; then
		kut_verdict "$emu"
		return
	fi
	[ ! -f "$logs/patched.log" ] || ! grep -q "knr.stock\|KNR: list $list begin" "$logs/patched.log" ||
		record "$emu/stock" "$("$top/scripts/verdict.sh" stock "$top/tests/baseline/$list" \
			"$logs/patched.log" "$top/tests/lists/$list")"
	if [ -n "$(case_list "$emu")" ]; then
		record "$emu/series" "$("$top/scripts/verdict.sh" cases "$cases" "$emu" \
			"$([ "$kernels" = patched ] && echo - || echo "$logs/base.log")" "$logs/patched.log")"
	fi
	if [ -n "$n" ] && [ "$mode" = check ]; then
		record stress "$("$top/scripts/stress.sh" verdict "$emu" "$logs/base.log" "$logs/patched.log")"
	fi
	kut_verdict "$emu"
}

# do_step NAME: one step of the graph for the base in $base_name.
do_step() {
	local name=$1 rc=0
	mkdir -p "$out/results"
	results=$out/results/$name.txt
	: > "$results"
	case "$name" in
	fetch)
		step "fetch and import $PKG $VERSION" "$top/scripts/fetch-base.sh" &&
		step "apply series/$base_name ($(patches | wc -l) patches)" "$top/scripts/series.sh" apply || rc=1
		;;
	kernels)
		{ [ "$mode" = run ] || step "build the base kernel" "$top/scripts/build-kernel.sh" base base; } &&
		step "build the patched kernel" "$top/scripts/build-kernel.sh" refs/knr/patched patched &&
		# The guests run the selftests of the patched tree on either kernel.
		step "build the KVM selftests (patched tree)" "$top/scripts/build-selftests.sh" refs/knr/patched &&
		step "pack the initramfs" "$top/scripts/build-initramfs.sh" || rc=1
		;;
	static)
		if [ -z "$(patches)" ]; then
			record series "SKIP series/$base_name is empty: no checkpatch, mail, quilt, bisect or mutants"
		else
			step "checkpatch --strict on each patch" checkpatch
			step "make mail (throwaway identity) and send-email --dry-run" mail
			step "make quilt and quilt push -a" quilt_check
			step "make htmldocs on the base and at the tip" docs_check
		fi
		;;
	bisect)
		[ -z "$(patches)" ] ||
			step "build every patch (KVM=m, WERROR) and the tip's variants, sparse" bisect_check
		;;
	qemu-svm|bochs-vmx)
		leg "$name" "$(case "$mode" in check) echo "base patched" ;;
			kut) [ -z "$(kut_lists "$name" base)" ] || echo base; echo patched ;;
			*) echo patched ;; esac)"
		;;
	mutants)
		[ -z "$(patches)" ] || [ ! -d "$top/tests/mutants/$base_name" ] ||
			step "mutant kernels: deliberate KVM bugs must be caught" mutants_check
		;;
	*)
		die "unknown step '$name'"
		;;
	esac
	return $rc
}

# summary: the report over the results of every base that ran.
summary() {
	local all p f s b
	all=$(for b in $bases; do cat "$top_out/$b"/results/*.txt 2>/dev/null; done)
	# A step that did not finish, e.g. a kernel that did not build.
	for b in $bases; do
		for s in $(cat "$top_out/$b/.steps" 2>/dev/null); do
			[ -f "$top_out/$b/.stamps/$s" ] ||
				all=$(printf '%s\n%s' "$all" "$b/$s FAIL $s: did not complete, see $top_out/$b/$s.log")
		done
	done
	all=$(grep . <<<"$all")
	printf '%s\n' "$all" > "$top_out/results.txt"
	p=$(grep -c ' PASS ' <<<"$all")
	f=$(grep -c ' FAIL ' <<<"$all")
	s=$(grep -c ' SKIP ' <<<"$all")
	echo
	echo "Report ($mode of $bases, $(($(date +%s) - t_start)) s): $top_out/results.txt"
	printf '  %-26s %6s %6s %6s\n' section passed failed skipped
	awk '{ n[$1 " " $2]++; s[$1] = 1 } END { for (k in s) printf "  %-26s %6d %6d %6d\n", k, n[k " PASS"], n[k " FAIL"], n[k " SKIP"] }' \
		<<<"$all" | sort -V
	if [ "$f" -gt 0 ]; then
		echo "Failures:"
		grep ' FAIL ' <<<"$all" | sed 's/^/  /'
	fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

# graph TARGET: run the steps of every base through scripts/check.mk.
graph() {
	local b
	for b in $bases; do
		base_name=$b; load_base
		rm -rf "$top_out/$b/.stamps" "$top_out/$b/results"
		mkdir -p "$top_out/$b"
		case "$1" in
		check) echo "fetch kernels static bisect $emus mutants" ;;
		run|kut) echo "fetch kernels $emus" ;;
		*) echo "fetch kernels" ;;
		esac > "$top_out/$b/.steps"
	done
	rm -f "$top_out/.stamps/kut"
	# The base with the most cases first: its emulator legs are the longest.
	make -s -k -f "$top/scripts/check.mk" -j"$(($(nproc) + 1))" TOP="$top" OUT="$top_out" \
		BASES="$(for b in $bases; do echo "$(grep -cv '^#' "$top/tests/cases/$b" 2>/dev/null) $b"; done |
			sort -rn | cut -d' ' -f2 | paste -sd' ')" EMUS="$emus" MODE="$mode" \
		KUT="$(uses_kut "$1")" "$([ "$1" = kut ] && echo run || echo "$1")"
}

# uses_kut TARGET: "y" when TARGET's emulator legs run kvm-unit-tests.
uses_kut() {
	local b
	case "$1" in
	kut) echo y ;;
	check) for b in $bases; do [ -z "$(series_patches "$b")" ] || { echo y; return; }; done ;;
	baseline) case " ${SUITES:-stock kut} " in *" kut "*) echo y ;; esac ;;
	esac
}

# deps TARGET: the Debian packages of this run; kvm-unit-tests run Debian's
# QEMU in the guest under either emulator.
deps() {
	# shellcheck disable=SC2046
	step "install missing Debian packages" "$top/scripts/deps.sh" $emus \
		$([ -z "$(uses_kut "$1")" ] || echo qemu-svm)
}

# baseline_of EMU: boot the base kernel with what SUITES records and
# rewrite the baselines of this base under EMU.
baseline_of() {
	local emu=$1 list=${LIST:-$base_name-$1} log what=() kut_skip= kut_err= kl
	log=$out/logs/$emu/base-baseline.log
	# KUT_SET=check records the subset that 'make check' runs (faster).
	case "${KUT_SET:-full}" in
	full) kl=$emu-full ;;
	check) kl=$emu ;;
	*) echo "error: KUT_SET=$KUT_SET: say full or check" >&2; return 1 ;;
	esac
	rm -f "$out/logs/$emu/.baseline-ok"
	case " $suites " in *" stock "*) what+=("stock=$list") ;; esac
	case " $suites " in *" kut "*)
		kut_payload
		[ -z "$kut_skip" ] || { echo "error: no kvm-unit-tests: $kut_skip" >&2; return 1; }
		what+=("kut=$kl") ;;
	esac
	[ ${#what[@]} -gt 0 ] || { echo "error: SUITES=$suites: say stock, kut or both" >&2; return 1; }
	step "$base_name $emu: ${what[*]} on the base kernel" \
		env BASE="$base_name" "$top/scripts/run-boots.sh" "$emu" base "$log" "${what[@]}" || return 1
	case " $suites " in *" stock "*)
		"$top/scripts/make-baseline.sh" "$log" "$top/tests/baseline/$base_name-$emu" "$list" \
			"$base_dir/selftests/not-built.txt" || return 1 ;;
	esac
	case " $suites " in *" kut "*)
		"$top/scripts/kut-verdict.sh" record "$log" "$top/tests/kut/baseline/$base_name-$emu" \
			"$top/tests/kut/lists/$kl" || return 1 ;;
	esac
	touch "$out/logs/$emu/.baseline-ok"
}

t_start=$(date +%s)
case "$mode" in
step)
	base_name=${BASE:?}; load_base
	cases=$top/tests/cases/$base_name
	mode=${MODE:-check}
	do_step "${2:?usage: check.sh step NAME}"
	;;
run|check|kut)
	deps "$mode" || exit 1
	graph "$mode"
	summary
	;;
stress)
	step "install missing Debian packages" "$top/scripts/deps.sh" $emus || exit 1
	graph kernels
	for b in $bases; do
		base_name=$b; load_base
		[ -f "$top/tests/stress/$b.expected" ] || { echo "$b: no stress for this base"; continue; }
		step "$b: random stuffing sequences (nested_run_stress)" \
			env BASE="$b" EMUS="$emus" "$top/scripts/stress.sh" full
	done
	;;
baseline)
	deps baseline || exit 1
	suites=${SUITES:-stock kut}
	graph kernels
	rc=0
	for b in $bases; do
		base_name=$b; load_base
		# The emulators side by side, one boot of the base kernel each.
		for emu in $emus; do
			baseline_of "$emu" 2>&1 | sed -u "s/^/[$b $emu] /" &
		done
		wait || rc=1
		for emu in $emus; do
			[ -f "$out/logs/$emu/.baseline-ok" ] || rc=1
		done
	done
	exit $rc
	;;
*)
	die "usage: check.sh run|check|kut|stress|baseline|step NAME"
	;;
esac
