/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capture: live libpcap capture on the zone interfaces and mirror ports,
 * feeding the detection core. Each handle is non-blocking with a selectable
 * fd in the event loop, TPACKET_V3 (no immediate mode: latency is bounded
 * by CAPTURE_TIMEOUT_MS). A zone interface is captured inbound only (the
 * gateway's own forwarded output is seen where it came in) and its packets
 * are checked for spoofed sources; a mirror port sees everything and only
 * observes. An interface that is missing or goes down is retried, and the
 * kernel's drop counters become capture-loss alerts.
 */
#ifndef BUNRI_CAPTURE_H
#define BUNRI_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "conf.h"
#include "detect.h"
#include "ev.h"

#define CAPTURE_TIMEOUT_MS 10
#define CAPTURE_RETRY_SECONDS 5
/* Packets handled per readiness callback before yielding to other fds. */
#define CAPTURE_BUDGET 256

/**
 * struct capture_if_stats - one interface, for status.
 * @up: a handle is open; @zone: the zone it faces or ZONE_NONE (mirror)
 * @packets: handed to detection; @drops: reported by the kernel (ps_drop +
 *           ps_ifdrop) since the handle opened, summed over reopenings
 * @error: the last error (open, read), "" when none
 */
struct capture_if_stats {
	const char *name;
	bool up;
	int zone;
	uint64_t packets;
	uint64_t drops;
	const char *error;
};

struct capture;

/*
 * Capture for @c. @monitor: the daemon enforces no ruleset, so every alert
 * says action=observed (@c's daemon.mode is not consulted: the running
 * daemon's mode may differ from a reloaded file's). Alerts
 * from detection and capture-loss go to @fn. Opens what it can now; the
 * rest is retried from capture_tick().
 */
struct capture *capture_new(const struct conf *c, struct ev *ev,
			    bool monitor, detect_alert_fn fn, void *arg);
void capture_free(struct capture *cap);

/*
 * Whether capture_tick() may reopen a failed interface (default yes). A
 * process without CAP_NET_RAW cannot: its parent restarts it instead.
 */
void capture_set_reopen(struct capture *cap, bool on);

/* Once a second: retry missing interfaces, turn drops into alerts. */
void capture_tick(struct capture *cap, const struct timespec *now);

size_t capture_n_ifs(const struct capture *cap);
void capture_if_stats_get(const struct capture *cap, size_t i,
			  struct capture_if_stats *st);
struct detect *capture_detect(struct capture *cap);

#endif
