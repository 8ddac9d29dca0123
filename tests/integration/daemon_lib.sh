# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Running bunrid in the lab with a real syslog daemon, for the end-to-end
# tests and the demo. Source after lib.sh and lib_init.
#
#   syslog_start DIR          rsyslogd listening on DIR/log.sock, writing
#                             every message to DIR/syslog as
#                             "TIMESTAMP FACILITY.SEVERITY TAG MSG"
#   bunrid_start BUILD CONF DIR [ARGS...]
#                             bunrid -f in the gateway namespace, its
#                             /dev/log pointing at DIR/log.sock (a private
#                             mount namespace: the host's /dev is not
#                             touched); waits for the control socket
#   bunrid_stop               SIGTERM and wait
#   ctl ARGS...               bunrictl against the running daemon
#   syslog_wait PATTERN SECS  until a syslog line matches (grep -E)
#
# The daemon's pid is in $BUNRID_PID, its control socket in $BUNRID_SOCK.

BUNRID_PID=
BUNRID_WRAPPER=
BUNRID_SOCK=
BUNRID_BUILD=
SYSLOG_DIR=

syslog_start() {
	local dir=$1
	SYSLOG_DIR=$dir
	mkdir -p "$dir/work"
	cat >"$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$dir/log.sock" CreatePath="on")
template(name="bunri" type="string"
	string="%timegenerated:::date-rfc3339% %syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\n")
*.* action(type="omfile" file="$dir/syslog" template="bunri")
CONF
	: >"$dir/syslog"
	rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" \
		>"$dir/rsyslogd.out" 2>&1 &
	local pid=$!
	cleanup_add "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	wait_for "[ -S '$dir/log.sock' ]" 10 || {
		echo "rsyslogd did not start:" >&2
		cat "$dir/rsyslogd.out" >&2
		return 1
	}
}

# Run a command in the gateway namespace with a private /dev whose "log"
# is the lab's rsyslog socket. The real /dev nodes a daemon needs are
# bind-mounted into the private one. It replaces the calling shell (every
# step execs), so run it in the background or a subshell: then $! is the
# command's own pid.
gw_exec_syslog() {
	local dir=$1
	shift
	exec ip netns exec "$(lab_ns gw)" unshare --mount --propagation private \
		/bin/sh -c '
		set -e
		d=$1; shift
		mkdir -p "$d/olddev"
		mount --bind /dev "$d/olddev"
		mount -t tmpfs -o mode=755 bunri-dev /dev
		for n in null zero full random urandom tty; do
			touch "/dev/$n"
			mount --bind "$d/olddev/$n" "/dev/$n"
		done
		mkdir -p /dev/shm /dev/pts
		ln -s "$d/log.sock" /dev/log
		umount -l "$d/olddev"
		if [ -n "${BUNRI_PIDFILE:-}" ]; then echo $$ >"$BUNRI_PIDFILE"; fi
		exec "$@"' sh "$dir" "$@"
}

bunrid_start() {
	local build=$1 conf=$2 dir=$3
	shift 3
	BUNRID_BUILD=$build
	BUNRID_SOCK=$(sed -n 's/^[[:space:]]*control_socket[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' "$conf" | head -n 1)
	[ -n "$BUNRID_SOCK" ] || BUNRID_SOCK=/run/bunri/bunrid.sock
	mkdir -p "$(dirname "$BUNRID_SOCK")"
	rm -f "$dir/bunrid.pid"
	# $! is the background subshell running the function, not bunrid:
	# the shell that execs bunrid writes its own pid.
	BUNRI_PIDFILE="$dir/bunrid.pid" gw_exec_syslog "$dir" \
		"$build/bunrid" -f -c "$conf" "$@" >>"$dir/bunrid.out" 2>&1 &
	BUNRID_WRAPPER=$!
	cleanup_add "bunrid_stop"
	if ! wait_for "[ -s '$dir/bunrid.pid' ]" 10; then
		echo "bunrid did not start:" >&2
		cat "$dir/bunrid.out" >&2
		return 1
	fi
	BUNRID_PID=$(cat "$dir/bunrid.pid")
	if ! wait_for "[ -S '$BUNRID_SOCK' ] && '$build/bunrictl' -s '$BUNRID_SOCK' status" 15; then
		echo "bunrid did not start:" >&2
		cat "$dir/bunrid.out" >&2
		return 1
	fi
}

# SIGTERM to bunrid itself (not the subshell that started it), then wait.
bunrid_stop() {
	if [ -n "$BUNRID_PID" ]; then
		kill "$BUNRID_PID" 2>/dev/null
		local i
		for i in $(seq 50); do
			kill -0 "$BUNRID_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$BUNRID_PID" 2>/dev/null
	fi
	[ -n "$BUNRID_WRAPPER" ] && wait "$BUNRID_WRAPPER" 2>/dev/null
	BUNRID_PID=
	BUNRID_WRAPPER=
}

ctl() {
	"$BUNRID_BUILD/bunrictl" -s "$BUNRID_SOCK" "$@"
}

# One field of `bunrictl --json status`.
status_field() {
	ctl --json status | "$PYTHON" -c \
		"import json,sys; print(json.load(sys.stdin)['$1'])"
}

syslog_wait() {
	wait_for "grep -qE -- '$1' '$SYSLOG_DIR/syslog'" "${2:-5}"
}

# A copy of conf/bunri.conf for the lab: control socket and JSON file in
# DIR, the daemon user "nobody" (a fresh machine has no "bunri" account
# unless bunri is installed), with sed expressions applied from the
# arguments. DIR is opened up so that the unprivileged daemon can read its
# configuration again on reload and reopen the JSON file.
lab_conf() {
	local dir=$1
	shift
	chmod 755 "$dir"
	touch "$dir/alerts.jsonl"
	chown nobody "$dir/alerts.jsonl"
	sed -e "s|/run/bunri/bunrid.sock|$dir/bunrid.sock|" \
		-e 's|user = "bunri";|user = "nobody";|' \
		-e "s|# json_file = \"/var/log/bunri/alerts.jsonl\";.*|json_file = \"$dir/alerts.jsonl\";|" \
		"$@" "$LIB_ROOT/conf/bunri.conf" >"$dir/bunri.conf"
	echo "$dir/bunri.conf"
}
