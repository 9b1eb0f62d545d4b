#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-initramfs.sh: pack the guest's initramfs from busybox-static, the
# installed KVM selftests, the base's test lists (tests/lists/$BASE-*), its
# series' cases (tests/cases/$BASE), the flaky tests of its baselines and
# guest/init into $cache/$BASE/initramfs.cpio.gz.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

sel=$base_dir/selftests
dest=$base_dir/initramfs.cpio.gz
[ -f "$sel/kselftest-list.txt" ] || die "no installed selftests in $sel: run scripts/build-selftests.sh"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	die "/bin/busybox is not busybox-static (apt-get install busybox-static)"

root=$(mktemp -d "$base_dir/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,proc,sys,dev,tmp,lists,lib64,lib/x86_64-linux-gnu}
cp /bin/busybox "$root/bin/"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
# run_kselftest.sh needs coreutils' timeout (--foreground) and bash-free sh.
rm -f "$root/bin/timeout"
cp /usr/bin/timeout "$root/usr/bin/timeout"
ln -s ../usr/bin/timeout "$root/bin/timeout"
# Scripted tests (nx_huge_pages_test.sh) want bash.
cp /bin/bash "$root/usr/bin/bash"
ln -sf ../usr/bin/bash "$root/bin/bash"
cp -a "$sel" "$root/kselftest"
# Without their debug information the tests are a fifth of their size, and
# the initramfs loads and unpacks in a fraction of the time under Bochs.
find "$root/kselftest" -type f -perm -u+x -exec sh -c 'file -b "$1" | grep -q ^ELF && strip --strip-debug "$1"' sh {} \;
for l in "$top"/tests/lists/"$base_name"-*; do
	[ -f "$l" ] && cp "$l" "$root/lists/"
done
# The tests that the guest runs again when they fail (see guest/init).
for b in "$top"/tests/baseline/"$base_name"-*; do
	[ -f "$b" ] && awk '$2 == "flaky" { print $1 }' "$b" > "$root/lists/${b##*/$base_name-}.flaky"
done
if [ -f "$top/tests/cases/$base_name" ]; then
	cp "$top/tests/cases/$base_name" "$root/cases"
else
	: > "$root/cases"
fi
cp "$top/guest/init" "$root/init"
chmod +x "$root/init"

# The libraries of the selftests, timeout and bash, and libgcc_s, which
# glibc loads at run time for pthread_cancel() (tests that cancel their
# vCPU threads abort without it).
libs=$(for f in "$root/usr/bin/timeout" "$root/usr/bin/bash" $(find "$root/kselftest" -type f -perm -u+x); do
	file -L "$f" | grep -q 'dynamically linked' && ldd "$f" 2>/dev/null
done | grep -o '/[^ ]*' | sort -u)
libs="$libs $(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ { print $NF; exit }')"
for l in $libs; do
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$dest.tmp"
mv "$dest.tmp" "$dest"
echo "initramfs: $dest ($(du -h "$dest" | cut -f1))"
