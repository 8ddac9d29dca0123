/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl: the control socket (/run/bunri/bunrid.sock) and its protocol.
 *
 * A client sends one line, at most CTL_MAX_REQUEST bytes with the newline:
 *   [json ]COMMAND [ARG ...]\n
 * of printable ASCII words separated by single spaces. The daemon answers
 *   ok\n<body>          or       error <message>\n
 * and closes the connection. Anything else is refused with an error line.
 */
#ifndef BUNRI_CTL_H
#define BUNRI_CTL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "ev.h"

#define CTL_MAX_REQUEST 512
#define CTL_MAX_ARGS 6
#define CTL_MAX_CLIENTS 16
#define CTL_IDLE_SECONDS 5

/**
 * struct ctl_request - a parsed request; the strings point into @buf.
 * @uid, @pid: the peer's credentials (SO_PEERCRED)
 */
struct ctl_request {
	bool json;
	const char *cmd;
	int argc;
	char *argv[CTL_MAX_ARGS];
	uid_t uid;
	pid_t pid;
	char buf[CTL_MAX_REQUEST + 1];
};

/*
 * Parse @len bytes of @line (without the newline) into @r. Returns 0, or -1
 * with a message in @why.
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *r,
		      const char **why);

/*
 * Handle a request: write the body to @out and return 0, or write an error
 * message (no newline needed) to @out and return -1.
 */
typedef int (*ctl_handler)(const struct ctl_request *r, FILE *out,
			   void *arg);

struct ctl;

/*
 * Listen on @path (mode 0660, group @gid unless (gid_t)-1), replacing a
 * stale socket, and serve requests from @ev. Returns NULL with a logged
 * reason on failure.
 */
struct ctl *ctl_open(struct ev *ev, const char *path, gid_t gid,
		     ctl_handler handler, void *arg);
/* Drop clients that have not sent a whole request within CTL_IDLE_SECONDS. */
void ctl_tick(struct ctl *ctl, time_t now);
void ctl_close(struct ctl *ctl);

#endif
