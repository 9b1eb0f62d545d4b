// SPDX-License-Identifier: GPL-2.0-only
/*
 * nested_run_stress: random sequences of the state-setting ioctls that can
 * reach KVM's nested_run_pending WARNs, on SVM or VMX, whichever the host
 * has.  Harness-only (not part of the mailed series): it is built against
 * the patched tree's KVM selftest library by tests/stress/stress.mk.
 *
 * Each sequence runs in a new VM, loaded with a snapshot of the vCPU
 * (registers, MSRs, events, nested state) and of guest memory, taken once
 * with the vCPU in L1 just before VMRUN/VMLAUNCH or in L2, and applies 1 to
 * MAX_OPS operations, the last one a KVM_RUN:
 *
 *   nested   KVM_SET_NESTED_STATE with the L1 or L2 snapshot, with or
 *            without KVM_STATE_NESTED_RUN_PENDING
 *   exc      KVM_SET_VCPU_EVENTS with a pending or injected exception
 *   tf       KVM_SET_VCPU_EVENTS with a pending triple fault
 *   nmi      KVM_SET_VCPU_EVENTS with a pending or injected NMI
 *   smi      KVM_SET_VCPU_EVENTS with a pending SMI
 *   mce      KVM_X86_SET_MCE
 *   dbg      KVM_SET_GUEST_DEBUG with INJECT_DB, INJECT_BP, SINGLESTEP
 *   smi-step KVM_SET_GUEST_DEBUG with SINGLESTEP, and a pending SMI
 *   mtf      (VMX) L1 turns MTF for L2 on or off at its next VM-Enter
 *   l1-tf    (SVM, in L2) KVM_SET_NESTED_STATE with TF in L1's saved
 *            RFLAGS, as if L1 had single-stepped its VMRUN
 *   run-imm  KVM_RUN with immediate_exit
 *   run-sig  KVM_RUN with a signal pending, which makes KVM return to
 *            userspace after it processed events, before entering the guest
 *   run      KVM_RUN
 *
 * An ioctl that refuses a combination with an errno is expected; an EIO is a
 * failure (KVM marks a VM bugged only through a WARN), and so is any WARN,
 * BUG or other kernel report that /dev/kmsg shows while the tool runs.  The
 * sequence of every failure is printed with its seed and index; rerun it
 * alone with "-s SEED -i INDEX -n 1".
 *
 * Output is KTAP: one test, "nested_run_stress", and comment lines with the
 * figures and the first sequence that hit each kernel report site.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "test_util.h"
#include "kvm_util.h"
#include "mce.h"
#include "processor.h"
#include "svm_util.h"
#include "vmx.h"

#define MAX_OPS			8
#define MAX_SITES		16
#define L2_GUEST_STACK_SIZE	256
#define RUN_WATCHDOG_US		500000

#define SYNC_L1			1
#define SYNC_L2			2

#ifndef X86_EFLAGS_TF
#define X86_EFLAGS_TF		BIT(8)
#endif

/*
 * The selftest library changed under this tool: 7.x names guest addresses
 * gva_t and gives L2 a stack of its own.  stress.mk tells which one it has.
 */
#ifdef KNR_LIB_GVA_T
typedef gva_t knr_gva_t;
#else
typedef vm_vaddr_t knr_gva_t;
#endif
#ifdef KNR_LIB_L2_STACK
#define knr_svm_setup(svm, rip)		generic_svm_setup(svm, rip)
#define knr_prepare_vmcs(vmx, rip)	prepare_vmcs(vmx, rip)
#else
#define knr_svm_setup(svm, rip)		\
	generic_svm_setup(svm, rip, &l2_guest_stack[L2_GUEST_STACK_SIZE])
#define knr_prepare_vmcs(vmx, rip)	\
	prepare_vmcs(vmx, rip, &l2_guest_stack[L2_GUEST_STACK_SIZE])
#endif

/*
 * 6.1's library lacks TEST_ASSERT_KVM_EXIT_REASON() and leaves the IDT to
 * the test: vm_install_exception_handler() needs vm_init_descriptor_tables()
 * and vcpu_init_descriptor_tables() first, which later libraries call from
 * vm_create() and no longer export (KNR_LIB_DESC_TABLES, from stress.mk).
 */
