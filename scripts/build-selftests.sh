#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-selftests.sh REV: build and install the KVM selftests of commit REV
# (the patched tree, so that the series' own tests are included) into
# $cache/$BASE/selftests, the tree the guests run, together with the
# harness's stress tool, tests/stress/nested_run_stress.c, built against the
# same selftest library (tests/stress/stress.mk). Needs the kernel of REV
# configured in $cache/$BASE/obj (scripts/build-kernel.sh).

set -eu
. "$(dirname "$0")/lib.sh"
load_base

rev=${1:?usage: build-selftests.sh REV}
wt=$base_dir/wt
obj=$base_dir/obj
dest=$base_dir/selftests
jobs=${JOBS:-$(nproc)}

commit=$(git -C "$src" rev-parse -q --verify "$rev^{commit}") || die "no revision $rev in $src"
key=$(git -C "$src" rev-parse "$commit:tools/testing/selftests"):$(git -C "$src" rev-parse "$commit:include/uapi"):$(git -C "$src" rev-parse "$commit:arch/x86/include/uapi")
key=$key:$(cat "$top"/tests/stress/nested_run_stress.c "$top"/tests/stress/stress.mk | sha1sum | cut -c1-12)
if [ -f "$dest/kselftest-list.txt" ] && [ "$(cat "$dest/.key" 2>/dev/null)" = "$key" ]; then
	echo "selftests: up to date ($dest)"
	exit 0
fi
[ -f "$obj/.config" ] || die "no configured kernel in $obj: run scripts/build-kernel.sh first"
[ "$(git -C "$wt" rev-parse HEAD)" = "$commit" ] || git -C "$wt" checkout -q --detach -f "$commit"

log=$obj/selftests.log
rm -rf "$dest" "$dest.tmp"
if ! { make -C "$wt" O="$obj" headers &&
       make -C "$wt/tools/testing/selftests" O="$obj" TARGETS=kvm -j"$jobs" &&
       make -C "$wt/tools/testing/selftests" O="$obj" TARGETS=kvm install INSTALL_PATH="$dest.tmp" &&
       make -C "$wt/tools/testing/selftests/kvm" -f Makefile -f "$top/tests/stress/stress.mk" \
		OUTPUT="$obj/kselftest/kvm" KHDR_INCLUDES="-isystem $obj/usr/include" \
		STRESS_SRC="$top/tests/stress/nested_run_stress.c" "$obj/kselftest/kvm/nested_run_stress" &&
       install -m 755 "$obj/kselftest/kvm/nested_run_stress" "$dest.tmp/kvm/"; } >"$log" 2>&1; then
	grep -E 'error:|\*\*\*|No such file' "$log" | head -20 >&2
	die "KVM selftests do not build: see $log"
fi
echo "$key" > "$dest.tmp/.key"
mv "$dest.tmp" "$dest"
echo "selftests: $(grep -c '^kvm:' "$dest/kselftest-list.txt") KVM tests and nested_run_stress in $dest"
