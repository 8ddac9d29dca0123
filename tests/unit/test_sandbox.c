// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox: in a child process under the capture process's filter, what a
 * taken-over capture process would try is refused, and what the capture
 * loop, malloc and syslog need still works.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "unit.h"

static volatile sig_atomic_t got_signal;

static void on_usr1(int sig)
{
	(void)sig;
	got_signal = 1;
}

/* Bit @bit of the child's exit status when @ok is false. */
#define EXPECT(ok, bit)                                                        \
	do {                                                                   \
		if (!(ok))                                                     \
			fails |= 1u << (bit);                                  \
	} while (0)

/* In the child: every check, a bit of the exit status each. */
static unsigned sandboxed_checks(pid_t parent)
{
	char *argv[] = {"/bin/true", NULL};
	unsigned fails = 0;
	char err[128];
	int fd, st;
	pid_t pid;

	if (sandbox_capture(err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1u << 0;
	}
	errno = 0;
	EXPECT(kill(parent, 0) < 0 && errno == EPERM, 1);
	EXPECT(syscall(SYS_tgkill, parent, parent, 0) < 0 && errno == EPERM,
	       2);
	EXPECT(syscall(SYS_tkill, parent, 0) < 0 && errno == EPERM, 3);
	EXPECT(kill(0, 0) < 0 && errno == EPERM, 4); /* the process group */
	execv(argv[0], argv);
	EXPECT(errno == EPERM, 5);
	EXPECT(socket(AF_INET, SOCK_DGRAM, 0) < 0 && errno == EPERM, 6);
	EXPECT(socket(AF_PACKET, SOCK_RAW, 0) < 0 && errno == EPERM, 7);
	EXPECT(unshare(CLONE_NEWUSER) < 0 && errno == EPERM, 8);
	EXPECT(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, parent, 0, 0) < 0 &&
		   errno == EPERM,
	       9);
	/* What stays: signalling itself (abort() does), a UNIX socket (the
	 * syslog connection), memory, a child process. */
	signal(SIGUSR1, on_usr1);
	EXPECT(raise(SIGUSR1) == 0 && got_signal, 10);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	EXPECT(fd >= 0, 11);
	if (fd >= 0)
		close(fd);
	void *big = malloc(8 << 20);
	EXPECT(big != NULL, 12);
	free(big);
	pid = fork();
	if (pid == 0)
		_exit(7);
	EXPECT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		   WEXITSTATUS(st) == 7,
	       13);
	return fails;
}

/*
 * The checks in a child process, after @setup (when not NULL) has run
 * there; every check must pass. The child reports the bits of those that
 * failed through a pipe (bit 0: no filter at all).
 */
static void run_sandboxed(int (*setup)(void))
{
	pid_t parent = getpid(), pid;
	unsigned fails = ~0u;
	int p[2], st;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setup && setup() < 0)
			_exit(2);
		fails = sandboxed_checks(parent);
		_exit(write(p[1], &fails, sizeof(fails)) == sizeof(fails) ? 0
									  : 1);
	}
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	ck_assert_int_eq(read(p[0], &fails, sizeof(fails)), sizeof(fails));
	close(p[0]);
	ck_assert_msg(fails == 0, "checks failed: %#x", fails);
}

START_TEST(test_refused_and_kept)
{
	run_sandboxed(NULL);
}
END_TEST

/*
 * bunrid.service's filter stood in for: SystemCallFilter=@system-service
 * refuses seccomp(2) itself, with EPERM. Made by hand, so that libseccomp
 * has not yet probed the system call when the sandbox loads.
 */
static int refuse_seccomp_syscall(void)
{
	static struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]),
				  .filter = code};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -1;
	/* It works: seccomp(2) now fails with EPERM. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL) >= 0 ||
	    errno != EPERM)
		return -1;
	return 0;
}

/* Under that unit the filter still goes in, through prctl(). */
START_TEST(test_under_unit_filter)
{
	run_sandboxed(refuse_seccomp_syscall);
}
END_TEST

#if defined(__x86_64__)
/* A 32-bit system call goes round a filter of the 64-bit ones: the
 * process is killed instead. */
/* The exit status of a child that makes a 32-bit getpid(), under the
 * sandbox when @sandboxed. */
static int i386_getpid_status(bool sandboxed)
{
	pid_t pid = fork();
	int st;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[128];
		long r = 20; /* getpid in the i386 table */

		if (sandboxed && sandbox_capture(err, sizeof(err)) < 0)
			_exit(2);
		__asm__ volatile("int $0x80" : "+a"(r)::"memory");
		_exit(3);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

START_TEST(test_other_abi_killed)
{
	int st = i386_getpid_status(false);

	/* A kernel without the 32-bit ABI (ia32_emulation=0) refuses the
	 * call by itself: nothing goes round the filter there. */
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		return;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x",
		      st);
	st = i386_getpid_status(true);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		      "status %#x", st);
}
END_TEST
#endif

static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_test(tc, test_refused_and_kept);
	tcase_add_test(tc, test_under_unit_filter);
#if defined(__x86_64__)
	tcase_add_test(tc, test_other_abi_killed);
#endif
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(sandbox_suite)
