#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0
#
# Turn a guest's serial log into one line per test:
#   NAME RESULT [DETAIL]
# RESULT is pass, fail, skip or crash; DETAIL is what the runner said of a
# failure (exit=N, TIMEOUT). Kernel reports (WARNING, BUG, Oops, lockdep,
# KASAN, panic) are charged to the test that was running, as
#   NAME kernel TEXT
# and to "boot" before the first test. A boot that was already tainted with
# TAINT_WARN (bit 9) before the first test is reported as "boot kernel".
# The guest prints the KNR: lines (guest/init); the KTAP lines come from
# run_kselftest.sh.

function report(what) {
	print (cur == "" ? "boot" : cur) " kernel " what
	reported++
}
function taint_warn(v) { return int(v / 512) % 2 }

BEGIN { cur = ""; done = 0; reported = 0 }

{ sub(/\r$/, "") }

/KNR: boot tainted=/ {
	split($0, a, "tainted="); split(a[2], b, " ")
	if (taint_warn(b[1])) report("TAINT_WARN set before any test ran (tainted=" b[1] ")")
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
	seen[name] = 1
	cur = ""
	next
}

# guest/init for one case: "KNR: case T:C begin tainted=X" ... "KNR: case T:C end rc=R tainted=Y"
/KNR: case [^ ]+ begin/ { split($0, a, "KNR: case "); split(a[2], b, " "); cur = b[1]; ctaint = $NF; sub(/.*=/, "", ctaint); cskip = 0; next }
# The kselftest harness reports a SKIP() on the test's KTAP line, exit code 0.
cur != "" && /^ok [0-9]+ .* # SKIP/ { cskip = 1 }
/KNR: case [^ ]+ end/ {
	split($0, a, "KNR: case "); split(a[2], b, " ")
	rc = b[3]; sub(/rc=/, "", rc); t = b[4]; sub(/tainted=/, "", t)
	if (taint_warn(t) && !taint_warn(ctaint)) report("TAINT_WARN set while the case ran (tainted=" t ")")
	res = (rc == 0) ? (cskip ? "skip" : "pass") : (rc == 4) ? "skip" : "fail"
	print b[1] " " res (res == "fail" ? " rc=" rc : "")
	seen[b[1]] = 1
	cur = ""
	next
}

/KNR: error:/ { sub(/^.*KNR: error: /, ""); print (cur == "" ? "guest" : cur) " crash " $0; crashed = 1; next }
/KNR: done tainted=/ { done = 1 }

!/^#/ && /WARNING: |BUG: |kernel BUG at|Oops: |Kernel panic|KASAN: |UBSAN: |possible circular locking|possible recursive locking|inconsistent lock state|general protection fault|WARNING: suspicious RCU/ {
	report($0)
}

END {
	# A guest that never said "done" crashed or hung in the test that was running.
	if (!done && !crashed) print (cur == "" ? "guest" : cur) " crash guest did not finish (no 'KNR: done' line)"
}
