# SPDX-License-Identifier: GPL-2.0
# Common helpers for the harness scripts. Sourced, never run.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${KNR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-nested-run}
base_name=${BASE:-6.12}
out=${KNR_OUT:-$top/out}

die() {
	echo "error: $*" >&2
	exit 1
}

# step NAME CMD...: run CMD, saying when it starts and how long it took.
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "==> $name"
	"$@"
	rc=$?
	echo "<== $name: $(($(date +%s) - t0)) s$([ $rc -eq 0 ] || echo ", FAILED (exit $rc)")"
	return $rc
}

# load_base: read bases/$base_name into PKG, VERSION, SHA256, SUITE.
load_base() {
	local f=$top/bases/$base_name
	[ -f "$f" ] || die "no base description $f"
	# shellcheck disable=SC1090
	. "$f"
	[ -n "${PKG:-}" ] && [ -n "${VERSION:-}" ] && [ -n "${SHA256:-}" ] && [ -n "${SUITE:-}" ] ||
		die "$f must set PKG, VERSION, SHA256 and SUITE"
	base_dir=$cache/$base_name
	src=$base_dir/src
}
