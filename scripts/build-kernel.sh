#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh REV NAME: build the test kernel of commit REV of the base
# tree into $cache/$BASE/kernels/NAME/bzImage, and its modules (KVM) into
# $cache/$BASE/kernels/NAME/modules.cpio.gz, an initramfs of their own that
# scripts/run-guest.sh appends to the tests' (guest/init loads them).
# build-kernel.sh --tree DIR NAME: the same from the source tree DIR, in an
# output directory of its own ($cache/$BASE/obj-NAME); 'make drift' uses it.
#
# One work tree ($cache/$BASE/wt) and one output directory ($cache/$BASE/obj)
# serve every revision, so going from the base to the patched tree rebuilds
# only what the series touches. A kernel already built from the same tree and
# config is reused. The config is tinyconfig plus configs/test-vm.config.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

usage="usage: build-kernel.sh REV NAME | --tree DIR NAME"
frag=$top/configs/test-vm.config
if [ "${1:-}" = --tree ]; then
	wt=${2:?$usage}
	name=${3:?$usage}
	obj=$base_dir/obj-$name
	key=
else
	rev=${1:?$usage}
	name=${2:?$usage}
	wt=$base_dir/wt
	obj=$base_dir/obj
	[ -d "$src/.git" ] || die "no base tree in $src: run scripts/fetch-base.sh first"
	commit=$(git -C "$src" rev-parse -q --verify "$rev^{commit}") || die "no revision $rev in $src"
	key="$(git -C "$src" rev-parse "$commit^{tree}") $(sha256sum < "$frag" | cut -c1-16)"
fi
dest=$base_dir/kernels/$name

if [ -n "$key" ] && [ -f "$dest/bzImage" ] && [ -f "$dest/modules.cpio.gz" ] &&
   [ "$(cat "$dest/key" 2>/dev/null)" = "$key" ]; then
	echo "kernel $name: up to date ($dest/bzImage)"
	exit 0
fi

if [ -n "$key" ]; then
	if [ ! -d "$wt" ] || ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$wt"
		git -C "$src" worktree prune
		git -C "$src" worktree add -q --detach "$wt" "$commit"
	fi
	git -C "$wt" checkout -q --detach -f "$commit"
	git -C "$wt" clean -q -fdx
fi

mkdir -p "$obj"
# One build at a time in an output directory.
exec 9>"$obj.lock"
flock -n 9 || die "another build is using $obj"
if [ "$(cat "$obj/.knr-frag" 2>/dev/null)" != "$(sha256sum < "$frag")" ]; then
	rm -f "$obj/.config"
	make -s -C "$wt" O="$obj" tinyconfig >/dev/null
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >"$obj/merge.log"
	make -s -C "$wt" O="$obj" olddefconfig
	# Every line of the fragment must have survived, but for the symbols
	# that the base's Kconfig does not have (CONFIG_ABSENT in bases/):
	# a symbol that kconfig dropped would silently make the test kernel
	# useless.
	lost=$(grep '^CONFIG_' "$frag" | grep -vxF -f "$obj/.config" | while IFS='=' read -r sym val; do
		config_absent "${sym#CONFIG_}" || echo "$sym=$val"
	done)
	[ -z "$lost" ] || die "config: $(echo $lost) did not survive olddefconfig"
	sha256sum < "$frag" > "$obj/.knr-frag"
fi

log=$obj/build.log
if [ -n "$key" ]; then
	echo "building $name ($(git -C "$wt" log -1 --format='%h %s' | cut -c1-60)); log: $log"
else
	echo "building $name ($wt); log: $log"
fi
use_ccache
# shellcheck disable=SC2046
if ! make -C "$wt" O="$obj" $(make_jobs) bzImage modules >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -20 >&2
	die "kernel $name does not build: see $log"
fi
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp/root/lib/modules/knr"
cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$dest.tmp/"
# The modules of this build (modules.order; the output directory may hold
# others from earlier builds), without their debug information.
sed 's/\.o$/.ko/' "$obj/modules.order" | while read -r m; do
	strip --strip-debug -o "$dest.tmp/root/lib/modules/knr/$(basename "$m")" "$obj/$m"
done
[ -n "$(ls "$dest.tmp/root/lib/modules/knr")" ] || die "kernel $name: no modules in $obj/modules.order"
(cd "$dest.tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$dest.tmp/modules.cpio.gz"
rm -rf "$dest.tmp/root"
echo "$key" > "$dest.tmp/key"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "kernel $name: $dest/bzImage"
