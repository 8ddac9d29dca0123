// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox: the capture process's seccomp filter. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

/* Refused whatever their arguments. */
static const int refused[] = {
	SCMP_SYS(kill),
	SCMP_SYS(tkill),
	SCMP_SYS(rt_sigqueueinfo),
	SCMP_SYS(pidfd_open),
	SCMP_SYS(pidfd_send_signal),
	SCMP_SYS(pidfd_getfd),
	SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev),
	SCMP_SYS(process_madvise),
	SCMP_SYS(kcmp),
	SCMP_SYS(execve),
	SCMP_SYS(execveat),
	SCMP_SYS(unshare),
	SCMP_SYS(setns),
	SCMP_SYS(io_uring_setup),
	SCMP_SYS(io_uring_enter),
	SCMP_SYS(io_uring_register),
	SCMP_SYS(bpf),
	SCMP_SYS(perf_event_open),
	SCMP_SYS(userfaultfd),
	SCMP_SYS(add_key),
	SCMP_SYS(request_key),
	SCMP_SYS(keyctl),
};

static const scmp_datum_t ns_flags[] = {
	CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWNET,    CLONE_NEWPID,
	CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP,
};

/* clone()'s flags: its first argument, but on s390 its second. */
#if defined(__s390__)
#define CLONE_FLAGS SCMP_A1
#else
#define CLONE_FLAGS SCMP_A0
#endif

/* A rule answering system call @nr with @errnum when its @n arguments
 * match @arg; on failure, the message into @err. */
static int rule(scmp_filter_ctx ctx, int errnum, int nr, unsigned n,
		const struct scmp_arg_cmp *arg, char *err, unsigned len)
{
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(errnum), nr, n,
					arg);

	if (rc < 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
							      nr);

		snprintf(err, len, "seccomp rule for %s: %s",
			 name ? name : "?", strerror(-rc));
		free(name);
	}
	return rc;
}

static int rules(scmp_filter_ctx ctx, char *err, unsigned len)
{
	/* A process may still signal itself: abort() does. */
	struct scmp_arg_cmp other =
	    SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)getpid());
	struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (rule(ctx, EPERM, refused[i], 0, NULL, err, len) < 0)
			return -1;
	if (rule(ctx, EPERM, SCMP_SYS(tgkill), 1, &other, err, len) < 0 ||
	    rule(ctx, EPERM, SCMP_SYS(rt_tgsigqueueinfo), 1, &other, err,
		 len) < 0 ||
	    rule(ctx, EPERM, SCMP_SYS(socket), 1, &not_unix, err, len) < 0)
		return -1;
	/* clone() making a namespace, a flag at a time (a rule compares
	 * masked bits for equality only); clone3() keeps its flags in
	 * memory, out of a filter's reach, and is refused with ENOSYS, which
	 * makes glibc fall back to clone(). */
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		struct scmp_arg_cmp flag = CLONE_FLAGS(
		    SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);

		if (rule(ctx, EPERM, SCMP_SYS(clone), 1, &flag, err, len) < 0)
			return -1;
	}
	return rule(ctx, ENOSYS, SCMP_SYS(clone3), 0, NULL, err, len) < 0 ? -1
									 : 0;
}

int sandbox_capture(char *err, unsigned len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx) {
		snprintf(err, len, "seccomp: cannot make a filter");
		return -1;
	}
	/* The filter covers the native ABI only: a call of another one is
	 * a way around it, and kills the caller (libseccomp's default for
	 * a foreign architecture). The capture process has one thread, so
	 * that ends it. SCMP_ACT_KILL_PROCESS would say so outright, but
	 * needs seccomp(2), which bunrid.service's SystemCallFilter refuses:
	 * libseccomp then loads the filter through prctl(). */
	rc = rules(ctx, err, len);
	if (rc < 0)
		goto out;
	rc = seccomp_load(ctx);
	if (rc < 0)
		snprintf(err, len, "seccomp: cannot load the filter: %s",
			 strerror(-rc));
out:
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}
