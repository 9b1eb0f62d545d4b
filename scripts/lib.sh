# SPDX-License-Identifier: GPL-2.0
# Common helpers for the harness scripts. Sourced, never run.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${KNR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-nested-run}
base_name=${BASE:-}

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

# all_bases: the names of the bases the harness knows (bases/*), oldest first.
all_bases() {
	(cd "$top/bases" && ls) | sort -V
}

# series_patches BASE: the patches of series/BASE/, in order, cover letter
# excluded; nothing for an empty series.
series_patches() {
	find "$top/series/$1" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' 2>/dev/null | sort
}

# config_absent SYM: whether the base's Kconfig lacks CONFIG_SYM
# (CONFIG_ABSENT in bases/).
config_absent() {
	case " $CONFIG_ABSENT " in *" $1 "*) return 0 ;; esac
	return 1
}

# load_base: read bases/$base_name into PKG, VERSION, SHA256, SUITE and the
# optional DRIFT_SUITES, CONFIG_ABSENT and MAIL_PREFIX.
load_base() {
	local f=$top/bases/$base_name
	[ -n "$base_name" ] || die "say which base: BASE=$(all_bases | paste -sd'|')"
	[ -f "$f" ] || die "no base '$base_name': bases/ has $(all_bases | paste -sd' ')"
	PKG= VERSION= SHA256= SUITE= DRIFT_SUITES= CONFIG_ABSENT= MAIL_PREFIX=
	# shellcheck disable=SC1090
	. "$f"
	[ -n "$PKG" ] && [ -n "$VERSION" ] && [ -n "$SHA256" ] && [ -n "$SUITE" ] ||
		die "$f must set PKG, VERSION, SHA256 and SUITE"
	base_dir=$cache/$base_name
	src=$base_dir/src
	out=${KNR_OUT:-$top/out}/$base_name
}

# apt_setup SUITE...: fill the array "apt" with the options of a private apt
# configuration that reaches SUITE... of the archive this machine's own apt
# sources name (the "-security" suites live in the security archive), and
# update its package lists. The machine's apt configuration is not touched.
apt_setup() {
	local aptdir=$cache/apt uri suite main sec name
	main=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$main" ] || main=$(awk '/^deb / && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	sec=$(awk '/^URIs:/ && $2 ~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$sec" ] || sec=$(awk '/^deb / && $2 ~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$main" ] || die "cannot find the Debian archive in the machine's apt configuration"
	name=$(echo "$@" | tr ' ' '+')
	mkdir -p "$aptdir/$name/lists/partial" "$aptdir/$name/archives/partial"
	for suite in "$@"; do
		case "$suite" in
		*-security) uri=$sec ;;
		*) uri=$main ;;
		esac
		[ -n "$uri" ] || die "no security archive in the machine's apt configuration for $suite"
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' \
			"$uri" "$suite"
	done > "$aptdir/$name/sources"
	apt=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null
	     -o "Dir::Etc::sourcelist=$aptdir/$name/sources"
	     -o "Dir::State::Lists=$aptdir/$name/lists" -o "Dir::Cache=$aptdir/$name"
	     -o Debug::NoLocking=1)
	apt_log=$aptdir/$name/update.log
	apt-get "${apt[@]}" -q update >"$apt_log" 2>&1 || die "apt-get update of $* failed: see $apt_log"
}

# make_jobs: the -j option for a make that this script runs: none when it
# runs under the harness's own make, whose job server it then shares.
make_jobs() {
	case " ${MAKEFLAGS:-} " in
	*jobserver*) ;;
	*) echo "-j${JOBS:-$(nproc)}" ;;
	esac
}

# use_ccache: compile through ccache (Debian's package puts a gcc that is
# ccache in /usr/lib/ccache), with its cache under the harness's cache. The
# compiler's name stays "gcc", so builds made before or without ccache are
# not invalidated.
use_ccache() {
	[ -x /usr/lib/ccache/gcc ] || return 0
	export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
}
