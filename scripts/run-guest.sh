#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh EMU KERNEL LOG WHAT...: boot kernel $cache/$BASE/kernels/KERNEL
# with the base's test initramfs and the kernel's modules, run WHAT in it
# (guest/init) and keep the whole serial log in LOG.
#   EMU   qemu-svm   QEMU TCG, -cpu max: AMD SVM with nested paging (kvm_amd)
#         bochs-vmx  Bochs, Skylake-X CPU model: Intel VMX (kvm_intel)
#   WHAT  stock=LIST    the stock selftests of tests/lists/LIST (or "all")
#         cases=FIRST   the series' cases for EMU, from the FIRST-th on
#         case=TEST:CASE  one case of one of the series' tests
#         stress=SEED:COUNT[:FIRST]  COUNT sequences of nested_run_stress
#         kut=LIST      the kvm-unit-tests of tests/kut/lists/LIST, last; the
#                       payload of scripts/kut.sh (QEMU and the tests) is
#                       appended to the initramfs
# Time limits, in host seconds: a guest that prints no progress line (KNR:
# or KTAP) for GUEST_IDLE seconds (default 300 under QEMU, 600 under Bochs)
# or that runs longer than GUEST_TIMEOUT (default 3600) is killed, and the
# log says so. TEST_TIMEOUT and STRESS_TIMEOUT are the guest's limits for a
# test and for the stress (in guest seconds; Bochs's clock runs slow);
# KUT_IDLE the guest's limit for a kvm-unit-tests run that prints nothing
# (240 under QEMU, 600 for its full and latency lists; 40 under Bochs, where a run of kvm-unit-tests takes about
# 10 host seconds per guest second: below GUEST_IDLE in host time, so that
# the guest goes on with the next one).
# Exit status: the emulator's, 137 when the guest was killed.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

usage="usage: run-guest.sh EMU KERNEL LOG stock=LIST|cases=N|case=T:C|stress=S:C|kut=LIST..."
emu=${1:?$usage}
kname=${2:?$usage}
kernel=$base_dir/kernels/$kname/bzImage
log=${3:?$usage}
shift 3
[ $# -gt 0 ] || die "$usage"
tests=$base_dir/initramfs.cpio.gz
modules=$base_dir/kernels/$kname/modules.cpio.gz

[ -f "$kernel" ] || die "no kernel $kernel"
[ -f "$modules" ] || die "no modules $modules: rebuild the kernel (scripts/build-kernel.sh)"
case "$emu" in
qemu-svm) tools="qemu-system-x86_64" idle=${GUEST_IDLE:-300} ;;
bochs-vmx) tools="bochs syslinux mcopy mkfs.vfat sfdisk" idle=${GUEST_IDLE:-600} ;;
*) die "unknown emulator '$emu' (qemu-svm or bochs-vmx)" ;;
esac
for t in $tools; do
	command -v "$t" >/dev/null || die "$emu needs $t: run 'scripts/deps.sh $emu'"
done
[ -f "$tests" ] || die "no initramfs $tests"
append="console=ttyS0 panic=-1 knr.emu=$emu knr.timeout=${TEST_TIMEOUT:-$([ "$emu" = qemu-svm ] && echo 120 || echo 600)}"
append="$append knr.stress_timeout=${STRESS_TIMEOUT:-600}"
kut= mem=2G kut_idle=$([ "$emu" = qemu-svm ] && echo 240 || echo 40)
for what in "$@"; do
	case "$what" in
	stock=all) ;;
	stock=*) [ -f "$top/tests/lists/${what#stock=}" ] || die "no test list tests/lists/${what#stock=}" ;;
	cases=[0-9]*) ;;
	case=?*) ;;
	stress=[0-9]*:[0-9]*) ;;	# SEED:COUNT[:FIRST]
	kut=?*)
		[ -f "$top/tests/kut/lists/${what#kut=}" ] || die "no kvm-unit-tests list tests/kut/lists/${what#kut=}"
		kut=$("$top/scripts/kut.sh" payload) || die "no kvm-unit-tests payload (scripts/kut.sh payload)"
		# x86/svm's svm_vmrun_errata_test fills most of its L2's 4 GiB.
		case "$what" in *-full) mem=6G ;; esac
		# x86/svm's latency sub-tests print nothing for minutes.
		case "$emu:$what" in qemu-svm:*-full|qemu-svm:*-latency) kut_idle=600 ;; esac
		;;
	*) die "WHAT must be stock=LIST, cases=N, case=TEST:CASE, stress=SEED:COUNT or kut=LIST, not '$what'" ;;
	esac
	append="$append knr.$what"
done
append="$append knr.kut_idle=${KUT_IDLE:-$kut_idle}"
# Under QEMU a guest second is about a host second: the guest gives up on a
# silent kvm-unit-tests run before the host gives up on the guest.
[ "$emu" != qemu-svm ] || [ -n "${GUEST_IDLE:-}" ] || [ "$idle" -gt $((${KUT_IDLE:-$kut_idle} + 60)) ] ||
	idle=$((${KUT_IDLE:-$kut_idle} + 60))