#ifndef TEST_ASSERT_KVM_EXIT_REASON
#define TEST_ASSERT_KVM_EXIT_REASON(vcpu, expected)				\
	TEST_ASSERT((vcpu)->run->exit_reason == (expected),			\
		    "Wanted KVM exit reason: %u (%s), got: %u (%s)",		\
		    (expected), exit_reason_str(expected),			\
		    (vcpu)->run->exit_reason, exit_reason_str((vcpu)->run->exit_reason))
#endif
#ifdef KNR_LIB_DESC_TABLES
#define knr_init_descriptor_tables(vcpu)				\
do {									\
	vm_init_descriptor_tables((vcpu)->vm);				\
	vcpu_init_descriptor_tables(vcpu);				\
} while (0)
#else
#define knr_init_descriptor_tables(vcpu)	do { } while (0)
#endif

enum op {
	OP_NESTED, OP_EXC, OP_TF, OP_NMI, OP_SMI, OP_MCE, OP_DBG,
	OP_SMI_STEP, OP_MTF, OP_L1_TF,
	OP_RUN_IMM, OP_RUN_SIG, OP_RUN, NR_OPS,
};

static const char * const op_names[NR_OPS] = {
	"nested", "exc", "tf", "nmi", "smi", "mce", "dbg",
	"smi-step", "mtf", "l1-tf",
	"run-imm", "run-sig", "run",
};

/* Relative weights: KVM_RUN in its three forms is about a third of the draws. */
static const int op_weights[NR_OPS] = { 3, 4, 2, 2, 1, 2, 2, 1, 1, 1, 2, 2, 3 };

struct stress {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_x86_state *snap[2];	/* SYNC_L1 - 1, SYNC_L2 - 1 */
	void *mem_snap[2];
	void *mem;
	size_t mem_size;
	void *smram;
	bool svm;
	bool has_smm;
	bool dead;	/* KVM killed the VM: every ioctl fails with EIO */
	int mce_banks;
};

struct site {
	char text[160];
	uint64_t seed;
	unsigned long index;
	unsigned long hits;
};

static struct site sites[MAX_SITES];
static int nr_sites;
static int kmsg_fd = -1;

static struct {
	unsigned long sequences, ops, refused, runs, run_eintr, eio;
	unsigned long exits[64];
} stats;

#ifndef KNR_LIB_L2_STACK
static unsigned long l2_guest_stack[L2_GUEST_STACK_SIZE];
#endif
static bool l1_mtf;	/* VMX: L1 single-steps L2 with MTF */

/* splitmix64: a small, well-known generator, seeded per sequence. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rnd_below(unsigned int n)
{
	return rnd() % n;
}

static void l2_guest_code(void)
{
	int i;

	for (;;) {
		GUEST_SYNC(SYNC_L2);
		for (i = 0; i < 100; i++)
			asm volatile("nop");
	}
}

static void guest_exception_handler(struct ex_regs *regs)
{
}

/*
 * L1 intercepts shutdown, NMI, SMI and a few exceptions, and re-enters L2
 * after every VM-Exit, so that random events keep finding it in either level.
 */
#define L1_EXCEPTIONS	(BIT(DB_VECTOR) | BIT(BP_VECTOR) | BIT(UD_VECTOR) | BIT(MC_VECTOR))

static void l1_guest_code_svm(struct svm_test_data *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	knr_svm_setup(svm, l2_guest_code);
	vmcb->control.intercept |= BIT_ULL(INTERCEPT_SHUTDOWN) |
				   BIT_ULL(INTERCEPT_NMI) | BIT_ULL(INTERCEPT_SMI);
	vmcb->control.intercept_exceptions |= L1_EXCEPTIONS;
	for (;;) {
		GUEST_SYNC(SYNC_L1);
		run_guest(vmcb, svm->vmcb_gpa);
	}
}

static void l1_set_mtf(void)
{
	uint32_t ctl = vmreadz(CPU_BASED_VM_EXEC_CONTROL) & ~CPU_BASED_MONITOR_TRAP;

	vmwrite(CPU_BASED_VM_EXEC_CONTROL, ctl | (READ_ONCE(l1_mtf) ? CPU_BASED_MONITOR_TRAP : 0));
}

