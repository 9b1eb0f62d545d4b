#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh: what maintainer-kvm-x86.rst asks of a change to .rst files: the
# documentation still builds with no new warning. Builds "make htmldocs"
# for the Documentation/ subdirectories that the series touches (SPHINXDIRS,
# e.g. virt) on the base and at the tip, with Debian's python3-sphinx, and
# compares the warnings (file and message, line numbers dropped). Prints one
# PASS/FAIL/SKIP line; exit 1 on FAIL.

set -u
. "$(dirname "$0")/lib.sh"
load_base

wt=$base_dir/wt-docs
logs=$out/logs/docs
tip=$(git -C "$src" rev-parse -q --verify refs/knr/patched) || die "no refs/knr/patched: run scripts/series.sh apply"
dirs=$(git -C "$src" diff --name-only base "$tip" -- 'Documentation/*.rst' |
	awk -F/ 'NF > 2 { print $2 }' | sort -u | paste -sd' ')
if [ -z "$dirs" ]; then
	echo "SKIP htmldocs: the series changes no .rst file under a Documentation/ subdirectory"
	exit 0
fi
command -v sphinx-build >/dev/null || { echo "FAIL htmldocs: sphinx-build is missing (apt-get install python3-sphinx)"; exit 1; }

if [ ! -d "$wt" ] || ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
	rm -rf "$wt"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" base || die "cannot create $wt"
fi
mkdir -p "$logs"

# warnings REV NAME: build the docs of REV, list its warnings in NAME.txt.
warnings() {
	git -C "$wt" checkout -q --detach -f "$1"
	make -C "$wt" O="$base_dir/obj-docs" SPHINXDIRS="$dirs" htmldocs >"$logs/$2.log" 2>&1 ||
		{ echo "FAIL htmldocs: 'make SPHINXDIRS=\"$dirs\" htmldocs' fails at $2: see $logs/$2.log"; exit 1; }
	grep -E 'WARNING|ERROR' "$logs/$2.log" | sed -E -e "s|$wt/||g" -e 's/:[0-9]+:/:/' | sort -u > "$logs/$2.txt"
}

warnings base base
warnings "$tip" tip
new=$(comm -13 "$logs/base.txt" "$logs/tip.txt")
if [ -n "$new" ]; then
	echo "FAIL htmldocs (SPHINXDIRS=$dirs): new warnings at the tip:"
	echo "$new" | sed 's/^/    /'
	exit 1
fi
echo "PASS htmldocs (SPHINXDIRS=$dirs) builds at the tip with no new warning ($(wc -l < "$logs/base.txt") on the base too)"
