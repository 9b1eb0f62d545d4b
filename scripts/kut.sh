#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kut.sh payload: build kvm-unit-tests for x86 and pack what the test guest
# needs to run them in L2 into an initramfs of its own, which
# scripts/run-guest.sh appends for kut=LIST: the .flat files that the lists
# of tests/kut/lists name, the lists, and Debian's qemu-system-x86_64 with
# its libraries and firmware (the guest runs it with -accel kvm on the
# kernel under test). Prints the payload's path. Exits 3, saying why on
# standard error, when no kvm-unit-tests source can be had: the harness
# then reports kvm-unit-tests as a SKIP, never as a pass.
#
# kut.sh lists: check the format of tests/kut/lists/* (each line
# "NAME FLAT QEMU-OPTIONS... | ARGUMENTS...", names unique, and every list
# EMU[-WHAT] a subset of EMU-full: same lines, fewer sub-tests; KUT_LISTS
# names another directory of lists).
#
# The source, by order of preference:
#   KUT_SRC=DIR        a checkout (or an extracted tree) of kvm-unit-tests
#   KUT_SRC=TARBALL    a tarball of one, such as a 'git archive'
#   (neither)          the commit pinned in tests/kut/pin, cloned from its
#                      upstream repository into the cache
# Builds are cached by commit in $cache/kut/COMMIT (a tree that is not a git
# checkout or archive by the hash of its files); a KUT_SRC at another commit
# than the pin is built, with a warning: the baselines are the pin's.

set -eu
. "$(dirname "$0")/lib.sh"

lists=${KUT_LISTS:-$top/tests/kut/lists}
kut_cache=$cache/kut
# Run as "qemu-system-x86_64" in the guest; the firmware it loads for the
# command line of guest/init (-nodefaults, -kernel of a multiboot image).
qemu=/usr/bin/qemu-system-x86_64
firmware="/usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/multiboot_dma.bin"

# list_lines LIST: the test lines of a list, comments and blank lines out.
list_lines() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1" | grep .
}

