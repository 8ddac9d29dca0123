#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Privilege separation on a running daemon: the parent runs as daemon.user
# with only CAP_NET_ADMIN and CAP_NET_RAW; the capture process, which alone
# decodes packets, runs as daemon.user with no capability at all and
# no_new_privs; a capture process that dies is logged and restarted while
# the parent (and the ruleset) stay. Then the modes: a reload keeps the one
# bunrid started in, remove-ruleset leaves it watching, and monitor mode
# (-m, or daemon.mode) installs nothing and alerts action=observed. Last,
# -d's debug lines and the notifications systemd gets: READY=1,
# WATCHDOG=1, RELOADING=1, STOPPING=1.
set -u
BUILD=${1:-build}
export BUNRI_LAB=bt-priv
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
lib_init
require_root

T=$(lib_tmpdir)
lab up >/dev/null || { fail "lab up"; finish; }
cleanup_add "lab down"
syslog_start "$T" || { fail "rsyslog"; finish; }
conf=$(lab_conf "$T")
bunrid_start "$BUILD" "$conf" "$T" || { fail "bunrid start"; finish; }

field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
table_present() { ip netns exec "$(lab_ns gw)" nft list table inet bunri >/dev/null 2>&1; }
nobody=$(id -u nobody)

parent=$BUNRID_PID
uid=$(field "$parent" Uid | awk '{print $1, $2, $3, $4}')
[ "$uid" = "$nobody $nobody $nobody $nobody" ] && ok "parent runs as daemon.user (uid $nobody)" ||
	fail "parent uid" "$uid"
eff=$(field "$parent" CapEff)
# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13.
[ "$eff" = "0000000000003000" ] && ok "parent keeps only CAP_NET_ADMIN and CAP_NET_RAW" ||
	fail "parent CapEff" "$eff"
bnd=$(field "$parent" CapBnd)
[ "$bnd" = "0000000000000000" ] && ok "parent's bounding set is empty (nothing regained by exec)" ||
	fail "parent CapBnd" "$bnd"
groups=$(field "$parent" Groups)
[ -z "$groups" ] && ok "parent has no supplementary groups" || fail "parent groups" "$groups"

child=$(status_field capture_pid)
if [ -n "$child" ] && [ "$child" != 0 ] && [ -d "/proc/$child" ]; then
	ok "capture process $child runs"
else
	fail "capture process" "pid '$child'"
	finish
fi
[ "$(cat "/proc/$child/comm")" = "bunrid-capture" ] && ok "capture process is named bunrid-capture" ||
	fail "child comm" "$(cat "/proc/$child/comm")"
[ "$(awk '/^PPid:/ {print $2}' "/proc/$child/status")" = "$parent" ] &&
	ok "capture process is the daemon's child" || fail "child ppid"
uid=$(field "$child" Uid | awk '{print $1, $2, $3, $4}')
[ "$uid" = "$nobody $nobody $nobody $nobody" ] && ok "capture process runs as daemon.user" ||
	fail "child uid" "$uid"
# The capture process opens its handles first and then drops every
# capability: the daemon may answer before it has got that far.
for _ in $(seq 100); do
	[ "$(field "$child" CapPrm)" = "0000000000000000" ] && break
	sleep 0.1
done
for k in CapEff CapPrm CapInh CapAmb; do
	v=$(field "$child" $k)
	[ "$v" = "0000000000000000" ] && ok "capture process $k is empty" || fail "child $k" "$v"
done
[ "$(field "$child" NoNewPrivs)" = 1 ] && ok "capture process has no_new_privs" ||
	fail "child NoNewPrivs"
# Then its seccomp filter (sandbox.c), which the kernel reports as mode 2.
wait_for "[ \"\$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/$child/status)\" = 2 ]" 5 &&
	[ "$(field "$child" Seccomp_filters)" -ge 1 ] &&
	ok "capture process runs under its seccomp filter" ||
	fail "child Seccomp" "$(grep ^Seccomp "/proc/$child/status" | tr '\n' ' ')"
# A call of another ABI kills the calling thread: the only one.
[ "$(field "$child" Threads)" = 1 ] && ok "capture process has one thread" ||
	fail "child Threads" "$(field "$child" Threads)"
# The capture process's user, the daemon's, reaches the control socket
# (its group) but may change nothing: a taken-over capture process cannot
# switch enforcement off.
if out=$(setpriv --reuid "$nobody" --regid "$(id -g nobody)" --clear-groups \
	"$BUILD/bunrictl" -s "$BUNRID_SOCK" remove-ruleset 2>&1); then
	fail "daemon.user may not remove the ruleset" "$out"
elif grep -q "permission denied for uid $nobody" <<<"$out" && table_present; then
	ok "daemon.user may not remove the ruleset or reload: $out"
