#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# series.sh apply   git am series/$BASE/*.patch onto the base in the harness's
#                   work tree; the result is ref refs/knr/patched of the base
#                   tree. Nothing else changes if a patch does not apply.
# series.sh tree    the same onto branch "series" of $cache/$BASE/src, for a
#                   developer to edit with ordinary git (refuses to overwrite
#                   commits that were not exported).
# series.sh export  write branch "series" back into series/$BASE/.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

dir=$top/series/$base_name
wt=$base_dir/wt
[ -d "$src/.git" ] || die "no base tree in $src: run 'make fetch' first"

patches() {
	series_patches "$base_name"
}

# am_onto DIR: apply the series in git work tree DIR, which is at the base.
am_onto() {
	local d=$1 p
	for p in $(patches); do
		if ! git -C "$d" am -q --keep-cr "$p" >/dev/null 2>&1; then
			git -C "$d" am --abort >/dev/null 2>&1 || true
			die "$(basename "$p") does not apply to $PKG $VERSION"
		fi
	done
}

ident=(-c user.name="kvm-nested-run harness" -c user.email="harness@kvm-nested-run.invalid")

apply() {
	local head
	if [ ! -d "$wt" ] || ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$wt"
		git -C "$src" worktree prune
		git -C "$src" worktree add -q --detach "$wt" base
	fi
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	git -C "$wt" checkout -q --detach -f base
	git -C "$wt" clean -q -fdx
	GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" am_onto "$wt"
	head=$(git -C "$wt" rev-parse HEAD)
	git -C "$src" update-ref refs/knr/patched "$head"
	echo "series: $(patches | wc -l) patches applied, refs/knr/patched = $(git -C "$src" rev-parse --short refs/knr/patched)"
}

tree() {
	local cur
	if git -C "$src" rev-parse -q --verify refs/heads/series >/dev/null; then
		cur=$(git -C "$src" rev-parse series)
		if [ -z "${FORCE:-}" ] && [ -n "$(git -C "$src" status --porcelain)" ]; then
			die "$src has uncommitted changes; commit or stash them (or FORCE=1)"
		fi
		if [ -z "${FORCE:-}" ] && [ "$(git -C "$src" rev-parse refs/knr/exported 2>/dev/null)" != "$cur" ]; then
			die "branch 'series' has commits that were not exported: run 'make export' first (or FORCE=1)"
		fi
	fi
	git -C "$src" checkout -q -f -B series base
	am_onto "$src"
	git -C "$src" update-ref refs/knr/exported "$(git -C "$src" rev-parse HEAD)"
	echo "tree: $src, branch series ($(patches | wc -l) patches on tag base)"
	echo "edit with git (commit --amend, rebase -i base), then 'make export'"
}

export_series() {
	local tmp
	git -C "$src" rev-parse -q --verify refs/heads/series >/dev/null || die "no branch 'series' in $src: run 'make tree'"
	[ -z "$(git -C "$src" status --porcelain)" ] || die "$src has uncommitted changes: commit them first"
	tmp=$(mktemp -d)
	git -C "$src" -c core.abbrev=12 format-patch -q --no-signature --zero-commit \
		--no-numbered --output-directory "$tmp" base..series
	mkdir -p "$dir"
	find "$dir" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' -delete
	cp "$tmp"/*.patch "$dir/"
	rm -rf "$tmp"
	git -C "$src" update-ref refs/knr/exported "$(git -C "$src" rev-parse series)"
	echo "export: $(patches | wc -l) patches in series/$base_name"
}

case "${1:-}" in
apply) apply ;;
tree) tree ;;
export) export_series ;;
*) die "usage: series.sh apply|tree|export" ;;
esac
