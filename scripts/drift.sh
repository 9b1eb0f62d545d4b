#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# drift.sh: 'make drift', for a distribution maintainer about to rebase.
# For each base with a series (or the one BASE names), find the newest
# linux-source-BASE that Debian's archive has now in the suites the base
# lists (DRIFT_SUITES in bases/BASE), fetch it, apply the series with quilt
# to a fresh extraction and build the patched test kernel, and report one
# line per base:
#   BASE: PKG NEWEST (pinned: VERSION): applies cleanly | applies with
#         offsets (which patches) | does not apply (which patch); builds |
#         does not build (log)
# The archive moves, so this is not part of 'make check', and it changes
# nothing in the repository. Packages and builds are cached under
# $cache/BASE/drift/.

set -u
. "$(dirname "$0")/lib.sh"

# newest: the highest version of $PKG in the suites of $DRIFT_SUITES, in
# Debian's order of versions.
newest() {
	local v best=
	for v in $(apt-cache "${apt[@]}" madison "$PKG" 2>/dev/null | awk '{ print $3 }' | sort -u); do
		[ -z "$best" ] || dpkg --compare-versions "$v" gt "$best" || continue
		best=$v
	done
	echo "$best"
}

drift() {
	local v dir deb tree rc=0 offsets failed applied
	apt_setup ${DRIFT_SUITES:-$SUITE}
	v=$(newest)
	[ -n "$v" ] || { echo "$base_name: $PKG: not in ${DRIFT_SUITES:-$SUITE}"; return 1; }
	dir=$base_dir/drift/$v
	mkdir -p "$dir"
	deb=$(ls "$dir"/*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$dir" && apt-get "${apt[@]}" -q download "$PKG=$v") >"$dir/download.log" 2>&1 ||
			{ echo "$base_name: $PKG $v: download failed ($dir/download.log)"; return 1; }
		deb=$(ls "$dir"/*.deb | head -1)
	fi
	tree=$dir/src
	rm -rf "$tree"
	mkdir -p "$tree"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards '*/linux-source-*.tar.xz' | tar -xJ -C "$tree" ||
		{ echo "$base_name: $PKG $v: no kernel tarball in $deb"; return 1; }
	tree=$(echo "$tree"/linux-source-*)
	mkdir -p "$tree/patches"
	for p in $(series_patches "$base_name"); do
		cp "$p" "$tree/patches/"
		basename "$p" >> "$tree/patches/series"
	done
	(cd "$tree" && QUILT_PATCHES=patches quilt push -a) > "$dir/quilt-push.log" 2>&1 || rc=1
	applied=$(grep -c '^Applying patch' "$dir/quilt-push.log")
	offsets=$(awk '/^Applying patch/ { p = $3 } /offset|fuzz/ { print p }' "$dir/quilt-push.log" | sort -u | paste -sd' ')
	failed=$(awk '/^Applying patch/ { p = $3 } /does not apply|FAILED/ { print p; exit }' "$dir/quilt-push.log")
	printf '%s: %s %s (pinned: %s): ' "$base_name" "$PKG" "$v" "$VERSION"
	if [ $rc -ne 0 ]; then
		echo "does not apply: ${failed:-?} ($dir/quilt-push.log)"
		return 1
	elif [ -n "$offsets" ]; then
		printf 'applies with offsets or fuzz (%s; %s)' "$offsets" "$dir/quilt-push.log"
	else
		printf 'applies cleanly (%d patches)' "$applied"
	fi
	if "$top/scripts/build-kernel.sh" --tree "$tree" "drift-$v" > "$dir/build.log" 2>&1; then
		echo "; the patched test kernel builds"
	else
		echo "; the patched test kernel does not build ($dir/build.log)"
		rc=1
	fi
	rm -rf "$dir/src"
	return $rc
}

rc=0
for b in ${BASE:-$(all_bases)}; do
	base_name=$b
	load_base
	if [ -z "$(series_patches "$b")" ]; then
		[ -z "${BASE:-}" ] || die "series/$b has no patches"
		continue
	fi
	drift || rc=1
done
exit $rc
