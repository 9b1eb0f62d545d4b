#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh: the build checks a maintainer relies on when bisecting.
#   - every patch of the series, applied in order, builds arch/x86/kvm with
#     KVM, KVM_AMD and KVM_INTEL as modules and KVM_WERROR=y;
#   - the tip also builds with KVM_SMM=n, with KVM_XEN=y, and with
#     PROVE_LOCKING=y;
#   - sparse (C=2) on arch/x86/kvm reports nothing at the tip that it does
#     not report on the base.
# Needs refs/knr/patched (scripts/series.sh apply). Its own work tree and
# output directory, so that the test kernel's objects are left alone.
# Prints one PASS/FAIL line per check; exit 1 on any failure.

set -u
. "$(dirname "$0")/lib.sh"
load_base

wt=$base_dir/wt-bisect
obj=$base_dir/obj-bisect
frag=$top/configs/kvm-modules.config
jobs=$(make_jobs)
use_ccache
fail=0

git -C "$src" rev-parse -q --verify refs/knr/patched >/dev/null || die "no refs/knr/patched: run scripts/series.sh apply"
if [ ! -d "$wt" ] || ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
	rm -rf "$wt"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" base || die "cannot create $wt"
fi
mkdir -p "$obj"
# One build at a time in an output directory.
exec 9>"$obj.lock"
flock -n 9 || die "another build is using $obj"

# absent_filter: drop the config lines of symbols that the base lacks.
absent_filter() {
	local line sym
	while IFS= read -r line; do
		sym=$(echo "$line" | sed -E 's/^(# )?CONFIG_([A-Za-z0-9_]+).*/\2/')
		config_absent "$sym" || echo "$line"
	done
}

# configure EXTRA...: the fragment plus the given CONFIG_ lines.
configure() {
	local want syms
	# The extra lines override the fragment's lines for the same symbols.
	syms=$(printf '%s\n' "$@" | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/^\1=/p')
	want=$(grep -v -f <(echo "${syms:-^$}") "$frag"; printf '%s\n' "$@")
	[ "$(cat "$obj/.knr-frag" 2>/dev/null)" = "$want" ] && return 0
	printf '%s\n' "$want" > "$obj/frag.config"
	make -s -C "$wt" O="$obj" tinyconfig >/dev/null 2>&1 &&
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$obj/frag.config" >/dev/null 2>&1 &&
	make -s -C "$wt" O="$obj" olddefconfig >/dev/null 2>&1 || return 1
	# A symbol that the base's Kconfig does not have (CONFIG_ABSENT in
	# bases/) cannot survive; any other that kconfig dropped is an error.
	lost=$(grep '^CONFIG_' "$obj/frag.config" |
		sed -E 's/^(CONFIG_[A-Za-z0-9_]+)=n$/# \1 is not set/' |
		grep -vxF -f "$obj/.config" | absent_filter || true)
	[ -z "$lost" ] || { echo "config lost: $lost" >&2; return 1; }
	printf '%s\n' "$want" > "$obj/.knr-frag"
}

# build LOG: arch/x86/kvm at the work tree's commit.
build() {
	make -C "$wt" O="$obj" $jobs prepare >"$1" 2>&1 &&
	make -C "$wt" O="$obj" $jobs arch/x86/kvm/ >>"$1" 2>&1
}

check() { # NAME COMMAND...
	local name=$1 t0
	shift
	t0=$(date +%s)
	if "$@"; then
		echo "PASS $name ($(($(date +%s) - t0)) s)"
	else
		echo "FAIL $name"
		fail=1
	fi
}

logs=$out/logs/bisect
mkdir -p "$logs"
configure || die "cannot configure $obj"

# sparse on the base first, to know its own warnings.
sparse() { # LOG: C=2 checks every file, rebuilt or not
	make -C "$wt" O="$obj" $jobs C=2 arch/x86/kvm/ 2>&1 |
		grep -E 'warning:|error:' | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort > "$1"
}
git -C "$wt" checkout -q --detach -f base
check "base builds" build "$logs/base.log"
command -v sparse >/dev/null && sparse "$logs/sparse-base.txt"

n=0
for c in $(git -C "$src" rev-list --reverse base..refs/knr/patched); do
	n=$((n + 1))
	git -C "$wt" checkout -q --detach -f "$c"
	check "patch $n builds ($(git -C "$wt" log -1 --format=%s | cut -c1-60))" build "$logs/patch-$n.log"
done

if command -v sparse >/dev/null; then
	sparse "$logs/sparse-tip.txt"
	new=$(comm -13 "$logs/sparse-base.txt" "$logs/sparse-tip.txt")
	if [ -z "$new" ]; then
		echo "PASS sparse adds no warning on arch/x86/kvm ($(wc -l < "$logs/sparse-base.txt") on the base too)"
	else
		echo "FAIL sparse: new warnings at the tip:"; echo "$new" | sed 's/^/    /'
		fail=1
	fi
else
	echo "FAIL sparse is not installed (apt-get install sparse)"
	fail=1
fi

for v in "CONFIG_KVM_SMM=n" "CONFIG_KVM_XEN=y" "CONFIG_DEBUG_KERNEL=y CONFIG_PROVE_LOCKING=y"; do
	sym=${v%%=*}
	if config_absent "${sym#CONFIG_}"; then
		echo "SKIP tip with $v: $base_name's Kconfig has no ${sym#CONFIG_} (bases/$base_name)"
		continue
	fi
	# shellcheck disable=SC2086
	if configure $v; then
		check "tip builds with $v" build "$logs/tip-${v%%=*}.log"
	else
		echo "FAIL tip with $v: kconfig did not keep it"
		fail=1
	fi
done
exit $fail
