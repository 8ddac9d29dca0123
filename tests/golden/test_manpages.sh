#!/bin/bash
# The man pages are complete and well-formed: `mandoc -Tlint -Wwarning` is
# clean, and everything the code accepts or emits is documented in the
# right page, extracted from the sources so that a new key, flag, command or
# alert cannot be added without its documentation:
#   bunri.conf.5  every key of each group (the *_keys[] tables conf.c checks
#                 unknown keys against), under that group's ".\" keys: GROUP"
#                 list as ".It Ic KEY"; every enumerated value (modes, kinds,
#                 protos, severities, facilities) as a literal
#   bunrid.8      every getopt flag as ".It Fl X"; every alert type of
#                 alert_type_name() as ".It Sy TYPE"; every alert key
#                 (alert.c's fixed fields and every alert_add_*() key) as a
#                 literal; every signal daemon.c handles
#   bunrictl.8    every getopt flag and long option; every command of the
#                 usage text and of the daemon's dispatcher as ".It Ic CMD"
# Each checker is first run against a page with one item removed, which it
# must catch. Last, the validation error that bunrid.8 and the README show
# as an example is the one BUILD/bunrid -t prints for that mistake in the
# sample configuration.
#   tests/golden/test_manpages.sh [BUILD]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d /tmp/bunri-man.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
passed=0 failed=0

ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL - $*"; failed=$((failed + 1)); }

CONF5=man/bunri.conf.5 BUNRID8=man/bunrid.8 BUNRICTL8=man/bunrictl.8

# ---- extraction from the sources ----------------------------------------

# The strings of the C array `static const char *const NAME[] = {...};`.
c_array_strings() {
	perl -0777 -ne 'if (/\b\Q'"$2"'\E\[\]\s*=\s*\{(.*?)\};/s) {
		my $b = $1; print "$_\n" for ($b =~ /"([^"]*)"/g);
	}' "$1"
}

# Groups whose keys conf.c checks: top_keys, daemon_keys, ... -> top daemon
conf_groups() {
	grep -oE 'static const char \*const [a-z]+_keys\[\]' src/conf.c |
		sed -E 's/.* ([a-z]+)_keys\[\]/\1/'
}

# The name strings of the struct name_val tables (enumerated values).
conf_enum_values() {
	perl -0777 -ne 'while (/static const struct name_val \w+\[\]\s*=\s*\{(.*?)\};/sg) {
		my $b = $1; print "$_\n" for ($b =~ /\{\s*"([^"]+)"\s*,/g);
	}' src/conf.c
}

# Letters of the getopt option string in FILE (a leading '+' or '-' is
# GNU getopt's ordering mode, not an option).
getopt_letters() {
	grep -oE 'getopt(_long)?\([^"]*"[^"]*"' "$1" | head -1 |
		sed -E 's/.*"(.*)"/\1/; s/^[-+]//; s/://g' | fold -w1
}

alert_types() {
	awk '/^const char \*alert_type_name/,/^}/' src/alert.c |
		grep -oE 'return "[^"]+"' | sed -E 's/return "(.*)"/\1/' |
		grep -vx unknown
}

