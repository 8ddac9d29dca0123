#!/bin/bash
# make install / make uninstall into a scratch DESTDIR, with the programs
# already built in BUILD:
#   - exactly the expected files, with their modes (programs 0755, the
#     configuration 0640 in a 0750 /etc/bunri, everything else 0644), the
#     same bytes as in the tree (units: with SBINDIR substituted);
#   - the administrator's /etc/bunri/bunri.conf survives a second install;
#   - PREFIX=/usr/local puts the programs there and the unit follows;
#   - the sysusers.d and tmpfiles.d files work (systemd-sysusers and
#     systemd-tmpfiles --root on the installed tree): user bunri,
#     /var/log/bunri 0750 bunri:bunri, /run/bunri 0750 root:bunri (as
#     the unit's RuntimeDirectory makes it), the configuration 0640
#     root:bunri;
#   - the installed bunrid.service has a systemd-analyze security exposure
#     of at most 2.0;
#   - make uninstall removes everything install added except /etc/bunri.
#   tests/golden/test_install.sh [BUILD]
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d /tmp/bunri-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL - $*"; failed=$((failed + 1)); }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

for p in bunrid bunrictl; do
	[ -x "$BUILD/$p" ] || { echo "FAIL - $BUILD/$p is not built"; echo "0 passed, 1 failed"; exit 1; }
done

D=$TMP/root
mk() { make --no-print-directory -s BUILD="$BUILD" DESTDIR="$1" "${@:2}"; }

if mk "$D" PREFIX=/usr install >"$TMP/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install failed:"; sed 's/^/    /' "$TMP/install.log"
	echo "$passed passed, $failed failed"; exit 1
fi

