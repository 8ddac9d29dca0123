/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privsep: privilege separation. The daemon's parent keeps only
 * CAP_NET_ADMIN (the ruleset) and CAP_NET_RAW (to let a capture process
 * open its packet sockets) and runs as daemon.user. Untrusted packet bytes
 * are decoded only in a capture process forked from it, which opens its
 * pcap handles, then drops every capability before it reads a packet. The
 * child sends alerts and counters up a SOCK_SEQPACKET pair (include/wire.h);
 * the parent checks every message, and a malformed one ends the child,
 * which is restarted and logged — never the parent.
 */
#ifndef BUNRI_PRIVSEP_H
#define BUNRI_PRIVSEP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "capture.h"
#include "conf.h"
#include "detect.h"
#include "ev.h"

/*
 * Run as @user keeping only CAP_NET_ADMIN and CAP_NET_RAW. Does nothing
 * (and returns 0) when not started as root. Returns -1 with a message
 * logged on failure.
 */
int privsep_drop_parent(const char *user);

struct sep;
typedef void (*sep_alert_fn)(const struct alert *a, void *arg);

/* Start the capture process for @c (which must outlive it). */
struct sep *sep_start(const struct conf *c, struct ev *ev, bool monitor,
		      sep_alert_fn fn, void *arg);
/* Stop it (SIGTERM, then SIGKILL) and free everything. */
void sep_stop(struct sep *s);
/* Replace the configuration: the capture process is restarted with it. */
void sep_reconfigure(struct sep *s, const struct conf *c, bool monitor);
/* Once a second: restart a dead child, or one whose missing interface
 * has appeared. */
void sep_tick(struct sep *s, time_t now);

/* The child's pid, 0 while none runs; how often it was (re)started. */
pid_t sep_pid(const struct sep *s);
unsigned sep_restarts(const struct sep *s);

/* The latest counters the child reported (zeros before the first). */
void sep_detect_stats(const struct sep *s, struct detect_stats *st);
uint64_t sep_detect_memory(const struct sep *s);
/* (n_zones + 1)² pair counters, row = source zone. */
const struct detect_pair *sep_pairs(const struct sep *s);
size_t sep_n_ifs(const struct sep *s);
void sep_if_stats(const struct sep *s, size_t i, struct capture_if_stats *st);

#endif
