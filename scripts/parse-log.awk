#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0
#
# Turn the serial log of one or more boots of a test guest into one line per
# test result:
#   NAME RESULT [DETAIL]
# RESULT is pass, fail, skip or crash; DETAIL is what the runner said of a
# failure (exit=N, TIMEOUT), the reason of a skip, or why a test crashed. A
# test that ran more than once (a flaky test run again) has a line per run.
# Kernel reports (WARNING, BUG, Oops, lockdep, KASAN, panic) are charged to
# the test or case that was running, as
#   NAME kernel TEXT
# and to "boot" outside any test. A boot that was already tainted with
# TAINT_WARN (bit 9) before its first test is reported as "boot kernel".
# A case whose taint went from clean to TAINT_WARN is charged a report too;
# once TAINT_WARN is set (it stays set for the rest of the boot), the
# WARNING lines alone tell which case WARNed.
# The guest prints the KNR: lines (guest/init); the KTAP lines come from
# run_kselftest.sh and the kselftest harness; scripts/run-guest.sh adds the
# "KNR: error:" line of a guest that it killed.

function report(what) {
	print (cur == "" ? "boot" : cur) " kernel " what
}
function taint_warn(v) { return int(v / 512) % 2 }
# The guest stopped in the middle of a boot: charge it to what was running.
function crash(why) {
	print (cur == "" ? "guest" : cur) " crash " why
	cur = ""
	inboot = 0
}

BEGIN { cur = ""; inboot = 0 }

{ sub(/\r$/, "") }

/KNR: boot tainted=/ {
	if (inboot) crash("guest did not finish (no 'KNR: done' line)")
	inboot = 1
	split($0, a, "tainted="); split(a[2], b, " ")
	if (taint_warn(b[1])) report("TAINT_WARN set before any test ran (tainted=" b[1] ")")
	next
}

# run_kselftest.sh: "# selftests: kvm: NAME" starts a test, "ok N selftests: kvm: NAME" ends it.
/^# selftests: [^ ]+: / { cur = $3 ":" $4; sub(/::/, ":", cur); next }
/^(not )?ok [0-9]+ selftests: / {
	name = $0; sub(/^(not )?ok [0-9]+ selftests: /, "", name); sub(/ #.*/, "", name)
	sub(/: /, ":", name)
	detail = ""
	if (index($0, " # ")) { detail = $0; sub(/^[^#]* # /, "", detail); gsub(/ /, "_", detail) }
	if (/^ok/) res = (detail ~ /^SKIP/) ? "skip" : "pass"
	else res = "fail"
	print name " " res (detail != "" && res == "fail" ? " " detail : "")
	cur = ""
	next
}

# guest/init, a case: "KNR: case T:C begin tainted=X" ... "KNR: case T:C end rc=R tainted=Y"
/KNR: case [^ ]+ begin/ {
	split($0, a, "KNR: case "); split(a[2], b, " "); cur = b[1]
	ctaint = $NF; sub(/.*=/, "", ctaint); cskip = ""
	next
}
# The kselftest harness reports a SKIP() on the test's KTAP line, exit code 0.
cur != "" && /^ok [0-9]+ .* # SKIP/ { cskip = $0; sub(/.* # SKIP */, "", cskip); if (cskip == "") cskip = "-" }
/KNR: case [^ ]+ end/ {
	split($0, a, "KNR: case "); split(a[2], b, " ")
	rc = b[3]; sub(/rc=/, "", rc); t = b[4]; sub(/tainted=/, "", t)
	if (taint_warn(t) && !taint_warn(ctaint)) report("TAINT_WARN set while the case ran (tainted=" t ")")
	res = (rc == 0) ? (cskip != "" ? "skip" : "pass") : (rc == 4) ? "skip" : "fail"
	print b[1] " " res (res == "fail" ? " rc=" rc : "") (res == "skip" && cskip != "" ? " " cskip : "")
	cur = ""
	next
}
# The skip reason of a case that exits with KSFT_SKIP: "1..0 # SKIP reason" or "# SKIP reason".
cur != "" && /^(1\.\.0 )?# SKIP / { cskip = $0; sub(/.*# SKIP */, "", cskip) }

# An error the guest reports, or the host's "guest killed after ..." that
# ends the boot.
/KNR: error:/ {
	sub(/^.*KNR: error: /, "")
	if (/^guest killed/) crash($0)
	else print (cur == "" ? "guest" : cur) " crash " $0
	next
}
/KNR: done tainted=/ { inboot = 0; cur = "" }

!/^#/ && /WARNING: |BUG: |kernel BUG at|Oops: |Kernel panic|KASAN: |UBSAN: |possible circular locking|possible recursive locking|inconsistent lock state|general protection fault|WARNING: suspicious RCU/ {
	report($0)
}

END {
	# A guest that never said "done" crashed or hung in what was running.
	if (inboot) crash("guest did not finish (no 'KNR: done' line)")
}