alert_keys() {
	{
		grep -ohE '(k->(str|num)|put_str\(k,) *\(?o, "[a-z_0-9]+"' src/alert.c
		grep -ohE 'json_key\(o, "[a-z_0-9]+"' src/alert.c
		grep -ohE 'alert_add_(str|num)\(&?[a-z_>.-]+, "[a-z_0-9]+"' src/*.c
	} | grep -oE '"[a-z_0-9]+"' | tr -d '"' | sort -u
}

bunrictl_commands() {
	{
		# usage(): lines like "  status     mode, uptime..."
		awk '/^static void usage/,/^}/' src/bunrictl.c |
			grep -oE '^[[:space:]]*"  [a-z][a-z-]*' | grep -oE '[a-z][a-z-]*$'
		# the daemon's dispatcher
		awk '/^static int on_ctl/,/^}/' src/daemon.c |
			grep -oE 'strcmp\(cmd, "[a-z-]+"\)' | grep -oE '"[a-z-]+"' |
			tr -d '"'
	} | sort -u
}

handled_signals() {
	awk '/^static void on_signal/,/^}/' src/daemon.c |
		grep -oE 'case SIG[A-Z]+' | awk '{print $2}' | sort -u
}

# ---- checkers: print what PAGE lacks, nothing when complete -------------

# Keys of GROUP missing from the ".\" keys: GROUP" block of PAGE.
missing_keys() {
	local page=$1 group=$2 key block
	block=$(awk -v g="$group" '
		/^\.\\" keys: / { on = ($3 == g); next }
		/^\.Sh / { on = 0 }
		on' "$page")
	for key in $(c_array_strings src/conf.c "${group}_keys"); do
		grep -qE "^\.It Ic $key( |$)" <<<"$block" || echo "$group.$key"
	done
}

# WORD used as a literal (an argument of Li on some line) in PAGE.
has_literal() {
	grep -qE "(^\.|[[:space:]])Li[[:space:]](.*[[:space:]])?$2([[:space:]]|,|$)" "$1"
}

missing_literals() {
	local page=$1 w
	shift
	for w in "$@"; do
		has_literal "$page" "$w" || echo "$w"
	done
}

missing_items() { # PAGE MACRO ITEM...: ".It MACRO ITEM" lines
	local page=$1 macro=$2 w
	shift 2
	for w in "$@"; do
		grep -qE "^\.It $macro $w( |$)" "$page" || echo "$w"
	done
}

report() { # NAME MISSING-LIST
	if [ -z "$2" ]; then
		ok "$1"
	else
		not_ok "$1: not documented: $(echo $2)"
	fi
}

# ---- extraction sanity: an empty list would make every check pass ------

groups=$(conf_groups)
enums=$(conf_enum_values)
dflags=$(getopt_letters src/bunrid.c)
cflags=$(getopt_letters src/bunrictl.c)
clong=$(perl -ne 'print "$1\n" if /\{\s*"([a-z-]+)",\s*(no|required|optional)_argument/' src/bunrictl.c)
types=$(alert_types)
akeys=$(alert_keys)
cmds=$(bunrictl_commands)
sigs=$(handled_signals)
for v in groups enums dflags cflags clong types akeys cmds sigs; do
	n=$(wc -w <<<"${!v}")
	if [ "$n" -ge 1 ]; then
		ok "extracted $n $v from the sources"
	else
		not_ok "extracted no $v from the sources: the extraction is stale"
	fi
done
nkeys=0
for g in $groups; do
	nkeys=$((nkeys + $(c_array_strings src/conf.c "${g}_keys" | wc -l)))
done
[ "$(wc -w <<<"$types")" -ge 11 ] && [ "$nkeys" -ge 40 ] &&
	ok "$nkeys configuration keys in $(wc -w <<<"$groups") groups, $(wc -w <<<"$types") alert types" ||
	not_ok "too few keys ($nkeys) or alert types: the extraction is broken"

# ---- the checkers catch an omission -------------------------------------

sed '/^\.It Ic snaplen /d' "$CONF5" >"$TMP/conf5"
[ "$(missing_keys "$TMP/conf5" capture)" = capture.snaplen ] &&
	ok "self-test: a removed configuration key is caught" ||
	not_ok "self-test: removing capture.snaplen went unnoticed"
sed '/^\.It Sy capture-loss$/d' "$BUNRID8" >"$TMP/bunrid8"
[ "$(missing_items "$TMP/bunrid8" Sy $types)" = capture-loss ] &&
	ok "self-test: a removed alert type is caught" ||
	not_ok "self-test: removing capture-loss went unnoticed"
sed 's/^\.Li dropped_total ,$/.Li total ,/' "$BUNRID8" >"$TMP/bunrid8"
[ "$(missing_literals "$TMP/bunrid8" $akeys)" = dropped_total ] &&
	ok "self-test: a removed alert key is caught" ||
	not_ok "self-test: removing dropped_total went unnoticed"
sed '/^\.It Ic matrix$/d' "$BUNRICTL8" >"$TMP/bunrictl8"
[ "$(missing_items "$TMP/bunrictl8" Ic $cmds)" = matrix ] &&
	ok "self-test: a removed command is caught" ||
	not_ok "self-test: removing matrix went unnoticed"

# ---- the pages ----------------------------------------------------------

for page in "$CONF5" "$BUNRID8" "$BUNRICTL8"; do
	if [ ! -f "$page" ]; then
		not_ok "$page is missing"
		continue
	fi
	if out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then
		ok "mandoc -Tlint -Wwarning $page"
	else
		not_ok "mandoc -Tlint -Wwarning $page:"
		echo "$out" | sed 's/^/    /'
	fi
	for sec in NAME SYNOPSIS DESCRIPTION 'EXIT STATUS' FILES EXAMPLES \
		'SEE ALSO'; do
		[ "$page" = "$CONF5" ] &&
			{ [ "$sec" = SYNOPSIS ] || [ "$sec" = 'EXIT STATUS' ]; } &&
			continue
		grep -qx "\.Sh $sec" "$page" && ok "$page has $sec" ||
			not_ok "$page has no section $sec"
	done
done

for g in $groups; do
	report "bunri.conf.5 documents every key of group $g" \
		"$(missing_keys "$CONF5" "$g")"
done
report "bunri.conf.5 documents every enumerated value" \
	"$(missing_literals "$CONF5" $enums)"
report "bunrid.8 documents every flag ($(echo $dflags | tr -d ' '))" \
	"$(missing_items "$BUNRID8" Fl $dflags)"
report "bunrid.8 documents every alert type" \
	"$(missing_items "$BUNRID8" Sy $types)"
report "bunrid.8 documents every alert key" \
	"$(missing_literals "$BUNRID8" $akeys)"
missing=""
for s in $sigs; do
	grep -qE "^\.It Dv $s( |$)|Dv $s" "$BUNRID8" || missing="$missing $s"
done
report "bunrid.8 documents every signal ($(echo $sigs))" "$missing"
report "bunrictl.8 documents every flag ($(echo $cflags | tr -d ' '))" \
	"$(missing_items "$BUNRICTL8" Fl $cflags)"
missing=""
for l in $clong; do
	grep -qE "Fl -$l( |$)" "$BUNRICTL8" || missing="$missing --$l"
done
report "bunrictl.8 documents every long option" "$missing"
report "bunrictl.8 documents every command" \
	"$(missing_items "$BUNRICTL8" Ic $cmds)"

# The pages name each other, and the sample files they mention exist.
for page in "$BUNRID8" "$BUNRICTL8" "$CONF5"; do
	missing=""
	for ref in bunrid.8 bunrictl.8 bunri.conf.5; do
		[ "man/$ref" = "$page" ] && continue
		name=${ref%.*} sec=${ref##*.}
		grep -qE "^\.Xr $name $sec" "$page" || missing="$missing $name($sec)"
	done
	report "$page refers to the other pages" "$missing"
done
for f in $(grep -oE '^\.Pa bunri[a-z-]*\.conf' "$CONF5" | awk '{print $2}'); do
	[ -f "conf/$f" ] && ok "sample $f named in bunri.conf.5 exists" ||
		not_ok "bunri.conf.5 names conf/$f, which does not exist"
done

# The example mistake: channel vdi's "to" misspelt in the sample file.
BUILD=${1:-build}
if [ -x "$BUILD/bunrid" ]; then
	sed '/name = "vdi"/,/}/ s/to = "internet"/to = "lgwn"/' conf/bunri.conf >"$TMP/typo.conf"
	got=$("$BUILD/bunrid" -t -c "$TMP/typo.conf" 2>&1 | sed "s|^$TMP/typo.conf|/etc/bunri/bunri.conf|")
	if [ -z "$got" ] || cmp -s conf/bunri.conf "$TMP/typo.conf"; then
		not_ok "the example mistake could not be made in conf/bunri.conf"
	else
		for doc in README.md "$BUNRID8"; do
			grep -qxF -- "$got" "$doc" &&
				ok "$doc shows the error bunrid prints: $got" ||
				not_ok "$doc does not show the error bunrid prints: $got"
		done
	fi
else
	not_ok "$BUILD/bunrid not built"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
