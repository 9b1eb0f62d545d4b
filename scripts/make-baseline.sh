#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make-baseline.sh LOG BASELINE LIST [NOT_BUILT]: write the results of the stock
# selftests in LOG (a run on the unpatched base) to BASELINE, one test a
# line, keeping the reasons ("# ...") that BASELINE already gives for
# tests that do not pass. A non-passing test without a reason gets
# "# REASON?" for a person to fill in. A test that BASELINE marks "flaky"
# stays flaky, with the pass rate of its runs in LOG ("flaky 1/2": the
# guest runs a failed flaky test again, up to three times). NOT_BUILT (the
# selftests' not-built.txt) names the tests that the base's selftests do
# not build as shipped, with the compiler's complaint.

set -eu
log=$1 baseline=$2 list=$3 not_built=${4:-}
here=$(dirname "$0")
tmp=$(mktemp)
parsed=$(awk -f "$here/parse-log.awk" "$log")

if grep -q ' kernel ' <<<"$parsed"; then
	echo "error: the base kernel reported problems in $log; not writing a baseline:" >&2
	grep ' kernel ' <<<"$parsed" >&2
	exit 1
fi
{
	echo "# Stock KVM selftests on the unpatched base, from 'make baseline' ($(basename "$log")),"
	echo "# list $list. Format: TEST RESULT [DETAIL]  # why it does not pass"
	if [ -s "$not_built" ]; then
		echo "# Not built, as shipped (so never run here):"
		sed 's/^/#   /' "$not_built"
	fi
	awk '$2 != "kernel" && $2 != "crash" && !seen[$1]++' <<<"$parsed" | while read -r name res detail; do
		reason=$(grep -m1 "^$name[[:space:]]" "$baseline" 2>/dev/null | grep -o '#.*' || true)
		if grep -q -E "^$name[[:space:]]+flaky" "$baseline" 2>/dev/null; then
			res="flaky $(awk -v n="$name" '$1 == n && ($2 == "pass" || $2 == "fail") { r++; if ($2 == "pass") p++ }
				END { printf "%d/%d", p, r }' <<<"$parsed")"
			detail=
		fi
		{ [ "$res" = pass ] || [ "$reason" = "# REASON?" ]; } && reason=
		if [ "$res" = skip ] && [ -z "$reason" ]; then
			# The test's own words: "1..0 # SKIP - Requirement not met: ..."
			reason=$(tr -d '\r' < "$log" | awk -v t="${name#kvm:}" '
				$0 == "# selftests: kvm: " t { f = 1; next }
				f && / selftests: kvm: / { exit }
				f && /SKIP/ { sub(/.*SKIP[ -]*/, ""); print "# " $0; exit }')
		fi
		[ "$res" != pass ] && [ -z "$reason" ] && reason="# REASON?"
		printf '%-44s %s\n' "$name" "$res${detail:+ $detail}${reason:+  $reason}"
	done
} > "$tmp"
mv "$tmp" "$baseline"
echo "baseline: $baseline ($(grep -c '^kvm:' "$baseline") tests)"
