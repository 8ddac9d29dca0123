// SPDX-License-Identifier: GPL-2.0-or-later
/* privsep: the unprivileged capture process and the parent's side of it. */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"
#include "wire.h"
#include "zone.h"

#define SEP_RESTART_MIN 1
#define SEP_RESTART_MAX 30
/* How long start-up and a reload wait for the capture handles to open. */
#define SEP_READY_MS 10000

struct sep {
	const struct conf *conf;
	struct ev *ev;
	bool monitor;
	sep_alert_fn fn;
	void *arg;

	pid_t pid;
	int fd;
	time_t started;
	time_t restart_at;
	unsigned backoff;
	unsigned restarts;

	struct wire_stats stats;
	struct detect_pair *pairs;
	uint8_t *buf;
};

int privsep_drop_parent(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		log_warnx("daemon.user %s: no such user", user);
		return -1;
	}
	/*
	 * Emptying the bounding set takes CAP_SETPCAP. A service manager
	 * that took it away has bounded the set itself (bunrid.service:
	 * CapabilityBoundingSet): then the set is left as it is.
	 */
	capng_get_caps_process();
	bool bound = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			  CAP_NET_ADMIN, CAP_NET_RAW, -1) < 0 ||
	    capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
			    CAPNG_DROP_SUPP_GRP |
				(bound ? CAPNG_CLEAR_BOUNDING : 0)) < 0) {
		log_warnx("daemon.user %s: cannot switch to it keeping "
			  "CAP_NET_ADMIN and CAP_NET_RAW",
			  user);
		return -1;
	}
	log_debug("running as %s with CAP_NET_ADMIN, CAP_NET_RAW", user);
	return 0;
}

/* ---- the capture process ----------------------------------------------- */

struct child {
	int fd;
	struct capture *cap;
	const struct conf *conf;
	struct ev *ev;
};

/* Blocking send: a slow parent slows capture (and the kernel counts the
 * drops as capture-loss) rather than alerts vanishing here. */
