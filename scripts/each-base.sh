#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# each-base.sh [--series] COMMAND...: run COMMAND with BASE set, for the base
# that BASE names or, without BASE, for every base of bases/ (with --series:
# every base whose series/BASE/ has patches). Stops at the first failure.

set -eu
. "$(dirname "$0")/lib.sh"

only_series=
[ "${1:-}" = --series ] && { only_series=1; shift; }
[ $# -gt 0 ] || die "usage: each-base.sh [--series] COMMAND..."
for b in ${BASE:-$(all_bases)}; do
	if [ -n "$only_series" ] && [ -z "$(series_patches "$b")" ]; then
		[ -z "${BASE:-}" ] || die "series/$b has no patches"
		continue
	fi
	echo "== $b"
	BASE=$b "$@"
done
