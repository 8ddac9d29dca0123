// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon: bunrid's event loop and everything it drives. */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "alertlog.h"
#include "capture.h"
#include "ctl.h"
#include "ctsweep.h"
#include "daemon.h"
#include "day.h"
#include "ev.h"
#include "json.h"
#include "log.h"
#include "nft.h"
#include "nftmon.h"
#include "privsep.h"
#include "ruleset.h"
#include "sha256.h"
#include "view.h"
#include "zone.h"

/* How often the live table is compared with what was committed, and the
 * configuration file with what was loaded. */
#define VERIFY_SECONDS 5
#define CHANGES_KEPT 128
#define EXPIRY_WARN_DAYS 7

struct change {
	time_t when;
	unsigned gen;
	char what[RS_NAME_MAX + 96];
};

struct bunrid {
	struct daemon_options o;
	struct conf *conf;
	char conf_hash[SHA256_HEX];
	char disk_hash_alerted[SHA256_HEX];
	/* The same two for each of conf->includes[]. */
	struct included {
		char loaded[SHA256_HEX];
		char alerted[SHA256_HEX];
	} *inc;
	/* The mode bunrid started in, which a reload keeps; false for good
	 * once the ruleset is removed on request (@removed). */
	bool enforcing;
	bool removed;

	struct ev *ev;
	int sigfd;
	int timerfd;
	struct alertlog *alog;
	struct sep *sep;
	struct ctl *ctl;
	struct nft *nft;
	struct nftmon *mon;
	struct ruleset *rs;

	time_t started;
	uint32_t today;
	uint32_t expiry_day; /* the day expiry was last reckoned for */
	bool *expiring_alerted;
	bool *expired_alerted;
	time_t next_verify;
	/* The kernel counters as last read, to see them go back. */
	struct nft_counter *counters;
	ssize_t n_counters;
	uint64_t tampered;
	uint64_t restored;
	uint64_t reloads;
	uint64_t reload_failures;

	struct change changes[CHANGES_KEPT];
	size_t n_changes;
};