# path mode source ("-" when the content is checked elsewhere)
expected() {
	echo "usr/sbin/bunrid 755 $BUILD/bunrid"
	echo "usr/sbin/bunrictl 755 $BUILD/bunrictl"
	echo "usr/share/man/man5/bunri.conf.5 644 man/bunri.conf.5"
	echo "usr/share/man/man8/bunrid.8 644 man/bunrid.8"
	echo "usr/share/man/man8/bunrictl.8 644 man/bunrictl.8"
	echo "lib/systemd/system/bunrid.service 644 systemd/bunrid.service"
	echo "lib/systemd/system/bunri-failsafe.service 644 systemd/bunri-failsafe.service"
	echo "usr/lib/sysusers.d/bunri.conf 644 systemd/bunri.sysusers"
	echo "usr/lib/tmpfiles.d/bunri.conf 644 systemd/bunri.tmpfiles"
	echo "usr/share/doc/bunri/README.md 644 README.md"
	for f in conf/*.conf conf/bunri-failsafe.nft; do
		echo "usr/share/doc/bunri/examples/${f#conf/} 644 $f"
	done
	echo "etc/bunri/bunri.conf 640 conf/bunri.conf"
	echo "etc/bunri/bunri-failsafe.nft 640 conf/bunri-failsafe.nft"
}
expected >"$TMP/expected"

while read -r path mode src; do
	f=$D/$path
	if [ ! -f "$f" ]; then
		not_ok "$path is not installed"
		continue
	fi
	m=$(stat -c %a "$f")
	[ "$m" = "$mode" ] && ok "$path mode $mode" ||
		not_ok "$path has mode $m, not $mode"
	cmp -s "$src" "$f" && ok "$path is $src" || not_ok "$path differs from $src"
done <"$TMP/expected"
check "etc/bunri is mode 750" [ "$(stat -c %a "$D/etc/bunri" 2>/dev/null)" = 750 ]

(cd "$D" && find . -type f | sed 's|^\./||' | sort) >"$TMP/files"
cut -d' ' -f1 "$TMP/expected" | sort >"$TMP/want"
if diff -u "$TMP/want" "$TMP/files" >"$TMP/diff"; then
	ok "no file installed beyond the expected $(wc -l <"$TMP/want")"
else
	not_ok "installed files differ from the expected list:"
	sed 's/^/    /' "$TMP/diff"
fi

# A second install keeps the administrator's configuration.
echo "# edited by the administrator" >>"$D/etc/bunri/bunri.conf"
cp "$D/etc/bunri/bunri.conf" "$TMP/edited"
echo "# edited" >>"$D/etc/bunri/bunri-failsafe.nft"
cp "$D/etc/bunri/bunri-failsafe.nft" "$TMP/edited-fs"
chmod 600 "$D/etc/bunri/bunri.conf"
if mk "$D" PREFIX=/usr install >"$TMP/install2.log" 2>&1; then
	ok "a second make install succeeds"
else
	not_ok "the second make install failed"
fi
check "a second install keeps an edited bunri.conf" \
	cmp -s "$TMP/edited" "$D/etc/bunri/bunri.conf"
check "a second install keeps an edited bunri-failsafe.nft" \
	cmp -s "$TMP/edited-fs" "$D/etc/bunri/bunri-failsafe.nft"
check "a second install leaves bunri.conf's mode alone" \
	[ "$(stat -c %a "$D/etc/bunri/bunri.conf")" = 600 ]
check "a second install still updates the programs" \
	cmp -s "$BUILD/bunrid" "$D/usr/sbin/bunrid"

# Another prefix: the units must start the programs where they are.
L=$TMP/local
if mk "$L" PREFIX=/usr/local install >/dev/null 2>&1; then
	check "PREFIX=/usr/local installs bunrid in /usr/local/sbin" \
		[ -x "$L/usr/local/sbin/bunrid" ]
	check "PREFIX=/usr/local: the unit runs /usr/local/sbin/bunrid" \
		grep -qx 'ExecStart=/usr/local/sbin/bunrid' \
		"$L/lib/systemd/system/bunrid.service"
	check "PREFIX=/usr/local: no /usr/sbin/bunrid left in the unit" \
		bash -c "! grep -q '/usr/sbin/bunrid' '$L/lib/systemd/system/bunrid.service'"
	check "PREFIX=/usr/local: man pages under /usr/local/share/man" \
		[ -f "$L/usr/local/share/man/man8/bunrid.8" ]
else
	not_ok "make install PREFIX=/usr/local failed"
fi

# sysusers.d and tmpfiles.d, applied to the installed tree.
S=$TMP/sys
mk "$S" PREFIX=/usr install >/dev/null 2>&1
mkdir -p "$S/etc" && touch "$S/etc/passwd" "$S/etc/group"
if systemd-sysusers --root="$S" >"$TMP/sysusers.log" 2>&1 &&
	uid=$(awk -F: '$1 == "bunri" {print $3}' "$S/etc/passwd") &&
	gid=$(awk -F: '$1 == "bunri" {print $3}' "$S/etc/group") &&
	[ -n "$uid" ] && [ -n "$gid" ]; then
	ok "systemd-sysusers creates user and group bunri ($uid:$gid)"
	check "user bunri is a system account" [ "$uid" -lt 1000 ]
	check "user bunri cannot log in" \
		grep -qE '^bunri:.*:(/usr/sbin/nologin|/sbin/nologin|/bin/false)$' "$S/etc/passwd"
	if systemd-tmpfiles --root="$S" --create \
		"$S/usr/lib/tmpfiles.d/bunri.conf" >"$TMP/tmpfiles.log" 2>&1; then
		ok "systemd-tmpfiles --create accepts bunri.tmpfiles"
	else
		not_ok "systemd-tmpfiles refused bunri.tmpfiles:"
		sed 's/^/    /' "$TMP/tmpfiles.log"
	fi
	for spec in "run/bunri 750 0:$gid" "var/log/bunri 750 $uid:$gid" \
		"etc/bunri 750 0:$gid" "etc/bunri/bunri.conf 640 0:$gid"; do
		set -- $spec
		got=$(stat -c '%a %u:%g' "$S/$1" 2>/dev/null)
		[ "$got" = "$2 $3" ] && ok "tmpfiles: $1 is $2 $3" ||
			not_ok "tmpfiles: $1 is '$got', not '$2 $3'"
	done
else
	not_ok "systemd-sysusers did not create bunri:"
	sed 's/^/    /' "$TMP/sysusers.log"
fi

# The sandbox of the installed unit.
U=$D/lib/systemd/system/bunrid.service
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	exp=$(systemd-analyze security --offline=true "$U" 2>/dev/null |
		sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+).*/\1/p')
	if [ -n "$exp" ] && awk -v e="$exp" 'BEGIN { exit !(e <= 2.0) }'; then
		ok "bunrid.service exposure $exp <= 2.0"
	else
		not_ok "bunrid.service exposure '$exp' is above 2.0"
	fi
else
	echo "# systemd-analyze security --offline not supported: exposure not measured"
fi
for u in bunrid.service bunri-failsafe.service; do
	out=$(systemd-analyze verify "$D/lib/systemd/system/$u" 2>&1 |
		grep -vE 'is not executable|man |Failed to prepare filename')
	[ -z "$out" ] && ok "systemd-analyze verify $u" ||
		{ not_ok "systemd-analyze verify $u:"; echo "$out" | sed 's/^/    /'; }
done

# Uninstall.
if mk "$D" PREFIX=/usr uninstall >"$TMP/uninstall.log" 2>&1; then
	ok "make uninstall"
else
	not_ok "make uninstall failed"; sed 's/^/    /' "$TMP/uninstall.log"
fi
left=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
check "uninstall leaves only the configuration ($left)" \
	[ "$left" = "etc/bunri/bunri-failsafe.nft etc/bunri/bunri.conf " ]
check "uninstall keeps the edited bunri.conf" \
	cmp -s "$TMP/edited" "$D/etc/bunri/bunri.conf"
check "uninstall removes the doc directory" [ ! -e "$D/usr/share/doc/bunri" ]
if mk "$D" PREFIX=/usr uninstall >/dev/null 2>&1; then
	ok "a second uninstall is harmless"
else
	not_ok "a second uninstall fails"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