static void l1_guest_code_vmx(struct vmx_pages *vmx)
{
	GUEST_ASSERT(prepare_for_vmx_operation(vmx));
	GUEST_ASSERT(load_vmcs(vmx));
	knr_prepare_vmcs(vmx, l2_guest_code);
	vmwrite(PIN_BASED_VM_EXEC_CONTROL,
		vmreadz(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_NMI_EXITING);
	vmwrite(EXCEPTION_BITMAP, L1_EXCEPTIONS);
	GUEST_SYNC(SYNC_L1);
	l1_set_mtf();
	vmlaunch();
	for (;;) {
		GUEST_SYNC(SYNC_L1);
		l1_set_mtf();
		vmresume();
	}
}

/* Read what the kernel logged since the last call; remember report sites. */
static int kmsg_scan(uint64_t seed, unsigned long index)
{
	static const char * const reports[] = {
		"WARNING:", "BUG:", "kernel BUG", "Oops", "general protection",
		"UBSAN:", "possible circular locking", "suspicious RCU usage",
		"KASAN:", "Call Trace:",
	};
	char buf[8192];
	int found = 0;
	ssize_t n;

	if (kmsg_fd < 0)
		return 0;
	while ((n = read(kmsg_fd, buf, sizeof(buf) - 1)) != 0) {
		char *msg, *at, *end;
		size_t i;
		int s;

		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records: go on */
				continue;
			break;			/* EAGAIN: nothing more */
		}
		buf[n] = '\0';
		msg = strchr(buf, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		for (i = 0; i < ARRAY_SIZE(reports); i++)
			if (strstr(msg, reports[i]))
				break;
		if (i == ARRAY_SIZE(reports) || !strcmp(reports[i], "Call Trace:"))
			continue;
		/*
		 * Keep "FILE:LINE FUNC" of "WARNING: CPU: 0 PID: 1 at FILE:LINE
		 * FUNC+0x1/0x2" (6.x) or "WARNING: FILE:LINE at FUNC+0x1/0x2"
		 * (7.x, which has the CPU and PID at the end).
		 */
		at = strstr(msg, " at ");
		if (at && !strncmp(msg, "WARNING: ", 9) && strncmp(msg + 9, "CPU: ", 5)) {
			end = strchr(at + 4, '+');
			if (end && end - at < 100)
				*end = '\0';
			memmove(at + 1, at + 4, strlen(at + 4) + 1);
			at = msg + 9;
		} else {
			at = at ? at + 4 : msg;
			end = strchr(at, '+');
			if (end && end - at < 100)
				*end = '\0';
		}
		found++;
		for (s = 0; s < nr_sites; s++)
			if (!strcmp(sites[s].text, at))
				break;
		if (s < nr_sites) {
			sites[s].hits++;
		} else if (nr_sites < MAX_SITES) {
			snprintf(sites[nr_sites].text, sizeof(sites[0].text), "%s", at);
			sites[nr_sites].seed = seed;
			sites[nr_sites].index = index;
			sites[nr_sites].hits = 1;
			nr_sites++;
			ksft_print_msg("kernel report at sequence %lu (seed %lu): %s\n",
				       index, seed, msg);
		}
	}
	return found;
}

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd < 0) {
		ksft_print_msg("cannot read /dev/kmsg (%s): relying on TAINT_WARN only\n",
			       strerror(errno));
		return;
	}
	lseek(kmsg_fd, 0, SEEK_END);
}

static unsigned long tainted(void)
{
	unsigned long t = 0;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%lu", &t) != 1)
			t = 0;
		fclose(f);
	}
	return t;
}

static void sigusr1_handler(int sig)
{
}

static void sigalrm_handler(int sig)
{
}