/* Port id of the committing socket: its events are ours, not tampering. */
static uint32_t nft_portid(const struct nft *n)
{
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);

	if (getsockname(nft_fd(n), (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return sa.nl_pid;
}

static void now_realtime(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void change_record(struct bunrid *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void change_record(struct bunrid *b, const char *fmt, ...)
{
	struct change *c = &b->changes[b->n_changes % CHANGES_KEPT];
	va_list ap;

	c->when = time(NULL);
	c->gen = b->rs ? b->rs->gen : 0;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	b->n_changes++;
	log_info("%s", c->what);
}

static void emit(struct bunrid *b, struct alert *a)
{
	struct timespec now;

	now_realtime(&now);
	if (a->ts.tv_sec == 0)
		a->ts = now;
	alertlog_emit(b->alog, a, &now);
}

static void on_detect_alert(const struct alert *a, void *arg)
{
	struct bunrid *b = arg;
	struct timespec now;

	now_realtime(&now);
	alertlog_emit(b->alog, a, &now);
}

static void simple_alert(struct alert *a, enum alert_type t, int severity)
{
	memset(a, 0, sizeof(*a));
	a->type = t;
	a->severity = severity;
}

/* ruleset-tampered, as told by a comparison (@change says what differs;
 * @how, how it was found). */
static void tampered_alert(struct bunrid *b, const char *how,
			   const char *change)
{
	struct alert a;

	simple_alert(&a, ALERT_RULESET_TAMPERED, LOG_CRIT);
	alert_add_str(&a, "table", b->conf->table);
	alert_add_str(&a, "change", change);
	b->tampered++;
	change_record(b, "ruleset tampered%s: %s", how, change);
	emit(b, &a);
}

/* ---- enforcement ------------------------------------------------------ */

/*
 * Connections the kernel tracks pass before any rule is read: those the
 * ruleset just committed for @c would not let start (made while it was
 * tampered with, under a channel since removed or lapsed, before bunrid
 * started) are deleted, so that their next packet meets the rules.
 */
static void sweep_connections(struct bunrid *b, const struct conf *c)
{
	struct ct_sweep_stats st;

	if (ct_sweep(c, b->today, &st) < 0) {
		log_warn("connection tracking: cannot sweep");
		return;
	}
	if (st.deleted || st.failed)
		change_record(b,
			      "connection tracking: %u of %u connections cut, "
			      "not permitted by generation %u%s",
			      st.deleted, st.seen, b->rs->gen,
			      st.failed ? " (some could not be deleted)" : "");
}

/*
 * Build @c's ruleset under a fresh generation and commit it. On failure
 * nothing changed in the kernel; the reason is in @err.
 */
static int enforce_commit(struct bunrid *b, const struct conf *c, bool fresh,
			  char *err, size_t errlen)
{
	struct ruleset *rs = NULL;
	unsigned gen = 1;
	char *msg = NULL;
	size_t msglen = 0;
	FILE *mf;

	err[0] = '\0';
	/* Past both the live table's sets and what was committed last: a
	 * table deleted from under the daemon must not start it again at 1. */
	if (nft_generation_next(b->nft, c->table, &gen) < 0)
		gen = 1;
	if (b->rs && gen <= b->rs->gen)
		gen = b->rs->gen + 1;
	mf = open_memstream(&msg, &msglen);
	if (!mf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = ruleset_build(c, b->today, gen, &rs, mf);
	fclose(mf);
	if (rc < 0) {
		snprintf(err, errlen, "ruleset: %s", msg && *msg ? msg : strerror(errno));
		free(msg);
		return -1;
	}
	free(msg);
	if ((fresh ? nft_commit_fresh(b->nft, rs, err, errlen) :
		     nft_commit(b->nft, rs, err, errlen)) < 0) {
		ruleset_free(rs);
		return -1;
	}
	ruleset_free(b->rs);
	b->rs = rs;
	sweep_connections(b, c);
	return 0;
}

static void restore_ruleset(struct bunrid *b, const char *after)
{
	char err[1024];
	struct alert a;

	/* A tampered table's base chains cannot be trusted: replace it
	 * whole, in one transaction. */
	if (enforce_commit(b, b->conf, true, err, sizeof(err)) < 0) {
		log_warnx("ruleset: restore after %s failed: %s", after, err);
		return;
	}
	b->restored++;
	/* A table replaced whole may have new counters: counted afresh. */
	free(b->counters);
	b->counters = NULL;
	b->n_counters = 0;
	change_record(b, "ruleset restored as generation %u after %s",
		      b->rs->gen, after);
	simple_alert(&a, ALERT_RULESET_RESTORED, LOG_NOTICE);
	alert_add_str(&a, "table", b->conf->table);
	alert_add_num(&a, "generation", b->rs->gen);
	emit(b, &a);
}

static void on_tamper(const struct nftmon_event *ev, void *arg)
{
	struct bunrid *b = arg;
	struct alert a;
	char why[256];

	if (ev->type == NFTMON_EV_RESYNC) {
		/* Events were lost: only a comparison can tell. */
		int same = nft_verify(b->nft, b->rs, why, sizeof(why));
		if (same != 0) {
			log_debug("nftables events lost (%s); table %s",
				  ev->reason, same > 0 ? "intact" : "unreadable");
			if (same > 0)
				return;
		}
		tampered_alert(b, " (seen after lost events)",
			       same < 0 ? "unreadable" : why);
		restore_ruleset(b, "tampering");
		return;
	}
	simple_alert(&a, ALERT_RULESET_TAMPERED, LOG_CRIT);
	alert_add_str(&a, "table", b->conf->table);
	if (ev->pid)
		alert_add_num(&a, "pid", ev->pid);
	if (ev->comm[0])
		alert_add_str(&a, "comm", ev->comm);
	alert_add_str(&a, "change", ev->summary);
	b->tampered++;
	change_record(b, "ruleset tampered by pid %u (%s): %s", ev->pid,
		      ev->comm[0] ? ev->comm : "?", ev->summary);
	emit(b, &a);
	restore_ruleset(b, "tampering");
}

static void on_nftmon(int fd, uint32_t events, void *arg)
{
	struct bunrid *b = arg;

	(void)fd;
	(void)events;
	if (nftmon_dispatch(b->mon, on_tamper, b) < 0)
		log_warn("nftables events");
}

/* Stop watching nftables events (before a reload, or for good). */
static void nftmon_stop(struct bunrid *b)
{
	if (!b->mon)
		return;
	ev_del(b->ev, nftmon_fd(b->mon));
	nftmon_close(b->mon);
	b->mon = NULL;
}

/*
 * The kernel's counters only grow: the daemon keeps them across every
 * commit. One lower than when last read was reset by another process,
 * which even an owned table allows ("nft reset counters" is a read to the
 * kernel), and the evidence `bunrictl matrix` shows is gone: tampering,
 * though there is nothing to put back.
 */
/* The first counter of @now lower than in @was (@n, @n_was of them), or
 * NULL; its value before in *@before. */
static const struct nft_counter *
counter_gone_back(const struct nft_counter *was, ssize_t n_was,
		  const struct nft_counter *now, ssize_t n, uint64_t *before)
{
	for (ssize_t i = 0; i < n; i++)
		for (ssize_t j = 0; j < n_was; j++)
			if (!strcmp(was[j].name, now[i].name) &&
			    (now[i].packets < was[j].packets ||
			     now[i].bytes < was[j].bytes)) {
				*before = was[j].packets;
				return &now[i];
			}
	return NULL;
}

static void counters_check(struct bunrid *b)
{
	struct nft_counter *now;
	ssize_t n = nft_counters_read(b->nft, b->conf->table, &now);
	const struct nft_counter *reset;
	uint64_t before;

	if (n < 0)
		return;
	/* One alert for a reset of the whole table. */
	reset = counter_gone_back(b->counters, b->n_counters, now, n, &before);
	if (reset) {
		char what[RS_NAME_MAX + 96];

		snprintf(what, sizeof(what),
			 "counter %s reset (%" PRIu64 " packets, now %" PRIu64
			 ")",
			 reset->name, before, reset->packets);
		tampered_alert(b, "", what);
	}
	free(b->counters);
	b->counters = now;
	b->n_counters = n;
}

static void verify_ruleset(struct bunrid *b)
{
	struct nftmon_event ev;
	char why[256];

	if (!b->enforcing || !b->rs)
		return;
	counters_check(b);
	int same = nft_verify(b->nft, b->rs, why, sizeof(why));
	if (same > 0)
		return;
	if (same < 0 && errno != ENOENT) {
		log_warn("ruleset: cannot read table %s back", b->conf->table);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = NFTMON_EV_CHANGE;
	snprintf(ev.summary, sizeof(ev.summary), "periodic check: %s",
		 same < 0 ? "table missing" : why);
	on_tamper(&ev, b);
}

/* ---- configuration ---------------------------------------------------- */

static gid_t user_gid(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		log_warnx("daemon.user %s: no such user; control socket left "
			  "to root's group",
			  user);
		return (gid_t)-1;
	}
	return pw->pw_gid;
}

/*
 * Fresh expiry state for b->conf. A channel that had already lapsed at load
 * time was warned about by the validator: it is not news now. A channel
 * that @old (the configuration before a reload, or NULL) had already
 * announced, with the same name and date, is not announced again.
 */
static void expiry_reset(struct bunrid *b, const struct conf *old)
{
	const struct conf *c = b->conf;
	bool *expiring = calloc(c->n_channels + 1, sizeof(bool));
	bool *expired = calloc(c->n_channels + 1, sizeof(bool));

	if (!expiring || !expired)
		fatal("expiry state");
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		if (ch->expires && b->today > ch->expires)
			expired[i] = true;
		for (size_t j = 0; old && j < old->n_channels; j++) {
			const struct conf_channel *oc = &old->channels[j];
			if (strcmp(oc->name, ch->name) || oc->expires != ch->expires)
				continue;
			expiring[i] = b->expiring_alerted[j];
			expired[i] = expired[i] || b->expired_alerted[j];
		}
	}
	free(b->expiring_alerted);
	free(b->expired_alerted);
	b->expiring_alerted = expiring;
	b->expired_alerted = expired;
	b->expiry_day = 0;
}

static void expiry_check(struct bunrid *b)
{
	const struct conf *c = b->conf;
	bool lapsed = false;
	struct alert a;
	char exp[16];

	if (b->expiry_day == b->today)
		return;
	b->expiry_day = b->today;
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct conf_channel *ch = &c->channels[i];
		if (!ch->expires)
			continue;
		snprintf(exp, sizeof(exp), "%04u-%02u-%02u",
			 ch->expires / 10000, ch->expires / 100 % 100,
			 ch->expires % 100);
		long left = day_diff(b->today, ch->expires);
		if (left < 0 && !b->expired_alerted[i]) {
			b->expired_alerted[i] = true;
			lapsed = true;
			simple_alert(&a, ALERT_CHANNEL_EXPIRED, LOG_WARNING);
			alert_add_str(&a, "channel", ch->name);
			alert_add_str(&a, "src_zone", c->zones[ch->from].name);
			alert_add_str(&a, "dst_zone", c->zones[ch->to].name);
			alert_add_str(&a, "expires", exp);
			emit(b, &a);
		} else if (left >= 0 && left <= EXPIRY_WARN_DAYS &&
			   !b->expiring_alerted[i]) {
			b->expiring_alerted[i] = true;
			simple_alert(&a, ALERT_CHANNEL_EXPIRING, LOG_NOTICE);
			alert_add_str(&a, "channel", ch->name);
			alert_add_str(&a, "src_zone", c->zones[ch->from].name);
			alert_add_str(&a, "dst_zone", c->zones[ch->to].name);
			alert_add_str(&a, "expires", exp);
			alert_add_num(&a, "days_left", (uint64_t)left);
			emit(b, &a);
		}
	}
	/* The ruleset of a new day leaves the lapsed channels out. */
	if (lapsed && b->enforcing) {
		char err[1024];
		if (enforce_commit(b, c, false, err, sizeof(err)) < 0)
			log_warnx("ruleset: update at channel expiry failed: %s",
				  err);
		else
			change_record(b, "ruleset generation %u: expired "
					 "channels removed",
				      b->rs->gen);
	}
}

/* config-changed once per new content of @path, loaded as @loaded. */
static void file_hash_check(struct bunrid *b, const char *path,
			    const char *loaded, char alerted[SHA256_HEX])
{
	char hash[SHA256_HEX];
	struct alert a;

	if (sha256_file_hex(path, hash) < 0)
		strcpy(hash, "unreadable");
	if (!strcmp(hash, loaded) || !strcmp(hash, alerted))
		return;
	strcpy(alerted, hash);
	simple_alert(&a, ALERT_CONFIG_CHANGED, LOG_WARNING);
	alert_add_str(&a, "file", path);
	alert_add_str(&a, "loaded_sha256", loaded);
	alert_add_str(&a, "disk_sha256", hash);
	emit(b, &a);
}

/* The configuration file and every file it includes, against what was
 * loaded. */
static void config_hash_check(struct bunrid *b)
{
	file_hash_check(b, b->conf->path, b->conf_hash, b->disk_hash_alerted);
	for (size_t i = 0; i < b->conf->n_includes; i++)
		file_hash_check(b, b->conf->includes[i], b->inc[i].loaded,
				b->inc[i].alerted);
}

/* Remember the content of the files @b->conf includes, as loaded. */
static void includes_hash(struct bunrid *b)
{
	free(b->inc);
	b->inc = calloc(b->conf->n_includes ? b->conf->n_includes : 1,
			sizeof(*b->inc));
	if (!b->inc)
		fatal("configuration");
	for (size_t i = 0; i < b->conf->n_includes; i++)
		if (sha256_file_hex(b->conf->includes[i], b->inc[i].loaded) < 0)
			strcpy(b->inc[i].loaded, "unreadable");
}

/*
 * When the configuration just loaded asks for another mode than the one
 * running: what stays as it is until bunrid restarts. Removing the rules
 * is an explicit act (bunrictl remove-ruleset, or nft), never a side effect
 * of a reload; and a reload does not install them either.
 */
static const char *reload_mode_note(const struct bunrid *b,
				    const struct conf *nc)
{
	bool want = !b->o.monitor && nc->mode == CONF_MODE_ENFORCE;

	if (want == b->enforcing)
		return NULL;
	if (b->enforcing)
		return "daemon.mode is monitor: the ruleset stays installed and "
		       "enforced until bunrid restarts (bunrictl "
		       "remove-ruleset removes it now)";
	if (b->removed)
		return "the ruleset was removed with bunrictl remove-ruleset: "
		       "bunrid only watches until it restarts";
	return "daemon.mode is enforce: bunrid only watches until it "
	       "restarts, which installs the ruleset";
}

/*
 * Load, validate and apply a new configuration. On any failure the
 * running configuration, ruleset and capture stay as they were, and the
 * reason goes to the log and, when @out is set, to the caller.
 */
static int reload(struct bunrid *b, FILE *out)
{
	char *msg = NULL, err[1024];
	size_t msglen = 0;
	struct conf *nc;
	FILE *mf = open_memstream(&msg, &msglen);

	if (!mf)
		return -1;
	nc = conf_load(b->o.conf_path, b->today, mf);
	fclose(mf);
	if (!nc) {
		b->reload_failures++;
		log_warnx("reload: %s: configuration refused, still running "
			  "the previous one:\n%s",
			  b->o.conf_path, msg ? msg : "");
		/* The answer is one line: the first error, not a warning
		 * that sorts before it by line; the log has them all. */
		if (out) {
			size_t n = 0;
			const char *why = conf_msgs_first_error(msg, &n);

			if (!why) {
				why = msg ? msg : "";
				n = strcspn(why, "\n");
			}
			fprintf(out, "configuration refused: %.*s\n", (int)n,
				why);
		}
		free(msg);
		return -1;
	}
	free(msg);
	if (b->enforcing && strcmp(nc->table, b->conf->table) != 0)
		log_warnx("reload: daemon.table changed from %s to %s; the old "
			  "table is left in place",
			  b->conf->table, nc->table);
	if (b->enforcing)
		nft_set_owner(b->nft, nc->table_owner);
	if (b->enforcing && enforce_commit(b, nc, false, err, sizeof(err)) < 0) {
		b->reload_failures++;
		log_warnx("reload: the kernel refused the new ruleset, still "
			  "running the previous one: %s",
			  err);
		if (out)
			fprintf(out, "ruleset refused by the kernel: %s", err);
		conf_free(nc);
		return -1;
	}
	if (alertlog_configure(b->alog, nc->facility, nc->json_file,
			       nc->max_alerts_per_second) < 0)
		log_warnx("reload: log.json_file %s cannot be opened",
			  nc->json_file);
	log_set_facility(nc->facility);
	nftmon_stop(b);
	/* Detection restarts with the new configuration: the capture
	 * process is replaced (its flow table starts afresh). */
	sep_reconfigure(b->sep, nc, !b->enforcing);
	struct conf *oc = b->conf;
	b->conf = nc;
	expiry_reset(b, oc);
	conf_free(oc);
	if (b->enforcing) {
		b->mon = nftmon_open(nc->table, nft_portid(b->nft));
		if (!b->mon)
			log_warn("nftables events");
		else
			ev_add(b->ev, nftmon_fd(b->mon), EPOLLIN, on_nftmon, b);
	}
	if (sha256_file_hex(nc->path, b->conf_hash) < 0)
		strcpy(b->conf_hash, "unreadable");
	b->disk_hash_alerted[0] = '\0';
	includes_hash(b);
	b->reloads++;
	if (b->enforcing)
		change_record(b, "configuration reloaded (sha256 %.16s), "
				 "ruleset generation %u",
			      b->conf_hash, b->rs->gen);
	else
		change_record(b, "configuration reloaded (sha256 %.16s)",
			      b->conf_hash);
	const char *note = reload_mode_note(b, nc);
	if (note)
		log_warnx("reload: %s", note);
	if (out)
		fprintf(out, "reloaded %s\n%s%s%s", nc->path,
			note ? "note: " : "", note ? note : "",
			note ? "\n" : "");
	return 0;
}

/* ---- control socket --------------------------------------------------- */

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void ctl_status(struct bunrid *b, bool json, FILE *out)
{
	const struct conf *c = b->conf;
	struct alertlog_stats as;
	struct detect_stats ds;
	time_t up = time(NULL) - b->started;

	alertlog_stats_get(b->alog, &as);
	sep_detect_stats(b->sep, &ds);
	if (json) {
		fputc('{', out);
		json_kv_str(out, 0, "mode", b->enforcing ? "enforce" : "monitor");
		json_kv_u64(out, 1, "pid", getpid());
		json_kv_u64(out, 1, "uptime", up);
		json_kv_str(out, 1, "config", c->path);
		json_kv_str(out, 1, "config_sha256", b->conf_hash);
		json_kv_str(out, 1, "table", b->enforcing ? c->table : NULL);
		json_kv_u64(out, 1, "ruleset_generation", b->rs ? b->rs->gen : 0);
		json_kv_u64(out, 1, "tampered", b->tampered);
		json_kv_u64(out, 1, "restored", b->restored);
		json_kv_u64(out, 1, "reloads", b->reloads);
		json_kv_u64(out, 1, "reload_failures", b->reload_failures);
		json_kv_u64(out, 1, "packets", ds.packets);
		json_kv_u64(out, 1, "alerts_emitted", as.emitted);
		json_kv_u64(out, 1, "alerts_suppressed", as.suppressed);
		json_kv_u64(out, 1, "alerts_json_errors", as.json_errors);
		json_kv_u64(out, 1, "alerts_lost", as.lost);
		json_kv_u64(out, 1, "flows_evicted", ds.flows_evicted);
		json_kv_u64(out, 1, "fragments_forgotten",
			    ds.fragments_forgotten);
		json_kv_u64(out, 1, "memory_detect",
			    sep_detect_memory(b->sep));
		json_kv_u64(out, 1, "capture_pid", (uint64_t)sep_pid(b->sep));
		json_kv_u64(out, 1, "capture_restarts", sep_restarts(b->sep));
		json_kv_u64(out, 1, "rss_kib", (uint64_t)rss_kib());
		fputs(",\"interfaces\":[", out);
		for (size_t i = 0; i < sep_n_ifs(b->sep); i++) {
			struct capture_if_stats st;
			sep_if_stats(b->sep, i, &st);
			fprintf(out, "%s{", i ? "," : "");
			json_kv_str(out, 0, "name", st.name);
			json_kv_str(out, 1, "zone",
				    st.zone == ZONE_NONE ? NULL :
				    c->zones[st.zone].name);
			json_kv_bool(out, 1, "up", st.up);
			json_kv_u64(out, 1, "packets", st.packets);
			json_kv_u64(out, 1, "drops", st.drops);
			json_kv_str(out, 1, "error", st.error);
			fputc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	fprintf(out, "mode:        %s\n", b->enforcing ? "enforce" : "monitor");
	fprintf(out, "pid:         %d\n", (int)getpid());
	fprintf(out, "uptime:      %ld s\n", (long)up);
	fprintf(out, "config:      %s\n", c->path);
	fprintf(out, "sha256:      %s\n", b->conf_hash);
	if (b->enforcing)
		fprintf(out,
			"ruleset:     table inet %s, generation %u, "
			"tampered %" PRIu64 ", restored %" PRIu64 "\n",
			c->table, b->rs ? b->rs->gen : 0, b->tampered,
			b->restored);
	fprintf(out, "reloads:     %" PRIu64 " (%" PRIu64 " refused)\n",
		b->reloads, b->reload_failures);
	fprintf(out,
		"alerts:      %" PRIu64 " written, %" PRIu64
		" suppressed by the rate limit",
		as.emitted, as.suppressed);
	if (as.json_errors)
		fprintf(out, ", %" PRIu64 " not written to log.json_file",
			as.json_errors);
	if (as.lost)
		fprintf(out, ", %" PRIu64 " lost for want of memory", as.lost);
	putc('\n', out);
	fprintf(out,
		"detection:   %" PRIu64 " packets, %zu bytes of state, %" PRIu64
		" flow keys evicted",
		ds.packets, (size_t)sep_detect_memory(b->sep),
		ds.flows_evicted);
	if (ds.fragments_forgotten)
		fprintf(out, ", %" PRIu64 " fragmented datagrams forgotten",
			ds.fragments_forgotten);
	fprintf(out, "; rss %ld KiB\n", rss_kib());
	fprintf(out, "capture:     process %d, started %u times\n",
		(int)sep_pid(b->sep), sep_restarts(b->sep));
	fprintf(out, "%-10s %-10s %-5s %12s %10s %s\n", "INTERFACE", "ZONE",
		"UP", "PACKETS", "DROPS", "ERROR");
	for (size_t i = 0; i < sep_n_ifs(b->sep); i++) {
		struct capture_if_stats st;
		sep_if_stats(b->sep, i, &st);
		fprintf(out, "%-10s %-10s %-5s %12" PRIu64 " %10" PRIu64 " %s\n",
			st.name,
			st.zone == ZONE_NONE ? "(mirror)" : c->zones[st.zone].name,
			st.up ? "yes" : "no", st.packets, st.drops, st.error);
	}
}

/* Zone × zone cells from detection's counters. */
static struct view_cell *matrix_cells(struct bunrid *b)
{
	const struct conf *c = b->conf;
	size_t n = c->n_zones;
	const struct detect_pair *p = sep_pairs(b->sep);
	struct view_cell *cells = calloc(n > 0 ? n * n : 1, sizeof(*cells));

	if (!cells)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			const struct detect_pair *dp = &p[i * (n + 1) + j];
			struct view_cell *v = &cells[i * n + j];
			v->pass_packets = dp->pass_packets;
			v->pass_bytes = dp->pass_bytes;
			v->drop_packets = dp->deny_packets;
			v->drop_bytes = dp->deny_bytes;
			v->alerts = dp->alerts;
		}
	}
	return cells;
}

static void kernel_counters(struct bunrid *b, bool json, FILE *out)
{
	struct nft_counter *cs;
	ssize_t n;

	if (!b->enforcing)
		return;
	n = nft_counters_read(b->nft, b->conf->table, &cs);
	if (n < 0)
		return;
	if (!json)
		fprintf(out, "\nkernel counters (table inet %s):\n",
			b->conf->table);
	for (ssize_t i = 0; i < n; i++) {
		if (json) {
			fprintf(out, "%s{", i ? "," : "");
			json_kv_str(out, 0, "name", cs[i].name);
			json_kv_u64(out, 1, "packets", cs[i].packets);
			json_kv_u64(out, 1, "bytes", cs[i].bytes);
			fputc('}', out);
		} else if (cs[i].packets) {
			fprintf(out, "  %-28s %12" PRIu64 " packets %14" PRIu64
				" bytes\n",
				cs[i].name, cs[i].packets, cs[i].bytes);
		}
	}
	free(cs);
}

static void ctl_matrix(struct bunrid *b, bool json, FILE *out)
{
	struct view_cell *cells = matrix_cells(b);

	if (json) {
		/* {"matrix": ..., "kernel_counters": [...]} */
		fputs("{\"matrix\":", out);
		view_matrix(b->conf, b->today, cells, true, out);
		fputs(",\"kernel_counters\":[", out);
		kernel_counters(b, true, out);
		fputs("]}\n", out);
	} else {
		view_matrix(b->conf, b->today, cells, false, out);
		kernel_counters(b, false, out);
	}
	free(cells);
}

static int parse_count(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s && !*end && !errno && *v <= max ? 0 : -1;
}

static void ctl_report(struct bunrid *b, unsigned hours, bool json, FILE *out)
{
	const struct conf *c = b->conf;
	uint64_t counts[ALERT_TYPE_MAX];
	time_t now = time(NULL);
	time_t since = hours ? now - (time_t)hours * 3600 : b->started;
	struct view_cell *cells = matrix_cells(b);
	size_t first = b->n_changes > CHANGES_KEPT ? b->n_changes - CHANGES_KEPT
						   : 0;
	char t0[32], t1[32];
	struct tm tm;

	alertlog_counts_since(b->alog, now, hours, counts);
	localtime_r(&since, &tm);
	strftime(t0, sizeof(t0), "%Y-%m-%dT%H:%M:%S%z", &tm);
	localtime_r(&now, &tm);
	strftime(t1, sizeof(t1), "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (json) {
		fputc('{', out);
		json_kv_str(out, 0, "from", t0);
		json_kv_str(out, 1, "to", t1);
		json_kv_str(out, 1, "config", c->path);
		json_kv_str(out, 1, "config_sha256", b->conf_hash);
		json_kv_str(out, 1, "mode", b->enforcing ? "enforce" : "monitor");
		fputs(",\"alerts\":{", out);
		for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
			json_kv_u64(out, t > 0, alert_type_name(t), counts[t]);
		fputs("},\"ruleset_changes\":[", out);
		int k = 0;
		for (size_t i = first; i < b->n_changes; i++) {
			const struct change *ch = &b->changes[i % CHANGES_KEPT];
			if (ch->when < since)
				continue;
			char w[32];
			localtime_r(&ch->when, &tm);
			strftime(w, sizeof(w), "%Y-%m-%dT%H:%M:%S%z", &tm);
			fprintf(out, "%s{", k++ ? "," : "");
			json_kv_str(out, 0, "when", w);
			json_kv_u64(out, 1, "generation", ch->gen);
			json_kv_str(out, 1, "what", ch->what);
			fputc('}', out);
		}
		fputs("],\"zone_pairs\":", out);
		view_matrix(c, b->today, cells, true, out);
		fputs(",\"channels\":", out);
		view_channels(c, b->today, true, out);
		fputs("}\n", out);
		free(cells);
		return;
	}
	fprintf(out, "bunri audit report\nperiod:   %s .. %s%s\n", t0, t1,
		hours ? "" : " (since the daemon started)");
	fprintf(out, "config:   %s (sha256 %s)\nmode:     %s\n\n", c->path,
		b->conf_hash, b->enforcing ? "enforce" : "monitor");
	fputs("alerts by type:\n", out);
	for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
		fprintf(out, "  %-18s %" PRIu64 "\n", alert_type_name(t),
			counts[t]);
	fputs("\nruleset and configuration changes:\n", out);
	for (size_t i = first; i < b->n_changes; i++) {
		const struct change *ch = &b->changes[i % CHANGES_KEPT];
		if (ch->when < since)
			continue;
		char w[32];
		localtime_r(&ch->when, &tm);
		strftime(w, sizeof(w), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "  %s  %s\n", w, ch->what);
	}
	fputs("\nzone pairs (traffic seen since the daemon started):\n", out);
	view_matrix(c, b->today, cells, false, out);
	fputs("\nchannels:\n", out);
	view_channels(c, b->today, false, out);
	free(cells);
}

/*
 * Only root changes anything: daemon.user is also the capture process's
 * user, and a capture process taken over by a crafted packet must not be
 * able to reload or remove the ruleset through the control socket.
 */
static bool ctl_may_change(const struct ctl_request *r, FILE *out)
{
	if (r->uid == 0)
		return true;
	fprintf(out, "%s: permission denied for uid %d", r->cmd, (int)r->uid);
	return false;
}

/*
 * The administrator's explicit removal of the rules: the table goes, the
 * daemon keeps watching (monitor mode) until it is restarted. Stopping the
 * daemon never does this by itself (fail closed).
 */
static int remove_ruleset(struct bunrid *b, const struct ctl_request *r,
			  FILE *out)
{
	char err[1024];

	if (!b->enforcing) {
		fprintf(out, "remove-ruleset: not enforcing, no ruleset of "
			     "this daemon to remove");
		return -1;
	}
	nftmon_stop(b);
	if (nft_table_remove(b->nft, b->conf->table, err, sizeof(err)) < 0) {
		fprintf(out, "remove-ruleset: the kernel refused: %s", err);
		b->mon = nftmon_open(b->conf->table, nft_portid(b->nft));
		if (b->mon)
			ev_add(b->ev, nftmon_fd(b->mon), EPOLLIN, on_nftmon, b);
		return -1;
	}
	ruleset_free(b->rs);
	b->rs = NULL;
	b->enforcing = false;
	b->removed = true;
	sep_reconfigure(b->sep, b->conf, true);
	change_record(b,
		      "ruleset removed on request of uid %d (pid %d): table "
		      "inet %s deleted; monitoring only until restarted",
		      (int)r->uid, (int)r->pid, b->conf->table);
	fprintf(out,
		"table inet %s removed; bunrid now only watches and alerts "
		"(restart it to enforce again)\n",
		b->conf->table);
	return 0;
}

static int on_ctl(const struct ctl_request *r, FILE *out, void *arg)
{
	struct bunrid *b = arg;
	const char *cmd = r->cmd;
	unsigned long n;

	if (!strcmp(cmd, "status") && r->argc == 0) {
		ctl_status(b, r->json, out);
	} else if (!strcmp(cmd, "zones") && r->argc == 0) {
		view_zones(b->conf, r->json, out);
	} else if (!strcmp(cmd, "channels") && r->argc == 0) {
		view_channels(b->conf, b->today, r->json, out);
	} else if (!strcmp(cmd, "matrix") && r->argc == 0) {
		ctl_matrix(b, r->json, out);
	} else if (!strcmp(cmd, "graph") && r->argc == 0) {
		view_graph(b->conf, b->today, r->json, out);
	} else if (!strcmp(cmd, "check")) {
		return view_check(b->conf, b->today, r->argc, r->argv, r->json,
				  out);
	} else if (!strcmp(cmd, "alerts") && r->argc <= 1) {
		n = 20;
		if (r->argc == 1 && parse_count(r->argv[0], ALERTLOG_RECENT, &n) < 0) {
			fprintf(out, "alerts: N must be 0..%d", ALERTLOG_RECENT);
			return -1;
		}
		alertlog_recent(b->alog, n, r->json, out);
	} else if (!strcmp(cmd, "report") && r->argc <= 1) {
		n = 0;
		if (r->argc == 1 && parse_count(r->argv[0], ALERTLOG_HOURS, &n) < 0) {
			fprintf(out, "report: HOURS must be 0..%d",
				ALERTLOG_HOURS);
			return -1;
		}
		ctl_report(b, (unsigned)n, r->json, out);
	} else if (!strcmp(cmd, "remove-ruleset") && r->argc == 0) {
		if (!ctl_may_change(r, out))
			return -1;
		return remove_ruleset(b, r, out);
	} else if (!strcmp(cmd, "reload") && r->argc == 0) {
		if (!ctl_may_change(r, out))
			return -1;
		log_info("reload requested over the control socket by pid %d "
			 "uid %d",
			 (int)r->pid, (int)r->uid);
		return reload(b, out);
	} else {
		fprintf(out, "unknown command or wrong arguments: %s "
			     "(status, zones, channels, matrix, check, alerts, "
			     "reload, remove-ruleset, graph, report)",
			cmd);
		return -1;
	}
	return 0;
}

/* ---- signals and timer ------------------------------------------------ */

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct bunrid *b = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			log_info("SIGHUP: reloading %s", b->o.conf_path);
			sd_notify(0, "RELOADING=1");
			reload(b, NULL);
			alertlog_reopen(b->alog);
			sd_notify(0, "READY=1");
			break;
		case SIGTERM:
		case SIGINT:
			log_info("%s: stopping; the ruleset stays in place",
				 strsignal(si.ssi_signo));
			sd_notify(0, "STOPPING=1");
			ev_stop(b->ev);
			break;
		}
	}
}

