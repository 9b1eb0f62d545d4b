#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# quilt.sh: write out/quilt/ (patches/ and patches/series, the layout that
# distribution kernel packaging such as Debian's debian/patches takes), then
# prove it: extract the pinned base afresh and 'quilt push -a' onto it.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

dest=$out/quilt
command -v quilt >/dev/null || die "quilt is not installed (apt-get install quilt)"
git -C "$src" rev-parse -q --verify base >/dev/null || die "no base tree: run 'make fetch'"

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/patches"
for p in $(series_patches "$base_name"); do
	cp "$p" "$dest.tmp/patches/"
	basename "$p" >> "$dest.tmp/patches/series"
done
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "quilt: $(wc -l < "$dest/patches/series") patches in $dest/patches"

# A fresh extraction of the base, not the harness's git tree.
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
git -C "$src" archive base | tar -x -C "$tree"
ln -s "$dest/patches" "$tree/patches"
if ! (cd "$tree" && QUILT_PATCHES=patches quilt push -a -q) > "$out/quilt-push.log" 2>&1; then
	tail -5 "$out/quilt-push.log" >&2
	die "quilt push -a failed on a fresh $PKG $VERSION: see $out/quilt-push.log"
fi
! grep -i 'fuzz\|offset' "$out/quilt-push.log" ||
	die "quilt push -a needed fuzz or offsets: refresh series/$base_name"
echo "quilt push -a: $(grep -c '^Applying patch' "$out/quilt-push.log") patches applied to a fresh $PKG $VERSION"
