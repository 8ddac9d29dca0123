// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bunrictl: ask the running bunrid over its control socket. The protocol
 * is described in include/ctl.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: bunrictl [-s SOCKET | -c FILE] [--json] COMMAND [ARG ...]\n"
		"(the options may also follow the command)\n"
		"commands:\n"
		"  status                   mode, uptime, ruleset, capture counters\n"
		"  zones                    zones and their networks\n"
		"  channels                 permitted channels and their expiry\n"
		"  matrix                   zone x zone: what is permitted, counters\n"
		"  check SRC DST [PROTO [PORT]]  would this flow pass, and why\n"
		"  alerts [N]               the last N alerts (default 20)\n"
		"  reload                   re-read the configuration\n"
		"  remove-ruleset           delete the daemon's nftables table; it\n"
		"                           then only watches until restarted\n"
		"  graph                    Graphviz DOT of zones and channels\n"
		"  report [HOURS]           audit report for the last HOURS\n"
		"                           (default: since the daemon started)\n"
		"default socket: %s\n",
		CONF_DEFAULT_SOCKET);
	exit(1);
}

/* The socket path named in configuration @path (daemon.control_socket). */
static char *socket_from_conf(const char *path)
{
	struct conf *c = conf_load(path, conf_today(), stderr);
	char *s;

	if (!c)
		exit(1);
	s = strdup(c->control_socket);
	conf_free(c);
	return s;
}

/*
 * Send all of @line. MSG_NOSIGNAL: a daemon that closes before reading (too
 * many clients) would otherwise kill bunrictl with SIGPIPE, silently, and
 * the line it sent first would go unread.
 */
static int send_all(int fd, const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, line, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		line += n;
		len -= n;
	}
	return 0;
}

/* errno of the first failed write to stdout, 0 while all went well. */
static int stdout_errno;

/* The body goes to stdout after "ok", to stderr after an error line. */
static int body_write(const char *p, size_t n, bool to_stderr)
{
	if (to_stderr) {
		fwrite(p, 1, n, stderr);
		return 0;
	}
	if (fwrite(p, 1, n, stdout) == n)
		return 0;
	stdout_errno = errno;
	return -1;
}

/*
 * The daemon's first line: "ok" and the body follows for stdout, or
 * "error MESSAGE" for stderr. Returns 0 for ok, 1 otherwise; @len bytes of
 * @buf hold the line and whatever came after it.
 */
static int answer_head(const char *buf, size_t len, size_t *head)
{
	const char *nl = memchr(buf, '\n', len);

	*head = nl ? (size_t)(nl - buf) + 1 : len;
	if (*head == 3 && !strncmp(buf, "ok\n", 3))
		return 0;
	size_t skip = *head >= 6 && !strncmp(buf, "error ", 6) ? 6 : 0;

	fprintf(stderr, "bunrictl: %.*s%s", (int)(*head - skip), buf + skip,
		nl ? "" : "\n");
	return 1;
}

static int request(const char *sock, const char *line)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t have = 0, head;
	bool header = true;
	int fd, status = 0;

	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "bunrictl: %s: path too long\n", sock);
		return 1;
	}
	strcpy(sun.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr,
			"bunrictl: cannot reach bunrid at %s: %s "
			"(is the daemon running?)\n",
			sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	/* The peer gone is not the end: the daemon may have said why it
	 * closed, and that line is still to be read. */
	if (send_all(fd, line, strlen(line)) < 0 && errno != EPIPE &&
	    errno != ECONNRESET) {
		fprintf(stderr, "bunrictl: %s: %s\n", sock, strerror(errno));
		close(fd);
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !header && status == 0) {
			/* A body cut short is no answer to rely on. (After an
			 * error line, a reset only says the daemon closed
			 * without reading.) */
			fprintf(stderr, "bunrictl: %s: %s\n", sock,
				strerror(errno));
			status = 1;
			break;
		}
		if (n <= 0)
			break;
		have += n;
		if (header) {
			if (!memchr(buf, '\n', have) && have < sizeof(buf) - 1)
				continue;
			status = answer_head(buf, have, &head);
			header = false;
			if (body_write(buf + head, have - head, status) < 0)
				break;
			have = 0;
			continue;
		}
		if (body_write(buf, have, status) < 0)
			break;
		have = 0;
	}
	if (header && have > 0) {
		/* The first line without its newline, then the end. */
		status = answer_head(buf, have, &head);
	} else if (header) {
		fprintf(stderr,
			"bunrictl: %s: connection closed by bunrid without "
			"an answer\n",
			sock);
		status = 1;
	}
	close(fd);
	return status;
}

/*
 * Everything the daemon said must have reached stdout: "bunrictl status >
 * /dev/full" or a full disk under a report is a failure, not exit 0.
 */
static int stdout_close(void)
{
	errno = 0;
	if (!stdout_errno &&
	    (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0))
		stdout_errno = errno ? errno : EIO;
	if (!stdout_errno)
		return 0;
	fprintf(stderr, "bunrictl: stdout: %s\n", strerror(stdout_errno));
	return 1;
}

/*
 * Options may follow the command, as in "bunrictl status --json": an
 * administrator adds one to the command line just typed. No command takes
 * an argument that starts with '-' (addresses, protocols, counts), so
 * "alerts -1" stays an error; "--" passes what follows as it is.
 */
int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = CONF_DEFAULT_SOCKET;
	char *from_conf = NULL;
	char line[CTL_MAX_REQUEST + 1];
	char **words = calloc(argc, sizeof(*words));
	bool json = false, sock_given = false;
	size_t used = 0;
	int ch, n_words = 0, rc;

	if (!words) {
		perror("bunrictl");
		return 1;
	}
	/* A leading '-': the words come back in order as option 1, so
	 * options go anywhere whatever POSIXLY_CORRECT says. */
	while ((ch = getopt_long(argc, argv, "-s:c:jh", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 1:
			words[n_words++] = optarg;
			break;
		case 's':
		case 'c':
			/* One way to name the daemon: two could disagree. */
			if (sock_given) {
				fprintf(stderr, "bunrictl: -s and -c name the "
						"socket once, and not both\n");
				free(from_conf);
				free(words);
				return 1;
			}
			sock_given = true;
			if (ch == 's') {
				sock = optarg;
				break;
			}
			from_conf = socket_from_conf(optarg);
			sock = from_conf;
			break;
		case 'j':
			json = true;
			break;
		default:
			usage();
		}
	}
	while (optind < argc)
		words[n_words++] = argv[optind++];
	if (n_words == 0)
		usage();
	used = snprintf(line, sizeof(line), "%s", json ? "json " : "");
	for (int i = 0; i < n_words; i++) {
		if (!*words[i] || strchr(words[i], ' ') ||
		    strchr(words[i], '\n')) {
			fprintf(stderr, "bunrictl: bad argument '%s'\n",
				words[i]);
			free(words);
			return 1;
		}
		used += snprintf(line + used, sizeof(line) - used, "%s%s",
				 i ? " " : "", words[i]);
		if (used >= sizeof(line) - 1) {
			fprintf(stderr, "bunrictl: request too long\n");
			free(words);
			return 1;
		}
	}
	line[used++] = '\n';
	line[used] = '\0';
	rc = request(sock, line);
	free(from_conf);
	free(words);
	if (stdout_close() != 0)
		rc = 1;
	return rc;
}
