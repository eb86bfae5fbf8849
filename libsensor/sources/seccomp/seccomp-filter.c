/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Notify filter, notification sizes and names (see seccomp-filter.h). */
#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp-filter.h"

#define SOCK_TYPE_MASK 0xf /* the type without SOCK_CLOEXEC / SOCK_NONBLOCK */
#define X32_SYSCALL_BIT 0x40000000
#define NAME_CACHE 1024

static int add_rule(scmp_filter_ctx f, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name), r;

	if (nr == __NR_SCMP_ERROR)
		return -EINVAL;
	if (strcmp(name, "socket") != 0)
		return seccomp_rule_add(f, SCMP_ACT_NOTIFY, nr, 0);
	/* Packet sockets and raw sockets of any family; other sockets stay in the kernel. */
	r = seccomp_rule_add(f, SCMP_ACT_NOTIFY, nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET));
	if (r == 0)
		r = seccomp_rule_add(f, SCMP_ACT_NOTIFY, nr, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, SOCK_TYPE_MASK, SOCK_RAW));
	return r;
}

/* The 32-bit ABIs of an x86_64 kernel are a way around a 64-bit-only filter: cover them. */
static int add_arches(scmp_filter_ctx f)
{
	int r;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return 0;
	r = seccomp_arch_add(f, SCMP_ARCH_X86);
	if (r < 0 && r != -EEXIST)
		return r;
	r = seccomp_arch_add(f, SCMP_ARCH_X32);
	return r < 0 && r != -EEXIST ? r : 0;
}

int scf_build(const char *const *names, struct sock_fprog *prog, const char **bad_name)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	struct sock_filter *insns = NULL;
	int mfd = -1, r;
	off_t sz;

	if (!f)
		return -ENOMEM;
	r = add_arches(f);
	for (; r == 0 && names && *names; names++) {
		r = add_rule(f, *names);
		if (r < 0 && bad_name)
			*bad_name = *names;
	}
	if (r < 0)
		goto out;
	/* seccomp_export_bpf writes to an fd: collect it in memory. */
	mfd = memfd_create("sensor-seccomp-bpf", MFD_CLOEXEC);
	if (mfd < 0) {
		r = -errno;
		goto out;
	}
	r = seccomp_export_bpf(f, mfd);
	if (r < 0)
		goto out;
	sz = lseek(mfd, 0, SEEK_END);
	if (sz <= 0 || sz % (off_t)sizeof(struct sock_filter) ||
	    sz / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = -E2BIG;
		goto out;
	}
	insns = malloc((size_t)sz);
	if (!insns) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(mfd, insns, (size_t)sz, 0) != sz) {
		r = -EIO;
		goto out;
	}
	prog->filter = insns;
	prog->len = (unsigned short)(sz / (off_t)sizeof(struct sock_filter));
	insns = NULL;
	r = 0;
out:
	free(insns);
	if (mfd >= 0)
		close(mfd);
	seccomp_release(f);
	return r;
}

int scf_notif_sizes(struct seccomp_notif_sizes *sizes)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, sizes) < 0)
		return errno == EINVAL ? -ENOSYS : -errno;
	return 0;
}

const char *scf_arch_name(uint32_t arch, int nr)
{
	switch (arch) {
	case AUDIT_ARCH_X86_64: return (nr & X32_SYSCALL_BIT) ? "x32" : "x86_64";
	case AUDIT_ARCH_I386: return "i386";
	case AUDIT_ARCH_AARCH64: return "aarch64";
	case AUDIT_ARCH_ARM: return "arm";
	case AUDIT_ARCH_PPC64LE: return "ppc64le";
	case AUDIT_ARCH_PPC64: return "ppc64";
	case AUDIT_ARCH_S390X: return "s390x";
	case AUDIT_ARCH_RISCV64: return "riscv64";
	default: return "unknown";
	}
}

/*
 * Names per ABI, resolved once per number (libseccomp's lookup is a linear
 * search that returns a malloc'd copy: too slow for every notification).
 * The native ABI and, on x86_64, i386 and x32 (indexed without the x32 bit).
 */
struct name_tab {
	uint32_t token;              /* SCMP_ARCH_* (the AUDIT_ARCH_* value) */
	char *names[NAME_CACHE];     /* NULL: not asked yet; "": libseccomp does not know it */
};

struct scf_names {
	struct name_tab tab[3];
	unsigned ntab;
	char other[64];              /* the last name outside the tables */
};

int scf_names_new(struct scf_names **ret)
{
	struct scf_names *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->tab[n->ntab++].token = seccomp_arch_native();
	if (n->tab[0].token == SCMP_ARCH_X86_64) {
		n->tab[n->ntab++].token = SCMP_ARCH_X86;
		n->tab[n->ntab++].token = SCMP_ARCH_X32;
	}
	*ret = n;
	return 0;
}

void scf_names_free(struct scf_names *n)
{
	if (!n)
		return;
	for (unsigned t = 0; t < n->ntab; t++)
		for (unsigned i = 0; i < NAME_CACHE; i++)
			free(n->tab[t].names[i]);
	free(n);
}

const char *scf_syscall_name(struct scf_names *n, uint32_t arch, int nr)
{
	uint32_t token = arch;
	int idx = nr;
	char *s;

	if (nr < 0)
		return NULL;
	if (arch == AUDIT_ARCH_X86_64 && (nr & X32_SYSCALL_BIT)) {
		token = SCMP_ARCH_X32;
		idx = nr & ~X32_SYSCALL_BIT;
	}
	for (unsigned t = 0; t < n->ntab; t++) {
		struct name_tab *tab = &n->tab[t];

		if (tab->token != token || idx >= NAME_CACHE)
			continue;
		if (!tab->names[idx]) {
			s = seccomp_syscall_resolve_num_arch(token, nr);
			tab->names[idx] = s ? s : strdup("");
		}
		s = tab->names[idx];
		return s && *s ? s : NULL;
	}
	/* Another ABI, or a number past the tables: resolve each time, keep one copy. */
	s = seccomp_syscall_resolve_num_arch(token, nr);
	if (!s)
		return NULL;
	strncpy(n->other, s, sizeof(n->other) - 1);
	n->other[sizeof(n->other) - 1] = '\0';
	free(s);
	return n->other;
}
