/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The notify filter and the name tables, without a kernel: the names agree
 * with libseccomp for every number, and the BPF is what the kernel's
 * constant-action cache (seccomp_cache, Linux 5.11+) can short-circuit —
 * an unlisted syscall reaches ALLOW from nr and arch alone, never reading
 * an argument, so the kernel answers it from a bitmap without running BPF.
 */
#include <linux/audit.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>

#include <libsensor/sensor-seccomp.h>

#include "sources/seccomp/seccomp-filter.h"
#include "testlib.h"

static void names_agree(struct scf_names *n, uint32_t audit_arch, uint32_t token, int bit)
{
	for (int round = 0; round < 2; round++) { /* the first fills the table, the second reads it */
		for (int nr = 0; nr < 1100; nr++) {
			char *want = seccomp_syscall_resolve_num_arch(token, nr | bit);
			const char *got = scf_syscall_name(n, audit_arch, nr | bit);

			if (want)
				cr_assert(got && strcmp(got, want) == 0, "arch %#x nr %d: '%s', libseccomp '%s'",
					  audit_arch, nr | bit, got ? got : "(null)", want);
			else
				cr_assert_null(got, "arch %#x nr %d: '%s', libseccomp knows none",
					       audit_arch, nr | bit, got);
			free(want);
		}
	}
}

Test(seccomp_filter, names_agree_with_libseccomp)
{
	struct scf_names *n;

	cr_assert_eq(scf_names_new(&n), 0);
	names_agree(n, seccomp_arch_native(), seccomp_arch_native(), 0);
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		names_agree(n, AUDIT_ARCH_I386, SCMP_ARCH_X86, 0);
		names_agree(n, AUDIT_ARCH_X86_64, SCMP_ARCH_X32, 0x40000000);
		cr_assert_str_eq(scf_syscall_name(n, AUDIT_ARCH_X86_64, 272), "unshare");
		cr_assert_str_eq(scf_arch_name(AUDIT_ARCH_X86_64, 0x40000000 | 272), "x32");
	}
	cr_assert_null(scf_syscall_name(n, seccomp_arch_native(), -1));
	scf_names_free(n);
}

/*
 * Run the classic BPF the way the kernel's cache emulation does (nr and arch
 * known, nothing else): returns the action, or -1 if the program read
 * anything else (an argument, the instruction pointer) before deciding.
 */
static long emulate(const struct sock_fprog *p, uint32_t arch, int nr)
{
	uint32_t a = 0;

	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->filter[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k == offsetof(struct seccomp_data, nr))
				a = (uint32_t)nr;
			else if (f->k == offsetof(struct seccomp_data, arch))
				a = arch;
			else
				return -1;
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			pc += a > f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			cr_assert_fail("instruction %#x the emulation does not know", f->code);
		}
	}
	cr_assert_fail("ran off the program");
	return -1;
}

static void check_arch(const struct sock_fprog *p, uint32_t arch, uint32_t token)
{
	const char *const *held = sensor_seccomp_default_syscalls();
	int allowed = 0;

	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(token, nr);
		bool is_held = false;
		long act = emulate(p, arch, nr);

		for (const char *const *h = held; name && *h; h++)
			if (strcmp(*h, name) == 0)
				is_held = true;
		/* only some socket families are held, so args decide (i386 also has
		 * socketcall(SYS_SOCKET, ...)) */
		if (name && (strcmp(name, "socket") == 0 || strcmp(name, "socketcall") == 0)) {
			cr_assert_eq(act, -1, "arch %#x %s: args decide", arch, name);
		} else if (is_held) {
			cr_assert_eq(act, SECCOMP_RET_USER_NOTIF, "arch %#x %s is held", arch, name);
		} else {
			cr_assert_eq(act, SECCOMP_RET_ALLOW,
				     "arch %#x nr %d (%s): unlisted but not allowed from nr and arch "
				     "alone (the kernel's cache could not skip the filter): %ld",
				     arch, nr, name ? name : "?", act);
			allowed++;
		}
		free(name);
	}
	cr_assert_gt(allowed, 900);
}

Test(seccomp_filter, unlisted_syscalls_are_allowed_from_nr_and_arch_alone)
{
	struct sock_fprog p = { 0 };
	const char *bad = NULL;

	cr_assert_eq(scf_build(sensor_seccomp_default_syscalls(), &p, &bad), 0);
	cr_assert_null(bad);
	check_arch(&p, seccomp_arch_native(), seccomp_arch_native());
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		check_arch(&p, AUDIT_ARCH_I386, SCMP_ARCH_X86); /* the kernel's compat bitmap */
	free(p.filter);
}

Test(seccomp_filter, unknown_name_is_refused)
{
	static const char *const names[] = { "unshare", "no_such_syscall", NULL };
	struct sock_fprog p = { 0 };
	const char *bad = NULL;

	cr_assert_eq(scf_build(names, &p, &bad), -EINVAL);
	cr_assert_str_eq(bad, "no_such_syscall");
	cr_assert_null(p.filter);
}