else
	fail "daemon.user may not remove the ruleset" "$out"
fi

# It still does its job: a forbidden flow is seen and alerted.
tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 445
syslog_wait 'alert=cross-zone .*src=10.2.0.7 .*dst=10.1.0.9 dport=445' 5 &&
	ok "the unprivileged capture process raises alerts" || fail "alert from the capture process"

# A capture process that dies is logged and restarted; the parent stays.
kill -9 "$child"
syslog_wait "capture process $child ended" 5 && ok "the parent logs the capture process's end" ||
	fail "no log of the child's end"
wait_for "new=\$(status_field capture_pid) && [ \"\$new\" != '$child' ] && [ \"\$new\" != 0 ]" 8 &&
	ok "a new capture process is started" || fail "no restart"
kill -0 "$parent" && ok "the parent survives" || fail "parent died"
tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 446
syslog_wait 'alert=cross-zone .*dport=446' 5 && ok "detection works after the restart" ||
	fail "no alert after restart"
table_present &&
	ok "the ruleset stayed" || fail "ruleset gone"

# daemon.mode changed to monitor, then a reload: the mode bunrid started
# in stays (removing the rules is an explicit act, not a reload's side
# effect), the answer says so, and alerts still say what happens.
sed -i 's/mode = "enforce";/mode = "monitor";/' "$conf"
out=$(ctl reload 2>&1)
grep -q "^reloaded " <<<"$out" && grep -q "^note: daemon.mode is monitor: the ruleset stays" <<<"$out" &&
	ok "a reload to monitor mode says the ruleset stays until restart" ||
	fail "reload to monitor mode" "$out"
syslog_wait "reload: daemon.mode is monitor" 5 && ok "and logs it" || fail "mode note not logged"
listen_tcp "$(lab_ns mn)" 449
tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 449 && fail "forbidden flow passes after the reload" ||
	ok "the ruleset still blocks after the reload"
syslog_wait 'alert=cross-zone .*dport=449 .*action=dropped' 5 &&
	ok "its alert says action=dropped" || fail "no action=dropped alert after the reload"
sed -i 's/mode = "monitor";/mode = "enforce";/' "$conf"
out=$(ctl reload 2>&1)
[ "$out" = "reloaded $conf" ] && ok "a reload back to the running mode has no note" ||
	fail "reload back to enforce" "$out"

# Reloads while forbidden flows keep coming, a new one every 20 ms: the
# capture process of the old configuration watches until the new one
# does, and hands over what it raised, so not one flow goes unseen.
ip netns exec "$(lab_ns lg)" "$PYTHON" "$NETPROBE" udp-stream --src 10.2.0.7 \
	--dst 10.1.0.9 --port 31000 --count 150 --interval 0.02 >/dev/null 2>&1 &
stream=$!
reloads=0
for _ in 1 2 3; do
	sleep 0.6
	ctl reload >/dev/null 2>&1 && reloads=$((reloads + 1))
done
wait "$stream"
stream_seen() {
	grep -oE 'alert=cross-zone .* dst=10\.1\.0\.9 dport=31[0-9]{3} ' "$SYSLOG_DIR/syslog" |
		grep -oE 'dport=[0-9]+' | sort -u |
		awk -F= '$2 >= 31000 && $2 < 31150' | wc -l
}
if [ "$reloads" -eq 3 ] && wait_for '[ "$(stream_seen)" -eq 150 ]' 10; then
	ok "3 reloads amid 150 new forbidden flows: all 150 alerted"
else
	fail "reloads amid new forbidden flows" "$reloads reloads, $(stream_seen) of 150 flows alerted"
fi

# The administrator's explicit removal: the table goes (the unprivileged
# parent still holds CAP_NET_ADMIN for it), the daemon keeps watching.
out=$(ctl remove-ruleset 2>&1)
[ $? -eq 0 ] && grep -q "removed" <<<"$out" && ok "bunrictl remove-ruleset answers" ||
	fail "remove-ruleset" "$out"
table_present &&
	fail "the table is still there" || ok "the table is gone"
ctl status | grep -q "^mode: *monitor" && ok "the daemon now only monitors" ||
	fail "mode after removal" "$(ctl status | head -2)"
syslog_wait "ruleset removed on request of uid 0" 5 && ok "the removal is logged" ||
	fail "removal not logged"
listen_tcp "$(lab_ns mn)" 447
tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 447 && ok "forbidden traffic now passes" ||
	fail "traffic still blocked after removal"
syslog_wait 'alert=cross-zone .*dport=447 .*action=observed' 8 &&
	ok "and is still alerted, action=observed" || fail "no observed alert after removal"