static void child_send(int fd, const void *msg, size_t len)
{
	while (send(fd, msg, len, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		_exit(0); /* the parent is gone */
	}
}

static void child_alert(const struct alert *a, void *arg)
{
	struct child *ch = arg;
	struct wire_alert w;

	wire_alert_encode(a, &w);
	child_send(ch->fd, &w, sizeof(w));
}

static void child_send_stats(struct child *ch)
{
	const struct conf *c = ch->conf;
	struct detect *d = capture_detect(ch->cap);
	size_t n = c->n_zones + 1;
	static struct wire_stats w;

	memset(&w, 0, sizeof(w));
	w.h.magic = WIRE_MAGIC;
	w.h.type = WIRE_STATS;
	w.h.len = sizeof(w);
	detect_stats_get(d, &w.detect);
	w.memory = detect_memory(d);
	w.n_ifs = capture_n_ifs(ch->cap);
	if (w.n_ifs > WIRE_MAX_IFS)
		w.n_ifs = WIRE_MAX_IFS;
	for (uint32_t i = 0; i < w.n_ifs; i++) {
		struct capture_if_stats st;
		capture_if_stats_get(ch->cap, i, &st);
		snprintf(w.ifs[i].name, sizeof(w.ifs[i].name), "%s", st.name);
		w.ifs[i].up = st.up;
		w.ifs[i].packets = st.packets;
		w.ifs[i].drops = st.drops;
		/* Only printable text crosses (pcap's messages are ours, but
		 * the parent checks anyway). */
		size_t k = 0;
		for (const char *e = st.error; *e && k < WIRE_ERROR_MAX - 1; e++)
			w.ifs[i].error[k++] =
				(*e >= 0x20 && *e <= 0x7e) ? *e : '?';
	}
	child_send(ch->fd, &w, sizeof(w));

	size_t size = wire_pairs_size(n);
	struct wire_pairs *p = malloc(size);
	if (!p)
		return;
	const struct detect_pair *pairs = detect_pairs(d);
	for (size_t r = 0; r < n; r++) {
		memset(p, 0, size);
		p->h.magic = WIRE_MAGIC;
		p->h.type = WIRE_PAIRS;
		p->h.len = size;
		p->row = r;
		p->n = n;
		memcpy(p->cells, &pairs[r * n], n * sizeof(*pairs));
		child_send(ch->fd, p, size);
	}
	free(p);
}

static void child_timer(int fd, uint32_t events, void *arg)
{
	struct child *ch = arg;
	struct timespec now;
	uint64_t x;

	(void)events;
	if (read(fd, &x, sizeof(x)) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	capture_tick(ch->cap, &now);
	child_send_stats(ch);
}

static void child_parent_gone(int fd, uint32_t events, void *arg)
{
	char b;

	(void)arg;
	(void)events;
	if (recv(fd, &b, 1, MSG_DONTWAIT) <= 0 && errno != EAGAIN)
		_exit(0);
}

/*
 * Give up every capability for good; fatal if anything remains. The
 * bounding set is the parent's (emptied when it could be); with nothing
 * permitted and no_new_privs, nothing in it can be taken up again.
 */
static void child_drop_all(void)
{
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		fatalx("capture process: cannot drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal("capture process: no_new_privs");
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		fatalx("capture process: capabilities remain after dropping");
	if (geteuid() == 0)
		fatalx("capture process: still root (daemon.user not applied)");
}

static void __attribute__((noreturn))
child_main(const struct conf *c, bool monitor, int fd)
{
	struct child ch = { .fd = fd, .conf = c };
	struct itimerspec its = { .it_interval = { .tv_sec = 1 },
				  .it_value = { .tv_sec = 1 } };
	sigset_t all;
	char err[128];
	int tfd;

	/* The parent's other descriptors (netlink, control socket, its epoll
	 * set) are not the capture process's business. The syslog socket is
	 * closed through closelog() first, so that libc does not later close
	 * whatever descriptor takes its number. */
	closelog();
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		ch.fd = 3;
	}
	close_range(4, ~0U, 0);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	prctl(PR_SET_NAME, "bunrid-capture", 0, 0, 0);
	log_init("bunrid", false, c->facility);

	ch.ev = ev_new();
	if (!ch.ev)
		_exit(1);
	ch.cap = capture_new(c, ch.ev, monitor, child_alert, &ch);
	if (!ch.cap)
		fatalx("capture process: out of memory");
	/* Handles are open: from here on nothing is privileged. */
	if (geteuid() == 0 && getuid() == 0) {
		/* The parent could not drop (tests without daemon.user as
		 * root are refused earlier); never decode packets as root. */
		fatalx("capture process: refusing to run as root");
	}
	child_drop_all();
	capture_set_reopen(ch.cap, false);
	if (sandbox_capture(err, sizeof(err)) < 0)
		fatalx("capture process: %s", err);

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0 ||
	    ev_add(ch.ev, tfd, EPOLLIN, child_timer, &ch) < 0 ||
	    ev_add(ch.ev, ch.fd, EPOLLIN | EPOLLRDHUP, child_parent_gone,
		   &ch) < 0)
		fatal("capture process: event loop");
	child_send_stats(&ch);
	ev_run(ch.ev);
	_exit(0);
}

/* ---- the parent's side ----------------------------------------------- */

/* Reap @pid, sent SIGTERM: a second for it to go, then SIGKILL. */
static void sep_reap(pid_t pid)
{
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void sep_kill(struct sep *s)
{
	if (s->fd >= 0) {
		ev_del(s->ev, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		sep_reap(s->pid);
	}
	s->pid = 0;
}

/* The child is gone or misbehaved: log, reap, schedule the restart. */
static void sep_lost(struct sep *s, const char *why)
{
	int status = 0;
	pid_t pid = s->pid;

	if (s->fd >= 0) {
		ev_del(s->ev, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	s->pid = 0;
	time_t now = time(NULL);
	/* A child that ran a minute was healthy: restart quickly. */
	if (now - s->started > 60)
		s->backoff = SEP_RESTART_MIN;
	else if (s->backoff < SEP_RESTART_MAX)
		s->backoff = s->backoff ? s->backoff * 2 : SEP_RESTART_MIN;
	s->restart_at = now + s->backoff;
	log_warnx("capture process %d ended (%s%s%d); restarting in %u s",
		  (int)pid, why,
		  WIFSIGNALED(status) ? ", signal " : ", status ",
		  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		  s->backoff);
}

static void sep_readable(int fd, uint32_t events, void *arg)
{
	struct sep *s = arg;
	const char *why;

	(void)events;
	for (int budget = 0; budget < 256; budget++) {
		ssize_t n = recv(fd, s->buf, WIRE_MAX_MSG,
				 MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sep_lost(s, n == 0 ? "exited" : strerror(errno));
			return;
		}
		if ((size_t)n > WIRE_MAX_MSG) {
			sep_lost(s, "protocol violation: message too long");
			return;
		}
		int type = wire_type_of(s->buf, n, &why);
		if (type == WIRE_ALERT) {
			struct alert a;
			if (wire_alert_decode((struct wire_alert *)s->buf, n,
					      s->conf, &a, &why) < 0)
				type = -1;
			else
				s->fn(&a, s->arg);
		} else if (type == WIRE_STATS) {
			if (wire_stats_check((struct wire_stats *)s->buf, n,
					     s->conf, &why) < 0)
				type = -1;
			else
				memcpy(&s->stats, s->buf, sizeof(s->stats));
		} else if (type == WIRE_PAIRS) {
			const struct wire_pairs *p =
				(const struct wire_pairs *)s->buf;
			if (wire_pairs_check(p, n, s->conf, &why) < 0)
				type = -1;
			else
				memcpy(&s->pairs[p->row * p->n], p->cells,
				       p->n * sizeof(p->cells[0]));
		}
		if (type < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "protocol violation: %s", why);
			sep_lost(s, msg);
			return;
		}
	}
}

/*
 * The child's first message (its statistics) follows the opening of its
 * capture handles. Waiting for it means that when bunrid says it is ready,
 * and when a reload answers, the interfaces are watched: no packet of the
 * first moments goes unseen. The message stays queued for sep_readable();
 * a child that dies instead wakes the poll too, and is handled there.
 */
static void sep_wait_ready(struct sep *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, SEP_READY_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		log_warnx("capture process: handles not open after %d s, "
			  "serving anyway", SEP_READY_MS / 1000);
}

static int sep_spawn(struct sep *s)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("capture process: socketpair");
		return -1;
	}
	/* Room for a burst of alerts while the parent is busy. */
	int sz = 4 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("capture process: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(s->conf, s->monitor, sv[1]);
	}
	close(sv[1]);
	s->pid = pid;
	s->fd = sv[0];
	s->started = time(NULL);
	s->restarts++;
	memset(&s->stats, 0, sizeof(s->stats));
	memset(s->pairs, 0,
	       (s->conf->n_zones + 1) * (s->conf->n_zones + 1) *
		       sizeof(*s->pairs));
	if (ev_add(s->ev, s->fd, EPOLLIN, sep_readable, s) < 0) {
		sep_lost(s, "event loop");
		return -1;
	}
	sep_wait_ready(s);
	log_debug("capture process %d started", (int)pid);
	return 0;
}

static int sep_alloc_pairs(struct sep *s)
{
	size_t n = s->conf->n_zones + 1;

	free(s->pairs);
	s->pairs = calloc(n * n, sizeof(*s->pairs));
	return s->pairs ? 0 : -1;
}

struct sep *sep_start(const struct conf *c, struct ev *ev, bool monitor,
		      sep_alert_fn fn, void *arg)
{
	struct sep *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conf = c;
	s->ev = ev;
	s->monitor = monitor;
	s->fn = fn;
	s->arg = arg;
	s->fd = -1;
	s->buf = malloc(WIRE_MAX_MSG);
	if (!s->buf || sep_alloc_pairs(s) < 0 || sep_spawn(s) < 0) {
		free(s->buf);
		free(s->pairs);
		free(s);
		return NULL;
	}
	return s;
}

void sep_stop(struct sep *s)
{
	if (!s)
		return;
	sep_kill(s);
	free(s->buf);
	free(s->pairs);
	free(s);
}

/*
 * A capture process being replaced watches on for SEP_OVERLAP_MS after
 * its successor does: a packet that came before is in a block the kernel
 * hands over at most CAPTURE_TIMEOUT_MS later, and so is seen by the one
 * or the other. Then it has SEP_RETIRE_MS to hand over its last alerts.
 */
#define SEP_OVERLAP_MS (5 * CAPTURE_TIMEOUT_MS)
#define SEP_RETIRE_MS  1000

/*
 * Pass on the alerts that come from the capture process on @fd, which
 * refer to @c, for @ms milliseconds. What else it sends (counters) is its
 * successor's business now. Returns false at its end of the socket, or at
 * a message that is not one, true when the time is up.
 */
static bool sep_drain(struct sep *s, int fd, const struct conf *c, long ms)
{
	struct timespec start, now;
	const char *why;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		/* Checked before each message: a process that sends without
		 * pause must not hold the parent here. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = ms - (now.tv_sec - start.tv_sec) * 1000 -
			    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (left <= 0)
			return true;

		ssize_t n = recv(fd, s->buf, WIRE_MAX_MSG,
				 MSG_DONTWAIT | MSG_TRUNC);
		if (n > 0 && (size_t)n <= WIRE_MAX_MSG) {
			int type = wire_type_of(s->buf, n, &why);
			struct alert a;

			if (type < 0)
				return false;
			if (type == WIRE_ALERT &&
			    wire_alert_decode((struct wire_alert *)s->buf, n,
					      c, &a, &why) == 0)
				s->fn(&a, s->arg);
			continue;
		}
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return false; /* its end, or a message too long */

		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return false;
	}
}

/*
 * Retire the capture process @pid, whose socket is @fd and whose alerts
 * refer to @c, its successor watching: it goes on for SEP_OVERLAP_MS, is
 * stopped, and the alerts it raised are passed on until its end of the
 * socket closes.
 */
static void sep_retire(struct sep *s, pid_t pid, int fd,
		       const struct conf *c)
{
	bool running = sep_drain(s, fd, c, SEP_OVERLAP_MS);

	kill(pid, SIGTERM);
	if (running)
		sep_drain(s, fd, c, SEP_RETIRE_MS);
	close(fd);
	sep_reap(pid);
}

/*
 * A new capture process in place of the running one (with @s's
 * configuration now; the running one's was @old). The new one starts
 * beside it, and the old one is retired only once the new one watches:
 * a reload leaves no moment when packets go unseen. Packets of that
 * moment are seen by both, and a forbidden flow that starts in it may
 * alert twice: a duplicate is the price of not missing one.
 */
static int sep_replace(struct sep *s, const struct conf *old)
{
	pid_t pid = s->pid;
	int fd = s->fd, rc;

	/* The old one's messages are read by sep_retire() alone now. */
	if (pid > 0)
		ev_del(s->ev, fd);
	s->pid = 0;
	s->fd = -1;
	rc = sep_spawn(s);
	/* A process runs, with its socket, or none does (sep_lost()). */
	if (pid > 0)
		sep_retire(s, pid, fd, old);
	return rc;
}

void sep_reconfigure(struct sep *s, const struct conf *c, bool monitor)
{
	const struct conf *old = s->conf;

	s->conf = c;
	s->monitor = monitor;
	if (sep_alloc_pairs(s) < 0)
		fatal("capture process: pair counters");
	s->backoff = 0;
	if (sep_replace(s, old) < 0)
		s->restart_at = time(NULL) + SEP_RESTART_MIN;
}

/* Is interface @name present and up? */
static bool iface_up(const char *name)
{
	struct ifreq ifr;
	/* AF_UNIX: the unit allows no IP sockets, and any socket answers. */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return up;
}

void sep_tick(struct sep *s, time_t now)
{
	if (s->pid == 0) {
		if (now >= s->restart_at)
			sep_spawn(s);
		return;
	}
	/* An interface the child could not open (or lost) is back: only a
	 * new process, opening with the parent's CAP_NET_RAW, can take it. */
	if (now - s->started < CAPTURE_RETRY_SECONDS)
		return;
	for (uint32_t i = 0; i < s->stats.n_ifs; i++) {
		if (!s->stats.ifs[i].up && iface_up(s->stats.ifs[i].name)) {
			log_info("capture %s: available again; restarting the "
				 "capture process",
				 s->stats.ifs[i].name);
			sep_replace(s, s->conf);
			return;
		}
	}
}

pid_t sep_pid(const struct sep *s)
{
	return s->pid;
}

unsigned sep_restarts(const struct sep *s)
{
	return s->restarts;
}

void sep_detect_stats(const struct sep *s, struct detect_stats *st)
{
	*st = s->stats.detect;
}

uint64_t sep_detect_memory(const struct sep *s)
{
	return s->stats.memory;
}

const struct detect_pair *sep_pairs(const struct sep *s)
{
	return s->pairs;
}

size_t sep_n_ifs(const struct sep *s)
{
	return s->stats.n_ifs;
}

void sep_if_stats(const struct sep *s, size_t i, struct capture_if_stats *st)
{
	const struct wire_if *f = &s->stats.ifs[i];
	int z = conf_zone_by_interface(s->conf, f->name);

	st->name = f->name;
	st->up = f->up;
	st->zone = z;
	st->packets = f->packets;
	st->drops = f->drops;
	st->error = f->error;
}
