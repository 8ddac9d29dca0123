// SPDX-License-Identifier: GPL-2.0-or-later
/* ev: epoll loop with per-fd callbacks. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ev.h"

#define EV_BATCH 32

/*
 * Registrations are kept in a list so that ev_del() inside a callback can
 * mark an entry dead without freeing memory that a later event of the same
 * epoll_wait batch still points at; dead entries are reaped after the batch.
 */
struct ev_fd {
	int fd;
	bool dead;
	ev_cb cb;
	void *arg;
	struct ev_fd *next;
};

struct ev {
	int epfd;
	bool stop;
	struct ev_fd *fds;
};

struct ev *ev_new(void)
{
	struct ev *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		free(ev);
		return NULL;
	}
	return ev;
}

static void ev_reap(struct ev *ev)
{
	struct ev_fd **pp = &ev->fds;

	while (*pp) {
		struct ev_fd *e = *pp;
		if (e->dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

void ev_free(struct ev *ev)
{
	if (!ev)
		return;
	for (struct ev_fd *e = ev->fds; e; e = e->next)
		e->dead = true;
	ev_reap(ev);
	close(ev->epfd);
	free(ev);
}

int ev_add(struct ev *ev, int fd, uint32_t events, ev_cb cb, void *arg)
{
	struct ev_fd *e = calloc(1, sizeof(*e));
	struct epoll_event ee = { .events = events };

	if (!e)
		return -1;
	e->fd = fd;
	e->cb = cb;
	e->arg = arg;
	ee.data.ptr = e;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) < 0) {
		int err = errno;
		free(e);
		errno = err;
		return -1;
	}
	e->next = ev->fds;
	ev->fds = e;
	return 0;
}

static struct ev_fd *ev_find(struct ev *ev, int fd)
{
	for (struct ev_fd *e = ev->fds; e; e = e->next)
		if (e->fd == fd && !e->dead)
			return e;
	return NULL;
}

int ev_mod(struct ev *ev, int fd, uint32_t events)
{
	struct ev_fd *e = ev_find(ev, fd);
	struct epoll_event ee = { .events = events };

	if (!e) {
		errno = ENOENT;
		return -1;
	}
	ee.data.ptr = e;
	return epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee);
}

void ev_del(struct ev *ev, int fd)
{
	struct ev_fd *e = ev_find(ev, fd);

	if (!e)
		return;
	epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->dead = true;
}

int ev_run_once(struct ev *ev, int timeout_ms)
{
	struct epoll_event ee[EV_BATCH];
	int n = epoll_wait(ev->epfd, ee, EV_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct ev_fd *e = ee[i].data.ptr;
		if (!e->dead)
			e->cb(e->fd, ee[i].events, e->arg);
	}
	ev_reap(ev);
	return n;
}

int ev_run(struct ev *ev)
{
	ev->stop = false;
	while (!ev->stop)
		if (ev_run_once(ev, -1) < 0)
			return -1;
	return 0;
}

void ev_stop(struct ev *ev)
{
	ev->stop = true;
}