/* Run until the next ucall of the given kind, completing its I/O. */
static void run_to_sync(struct stress *s, uint64_t stage)
{
	struct ucall uc;

	vcpu_run(s->vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(s->vcpu, KVM_EXIT_IO);
	if (get_ucall(s->vcpu, &uc) == UCALL_ABORT)
		REPORT_GUEST_ASSERT(uc);
	TEST_ASSERT(uc.cmd == UCALL_SYNC && uc.args[1] == stage,
		    "Expected sync %lu, got ucall %lu arg %lu", stage, uc.cmd, uc.args[1]);
	s->vcpu->run->immediate_exit = 1;
	vcpu_run_complete_io(s->vcpu);
	s->vcpu->run->immediate_exit = 0;
}

/*
 * SMRAM in the SMM address space, at the default SMBASE so that 16-bit code
 * can address it, with a handler that executes RSM, in one VM of two after
 * setting TF, so that RSM is single-stepped.
 */
#define SMRAM_MEMSLOT		((1 << 16) | 1)
#define SMRAM_GPA		0x30000
#define SMRAM_SIZE		0x10000

static const uint8_t smi_handler_tf[] = {
	0xb8, 0x00, 0x30,	/* mov $(SMRAM_GPA >> 4), %ax */
	0x8e, 0xd0,		/* mov %ax, %ss */
	0xbc, 0x00, 0x70,	/* mov $0x7000, %sp */
	0x9c,			/* pushf */
	0x58,			/* pop %ax */
	0x0d, 0x00, 0x01,	/* or $X86_EFLAGS_TF, %ax */
	0x50,			/* push %ax */
	0x9d,			/* popf */
	0x0f, 0xaa,		/* rsm */
};

/*
 * Create the VM and its vCPU, ready to run L1 from the start: the same steps
 * every time, so that guest memory has the same layout in every VM.
 */
static void vm_setup(struct stress *s)
{
	struct userspace_mem_region *region;
	struct kvm_signal_mask *mask;
	uint64_t mcg_cap;
	knr_gva_t gva;
	uint8_t *smram;
	int v;

	if (s->svm) {
		s->vm = vm_create_with_one_vcpu(&s->vcpu, l1_guest_code_svm);
		vcpu_alloc_svm(s->vm, &gva);
	} else {
		s->vm = vm_create_with_one_vcpu(&s->vcpu, l1_guest_code_vmx);
		vcpu_alloc_vmx(s->vm, &gva);
	}
	vcpu_args_set(s->vcpu, 1, gva);
	vm_enable_cap(s->vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 1);
	vm_enable_cap(s->vm, KVM_CAP_EXCEPTION_PAYLOAD, 1);
	knr_init_descriptor_tables(s->vcpu);
	for (v = 0; v < 32; v++)
		vm_install_exception_handler(s->vm, v, guest_exception_handler);

	if (s->mce_banks) {
		mcg_cap = s->mce_banks;
		vcpu_ioctl(s->vcpu, KVM_X86_SETUP_MCE, &mcg_cap);
	}
	/*
	 * Without SMRAM, entering SMM fails to write the state-save area and
	 * KVM kills the VM: give SMIs a handler that returns at once, so that
	 * RSM, possibly into L2, is exercised too.
	 */
	if (s->has_smm) {
		/* Straight to KVM: the library refuses overlaps across address spaces. */
		struct kvm_userspace_memory_region smram_region = {
			.slot = SMRAM_MEMSLOT, .guest_phys_addr = SMRAM_GPA,
			.memory_size = SMRAM_SIZE,
		};

		smram = mmap(NULL, SMRAM_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(smram != MAP_FAILED, "Cannot allocate SMRAM");
		s->smram = smram;
		smram_region.userspace_addr = (uintptr_t)smram;
		vm_ioctl(s->vm, KVM_SET_USER_MEMORY_REGION, &smram_region);
		if (rnd_below(2)) {
			memcpy(smram + 0x8000, smi_handler_tf, sizeof(smi_handler_tf));
		} else {
			smram[0x8000] = 0x0f;	/* rsm */
			smram[0x8001] = 0xaa;
		}
		vcpu_set_msr(s->vcpu, MSR_IA32_SMBASE, SMRAM_GPA);
	}

	/* Inside KVM_RUN no signal is blocked (the kernel's sigset is 8 bytes). */
	mask = calloc(1, sizeof(*mask) + 8);
	TEST_ASSERT(mask, "-ENOMEM for the signal mask");
	mask->len = 8;
	TEST_ASSERT(!ioctl(s->vcpu->fd, KVM_SET_SIGNAL_MASK, mask),
		    "KVM_SET_SIGNAL_MASK failed, errno %d", errno);
	free(mask);

	region = memslot2region(s->vm, 0);
	s->mem = (void *)region->region.userspace_addr;
	s->mem_size = region->region.memory_size;
}

static void snapshot(struct stress *s, int i)
{
	s->snap[i] = vcpu_save_state(s->vcpu);
	s->mem_snap[i] = malloc(s->mem_size);
	TEST_ASSERT(s->mem_snap[i], "-ENOMEM for a memory snapshot");
	memcpy(s->mem_snap[i], s->mem, s->mem_size);
}

/* Run L1 to just before VMRUN/VMLAUNCH, then into L2: the two snapshots. */
static void stress_init(struct stress *s)
{
	s->mce_banks = 0;
	if (kvm_has_cap(KVM_CAP_MCE))
		s->mce_banks = min_t(int, kvm_check_cap(KVM_CAP_MCE), 4);
	vm_setup(s);
	run_to_sync(s, SYNC_L1);
	snapshot(s, 0);
	run_to_sync(s, SYNC_L2);
	snapshot(s, 1);
}

/*
 * kvm_vm_free() deletes the memslots, which a dead VM refuses: close the file
 * descriptors and unmap the memory instead.
 */
static void vm_free_dead(struct kvm_vm *vm)
{
	struct userspace_mem_region *region;
	struct kvm_vcpu *vcpu;
	struct hlist_node *node;
	int bkt, run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);

	list_for_each_entry(vcpu, &vm->vcpus, list) {
		munmap(vcpu->run, run_size);
		close(vcpu->fd);
	}
	hash_for_each_safe(vm->regions.slot_hash, bkt, node, region, slot_node)
		munmap(region->mmap_start, region->mmap_size);
	close(vm->fd);
	close(vm->kvm_fd);
}

static void vm_free(struct stress *s)
{
	if (s->dead)
		vm_free_dead(s->vm);
	else
		kvm_vm_free(s->vm);
	s->dead = false;
	if (s->smram)
		munmap(s->smram, SMRAM_SIZE);
	s->smram = NULL;
}

static void stress_fini(struct stress *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		kvm_x86_state_cleanup(s->snap[i]);
		free(s->mem_snap[i]);
	}
	vm_free(s);
}

