#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-selftests.sh REV: build and install the KVM selftests of commit REV
# (the patched tree, so that the series' own tests are included) into
# $cache/$BASE/selftests, the tree the guests run, together with the
# harness's stress tool, tests/stress/nested_run_stress.c, built against the
# same selftest library (tests/stress/stress.mk) for the bases that have
# stress expectations (tests/stress/$BASE.expected). Needs the kernel of REV
# configured in $cache/$BASE/obj (scripts/build-kernel.sh).
#
# A base whose selftests do not all build as shipped (Debian's 6.1: its
# dirty_log_test.c uses TEST_ASSERT_EQ, which 6.1's test_util.h lacks) gets
# every test that does build; the others are named, with the compiler's
# first error, in $cache/$BASE/selftests/not-built.txt and in the output.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

rev=${1:?usage: build-selftests.sh REV}
wt=$base_dir/wt
obj=$base_dir/obj
dest=$base_dir/selftests
kvm=$wt/tools/testing/selftests/kvm
stress=
[ -f "$top/tests/stress/$base_name.expected" ] && stress=1

commit=$(git -C "$src" rev-parse -q --verify "$rev^{commit}") || die "no revision $rev in $src"
key=$(git -C "$src" rev-parse "$commit:tools/testing/selftests"):$(git -C "$src" rev-parse "$commit:include/uapi"):$(git -C "$src" rev-parse "$commit:arch/x86/include/uapi")
[ -z "$stress" ] || key=$key:$(cat "$top"/tests/stress/nested_run_stress.c "$top"/tests/stress/stress.mk | sha1sum | cut -c1-12)
if [ -f "$dest/kselftest-list.txt" ] && [ "$(cat "$dest/.key" 2>/dev/null)" = "$key" ]; then
	echo "selftests: up to date ($dest)"
	exit 0
fi
[ -f "$obj/.config" ] || die "no configured kernel in $obj: run scripts/build-kernel.sh first"
[ "$(git -C "$wt" rev-parse HEAD)" = "$commit" ] || git -C "$wt" checkout -q --detach -f "$commit"

log=$obj/selftests.log
rm -rf "$dest" "$dest.tmp" "$obj/not-built.txt"
sel=(make -C "$wt/tools/testing/selftests" O="$obj" TARGETS=kvm)
# shellcheck disable=SC2046
make -C "$wt" O="$obj" headers >"$log" 2>&1 || die "make headers failed: see $log"
# shellcheck disable=SC2046
if ! "${sel[@]}" $(make_jobs) >>"$log" 2>&1; then
	# Build what builds, then install exactly that: the tests of this
	# architecture's list (TEST_GEN_PROGS_x86_64, or _x86 since 6.15)
	# that exist.
	# shellcheck disable=SC2046
	"${sel[@]}" -k $(make_jobs) >>"$log" 2>&1 || true
	var=TEST_GEN_PROGS_x86_64
	grep -q '^TEST_GEN_PROGS_x86 ' "$kvm"/Makefile* && var=TEST_GEN_PROGS_x86
	progs=$(make -s -C "$kvm" -f Makefile -f "$top/scripts/print-var.mk" OUTPUT="$obj/kselftest/kvm" \
		KNR_VAR="$var" knr-print 2>/dev/null) || die "cannot list the KVM selftests: see $log"
	built= missing=
	for p in $progs; do
		if [ -x "$obj/kselftest/kvm/$p" ]; then
			built="$built $p"
		else
			missing="$missing $p"
		fi
	done
	[ -n "$built" ] || die "no KVM selftest builds: see $log"
	# Only what the base ships may fail; the series' own tests must build.
	for p in $missing; do
		! git -C "$src" diff --quiet base "$commit" -- "tools/testing/selftests/kvm/$p.c" ||
			continue
		grep -E "${p##*/}\.c:[0-9]+:[0-9]+: error:" "$log" | sort -u | head -5 >&2
		die "$p.c, which the series changes, does not build: see $log"
	done
	sel+=("$var=$built")
	for p in $missing; do
		# The compiler's or the linker's first complaint about it.
		echo "$p: $(awk -v f="${p##*/}.c" 'index($0, f) { s = 1 } s && /error:|undefined reference/ {
			sub(/^.*\/kvm\//, ""); print; exit }' "$log")"
	done > "$obj/not-built.txt"
	echo "selftests: not built (as shipped):" >&2
	sed 's/^/  /' "$obj/not-built.txt" >&2
fi
if ! { "${sel[@]}" install INSTALL_PATH="$dest.tmp" &&
       if [ -n "$stress" ]; then
		make -C "$kvm" -f Makefile -f "$top/tests/stress/stress.mk" \
			OUTPUT="$obj/kselftest/kvm" KHDR_INCLUDES="-isystem $obj/usr/include" \
			STRESS_SRC="$top/tests/stress/nested_run_stress.c" "$obj/kselftest/kvm/nested_run_stress" &&
		install -m 755 "$obj/kselftest/kvm/nested_run_stress" "$dest.tmp/kvm/"
       fi; } >>"$log" 2>&1; then
	grep -E 'error:|\*\*\*|No such file' "$log" | head -20 >&2
	die "KVM selftests do not install: see $log"
fi
[ ! -f "$obj/not-built.txt" ] || mv "$obj/not-built.txt" "$dest.tmp/not-built.txt"
echo "$key" > "$dest.tmp/.key"
mv "$dest.tmp" "$dest"
echo "selftests: $(grep -c '^kvm:' "$dest/kselftest-list.txt") KVM tests${stress:+ and nested_run_stress} in $dest"
