/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * audit: the offline audit of bunrid -r. A capture file (pcap or pcapng,
 * "-" for standard input) is decoded and judged by the detection core; one
 * JSON alert per line goes to @out, a per-zone-pair summary to @summary.
 * Needs no privileges.
 */
#ifndef BUNRI_AUDIT_H
#define BUNRI_AUDIT_H

#include <stdio.h>

#include "conf.h"

/* Returns 0, or 1 after printing why to @summary (unreadable file, ...). */
int audit_run(const struct conf *c, const char *path, FILE *out,
	      FILE *summary);

#endif
