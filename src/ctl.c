// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl: the control socket, bounded requests, one answer per connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

/*
 * A client is served in three steps, all driven by the event loop and none
 * waiting on the client: its request is read, its answer is sent as fast
 * as it reads it, then what it still sends is read and dropped until it
 * closes (closing on unread bytes would reset the connection, and the
 * client could lose the answer it had not read yet). A client slow at any
 * step is dropped when its step's time is up; the others, the alerts and
 * the timers go on meanwhile.
 */
enum ctl_step { CTL_READ, CTL_WRITE, CTL_DRAIN };

struct ctl_client {
	int fd;
	enum ctl_step step;
	time_t since; /* when the current step began */
	uid_t uid;
	pid_t pid;
	size_t len;
	char buf[CTL_MAX_REQUEST];
	char *out; /* the answer: @out_len bytes, @out_off of them sent */
	size_t out_len, out_off;
	struct ctl *ctl;
};

struct ctl {
	struct ev *ev;
	int fd;
	char *path;
	ctl_handler handler;
	void *arg;
	struct ctl_client *clients[CTL_MAX_CLIENTS];
	/* What was logged about clients this second, to bound the log. */
	time_t log_sec;
	unsigned logged, unlogged;
};

int ctl_request_parse(const char *line, size_t len, struct ctl_request *r,
		      const char **why)
{
	char *p, *word;

	memset(r, 0, sizeof(*r));
	if (len == 0) {
		*why = "empty request";
		return -1;
	}
	if (len > CTL_MAX_REQUEST - 1) {
		*why = "request too long";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (line[i] < 0x20 || line[i] > 0x7e) {
			*why = "request holds a non-printable byte";
			return -1;
		}
	}
	memcpy(r->buf, line, len);
	r->buf[len] = '\0';
	p = r->buf;
	while ((word = strsep(&p, " ")) != NULL) {
		if (*word == '\0') {
			*why = "words must be separated by one space";
			return -1;
		}
		if (!r->cmd && !r->json && !strcmp(word, "json")) {
			r->json = true;
		} else if (!r->cmd) {
			r->cmd = word;
		} else if (r->argc < CTL_MAX_ARGS) {
			r->argv[r->argc++] = word;
		} else {
			*why = "too many arguments";
			return -1;
		}
	}
	if (!r->cmd) {
		*why = "no command";
		return -1;
	}
	return 0;
}

/*
 * A client's misbehaviour, in the log, at most CTL_LOG_PER_SECOND lines a
 * second: whoever may connect could otherwise fill it. What is held back
 * is counted into the next line.
 */
#define CTL_LOG_PER_SECOND 10

static void ctl_log(struct ctl *ctl, const struct ctl_client *cl,
		    const char *what)
{
	time_t now = time(NULL);

	if (now != ctl->log_sec) {
		ctl->log_sec = now;
		ctl->logged = 0;
	}
	if (ctl->logged >= CTL_LOG_PER_SECOND) {
		ctl->unlogged++;
		return;
	}
	ctl->logged++;
	char more[48] = "";
	if (ctl->unlogged)
		snprintf(more, sizeof(more), " (and %u more not logged)",
			 ctl->unlogged);
	log_warnx("control socket: client pid %ld uid %ld: %s%s",
		  (long)cl->pid, (long)cl->uid, what, more);
	ctl->unlogged = 0;
}

