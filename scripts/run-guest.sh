#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-guest.sh EMU KERNEL WHAT LOG: boot kernel $cache/$BASE/kernels/KERNEL
# with the test initramfs and run WHAT in it, keeping the whole serial log
# in LOG.
#   EMU   qemu-svm   QEMU TCG, -cpu max: AMD SVM with nested paging (kvm_amd)
#         bochs-vmx  Bochs, Skylake-X CPU model: Intel VMX (kvm_intel)
#   WHAT  list=NAME  the tests in tests/lists/NAME, through run_kselftest.sh
#         case=TEST:CASE  one case of one of the series' tests
#         stress=SEED:COUNT[:FIRST]  COUNT sequences of
#                   tests/stress/nested_run_stress, from index FIRST
# Every boot has a hard time limit (GUEST_TIMEOUT seconds; by default 5
# minutes for a case under QEMU, 10 under Bochs, 30 and 20 for a list); a
# guest that hangs is killed and the log says so. A case takes about 5 s
# under QEMU and 50 s under Bochs here, a list 6 and 2 minutes.

set -eu
. "$(dirname "$0")/lib.sh"
load_base

emu=${1:?usage: run-guest.sh EMU KERNEL WHAT LOG}
kernel=$base_dir/kernels/${2:?}/bzImage
what=${3:?}
log=${4:?}
initrd=$base_dir/initramfs.cpio.gz

[ -f "$kernel" ] || die "no kernel $kernel"
case "$emu" in
qemu-svm) tools="qemu-system-x86_64" ;;
bochs-vmx) tools="bochs syslinux mcopy mkfs.vfat sfdisk" ;;
*) die "unknown emulator '$emu' (qemu-svm or bochs-vmx)" ;;
esac
for t in $tools; do
	command -v "$t" >/dev/null || die "$emu needs $t: run 'scripts/deps.sh $emu'"
done
[ -f "$initrd" ] || die "no initramfs $initrd"
case "$what" in
list=*) [ -f "$top/tests/lists/${what#list=}" ] || die "no test list tests/lists/${what#list=}" ;;
case=*:*) ;;
stress=[0-9]*:[0-9]*) ;;	# SEED:COUNT[:FIRST]
*) die "WHAT must be list=NAME, case=TEST:CASE or stress=SEED:COUNT, not '$what'" ;;
esac

append="console=ttyS0 panic=-1 knr.${what%%=*}=${what#*=}"
mkdir -p "$(dirname "$log")"
: > "$log"

# Print the lines a person wants to see while the guest runs.
progress() {
	grep --line-buffered -E '^(not )?ok [0-9]|KNR: (case|list|error)|WARNING:|BUG:|Kernel panic' |
		sed -u 's/^/    /'
}

run_qemu() {
	local t=${GUEST_TIMEOUT:-$([ "${what%%=*}" = case ] && echo 300 || echo 1800)}
	timeout -s KILL "$t" qemu-system-x86_64 -accel tcg,thread=single -cpu max \
		-smp 2 -m 2G -nographic -no-reboot -monitor none -serial stdio \
		-kernel "$kernel" -initrd "$initrd" -append "$append knr.timeout=${TEST_TIMEOUT:-120}" \
		</dev/null 2>&1 | tee -a "$log" | progress
	return "${PIPESTATUS[0]}"
}

run_bochs() {
	local t=${GUEST_TIMEOUT:-$([ "${what%%=*}" = case ] && echo 600 || echo 1200)} img
	dir=$(mktemp -d "$base_dir/bochs.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	img=$dir/disk.img
	# A 256 MiB disk: MBR, one FAT16 partition at 1 MiB with syslinux.
	truncate -s 256M "$img"
	echo 'start=2048, type=6, bootable' | sfdisk -q "$img" >/dev/null
	dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none
	mkfs.vfat -F 16 --offset 2048 "$img" $(((256 - 1) * 1024)) >/dev/null
	syslinux --offset 1048576 --install "$img"
	printf 'SERIAL 0 115200\nDEFAULT linux\nLABEL linux\n  KERNEL bzImage\n  INITRD initrd.gz\n  APPEND %s\n' \
		"$append knr.timeout=${TEST_TIMEOUT:-600} noxsave clearcpuid=ht" > "$dir/syslinux.cfg"
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
	# In a session of its own, with timeout in the foreground (in that same
	# process group), so that a run-guest.sh that is killed takes Bochs
	# along: the EXIT trap kills the whole group.
	setsid sh -c 'cd "$1" && printf "c\n" | TERM=dumb timeout --foreground -s KILL "$2" bochs -q -f bochsrc >/dev/null 2>&1' \
		sh "$dir" "$t" &
	bochs_pid=$!
	local rc=0
	trap '[ -z "${bochs_pid:-}" ] || kill -KILL -- -"$bochs_pid" 2>/dev/null; rm -rf "$dir"' EXIT
	trap 'exit 143' TERM INT
	# In the background: bash runs the traps only between commands, and a
	# "wait" can be interrupted, a foreground pipeline cannot.
	tail -n +1 --pid=$bochs_pid -f "$dir/serial.log" | progress &
	local shown=$!
	wait $bochs_pid || rc=$?
	bochs_pid=
	wait $shown
	cp "$dir/serial.log" "$log"
	rm -rf "$dir"
	return $rc
}

t0=$(date +%s)
rc=0
case "$emu" in
qemu-svm) run_qemu || rc=$? ;;
bochs-vmx) run_bochs || rc=$? ;;
esac
if [ $rc -eq 137 ]; then
	echo "KNR: error: guest killed after its time limit ($what)" >> "$log"
	echo "error: $emu guest running $what hung and was killed after its time limit" >&2
fi
echo "KNR: host: $emu $2 $what rc=$rc $(($(date +%s) - t0)) s" >> "$log"
