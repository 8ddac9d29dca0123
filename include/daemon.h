/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon: bunrid's long-running mode. Start-up (configuration, ruleset
 * commit, capture, control socket), the event loop with its signals and
 * once-a-second timer, reload, tamper response, channel expiry and the
 * answers to bunrictl.
 */
#ifndef BUNRI_DAEMON_H
#define BUNRI_DAEMON_H

#include <stdbool.h>

struct daemon_options {
	const char *conf_path;
	bool foreground;
	bool monitor;
	bool debug;
};

/* Runs until SIGTERM/SIGINT. Returns the exit status. */
int daemon_run(const struct daemon_options *o);

#endif
