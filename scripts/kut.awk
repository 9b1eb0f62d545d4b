#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-unit-tests part of the serial log of one or more boots of a test
# guest (guest/init, knr.kut=LIST) as lines for scripts/kut-verdict.sh:
#   R UNIT RESULT [DETAIL]  a sub-test's result: pass, fail, skip, abort
#                           or none (it ran and reported nothing)
#   F UNIT TEXT             a FAIL (or XPASS) line of UNIT, or "ABORT: why"
#   K GROUP TEXT            a kernel report (WARNING, BUG, ...) of the
#                           kernel under test while GROUP ran ("kut" outside)
#   L UNIT WHAT MIN AVG     a latency figure of x86/svm (cycles)
#   C COMMIT                the kvm-unit-tests commit of the payload
#   X TEXT                  the guest could not run kvm-unit-tests
# UNIT is NAME:SUB-TEST for the sub-tests of svm.flat, svm_npt.flat and
# vmx.flat ("SVM test: X", "Test suite: X"; spaces as "_"), NAME for the
# other tests and for what those three print before their first sub-test.
# A run that ends without kvm-unit-tests' SUMMARY line (an unhandled
# exception, a hang that the guest killed, a guest that died) is an abort
# of the sub-test that was running, but for a test other than those three
# that exits with status 0 (rc=1), such as the benchmark vmexit.flat.

function report(what) { print "K " (group == "" ? "kut" : group) " " what }
function taint_warn(v) { return int(v / 512) % 2 }
function start(u) {
	unit = u
	if (!(u in res)) order[++n] = u
	res[u] = "running"; npass[u] = nfail[u] = nskip[u] = 0
}
# finish(WHY): the run ends; WHY is empty when kvm-unit-tests ended it.
function finish(why,   i, u, r) {
	if (why != "") {
		res[unit] = "abort"
		detail[unit] = why
		fails[unit] = fails[unit] "F " unit " ABORT: " why "\n"
	}
	for (i = 1; i <= n; i++) {
		u = order[i]
		if (res[u] != "running" && res[u] != "abort") continue
		# What svm.flat and vmx.flat print before their first
		# sub-test counts only when it says something.
		if (subs && u == group && res[u] == "running" && !nfail[u] && !npass[u] && !nskip[u]) continue
		if (res[u] == "abort") r = "abort " detail[u]
		else if (nfail[u]) r = "fail " nfail[u] " FAIL line(s)"
		else if (npass[u]) r = "pass"
		else if (nskip[u]) r = "skip" (skipwhy[u] != "" ? " " skipwhy[u] : "")
		else r = "none"
		print "R " u " " r
		printf "%s", fails[u]
		res[u] = "done"
	}
	group = ""; n = 0; delete order
}

BEGIN { group = "" }

# QEMU's serial and the guest's console both end lines with "\r\n".
{ gsub(/\r/, "") }

/KNR: kut list [^ ]+ begin/ { inkut = 1; c = $0; sub(/.*commit=/, "", c); print "C " c; next }
/KNR: kut list [^ ]+ end/ { inkut = 0; next }
/KNR: kut error: / { x = $0; sub(/.*KNR: kut error: /, "", x); print "X " x; next }

/KNR: kut [^ ]+ begin / {
	split($0, a, "KNR: kut "); split(a[2], b, " ")
	group = b[1]; flat = b[3]; sub(/^flat=/, "", flat)
	t0 = b[4]; sub(/^tainted=/, "", t0)
	subs = (flat == "svm.flat" || flat == "svm_npt.flat" || flat == "vmx.flat")
	args = $0; sub(/.* args=/, "", args)
	delete listed; m = split(args, l, " "); for (i = 1; i <= m; i++) listed[l[i]] = 1
	summary = 0; last = ""
	start(group)
	next
}
/KNR: kut [^ ]+ end / {
	if (group == "") next
	rc = $0; sub(/.* rc=/, "", rc); sub(/ .*/, "", rc)
	t = $0; sub(/.* tainted=/, "", t); sub(/ .*/, "", t)
	if (taint_warn(t) && !taint_warn(t0)) report("TAINT_WARN set while it ran (tainted=" t ")")
	why = ""
	# Without the limit's seconds, which differ between lists.
	if (/ killed=/) why = "killed after no output"
	# A benchmark (vmexit.flat) exits with status 0 and no SUMMARY.
	else if (!summary && (subs || rc != 1)) why = (rc % 2 ? "status " int(rc / 2) : "qemu exit " rc) (last != "" ? ": " last : ", no SUMMARY line")
	finish(why)
	next
}
# The guest died or was killed in the middle of a run.
/KNR: error: guest killed/ {
	if (group != "") { msg = $0; sub(/.*KNR: error: /, "", msg); finish(msg) }
	inkut = 0
	next
}
/KNR: boot tainted=/ {
	if (group != "") finish("the guest died (a new boot began)")
	inkut = 0
	next
}

group != "" && /^# kut: / {
	line = substr($0, 8)
	if (subs && line ~ /^(SVM test|Test suite): /) {
		s = line; sub(/^[^:]*: /, "", s); gsub(/ /, "_", s)
		start(group ":" s)
		last = ""
		next
	}
	if (line ~ /^SKIP: .* \(not supported\)$/) {
		s = line; sub(/^SKIP: /, "", s); sub(/ \(not supported\)$/, "", s); gsub(/ /, "_", s)
		if (subs && (s in listed)) {
			keep = unit; start(group ":" s); nskip[unit]++; skipwhy[unit] = "not supported"
			res[unit] = "running"; unit = keep
			next
		}
	}
	if (line ~ /^SUMMARY: /) { summary = 1; next }
	if (line ~ /^(PASS|XFAIL|KFAIL): /) npass[unit]++
	else if (line ~ /^(FAIL|XPASS): /) { nfail[unit]++; fails[unit] = fails[unit] "F " unit " " line "\n" }
	else if (line ~ /^SKIP: /) { nskip[unit]++; if (skipwhy[unit] == "") { skipwhy[unit] = line; sub(/^SKIP: /, "", skipwhy[unit]) } }
	else if (line ~ /^ *Latency [A-Z]+ *: *max: [0-9]+ min: [0-9]+ avg: [0-9]+/) {
		w = line; sub(/^ *Latency /, "", w); sub(/ *:.*/, "", w)
		mn = line; sub(/.* min: /, "", mn); sub(/ .*/, "", mn)
		av = line; sub(/.* avg: /, "", av); sub(/ .*/, "", av)
		print "L " unit " " w " " mn " " av
	}
	# What an abort leaves: the exception, an assertion, QEMU's complaint.
	if (line ~ /^(Unhandled|ABORT: |qemu-system-x86_64: |KVM internal error)|assert failed/ && last == "")
		last = line
	next
}

# Reports of the kernel under test (its own console lines, not the "# kut: "
# ones); outside kvm-unit-tests, scripts/parse-log.awk reads them.
(inkut || group != "") && !/^#/ && /WARNING: |BUG: |kernel BUG at|Oops: |Kernel panic|KASAN: |UBSAN: |possible circular locking|possible recursive locking|inconsistent lock state|general protection fault|WARNING: suspicious RCU/ {
	report($0)
}

END { if (group != "") finish("guest: did not finish (no 'KNR: done' line)") }