# check_lists: the lists' format, and each list of an emulator a subset of
# its full set, EMU-full, whose baseline it is judged against.
check_lists() {
	local l full line name flat opts args fline fopts fargs a bad=0
	for l in "$lists"/*; do
		[ -f "$l" ] || continue
		while read -r line; do
			name=$(awk '{ print $1 }' <<<"$line")
			flat=$(awk '{ print $2 }' <<<"$line")
			args=$(echo ${line#*|})
			if ! grep -q '|' <<<"$line" || ! grep -qE '^[A-Za-z0-9_.-]+$' <<<"$name" ||
			   ! grep -qE '^[A-Za-z0-9_-]+\.flat$' <<<"$flat"; then
				echo "error: ${l#$top/}: not NAME FLAT.flat OPTIONS | ARGUMENTS: $line" >&2
				bad=1
			fi
			case "$flat:$args" in
			svm.flat:|svm_npt.flat:|vmx.flat:)
				echo "error: ${l#$top/}: $name: name the sub-tests of $flat (the guest resumes after an abort by name)" >&2
				bad=1 ;;
			esac
		done < <(list_lines "$l")
		[ -z "$(list_lines "$l" | awk '{ print $1 }' | sort | uniq -d)" ] ||
			{ echo "error: ${l#$top/}: a NAME is used twice" >&2; bad=1; }
		case "$l" in *-full) continue ;; esac
		full=$lists/$(basename "$l" | cut -d- -f1-2)-full
		[ -f "$full" ] || { echo "error: ${l#$top/}: no ${full#$top/}" >&2; bad=1; continue; }
		while read -r line; do
			name=$(awk '{ print $1 }' <<<"$line")
			opts=$(echo ${line%%|*})
			args=$(echo ${line#*|})
			fline=$(list_lines "$full" | awk -v n="$name" '$1 == n')
			fopts=$(echo ${fline%%|*})
			fargs=" $(echo ${fline#*|}) "
			if [ -z "$fline" ] || [ "$opts" != "$fopts" ]; then
				echo "error: ${l#$top/}: $name is not in ${full#$top/} with the same flat and options" >&2
				bad=1
				continue
			fi
			for a in $args; do
				case "$fargs" in *" $a "*) ;; *)
					echo "error: ${l#$top/}: $name: $a is not in ${full#$top/}" >&2; bad=1 ;;
				esac
			done
		done < <(list_lines "$l")
	done
	return $bad
}

# source_of: set kind (dir, tarball, pin), commit (the kvm-unit-tests commit,
# or a hash of the files) and from (what to say).
source_of() {
	. "$top/tests/kut/pin"
	[ -n "${KUT_COMMIT:-}" ] && [ -n "${KUT_URL:-}" ] || die "tests/kut/pin must set KUT_COMMIT and KUT_URL"
	if [ -z "${KUT_SRC:-}" ]; then
		kind=pin commit=$KUT_COMMIT from="$KUT_URL at $KUT_COMMIT"
	elif [ -d "$KUT_SRC" ]; then
		[ -f "$KUT_SRC/x86/unittests.cfg" ] || die "KUT_SRC=$KUT_SRC is not a kvm-unit-tests tree (no x86/unittests.cfg)"
		kind=dir
		if commit=$(git -C "$KUT_SRC" rev-parse -q --verify HEAD 2>/dev/null); then
			# Local changes make a build of their own.
			[ -z "$(git -C "$KUT_SRC" status --porcelain --untracked-files=no)" ] ||
				commit=$commit-$(git -C "$KUT_SRC" diff HEAD | sha256sum | cut -c1-12)
		else
			commit=tree-$(cd "$KUT_SRC" && find . -type f ! -path './.git/*' -print0 | sort -z |
				xargs -0 sha256sum | sha256sum | cut -c1-16)
		fi
		from="KUT_SRC=$KUT_SRC ($commit)"
	elif [ -f "$KUT_SRC" ]; then
		kind=tarball
		tar -tf "$KUT_SRC" 2>/dev/null | grep -q '^[^/]*/x86/unittests.cfg$' ||
			die "KUT_SRC=$KUT_SRC is not a tarball of a kvm-unit-tests tree (no TOP/x86/unittests.cfg)"
		# 'git archive' records its commit in the tarball.
		commit=$(tar_stream "$KUT_SRC" | git get-tar-commit-id) || commit=
		[ -n "$commit" ] || commit=tar-$(sha256sum < "$KUT_SRC" | cut -c1-16)
		from="KUT_SRC=$KUT_SRC ($commit)"
	else
		die "KUT_SRC=$KUT_SRC: no such file or directory"
	fi
	case "$commit" in
	"$KUT_COMMIT") ;;
	*) echo "warning: kvm-unit-tests $commit is not the pinned $KUT_COMMIT: tests/kut/baseline is the pin's" >&2 ;;
	esac
}

tar_stream() {
	case "$1" in
	*.xz|*.txz) xz -dc "$1" ;;
	*.gz|*.tgz) gzip -dc "$1" ;;
	*.bz2) bzip2 -dc "$1" ;;
	*.zst) zstd -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# unpack DEST: the source into DEST (a fresh directory). Exits 3 when the
