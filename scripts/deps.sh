#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [qemu-svm] [bochs-vmx] [mail]: install the Debian packages the
# harness needs, or say exactly what to install when not root.

set -eu
. "$(dirname "$0")/lib.sh"

# Building the kernel and the selftests (whose install target uses rsync),
# importing, checking the series. git send-email needs Mail::Address
# (libmailtools-perl), which git-email only recommends. ccache speeds up the
# kernel builds; python3-sphinx builds the documentation the series changes.
pkgs="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils git
	perl python3 python3-ply python3-git sparse busybox-static file quilt
	git-email libmailtools-perl rsync ccache python3-sphinx"
for what in "$@"; do
	case "$what" in
	qemu-svm) pkgs="$pkgs qemu-system-x86" ;;
	bochs-vmx) pkgs="$pkgs bochs bochs-term bochsbios vgabios syslinux
		syslinux-common mtools dosfstools fdisk" ;;
	*) die "deps.sh: unknown part '$what'" ;;
	esac
done

missing=$(for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
done | paste -sd' ')
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	die "missing Debian packages; run: sudo apt-get install -y $missing"
fi
echo "installing: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get -q install -y --no-install-recommends $missing >"${TMPDIR:-/tmp}/knr-apt.log" 2>&1 ||
	die "apt-get install failed: see ${TMPDIR:-/tmp}/knr-apt.log"
