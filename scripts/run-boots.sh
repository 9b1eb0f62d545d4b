#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-boots.sh EMU KERNEL LOG WHAT...: run WHAT (see run-guest.sh) in as few
# boots of KERNEL as it takes: one, unless the guest dies or hangs. Then what
# was running fails by name (scripts/parse-log.awk reads it from the log) and
# a fresh boot runs what came after it: the next case after a case, the
# cases after the stock list. LOG gets the serial logs of all boots, in order.
#
# run-boots.sh --after EMU LOG WHAT...: what a boot that ran WHAT and ended
# as LOG shows leaves for the next boot, one item a line (the harness's own
# tests use it). KNR_CASES overrides the list of cases, tests/cases/$BASE.

set -u
. "$(dirname "$0")/lib.sh"
[ "${1:-}" = --after ] || load_base
cases=${KNR_CASES:-$top/tests/cases/$base_name}

# The series' cases for EMU, in the order the guest runs them.
case_names() {
	[ -f "$cases" ] && awk -v e="$emu" '!/^#/ && NF >= 3 { for (i = 3; i <= NF; i++) if ($i == e) print $1 }' "$cases"
}

# after LOG WHAT...: what of WHAT a boot that ended early in LOG did not get
# to, i.e. what comes after the item that was running; nothing if the boot
# finished or died before its first item.
after() {
	local l=$1 last k
	shift
	tr -d '\r' < "$l" | grep -q 'KNR: done tainted=' && return 0
	last=$(tr -d '\r' < "$l" | grep -a -o -E 'KNR: (list [^ ]+|case [^ ]+) begin' | tail -1)
	case "$last" in
	"KNR: list "*)
		printf '%s\n' "$@" | grep -v '^stock=' ;;
	"KNR: case nested_run_stress:"*)
		;;
	"KNR: case "*)
		last=${last#KNR: case }
		last=${last% begin}
		k=$(case_names | grep -n -x -F "$last" | head -1 | cut -d: -f1)
		for w in "$@"; do
			case "$w" in
			cases=*) [ -n "$k" ] && [ "$k" -lt "$(case_names | wc -l)" ] && echo "cases=$k" ;;
			stress=*|kut=*) echo "$w" ;;
			esac
		done ;;
	esac
}

if [ "${1:-}" = --after ]; then
	emu=${2:?usage: run-boots.sh --after EMU LOG WHAT...}
	after "${3:?}" "${@:4}"
	exit 0
fi
emu=${1:?usage: run-boots.sh EMU KERNEL LOG WHAT...}
kernel=${2:?}
log=${3:?}
shift 3
mkdir -p "$(dirname "$log")"
: > "$log"
n=0 rc=0
what=("$@")
while [ ${#what[@]} -gt 0 ]; do
	n=$((n + 1))
	"$top/scripts/run-guest.sh" "$emu" "$kernel" "$log.$n" "${what[@]}" || rc=$?
	cat "$log.$n" >> "$log"
	mapfile -t what < <(after "$log.$n" "${what[@]}")
	rm -f "$log.$n"
	[ ${#what[@]} -eq 0 ] || echo "  $emu $kernel: the guest died; boot $((n + 1)) runs: ${what[*]}" >&2
done
exit $rc
