// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket over a real UNIX socket, served by a real event loop
 * in this process: requests, hostile and slow clients, a second daemon.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ev.h"
#include "log.h"
#include "unit.h"

/* The answer to "big": more than a socket buffer holds. */
#define BIG_LEN (4u << 20)

static char dir[] = "/tmp/test_ctl_XXXXXX";
static char path[sizeof(dir) + 16];
static struct ev *ev;
static struct ctl *ctl;
static unsigned handled;

static int handler(const struct ctl_request *r, FILE *out, void *arg)
{
	(void)arg;
	handled++;
	if (!strcmp(r->cmd, "big")) {
		for (size_t i = 0; i < BIG_LEN / 64; i++)
			fprintf(out, "%063zu\n", i);
		return 0;
	}
	if (!strcmp(r->cmd, "fail")) {
		fputs("first line\nsecond line\n", out);
		return -1;
	}
	fprintf(out, "%s%s argc=%d\n", r->json ? "json " : "", r->cmd,
		r->argc);
	return 0;
}

static void setup(void)
{
	log_init("test_ctl", false, LOG_LOCAL4);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	ev = ev_new();
	ck_assert_ptr_nonnull(ev);
	ctl = ctl_open(ev, path, (gid_t)-1, handler, NULL);
	ck_assert_ptr_nonnull(ctl);
	handled = 0;
}

static void teardown(void)
{
	ctl_close(ctl);
	ev_free(ev);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/test_ctl_XXXXXX");
}

static int client(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Serve for @ms milliseconds, or until *@done. */
static void serve(int ms, const bool *done)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long gone = (t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (gone >= ms || (done && *done))
			return;
		ev_run_once(ev, 10);
	}
}

/* What @fd says until it closes, serving meanwhile; at most @ms. */
static char *read_all(int fd, int ms)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char chunk[65536];
		struct pollfd p = {.fd = fd, .events = POLLIN};

		ev_run_once(ev, 0);
		if (poll(&p, 1, 5) == 1) {
			ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
			if (n <= 0)
				break;
			fwrite(chunk, 1, (size_t)n, m);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
			(t.tv_nsec - t0.tv_nsec) / 1000000 >
		    ms)
			break;
	}
	fclose(m);
	return buf;
}

static char *ask(const char *req)
{
	int fd = client();
	char *a;

	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL),
			 (ssize_t)strlen(req));
	a = read_all(fd, 2000);
	close(fd);
	return a;
}

START_TEST(requests_and_errors)
{
	char *a = ask("json status x y\n");
	ck_assert_str_eq(a, "ok\njson status argc=2\n");
	free(a);
	/* Of a failed request, its first line. */
	a = ask("fail\n");
	ck_assert_str_eq(a, "error first line\n");
	free(a);
	a = ask("status  x\n");
	ck_assert_str_eq(a, "error words must be separated by one space\n");
	free(a);
	a = ask("\x01\n");
	ck_assert_str_eq(a, "error request holds a non-printable byte\n");
	free(a);
}
END_TEST

START_TEST(too_long_answered_not_reset)
{
	/* A request longer than allowed is answered with an error line, and
	 * what the client still sends is read until it closes: closing on
	 * unread bytes would reset the connection before the client read
	 * its answer. */
	int fd = client();
	char big[4096];

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(send(fd, big, sizeof(big), MSG_NOSIGNAL),
			 (ssize_t)sizeof(big));
	char *a = read_all(fd, 2000);
	ck_assert_str_eq(a, "error request too long\n");
	free(a);
	close(fd);
	ck_assert_uint_eq(handled, 0);
}
END_TEST

START_TEST(slow_reader_stalls_no_one)
{
	/* A client that asks for a long answer and never reads it. */
	int slow = client();
	ck_assert_int_eq(send(slow, "big\n", 4, MSG_NOSIGNAL), 4);
	serve(50, NULL);
	ck_assert_uint_eq(handled, 1);

	/* Others are answered at once meanwhile. */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 5; i++) {
		char *a = ask("status\n");
		ck_assert_str_eq(a, "ok\nstatus argc=0\n");
		free(a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	long ms = (t.tv_sec - t0.tv_sec) * 1000 +
		  (t.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_msg(ms < 1000, "five answers took %ld ms", ms);

	/* The slow one, once it reads, gets all of its answer. */
	char *a = read_all(slow, 10000);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(strlen(a), 3 + BIG_LEN);
	ck_assert(!strncmp(a, "ok\n", 3));
	char last[80];
	snprintf(last, sizeof(last), "%063u\n", BIG_LEN / 64 - 1);
	ck_assert_str_eq(a + strlen(a) - 64, last);
	free(a);
	close(slow);
}
END_TEST

START_TEST(slow_reader_dropped_in_time)
{
	int slow = client();
	ck_assert_int_eq(send(slow, "big\n", 4, MSG_NOSIGNAL), 4);
	serve(50, NULL);
	/* Past its time, the tick drops it: the rest is not sent. */
	ctl_tick(ctl, time(NULL) + CTL_IDLE_SECONDS + 1);
	char *a = read_all(slow, 5000);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_lt(strlen(a), 3 + BIG_LEN);
	free(a);
	close(slow);
}
END_TEST

START_TEST(second_daemon_refused)
{
	/* A live daemon's socket is not taken over. */
	struct ev *ev2 = ev_new();
	ck_assert_ptr_nonnull(ev2);
	ck_assert_ptr_null(ctl_open(ev2, path, (gid_t)-1, handler, NULL));
	char *a = ask("status\n");
	ck_assert_str_eq(a, "ok\nstatus argc=0\n");
	free(a);

	/* A stale one, left by a daemon that died, is. */
	ctl_close(ctl);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ctl = ctl_open(ev2, path, (gid_t)-1, handler, NULL);
	ck_assert_ptr_nonnull(ctl);
	ctl_close(ctl);
	ev_free(ev2);
	ctl = ctl_open(ev, path, (gid_t)-1, handler, NULL);
	ck_assert_ptr_nonnull(ctl);
}
END_TEST

/*
 * Idle connections of one user other than root, from child processes
 * that take uid 65534: they cannot keep root out, nor take more than
 * their share. Needs root to change uid, as the CI runs.
 */
START_TEST(one_user_cannot_fill_the_socket)
{
	if (geteuid() != 0) {
		fprintf(stderr, "one_user_cannot_fill_the_socket: needs root\n");
		return;
	}
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(path, 0666), 0);

	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* CTL_MAX_CLIENTS idle connections, then what the last says. */
		int fds[CTL_MAX_CLIENTS];
		char answer[64] = "";

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		for (int i = 0; i < CTL_MAX_CLIENTS; i++)
			fds[i] = client();
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		ssize_t n = recv(fds[CTL_MAX_CLIENTS - 1], answer,
				 sizeof(answer) - 1, 0);
		if (n > 0 && write(ready[1], answer, (size_t)n) != n)
			_exit(2);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	serve(200, NULL);
	char refused[64] = "";
	ssize_t n = read(ready[0], refused, sizeof(refused) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(refused, "error too many clients of this user\n");

	/* Root is served meanwhile. */
	char *a = ask("status\n");
	ck_assert_str_eq(a, "ok\nstatus argc=0\n");
	free(a);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, requests_and_errors);
	tcase_add_test(tc, too_long_answered_not_reset);
	tcase_add_test(tc, slow_reader_stalls_no_one);
	tcase_add_test(tc, slow_reader_dropped_in_time);
	tcase_add_test(tc, second_daemon_refused);
	tcase_add_test(tc, one_user_cannot_fill_the_socket);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ctl_suite)