out=$(ctl remove-ruleset 2>&1)
[ $? -eq 1 ] && grep -q "not enforcing" <<<"$out" && ok "a second removal is refused" ||
	fail "second removal" "$out"

# A reload (the signal after rotating the JSON file, too) keeps the
# removal: no table comes back, and alerts still say action=observed.
out=$(ctl reload 2>&1)
grep -q "^note: the ruleset was removed with bunrictl remove-ruleset" <<<"$out" &&
	ok "a reload after the removal says bunrid only watches until restart" ||
	fail "reload after removal" "$out"
table_present &&
	fail "the table came back with the reload" || ok "no table after the reload"
listen_tcp "$(lab_ns mn)" 448
tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 448 && ok "forbidden traffic still passes" ||
	fail "traffic blocked after the reload"
syslog_wait 'alert=cross-zone .*dport=448 .*action=observed' 8 &&
	ok "and its alert says action=observed" ||
	fail "after the reload" "$(grep 'dport=448' "$SYSLOG_DIR/syslog")"

# Monitor mode, the way to begin: bunrid -m, then daemon.mode = "monitor".
# Nothing is installed, forbidden traffic passes, and every alert says
# action=observed.
port=450
for how in "-m" "monitor"; do
	bunrid_stop
	args=()
	if [ "$how" = "-m" ]; then
		args=(-m)
	else
		sed -i 's/mode = "enforce";/mode = "monitor";/' "$conf"
	fi
	bunrid_start "$BUILD" "$conf" "$T" "${args[@]}" ||
		{ fail "bunrid starts in monitor mode ($how)"; continue; }
	ctl status | grep -q "^mode: *monitor" && ok "monitor mode ($how): status says monitor" ||
		fail "monitor mode ($how): status" "$(ctl status | head -2)"
	table_present &&
		fail "monitor mode ($how) installed a table" ||
		ok "monitor mode ($how): no ruleset installed"
	listen_tcp "$(lab_ns mn)" $port
	tcp_probe "$(lab_ns lg)" 10.2.0.7 10.1.0.9 $port && ok "monitor mode ($how): forbidden traffic passes" ||
		fail "monitor mode ($how): traffic blocked"
	syslog_wait "alert=cross-zone .*dport=$port .*action=observed" 8 &&
		ok "monitor mode ($how): its alert says action=observed" ||
		fail "monitor mode ($how): no observed alert" "$(grep "dport=$port" "$SYSLOG_DIR/syslog")"
	port=$((port + 1))
done

# A classic daemon (no -f, no systemd) given a relative -c: it moves to
# "/", and still reloads and watches the file it was given.
bunrid_stop
bin=$(realpath "$BUILD/bunrid")
(cd "$T" && gw_exec_syslog "$T" "$bin" -c "$(basename "$conf")") >>"$T/bunrid.out" 2>&1
if wait_for "ctl status >/dev/null 2>&1" 10; then
	dpid=$(status_field pid)
	cleanup_add "kill $dpid 2>/dev/null"
	ok "bunrid detaches as a classic daemon (pid $dpid)"
	[ "$(readlink "/proc/$dpid/cwd")" = / ] && ok "the detached daemon works in /" ||
		fail "detached daemon's directory" "$(readlink "/proc/$dpid/cwd")"
	out=$(ctl reload 2>&1)
	grep -q "^reloaded $conf\$" <<<"$out" && ok "it reloads the file by its absolute path" ||
		fail "reload of a relative -c" "$out"
	echo "# edited while bunrid runs detached" >>"$conf"
	syslog_wait "alert=config-changed .*file=$conf " 12 &&
		ok "it watches the file by its absolute path" ||
		fail "config-changed for a relative -c" "$(grep config-changed "$SYSLOG_DIR/syslog" | tail -n 2)"
	kill "$dpid"
	wait_for "! kill -0 $dpid 2>/dev/null" 10 || kill -9 "$dpid"
else
	fail "bunrid detaches as a classic daemon" "$(tail -n 5 "$T/bunrid.out")"
fi

# What systemd hears (Type=notify, WatchdogSec): a listener on a
# NOTIFY_SOCKET of our own records each notification as a line.
"$PYTHON" - "$T/notify.sock" "$T/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)  # the daemon notifies as daemon.user
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
PY
cleanup_add "kill $! 2>/dev/null"
wait_for "[ -S '$T/notify.sock' ]" 5 || fail "notify listener"
: >>"$T/notify.log"
# With -d too: debug lines, which no start before this one wrote.
if grep -q 'local4.debug ' "$SYSLOG_DIR/syslog"; then
	fail "debug lines without -d" "$(grep -m 3 'local4.debug ' "$SYSLOG_DIR/syslog")"