/*
 * Start a sequence in a new VM loaded with snapshot i, as state_test restores
 * a vCPU: nothing that an earlier sequence did can leak into this one, so a
 * sequence is reproducible from its seed and index alone.
 */
static void restore(struct stress *s, int i)
{
	vm_free(s);
	vm_setup(s);
	memcpy(s->mem, s->mem_snap[i], s->mem_size);
	vcpu_load_state(s->vcpu, s->snap[i]);
}

/* Say which part of the vCPU state differs from snapshot i after a restore. */
static void restore_check(struct stress *s, int i)
{
	struct kvm_x86_state *now = vcpu_save_state(s->vcpu), *st = s->snap[i];
	int m;

	if (memcmp(&now->regs, &st->regs, sizeof(st->regs)))
		ksft_print_msg("restore: regs differ\n");
	if (memcmp(&now->sregs, &st->sregs, sizeof(st->sregs)))
		ksft_print_msg("restore: sregs differ\n");
	if (memcmp(&now->events, &st->events, sizeof(st->events)))
		ksft_print_msg("restore: events differ\n");
	if (memcmp(&now->mp_state, &st->mp_state, sizeof(st->mp_state)))
		ksft_print_msg("restore: mp_state differs\n");
	if (memcmp(&now->debugregs, &st->debugregs, sizeof(st->debugregs)))
		ksft_print_msg("restore: debugregs differ\n");
	if (now->nested.size != st->nested.size ||
	    memcmp(&now->nested, &st->nested, st->nested.size))
		ksft_print_msg("restore: nested state differs\n");
	for (m = 0; m < st->msrs.nmsrs; m++)
		if (now->msrs.entries[m].data != st->msrs.entries[m].data)
			ksft_print_msg("restore: MSR 0x%x: 0x%llx, snapshot 0x%llx\n",
				       st->msrs.entries[m].index, now->msrs.entries[m].data,
				       st->msrs.entries[m].data);
	kvm_x86_state_cleanup(now);
}

