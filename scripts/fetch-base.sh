#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's kernel source package named in bases/$BASE through a private
# apt configuration (the machine's apt sources are never touched), verify its
# checksum and import the tree as a git repository with one base commit:
#
#   $cache/$BASE/linux-source.deb   the verified package
#   $cache/$BASE/src                git tree, tag "base"
#
# Idempotent: a verified package and an imported tree are reused.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

mkdir -p "$base_dir"
deb=$base_dir/linux-source.deb

fetch_deb() {
	local tmp avail

	[ -f "$deb" ] && echo "$SHA256  $deb" | sha256sum -c --quiet - 2>/dev/null && return 0
	rm -f "$deb"

	apt_setup "$SUITE"
	avail=$(apt-cache "${apt[@]}" madison "$PKG" 2>/dev/null | awk '{ print $3 }' | paste -sd' ')
	case " $avail " in
	*" $VERSION "*) ;;
	*) die "$PKG $VERSION is not in Debian $SUITE (it has: ${avail:-no $PKG at all}); update bases/$base_name" ;;
	esac

	tmp=$(mktemp -d "$base_dir/dl.XXXXXX")
	(cd "$tmp" && apt-get "${apt[@]}" -q download "$PKG=$VERSION") >"$tmp.log" 2>&1 ||
		{ rm -rf "$tmp"; die "download of $PKG $VERSION failed: see $tmp.log"; }
	rm -f "$tmp.log"
	if [ "$SHA256" = unknown ]; then
		echo "SHA256 of the downloaded package (pin it in bases/$base_name):"
		sha256sum "$tmp"/*.deb
		rm -rf "$tmp"
		exit 1
	fi
	if ! echo "$SHA256  $(echo "$tmp"/*.deb)" | sha256sum -c --quiet - 2>/dev/null; then
		echo "error: checksum mismatch for $PKG $VERSION: expected $SHA256, got $(sha256sum "$tmp"/*.deb | cut -d' ' -f1)" >&2
		rm -rf "$tmp"
		exit 1
	fi
	mv "$tmp"/*.deb "$deb"
	rm -rf "$tmp"
}

import_tree() {
	local tmp tarball

	if [ -d "$src/.git" ] && git -C "$src" rev-parse -q --verify base >/dev/null &&
	   [ "$(git -C "$src" config knr.deb-sha256)" = "$SHA256" ]; then
		return 0
	fi
	rm -rf "$src"
	tmp=$(mktemp -d "$base_dir/import.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-*.tar.xz' ||
		{ rm -rf "$tmp"; die "$deb holds no kernel tarball"; }
	tarball=$(find "$tmp" -name 'linux-source-*.tar.xz' | head -n 1)
	tar -x -C "$tmp" -f "$tarball"
	rm -rf "$tmp/usr"
	mv "$tmp"/linux-source-* "$tmp/src"

	# Debian's packaging appends "ignore everything at the top level, but
	# debian/" to .gitignore; drop it so that new files are seen by git.
	# The kernel's own rules above it stay.
	sed -i -e '/^\/\*$/d' -e '/^!\/debian\/$/d' "$tmp/src/.gitignore"

	(
		cd "$tmp/src"
		git init -q -b base-import
		git config knr.deb-sha256 "$SHA256"
		git config user.name "kvm-nested-run harness"
		git config user.email "harness@kvm-nested-run.invalid"
		git config core.abbrev 12
		git add -A
		GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
			git commit -q -m "Linux ${VERSION%-*} from Debian's $PKG $VERSION" \
			-m "Imported by the kvm-nested-run harness; .gitignore lost Debian's two packaging lines."
		git tag base
	) || { rm -rf "$tmp"; die "git import of the base failed"; }
	mv "$tmp/src" "$src"
	rm -rf "$tmp"
}

step "fetch $PKG $VERSION" fetch_deb
step "import base tree into $src" import_tree