# pinned commit cannot be fetched.
unpack() {
	local dest=$1 git=$kut_cache/git
	case "$kind" in
	dir)
		tar -C "$KUT_SRC" --exclude=.git -cf - . | tar -C "$dest" -xf - ||
			die "cannot copy $KUT_SRC"
		;;
	tarball)
		tar_stream "$KUT_SRC" | tar -C "$dest" --strip-components=1 -xf - ||
			die "cannot extract $KUT_SRC"
		;;
	pin)
		if ! git -C "$git" cat-file -e "$commit^{commit}" 2>/dev/null; then
			rm -rf "$git"
			git init -q --bare "$git"
			echo "cloning kvm-unit-tests $commit from $KUT_URL"
			# A shallow fetch of the commit; a server that refuses
			# to serve a commit by name gets a full fetch.
			if ! { timeout 300 git -C "$git" fetch -q --depth 1 "$KUT_URL" "$commit" ||
			       timeout 600 git -C "$git" fetch -q "$KUT_URL" '+refs/heads/*:refs/heads/*'; } ||
			   ! git -C "$git" cat-file -e "$commit^{commit}" 2>/dev/null; then
				rm -rf "$git"
				echo "no kvm-unit-tests source: cannot fetch $commit from $KUT_URL, and KUT_SRC is not set (a checkout or tarball of it)" >&2
				return 3
			fi
		fi
		git -C "$git" archive "$commit" | tar -C "$dest" -xf -
		;;
	esac
}

# build: kvm-unit-tests for x86_64 in $build (once per commit).
build() {
	local tmp
	if [ -f "$build/.knr-built" ]; then
		return 0
	fi
	rm -rf "$build"
	tmp=$(mktemp -d "$kut_cache/build.XXXXXX")
	unpack "$tmp" || { rm -rf "$tmp"; exit 3; }
	echo "building kvm-unit-tests $commit (x86_64); log: $build/build.log"
	if ! (cd "$tmp" && ./configure --arch=x86_64 && make $(make_jobs)) >"$tmp/build.log" 2>&1; then
		mv "$tmp/build.log" "$kut_cache/build-$commit.log"
		rm -rf "$tmp"
		grep -E 'error|Error' "$kut_cache/build-$commit.log" | head -20 >&2
		die "kvm-unit-tests $commit does not build: see $kut_cache/build-$commit.log"
	fi
	touch "$tmp/.knr-built"
	mv "$tmp" "$build"
}

# pack: the payload, once per build, list set and QEMU package.
pack() {
	local key root flats f l libs
	key=$( { echo "$commit"; dpkg-query -W qemu-system-x86 seabios 2>/dev/null;
		cat "$lists"/* "$0"; } | sha256sum | cut -c1-16)
	payload=$kut_cache/$commit/payload-$key.cpio.gz
	[ -f "$payload" ] && return 0
	for f in $qemu $firmware; do
		[ -f "$f" ] || die "no $f: run 'scripts/deps.sh qemu-svm' (Debian's qemu-system-x86)"
	done
	root=$(mktemp -d "$kut_cache/payload.XXXXXX")
	mkdir -p "$root/kut/x86" "$root/kut/lists"
	cp "$lists"/* "$root/kut/lists/"
	echo "$commit" > "$root/kut/commit"
	flats=$(cat "$lists"/* | sed 's/#.*//' | awk 'NF >= 2 { print $2 }' | sort -u)
	for f in $flats; do
		[ -f "$build/x86/$f" ] || { rm -rf "$root"; die "tests/kut/lists name $f, which kvm-unit-tests $commit does not build"; }
		# The debug information stays on the host (pretty stacks need it).
		strip --strip-debug -o "$root/kut/x86/$f" "$build/x86/$f"
	done
	# The guest's base initramfs has libc and busybox; QEMU brings the rest.
	libs=$(ldd "$qemu" | grep -o '/[^ ]*' | sort -u)
	for f in $qemu $firmware $libs; do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$payload.tmp"
	rm -rf "$root"
	mv "$payload.tmp" "$payload"
	echo "kvm-unit-tests payload: $payload ($(du -h "$payload" | cut -f1))" >&2
}

case "${1:-}" in
payload)
	check_lists || die "fix tests/kut/lists"
	mkdir -p "$kut_cache"
	# One build at a time (the emulator legs of every base ask for it).
	exec 9>"$kut_cache/lock"
	flock 9
	source_of
	build=$kut_cache/$commit/build
	mkdir -p "$kut_cache/$commit"
	build >&2
	pack
	echo "$payload"
	;;
lists)
	check_lists && echo "tests/kut/lists: ok"
	;;
*)
	die "usage: kut.sh payload | lists"
	;;
esac