static bool vector_has_error_code(int v)
{
	return v == DF_VECTOR || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

/* Note an ioctl result; an EIO fails the run. */
static bool check_ret(struct stress *s, int r, const char *what, char *log)
{
	if (r >= 0)
		return true;
	if (errno == EIO) {
		stats.eio++;
		s->dead = true;
		sprintf(log + strlen(log), " [%s: EIO]", what);
		return false;
	}
	stats.refused++;
	sprintf(log + strlen(log), "[%s]", strerror(errno));
	return true;
}

/* Drop the SIGUSR1 of a run-sig: KVM_RUN returns with it still pending. */
static void drain_sigusr1(void)
{
	struct timespec zero = {};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

static bool do_run(struct stress *s, enum op op, char *log)
{
	struct itimerval watchdog = { .it_value.tv_usec = RUN_WATCHDOG_US };
	struct itimerval off = {};
	int r, err;

	if (op == OP_RUN_IMM)
		s->vcpu->run->immediate_exit = 1;
	if (op == OP_RUN_SIG)
		raise(SIGUSR1);
	/* A vCPU that halts with interrupts off would block KVM_RUN forever. */
	setitimer(ITIMER_REAL, &watchdog, NULL);
	r = __vcpu_run(s->vcpu);
	err = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	s->vcpu->run->immediate_exit = 0;
	if (op == OP_RUN_SIG)
		drain_sigusr1();
	errno = err;
	stats.runs++;
	if (r < 0 && errno == EINTR) {
		stats.run_eintr++;
		sprintf(log + strlen(log), "[EINTR]");
		return true;
	}
	if (r == 0) {
		stats.exits[s->vcpu->run->exit_reason & 63]++;
		sprintf(log + strlen(log), "[%s]", exit_reason_str(s->vcpu->run->exit_reason));
	}
	return check_ret(s, r, "KVM_RUN", log);
}

/*
 * SVM, in L2: set TF in L1's RFLAGS as saved at VMRUN (the save area of the
 * nested state holds L1's state while the vCPU is in L2), as if L1 had
 * single-stepped VMRUN.
 */
static bool l1_single_step(struct stress *s, char *log)
{
	struct kvm_nested_state *st;
	int size = kvm_check_cap(KVM_CAP_NESTED_STATE), r;

	if (!s->svm)
		return true;
	st = calloc(1, size);
	TEST_ASSERT(st, "-ENOMEM for the nested state");
	st->size = size;
	r = __vcpu_ioctl(s->vcpu, KVM_GET_NESTED_STATE, st);
	if (r >= 0 && (st->flags & KVM_STATE_NESTED_GUEST_MODE)) {
		((struct vmcb *)st->data.svm[0].vmcb12)->save.rflags |= X86_EFLAGS_TF;
		r = __vcpu_ioctl(s->vcpu, KVM_SET_NESTED_STATE, st);
	} else if (r >= 0) {
		sprintf(log + strlen(log), "(in L1)");
	}
	free(st);
	return check_ret(s, r, "KVM_GET/SET_NESTED_STATE", log);
}

static bool do_op(struct stress *s, enum op op, char *log)
{
	struct kvm_vcpu_events ev;
	struct kvm_guest_debug debug = {};
	struct kvm_x86_state *st;
	struct kvm_x86_mce mce = {};
	int r, v;

	sprintf(log + strlen(log), " %s", op_names[op]);
	switch (op) {
	case OP_NESTED:
		st = s->snap[rnd_below(2)];
		if (rnd_below(2))
			st->nested.flags |= KVM_STATE_NESTED_RUN_PENDING;
		sprintf(log + strlen(log), "(%s%s)", st == s->snap[0] ? "L1" : "L2",
			st->nested.flags & KVM_STATE_NESTED_RUN_PENDING ? ",pending" : "");
		r = __vcpu_ioctl(s->vcpu, KVM_SET_NESTED_STATE, &st->nested);
		st->nested.flags &= ~KVM_STATE_NESTED_RUN_PENDING;
		return check_ret(s, r, "KVM_SET_NESTED_STATE", log);
	case OP_EXC:
	case OP_TF:
	case OP_NMI:
	case OP_SMI:
		vcpu_events_get(s->vcpu, &ev);
		ev.flags &= KVM_VCPUEVENT_VALID_TRIPLE_FAULT | KVM_VCPUEVENT_VALID_PAYLOAD;
		if (op == OP_EXC) {
			v = rnd_below(10) ? rnd_below(32) : rnd_below(256);
			ev.exception.nr = v;
			ev.exception.injected = rnd_below(2);
			ev.exception.pending = !ev.exception.injected;
			ev.exception.has_error_code = rnd_below(10) ?
				vector_has_error_code(v) : rnd_below(2);
			ev.exception.error_code = rnd_below(4) ? 0 : rnd();
			ev.exception_has_payload = ev.exception.pending && rnd_below(2);
			ev.exception_payload = ev.exception_has_payload ? rnd() : 0;
			sprintf(log + strlen(log), "(%d,%s%s%s)", v,
				ev.exception.injected ? "injected" : "pending",
				ev.exception.has_error_code ? ",ec" : "",
				ev.exception_has_payload ? ",payload" : "");
		} else if (op == OP_TF) {
			ev.triple_fault.pending = 1;
		} else if (op == OP_NMI) {
			ev.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
			if (rnd_below(2))
				ev.nmi.pending = 1;
			else
				ev.nmi.injected = 1;
			sprintf(log + strlen(log), "(%s)", ev.nmi.pending ? "pending" : "injected");
		} else {
			if (!s->has_smm)
				return true;
			ev.flags |= KVM_VCPUEVENT_VALID_SMM;
			ev.smi.pending = 1;
		}
		r = __vcpu_ioctl(s->vcpu, KVM_SET_VCPU_EVENTS, &ev);
		return check_ret(s, r, "KVM_SET_VCPU_EVENTS", log);
	case OP_MCE:
		if (!s->mce_banks)
			return true;
		mce.bank = rnd_below(s->mce_banks);
		mce.status = MCI_STATUS_VAL | MCI_STATUS_EN |
			     (rnd_below(2) ? MCI_STATUS_UC : 0);
		mce.mcg_status = rnd() & 7;	/* RIPV, EIPV, MCIP */
		sprintf(log + strlen(log), "(%s,mcg %llx)",
			mce.status & MCI_STATUS_UC ? "uc" : "ce", mce.mcg_status);
		r = __vcpu_ioctl(s->vcpu, KVM_X86_SET_MCE, &mce);
		return check_ret(s, r, "KVM_X86_SET_MCE", log);
	case OP_SMI_STEP:
		if (!s->has_smm)
			return true;
		debug.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
		r = __vcpu_ioctl(s->vcpu, KVM_SET_GUEST_DEBUG, &debug);
		if (!check_ret(s, r, "KVM_SET_GUEST_DEBUG", log))
			return false;
		r = __vcpu_ioctl(s->vcpu, KVM_SMI, NULL);
		return check_ret(s, r, "KVM_SMI", log);
	case OP_MTF:
		if (s->svm)
			return true;
		l1_mtf = rnd_below(2);
		sprintf(log + strlen(log), "(%s)", l1_mtf ? "on" : "off");
		sync_global_to_guest(s->vm, l1_mtf);
		return true;
	case OP_L1_TF:
		return l1_single_step(s, log);
	case OP_DBG:
		v = rnd_below(8);
		if (v)
			debug.control = KVM_GUESTDBG_ENABLE |
				(v & 1 ? KVM_GUESTDBG_INJECT_DB : 0) |
				(v & 2 ? KVM_GUESTDBG_INJECT_BP : 0) |
				(v & 4 ? KVM_GUESTDBG_SINGLESTEP : 0);
		sprintf(log + strlen(log), "(%x)", debug.control);
		r = __vcpu_ioctl(s->vcpu, KVM_SET_GUEST_DEBUG, &debug);
		return check_ret(s, r, "KVM_SET_GUEST_DEBUG", log);
	default:
		return do_run(s, op, log);
	}
}

static enum op pick_op(void)
{
	int total = 0, n, i;

	for (i = 0; i < NR_OPS; i++)
		total += op_weights[i];
	n = rnd_below(total);
	for (i = 0; n >= op_weights[i]; i++)
		n -= op_weights[i];
	return i;
}

static uint64_t sequence_seed(uint64_t seed, unsigned long index)
{
	return seed * 0x100000001b3ull + index;
}

/* Sequence index of run seed: returns false if it failed. */
static bool run_sequence(struct stress *s, uint64_t seed, unsigned long index)
{
	char log[1024];
	int nr_ops, i;
	bool ok = true;
	unsigned long before;

	rng_state = sequence_seed(seed, index);
	i = rnd_below(2);
	snprintf(log, sizeof(log), "start %s;", i ? "L2" : "L1");
	restore(s, i);
	if (getenv("STRESS_VERBOSE"))
		restore_check(s, i);
	nr_ops = 1 + rnd_below(MAX_OPS);
	/* The last operation runs the vCPU, so that stuffed state is consumed. */
	for (i = 0; i < nr_ops && ok && strlen(log) < sizeof(log) - 128; i++)
		ok = do_op(s, i == nr_ops - 1 ? OP_RUN : pick_op(), log);
	stats.ops += i;
	stats.sequences++;
	before = nr_sites;
	if (kmsg_scan(seed, index) || nr_sites != before)
		ok = false;
	if (!ok)
		ksft_print_msg("FAILED sequence %lu (seed %lu): %s\n", index, seed, log);
	else if (getenv("STRESS_VERBOSE"))
		ksft_print_msg("sequence %lu: %s\n", index, log);
	return ok;
}

static void usage(const char *name)
{
	printf("usage: %s [-s SEED] [-n COUNT] [-i FIRST] [-k]\n"
	       "  -s SEED   seed of the run (default 1)\n"
	       "  -n COUNT  number of sequences (default 1000)\n"
	       "  -i FIRST  index of the first sequence (default 0)\n"
	       "  -k        keep going after a failure\n", name);
	exit(KSFT_FAIL);
}

int main(int argc, char *argv[])
{
	unsigned long count = 1000, first = 0, failed = 0, i;
	unsigned long taint_before;
	uint64_t seed = 1;
	bool keep_going = false;
	struct stress s = {};
	struct timespec t0, t1;
	sigset_t block;
	int opt, e;

	while ((opt = getopt(argc, argv, "s:n:i:kh")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 'i': first = strtoul(optarg, NULL, 0); break;
		case 'k': keep_going = true; break;
		default: usage(argv[0]);
		}
	}

	ksft_print_header();
	ksft_set_plan(1);
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM) || kvm_cpu_has(X86_FEATURE_VMX));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_X86_TRIPLE_FAULT_EVENT));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_EXCEPTION_PAYLOAD));
	s.svm = kvm_cpu_has(X86_FEATURE_SVM);
	s.has_smm = kvm_has_cap(KVM_CAP_X86_SMM);

	/*
	 * SIGUSR1 is blocked in userspace and unblocked inside KVM_RUN
	 * (KVM_SET_SIGNAL_MASK), so a raised one stays pending until KVM_RUN
	 * sees it.  SIGALRM, the watchdog, interrupts whatever runs.
	 */
	signal(SIGUSR1, sigusr1_handler);
	signal(SIGALRM, sigalrm_handler);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);

	kmsg_open();
	taint_before = tainted();
	ksft_print_msg("%s, seed %lu, sequences %lu-%lu, tainted %lu at start\n",
		       s.svm ? "SVM" : "VMX", seed, first, first + count - 1, taint_before);

	stress_init(&s);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = first; i < first + count; i++) {
		if (run_sequence(&s, seed, i))
			continue;
		failed++;
		if (!keep_going)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	ksft_print_msg("sequences %lu, operations %lu, seconds %ld\n", stats.sequences,
		       stats.ops, (long)(t1.tv_sec - t0.tv_sec));
	ksft_print_msg("KVM_RUN %lu: EINTR %lu, IO %lu, SHUTDOWN %lu, DEBUG %lu, INTERNAL_ERROR %lu, FAIL_ENTRY %lu\n",
		       stats.runs, stats.run_eintr, stats.exits[KVM_EXIT_IO],
		       stats.exits[KVM_EXIT_SHUTDOWN], stats.exits[KVM_EXIT_DEBUG],
		       stats.exits[KVM_EXIT_INTERNAL_ERROR], stats.exits[KVM_EXIT_FAIL_ENTRY]);
	ksft_print_msg("ioctls refused with an errno: %lu, EIO: %lu\n", stats.refused, stats.eio);
	for (e = 0; e < nr_sites; e++)
		ksft_print_msg("site %d: %s: first at sequence %lu (seed %lu), %lu report(s)\n",
			       e + 1, sites[e].text, sites[e].index, sites[e].seed, sites[e].hits);
	ksft_print_msg("kernel reports %d site(s), tainted %lu at end\n", nr_sites, tainted());

	if (!failed && (tainted() & BIT(9)) && !(taint_before & BIT(9))) {
		ksft_print_msg("TAINT_WARN was set during the run\n");
		failed++;
	}
	stress_fini(&s);
	ksft_test_result(!failed, "nested_run_stress\n");
	ksft_finished();
}
