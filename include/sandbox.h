/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox: what the capture process may no longer do once its handles are
 * open. It parses hostile packets, so a flaw there must not reach the rest
 * of the system: a seccomp filter (libseccomp) refuses, with EPERM,
 *
 *   - signals to any other process (the parent runs as the same user),
 *     and tracing or reading another process's memory;
 *   - running a program;
 *   - sockets other than UNIX ones (syslog reconnects through one), new
 *     namespaces, io_uring, BPF, keyrings and userfaultfd;
 *
 * and any system call of another ABI (32-bit calls on x86-64) kills it.
 * Everything else the capture loop, libpcap, malloc and syslog need is
 * left as it was: a list of what is refused, not of what is allowed, so
 * that a library's new system call does not kill the capture.
 */
#ifndef BUNRI_SANDBOX_H
#define BUNRI_SANDBOX_H

/* Apply the filter to the calling process for good: 0, or -1 with a
 * message in @err (of @len bytes). */
int sandbox_capture(char *err, unsigned len);

#endif