else
	ok "no debug lines without -d"
fi
NOTIFY_SOCKET=$T/notify.sock bunrid_start "$BUILD" "$conf" "$T" -d ||
	fail "bunrid starts with NOTIFY_SOCKET"
syslog_wait 'local4\.debug bunrid\[[0-9]+\]: capture process [0-9]+ started' 5 &&
	syslog_wait 'local4\.debug bunrid\[[0-9]+\]: capture eth2: open, zone lgwan' 5 &&
	ok "-d: debug lines from the parent and the capture process" ||
	fail "-d: no debug lines" "$(grep -c . "$SYSLOG_DIR/syslog") lines"
wait_for "grep -q '^READY=1 STATUS=monitor mode, ' '$T/notify.log'" 5 &&
	ok "systemd: READY=1 with a STATUS= line" || fail "no READY=1" "$(cat "$T/notify.log")"
wait_for "[ \$(grep -c '^WATCHDOG=1' '$T/notify.log') -ge 2 ]" 5 &&
	ok "systemd: WATCHDOG=1 every second" || fail "no WATCHDOG=1" "$(sort "$T/notify.log" | uniq -c)"
kill -HUP "$BUNRID_PID"
wait_for "grep -A 100 '^RELOADING=1' '$T/notify.log' | grep -q '^READY=1\$'" 5 &&
	ok "systemd: SIGHUP sends RELOADING=1, then READY=1" ||
	fail "reload notifications" "$(grep -v WATCHDOG "$T/notify.log")"
kill "$BUNRID_PID"
wait_for "grep -q '^STOPPING=1' '$T/notify.log'" 5 &&
	ok "systemd: SIGTERM sends STOPPING=1" || fail "no STOPPING=1" "$(grep -v WATCHDOG "$T/notify.log")"
bunrid_stop

# ---- under the unit's capability bounding set ---------------------------
#
# systemd starts bunrid with systemd/bunrid.service's CapabilityBoundingSet
# (no CAP_SETPCAP, no CAP_KILL), and runs ExecReload with it too: the
# drop to daemon.user and a reload must work within it.
unit=systemd/bunrid.service
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' |
	sed 's/cap_//g; s/^/-all,+/; s/ /,+/g')
mkdir -p "$T/unitbin"
printf '#!/bin/sh\nexec setpriv --bounding-set %s %s/bunrid "$@"\n' \
	"$bset" "$(cd "$BUILD" && pwd)" >"$T/unitbin/bunrid"
chmod +x "$T/unitbin/bunrid"
ln -sf "$(cd "$BUILD" && pwd)/bunrictl" "$T/unitbin/bunrictl"
if [ -n "$bset" ] && bunrid_start "$T/unitbin" "$conf" "$T"; then
	ok "bunrid starts under the unit's bounding set ($bset)"
	[ "$(field "$BUNRID_PID" CapEff)" = "0000000000003000" ] &&
		ok "unit: parent keeps only CAP_NET_ADMIN and CAP_NET_RAW" ||
		fail "unit: parent CapEff" "$(field "$BUNRID_PID" CapEff)"
	child=$(status_field capture_pid)
	wait_for "[ \"\$(sed -n 's/^CapPrm:[[:space:]]*//p' /proc/$child/status)\" = 0000000000000000 ]" 10 &&
		[ "$(field "$child" CapEff)" = "0000000000000000" ] &&
		ok "unit: the capture process holds no capability" ||
		fail "unit: capture process capabilities" "$(grep ^Cap "/proc/$child/status" | tr '\n' ' ')"
	# The unit's reload commands, as systemd runs them: as root, within
	# the bounding set, against this daemon's files.
	reloads=$(status_field reloads)
	rc=0
	while read -r cmd; do
		cmd=${cmd//\/usr\/sbin/$(cd "$BUILD" && pwd)}
		cmd=${cmd//\/etc\/bunri\/bunri.conf/$conf}
		# The default configuration, named: this one is elsewhere.
		[[ $cmd == *" -c "* ]] || cmd="$cmd -c $conf"
		ip netns exec "$(lab_ns gw)" setpriv --bounding-set "$bset" \
			$cmd >>"$T/execreload.out" 2>&1 || rc=1
	done < <(sed -n 's/^ExecReload=//p' "$unit")
	if [ "$rc" = 0 ] && [ "$(status_field reloads)" -gt "$reloads" ]; then
		ok "unit: ExecReload reloads the daemon within the bounding set"
	else
		fail "unit: ExecReload" "$(cat "$T/execreload.out")"
	fi
	bunrid_stop
else
	fail "bunrid starts under the unit's bounding set ($bset)" \
		"$(tail -n 5 "$T/bunrid.out")"
fi

finish