static void on_timer(int fd, uint32_t events, void *arg)
{
	struct bunrid *b = arg;
	struct timespec now;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
	now_realtime(&now);
	b->today = day_of(now.tv_sec);
	alertlog_tick(b->alog, &now);
	sep_tick(b->sep, now.tv_sec);
	ctl_tick(b->ctl, now.tv_sec);
	expiry_check(b);
	if (now.tv_sec >= b->next_verify) {
		b->next_verify = now.tv_sec + VERIFY_SECONDS;
		config_hash_check(b);
		verify_ruleset(b);
	}
	sd_notify(0, "WATCHDOG=1");
}

static int setup_signals(struct bunrid *b)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	b->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (b->sigfd < 0)
		return -1;
	return ev_add(b->ev, b->sigfd, EPOLLIN, on_signal, b);
}

static int setup_timer(struct bunrid *b)
{
	struct itimerspec its = { .it_interval = { .tv_sec = 1 },
				  .it_value = { .tv_sec = 1 } };

	b->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timerfd < 0 || timerfd_settime(b->timerfd, 0, &its, NULL) < 0)
		return -1;
	return ev_add(b->ev, b->timerfd, EPOLLIN, on_timer, b);
}

static void enforce_start(struct bunrid *b)
{
	char err[1024];

	b->nft = nft_open();
	if (!b->nft)
		fatal("nftables netlink socket");
	nft_set_owner(b->nft, b->conf->table_owner);
	if (enforce_commit(b, b->conf, true, err, sizeof(err)) < 0)
		fatalx("ruleset: the kernel refused it: %s", err);
	change_record(b, "ruleset installed: table inet %s generation %u",
		      b->conf->table, b->rs->gen);
	b->mon = nftmon_open(b->conf->table, nft_portid(b->nft));
	if (!b->mon)
		fatal("nftables events");
	if (ev_add(b->ev, nftmon_fd(b->mon), EPOLLIN, on_nftmon, b) < 0)
		fatal("event loop");
}

