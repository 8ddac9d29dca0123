/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ev: the daemon's event loop, one epoll set with a callback per file
 * descriptor (conntrack-tools' register_fd in spirit). Single-threaded.
 */
#ifndef BUNRI_EV_H
#define BUNRI_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev;
typedef void (*ev_cb)(int fd, uint32_t events, void *arg);

struct ev *ev_new(void);
void ev_free(struct ev *ev);

/* Watch @fd for @events (EPOLLIN, ...); @cb runs when it is ready. */
int ev_add(struct ev *ev, int fd, uint32_t events, ev_cb cb, void *arg);
int ev_mod(struct ev *ev, int fd, uint32_t events);
/* Forget @fd (before closing it). Safe to call from inside a callback. */
void ev_del(struct ev *ev, int fd);

/* Wait up to @timeout_ms (-1: forever) and run the ready callbacks. */
int ev_run_once(struct ev *ev, int timeout_ms);
/* Run until ev_stop(). */
int ev_run(struct ev *ev);
void ev_stop(struct ev *ev);

#endif