static void ctl_client_free(struct ctl_client *cl)
{
	struct ctl *ctl = cl->ctl;

	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl)
			ctl->clients[i] = NULL;
	ev_del(ctl->ev, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

/* The answer is all sent: read what else comes, until the client closes. */
static void ctl_drain(struct ctl_client *cl)
{
	shutdown(cl->fd, SHUT_WR);
	cl->step = CTL_DRAIN;
	cl->since = time(NULL);
	if (ev_mod(cl->ctl->ev, cl->fd, EPOLLIN) < 0)
		ctl_client_free(cl);
}

/* Send what the socket takes of the answer; when all is sent, drain. */
static void ctl_send(struct ctl_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off,
				 cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* It went away before reading its answer: its call. */
			ctl_client_free(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	ctl_drain(cl);
}

/* Answer @cl with @len bytes of @text (its to free), sent from the loop. */
static void ctl_reply(struct ctl_client *cl, char *text, size_t len)
{
	cl->out = text;
	cl->out_len = len;
	cl->out_off = 0;
	cl->step = CTL_WRITE;
	cl->since = time(NULL);
	if (ev_mod(cl->ctl->ev, cl->fd, EPOLLOUT) < 0) {
		ctl_client_free(cl);
		return;
	}
	ctl_send(cl);
}

/* Answer "error @why", logged as the client's mistake. */
static void ctl_refuse(struct ctl_client *cl, const char *why)
{
	char *text = NULL;
	int n = asprintf(&text, "error %s\n", why);

	ctl_log(cl->ctl, cl, why);
	if (n < 0) {
		ctl_client_free(cl);
		return;
	}
	ctl_reply(cl, text, (size_t)n);
}

static void ctl_answer(struct ctl_client *cl, size_t len)
{
	struct ctl *ctl = cl->ctl;
	struct ctl_request req;
	const char *why;
	char *body = NULL, *text = NULL;
	size_t body_len = 0;
	FILE *out;
	int rc, n;

	if (ctl_request_parse(cl->buf, len, &req, &why) < 0) {
		ctl_refuse(cl, why);
		return;
	}
	req.uid = cl->uid;
	req.pid = cl->pid;
	out = open_memstream(&body, &body_len);
	if (!out) {
		ctl_client_free(cl);
		return;
	}
	/* The answer is written after "ok\n", which is its head unless the
	 * handler fails. */
	fputs("ok\n", out);
	rc = ctl->handler(&req, out, ctl->arg);
	if (fclose(out) != 0 || !body || body_len < 3) {
		free(body);
		ctl_client_free(cl);
		return;
	}
	if (rc == 0) {
		ctl_reply(cl, body, body_len);
		return;
	}
	/* One line: the first of the handler's message. */
	body[3 + strcspn(body + 3, "\n")] = '\0';
	n = asprintf(&text, "error %s\n", body + 3);
	free(body);
	if (n < 0) {
		ctl_client_free(cl);
		return;
	}
	ctl_reply(cl, text, (size_t)n);
}

static void ctl_client_io(int fd, uint32_t events, void *arg)
{
	struct ctl_client *cl = arg;
	ssize_t n;
	char *nl;

	if (cl->step == CTL_WRITE) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			ctl_send(cl);
		return;
	}
	if (cl->step == CTL_DRAIN) {
		char sink[512];

		n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			ctl_client_free(cl);
		return;
	}
	n = recv(fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (cl->len > 0)
			ctl_log(cl->ctl, cl, "closed before ending its request");
		ctl_client_free(cl);
		return;
	}
	cl->len += (size_t)n;
	nl = memchr(cl->buf, '\n', cl->len);
	if (nl)
		ctl_answer(cl, (size_t)(nl - cl->buf));
	else if (cl->len == sizeof(cl->buf))
		ctl_refuse(cl, "request too long");
}

/*
 * Slots a uid other than root's may hold, and all such uids together: any
 * member of the socket's group can connect, and must not be able to keep
 * root, or the other members, out.
 */
#define CTL_MAX_PER_UID	 4
#define CTL_MAX_NON_ROOT (CTL_MAX_CLIENTS - CTL_MAX_PER_UID)

/* Why a client of @uid gets no slot now, or NULL; its slot in *@slot. */
static const char *ctl_slot(const struct ctl *ctl, uid_t uid, size_t *slot)
{
	size_t same = 0, non_root = 0;

	*slot = CTL_MAX_CLIENTS;
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct ctl_client *cl = ctl->clients[i];

		if (!cl) {
			if (*slot == CTL_MAX_CLIENTS)
				*slot = i;
			continue;
		}
		same += cl->uid == uid;
		non_root += cl->uid != 0;
	}
	if (*slot == CTL_MAX_CLIENTS)
		return "too many clients";
	if (uid != 0 && same >= CTL_MAX_PER_UID)
		return "too many clients of this user";
	if (uid != 0 && non_root >= CTL_MAX_NON_ROOT)
		return "too many clients";
	return NULL;
}

static void ctl_accept(int fd, uint32_t events, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_client *cl;
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	const char *why;
	size_t slot;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(cfd);
		return;
	}
	cl->fd = cfd;
	cl->ctl = ctl;
	cl->since = time(NULL);
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
		cl->uid = cred.uid;
		cl->pid = cred.pid;
	} else {
		cl->uid = (uid_t)-1;
		cl->pid = 0;
	}
	why = ctl_slot(ctl, cl->uid, &slot);
	if (why) {
		/* No slot to serve it from: a line, without waiting. */
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "error %s\n", why);

		ctl_log(ctl, cl, why);
		send(cfd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(cfd);
		free(cl);
		return;
	}
	if (ev_add(ctl->ev, cfd, EPOLLIN, ctl_client_io, cl) < 0) {
		close(cfd);
		free(cl);
		return;
	}
	ctl->clients[slot] = cl;
}

/*
 * Whether a daemon answers on the socket at @path: then it is not stale,
 * and a second daemon must not take its place.
 */
static bool ctl_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	/* A full backlog (EAGAIN) is a daemon too, only a busy one. */
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	       errno == EAGAIN;
	close(fd);
	return live;
}

struct ctl *ctl_open(struct ev *ev, const char *path, gid_t gid,
		     ctl_handler handler, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return NULL;
	ctl->ev = ev;
	ctl->handler = handler;
	ctl->arg = arg;
	ctl->path = strdup(path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (!ctl->path || ctl->fd < 0) {
		log_warn("control socket %s", path);
		goto fail;
	}
	/* A socket left by a daemon that died is replaced, anything else not. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: exists and is not a "
				  "socket",
				  path);
			goto fail;
		}
		if (ctl_live(&sun)) {
			log_warnx("control socket %s: another bunrid answers "
				  "on it",
				  path);
			goto fail;
		}
		unlink(path);
	}
	mode_t old = umask(0117);
	int rc = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0) {
		log_warn("control socket %s: bind", path);
		goto fail;
	}
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)
		log_warn("control socket %s: chown", path);
	if (listen(ctl->fd, CTL_MAX_CLIENTS) < 0 ||
	    ev_add(ev, ctl->fd, EPOLLIN, ctl_accept, ctl) < 0) {
		log_warn("control socket %s: listen", path);
		goto fail;
	}
	return ctl;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl->path);
	free(ctl);
	return NULL;
}

void ctl_tick(struct ctl *ctl, time_t now)
{
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = ctl->clients[i];
		char what[96];

		if (!cl || now - cl->since <= CTL_IDLE_SECONDS)
			continue;
		if (cl->step == CTL_READ)
			ctl_log(ctl, cl, "no whole request in time: dropped");
		if (cl->step == CTL_WRITE) {
			snprintf(what, sizeof(what),
				 "answer not read in time, %zu of %zu bytes "
				 "unsent: dropped",
				 cl->out_len - cl->out_off, cl->out_len);
			ctl_log(ctl, cl, what);
		}
		ctl_client_free(cl);
	}
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl)
		return;
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl->clients[i])
			ctl_client_free(ctl->clients[i]);
	ev_del(ctl->ev, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