int daemon_run(const struct daemon_options *o)
{
	struct bunrid *b = calloc(1, sizeof(*b));

	if (!b)
		fatal("daemon");
	b->o = *o;
	/* Reloads and the config-changed check read the file again after
	 * daemon() has moved to "/": its path must not depend on where
	 * bunrid was started. Made absolute, not resolved: a symbolic link
	 * stays what is watched. */
	char *conf_abs = NULL;
	char cwd[PATH_MAX];
	if (o->conf_path[0] == '/')
		conf_abs = strdup(o->conf_path);
	else if (getcwd(cwd, sizeof(cwd)) &&
		 asprintf(&conf_abs, "%s/%s", cwd, o->conf_path) < 0)
		conf_abs = NULL;
	if (!conf_abs)
		fatal("%s", o->conf_path);
	b->o.conf_path = conf_abs;
	b->started = time(NULL);
	b->today = day_of(b->started);
	b->conf = conf_load(conf_abs, b->today, stderr);
	if (!b->conf) {
		free(conf_abs);
		free(b);
		return 1;
	}
	/* Under systemd (Type=notify) stay in the foreground; otherwise
	 * detach like a classic daemon unless -f asks not to. */
	if (!o->foreground && !getenv("NOTIFY_SOCKET") && daemon(0, 0) < 0)
		fatal("daemon");
	log_init("bunrid", o->foreground, b->conf->facility);
	log_set_debug(o->debug);
	b->enforcing = !o->monitor && b->conf->mode == CONF_MODE_ENFORCE;
	if (sha256_file_hex(b->conf->path, b->conf_hash) < 0)
		fatal("%s", b->conf->path);
	includes_hash(b);
	b->ev = ev_new();
	if (!b->ev)
		fatal("start-up");
	if (setup_signals(b) < 0 || setup_timer(b) < 0)
		fatal("signals and timer");
	/* Before the ruleset: a second bunrid stops here, at the first
	 * one's socket, having changed nothing. */
	b->ctl = ctl_open(b->ev, b->conf->control_socket,
			  user_gid(b->conf->user), on_ctl, b);
	if (!b->ctl)
		fatalx("control socket %s", b->conf->control_socket);
	if (b->enforcing)
		enforce_start(b);
	/* Everything that needs root is open: keep only what the ruleset and
	 * the capture process need. */
	if (privsep_drop_parent(b->conf->user) < 0)
		fatalx("cannot drop privileges to daemon.user %s",
		       b->conf->user);
	/* The JSON file is opened as daemon.user, who owns /var/log/bunri
	 * and must be able to reopen it after log rotation. */
	b->alog = alertlog_new(b->conf->facility, b->conf->json_file,
			       b->conf->max_alerts_per_second,
			       o->foreground ? stderr : NULL);
	if (!b->alog)
		fatal("alerts");
	b->sep = sep_start(b->conf, b->ev, !b->enforcing, on_detect_alert, b);
	if (!b->sep)
		fatal("capture process");
	expiry_reset(b, NULL);
	log_info("started in %s mode with %s (%zu zones, %zu channels)",
		 b->enforcing ? "enforce" : "monitor", b->conf->path,
		 b->conf->n_zones, b->conf->n_channels);
	sd_notifyf(0, "READY=1\nSTATUS=%s mode, %zu zones, %zu channels",
		   b->enforcing ? "enforce" : "monitor", b->conf->n_zones,
		   b->conf->n_channels);

	int rc = ev_run(b->ev) < 0 ? 1 : 0;

	ctl_close(b->ctl);
	sep_stop(b->sep);
	if (b->mon)
		nftmon_close(b->mon);
	/* Fail closed: the committed ruleset stays after we exit. */
	if (b->nft)
		nft_close(b->nft);
	ruleset_free(b->rs);
	free(b->counters);
	alertlog_free(b->alog);
	close(b->sigfd);
	close(b->timerfd);
	ev_free(b->ev);
	free(b->expiring_alerted);
	free(b->expired_alerted);
	conf_free(b->conf);
	free(b->inc);
	free(conf_abs);
	free(b);
	return rc;
}