limit=${GUEST_TIMEOUT:-3600}
mkdir -p "$(dirname "$log")"
: > "$log"

# Print the lines a person wants to see while the guest runs.
progress() {
	grep --line-buffered -a -E '^(not )?ok [0-9]|KNR: (case|list|rerun|error|kut [^ ]+ (begin|end|resume))|WARNING:|BUG:|Kernel panic' |
		sed -u 's/^/    /'
}

# The number of progress lines (KNR:, KTAP, kvm-unit-tests' output) in a
# serial log.
progress_lines() {
	grep -a -c -E 'KNR: |^(not )?ok [0-9]|^# selftests: |^# kut: ' "$1" 2>/dev/null || true
}

# watch PID SERIAL: wait for the emulator of process group PID, killing it
# after $idle seconds without progress in SERIAL or $limit seconds in all.
watch() {
	local pid=$1 serial=$2 t0 last seen n rc=0
	t0=$(date +%s) last=$t0 seen=0
	tail -n +1 --pid="$pid" -f "$serial" 2>/dev/null | progress &
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		n=$(progress_lines "$serial")
		[ "$n" = "$seen" ] || { seen=$n last=$(date +%s); }
		if [ $(($(date +%s) - last)) -ge "$idle" ]; then
			killed="no progress for $idle s"
		elif [ $(($(date +%s) - t0)) -ge "$limit" ]; then
			killed="its time limit of $limit s"
		else
			continue
		fi
		kill -KILL -- -"$pid" 2>/dev/null || true
		break
	done
	wait "$pid" || rc=$?
	wait
	[ -z "${killed:-}" ] || rc=137
	return $rc
}

run_qemu() {
	setsid sh -c 'exec qemu-system-x86_64 -accel tcg,thread=single -cpu max \
		-smp 2 -m "$5" -nographic -no-reboot -monitor none -serial stdio \
		-kernel "$1" -initrd "$2" -append "$3" </dev/null >"$4" 2>&1' \
		sh "$kernel" "$initrd" "$append" "$log" "$mem" &
	guest_pid=$!
	watch "$guest_pid" "$log"
}

run_bochs() {
	local img rc=0
	dir=$(mktemp -d "$base_dir/bochs.XXXXXX")
	img=$dir/disk.img
	# A 256 MiB disk: MBR, one FAT16 partition at 1 MiB with syslinux.
	truncate -s 256M "$img"
	echo 'start=2048, type=6, bootable' | sfdisk -q "$img" >/dev/null
	dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none
	mkfs.vfat -F 16 --offset 2048 "$img" $(((256 - 1) * 1024)) >/dev/null
	syslinux --offset 1048576 --install "$img"
	printf 'SERIAL 0 115200\nDEFAULT linux\nLABEL linux\n  KERNEL bzImage\n  INITRD initrd.gz\n  APPEND %s\n' \
		"$append noxsave clearcpuid=ht" > "$dir/syslinux.cfg"
	mcopy -i "$img@@1M" "$kernel" ::bzImage
	mcopy -i "$img@@1M" "$initrd" ::initrd.gz
	mcopy -i "$img@@1M" "$dir/syslinux.cfg" ::syslinux.cfg
	cat > "$dir/bochsrc" <<-EOT
	display_library: term
	megs: 2048
	cpu: model=corei7_skylake_x, count=1
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	ata0-master: type=disk, path=$img, mode=flat
	boot: disk
	com1: enabled=1, mode=file, dev=$dir/serial.log
	clock: sync=none
	log: $dir/bochs.log
	EOT
	: > "$dir/serial.log"
	# Bochs's debugger waits for "c" on standard input; Bochs ignores
	# SIGTERM, hence SIGKILL for the whole group.
	setsid sh -c 'cd "$1" && printf "c\n" | TERM=dumb exec bochs -q -f bochsrc >/dev/null 2>&1' \
		sh "$dir" &
	guest_pid=$!
	watch "$guest_pid" "$dir/serial.log" || rc=$?
	cp "$dir/serial.log" "$log"
	# Bochs exits with 1 when the guest powers off: the log tells whether
	# the guest finished.
	[ $rc -ne 1 ] || rc=0
	return $rc
}

# A run-guest.sh that is killed takes its emulator along.
guest_pid= dir=
initrd=$(mktemp "$base_dir/initrd.XXXXXX")
trap '[ -z "$guest_pid" ] || kill -KILL -- -"$guest_pid" 2>/dev/null; [ -z "$dir" ] || rm -rf "$dir"; rm -f "$initrd"' EXIT
trap 'exit 143' TERM INT
# The kernel unpacks concatenated archives one after the other.
cat "$tests" "$modules" $kut > "$initrd"

t0=$(date +%s)
rc=0
killed=
case "$emu" in
qemu-svm) run_qemu || rc=$? ;;
bochs-vmx) run_bochs || rc=$? ;;
esac
guest_pid=
if [ -n "$killed" ]; then
	echo "KNR: error: guest killed after $killed" >> "$log"
	echo "error: $emu guest running $* was killed after $killed" >&2
fi
echo "KNR: host: $emu $kname $* rc=$rc $(($(date +%s) - t0)) s" >> "$log"
exit $rc
