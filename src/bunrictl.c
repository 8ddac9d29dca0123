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

static int request(const char *sock, const char *line)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[65536];
	size_t have = 0;
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
		return 1;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		fprintf(stderr, "bunrictl: %s: %s\n", sock, strerror(errno));
		close(fd);
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
		if (header) {
			buf[have] = '\0';
			char *nl = strchr(buf, '\n');
			if (!nl && have < sizeof(buf) - 1)
				continue;
			if (!strncmp(buf, "ok\n", 3)) {
				fwrite(buf + 3, 1, have - 3, stdout);
			} else {
				fprintf(stderr, "bunrictl: %s%s",
					!strncmp(buf, "error ", 6) ? buf + 6 :
								     buf,
					nl ? "" : "\n");
				status = 1;
			}
			header = false;
			have = 0;
			continue;
		}
		if (status == 0)
			fwrite(buf, 1, have, stdout);
		else
			fwrite(buf, 1, have, stderr);
		have = 0;
	}
	if (header) {
		fprintf(stderr, "bunrictl: %s: connection closed without an "
				"answer\n",
			sock);
		status = 1;
	}
	close(fd);
	return status;
}

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
	bool json = false, sock_given = false;
	size_t used = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "+s:c:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'c':
			/* One way to name the daemon: two could disagree. */
			if (sock_given) {
				fprintf(stderr, "bunrictl: -s and -c name the "
						"socket once, and not both\n");
				free(from_conf);
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
	if (optind >= argc)
		usage();
	used = snprintf(line, sizeof(line), "%s", json ? "json " : "");
	for (int i = optind; i < argc; i++) {
		if (!*argv[i] || strchr(argv[i], ' ') || strchr(argv[i], '\n')) {
			fprintf(stderr, "bunrictl: bad argument '%s'\n",
				argv[i]);
			return 1;
		}
		used += snprintf(line + used, sizeof(line) - used, "%s%s",
				 i > optind ? " " : "", argv[i]);
		if (used >= sizeof(line) - 1) {
			fprintf(stderr, "bunrictl: request too long\n");
			return 1;
		}
	}
	line[used++] = '\n';
	line[used] = '\0';
	int rc = request(sock, line);
	free(from_conf);
	return rc;
}
