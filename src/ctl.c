// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl: the control socket, bounded requests, one answer per connection. */
#include <errno.h>
#include <fcntl.h>
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

struct ctl_client {
	int fd;
	time_t since;
	size_t len;
	char buf[CTL_MAX_REQUEST];
	struct ctl *ctl;
};

struct ctl {
	struct ev *ev;
	int fd;
	char *path;
	ctl_handler handler;
	void *arg;
	struct ctl_client *clients[CTL_MAX_CLIENTS];
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

static void ctl_client_free(struct ctl_client *cl)
{
	struct ctl *ctl = cl->ctl;

	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl)
			ctl->clients[i] = NULL;
	ev_del(ctl->ev, cl->fd);
	close(cl->fd);
	free(cl);
}

/* Write all of @buf, giving up after a bounded wait for a slow reader. */
static void ctl_write_all(int fd, const char *buf, size_t len)
{
	struct timeval tv = { .tv_sec = 2 };
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void ctl_answer(struct ctl_client *cl, size_t len)
{
	struct ctl *ctl = cl->ctl;
	struct ctl_request req;
	struct ucred cred;
	socklen_t cl_len = sizeof(cred);
	const char *why;
	char *body = NULL;
	size_t body_len = 0;
	FILE *out;
	int rc = -1;

	if (ctl_request_parse(cl->buf, len, &req, &why) < 0) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "error %s\n", why);
		ctl_write_all(cl->fd, msg, n);
		return;
	}
	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl_len) == 0) {
		req.uid = cred.uid;
		req.pid = cred.pid;
	} else {
		req.uid = (uid_t)-1;
	}
	out = open_memstream(&body, &body_len);
	if (!out)
		return;
	rc = ctl->handler(&req, out, ctl->arg);
	if (fclose(out) != 0 || !body) {
		free(body);
		return;
	}
	if (rc == 0) {
		ctl_write_all(cl->fd, "ok\n", 3);
		ctl_write_all(cl->fd, body, body_len);
	} else {
		/* One line: the first of the handler's message. */
		body[strcspn(body, "\n")] = '\0';
		ctl_write_all(cl->fd, "error ", 6);
		ctl_write_all(cl->fd, body, strlen(body));
		ctl_write_all(cl->fd, "\n", 1);
	}
	free(body);
}

static void ctl_client_read(int fd, uint32_t events, void *arg)
{
	struct ctl_client *cl = arg;
	ssize_t n;
	char *nl;

	(void)events;
	n = recv(fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ctl_client_free(cl);
		return;
	}
	cl->len += n;
	nl = memchr(cl->buf, '\n', cl->len);
	if (nl) {
		ctl_answer(cl, nl - cl->buf);
	} else if (cl->len == sizeof(cl->buf)) {
		static const char msg[] = "error request too long\n";
		ctl_write_all(fd, msg, sizeof(msg) - 1);
	} else {
		return;
	}
	ctl_client_free(cl);
}

static void ctl_accept(int fd, uint32_t events, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_client *cl;
	size_t slot;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	for (slot = 0; slot < CTL_MAX_CLIENTS; slot++)
		if (!ctl->clients[slot])
			break;
	if (slot == CTL_MAX_CLIENTS) {
		static const char msg[] = "error too many clients\n";
		send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(cfd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(cfd);
		return;
	}
	cl->fd = cfd;
	cl->ctl = ctl;
	cl->since = time(NULL);
	if (ev_add(ctl->ev, cfd, EPOLLIN, ctl_client_read, cl) < 0) {
		close(cfd);
		free(cl);
		return;
	}
	ctl->clients[slot] = cl;
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
		if (cl && now - cl->since > CTL_IDLE_SECONDS)
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
