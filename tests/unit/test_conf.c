// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf: every validation rule fed real configuration text, the DESIGN.md
 * example parsed field by field, defaults, warnings and the sample file.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "zone.h"
#include "unit.h"

#define TODAY 20261123u

/* Load @text as "t.conf"; *@msgs gets everything printed (caller frees). */
static struct conf *load(const char *text, uint32_t today, char **msgs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *c;

	ck_assert_ptr_nonnull(f);
	c = conf_load_string(text, "t.conf", today, f);
	ck_assert_int_eq(fclose(f), 0);
	*msgs = buf;
	return c;
}

/* @text must fail, printing exactly @want. */
static void expect_fail(const char *text, const char *want)
{
	char *msgs;
	struct conf *c = load(text, TODAY, &msgs);

	ck_assert_msg(c == NULL, "loaded, but expected:\n%s", want);
	ck_assert_str_eq(msgs, want);
	free(msgs);
}

/* @text must load, printing exactly @want (warnings, or ""). */
static struct conf *expect_ok(const char *text, const char *want)
{
	char *msgs;
	struct conf *c = load(text, TODAY, &msgs);

	ck_assert_msg(c != NULL, "failed:\n%s", msgs);
	ck_assert_str_eq(msgs, want);
	free(msgs);
	return c;
}

/* Four zones on lines 2-7; channels may start on line 8. */
#define ZONES                                                                  \
	"version = 1;\n"                                                       \
	"zones = (\n"                                                          \
	" { name = \"mynumber\"; interfaces = [ \"eth1\" ];"                   \
	" networks = [ \"10.1.0.0/16\" ]; },\n"                                \
	" { name = \"govcloud\"; same_as = \"mynumber\";"                      \
	" networks = [ \"10.100.0.0/16\" ]; },\n"                              \
	" { name = \"lgwan\"; interfaces = [ \"eth2\" ];"                      \
	" networks = [ \"10.2.0.0/16\", \"fd00:2::/48\" ]; },\n"               \
	" { name = \"internet\"; interfaces = [ \"eth0\" ];"                   \
	" networks = [ \"0.0.0.0/0\", \"::/0\" ]; }\n"                         \
	");\n"

/* One channel group, on line 9. */
#define CHANNEL(body) ZONES "channels = (\n { name = \"c\"; " body " }\n);\n"

/* The example of DESIGN.md, verbatim. */
static const char design_example[] =
    "version = 1;\n"
    "\n"
    "daemon: {\n"
    "  mode = \"enforce\";                 # \"enforce\" (install rules + "
    "watch) or \"monitor\" (watch only)\n"
    "  table = \"bunri\";                  # nftables table, family inet\n"
    "  user = \"bunri\";                   # unprivileged user after start-up\n"
    "  control_socket = \"/run/bunri/bunrid.sock\";\n"
    "};\n"
    "\n"
    "log: {\n"
    "  facility = \"local4\";              # syslog facility\n"
    "  json_file = \"/var/log/bunri/alerts.jsonl\";   # optional JSON-lines "
    "copy of every alert\n"
    "  repeat_interval = 60;             # seconds before the same flow key "
    "alerts again\n"
    "  max_alerts_per_second = 100;      # beyond this, alerts are counted and "
    "summarised, never lost silently\n"
    "};\n"
    "\n"
    "capture: {\n"
    "  interfaces = [ \"eth0\", \"eth1\", \"eth2\", \"span0\" ];   # default: "
    "every zone interface\n"
    "  snaplen = 160;\n"
    "  buffer_mb = 32;\n"
    "  max_flows = 1000000;              # flow-table bound; memory stays "
    "bounded under floods\n"
    "};\n"
    "\n"
    "zones = (\n"
    "  { name = \"mynumber\";  description = \"マイナンバー利用事務系\";\n"
    "    interfaces = [ \"eth1\" ];  networks = [ \"10.1.0.0/16\", "
    "\"fd00:1::/48\" ];\n"
    "    severity = \"crit\";\n"
    "    devices = [ \"02:00:00:00:01:10\", \"02:00:00:00:01:11\" ];  # "
    "optional MAC allow-list\n"
    "  },\n"
    "  { name = \"govcloud\";  description = \"ガバメントクラウド\"; same_as = "
    "\"mynumber\";\n"
    "    networks = [ \"10.100.0.0/16\" ]; },\n"
    "  { name = \"lgwan\";     description = \"LGWAN接続系\";\n"
    "    interfaces = [ \"eth2\" ];  networks = [ \"10.2.0.0/16\" ];  severity "
    "= \"err\"; },\n"
    "  { name = \"internet\";  description = \"インターネット接続系\";\n"
    "    interfaces = [ \"eth0\" ];  networks = [ \"0.0.0.0/0\", \"::/0\" ];  "
    "severity = \"warning\"; }\n"
    ");\n"
    "\n"
    "# Permitted cross-zone channels. Everything between different zones that "
    "is not listed is denied.\n"
    "channels = (\n"
    "  { name = \"mail-textify\"; kind = \"mail_textify\";\n"
    "    from = \"internet\"; to = \"lgwan\"; dst = [ \"10.2.0.25\" ]; proto = "
    "\"tcp\"; ports = [ 25 ];\n"
    "    approved_by = \"情報政策課\"; reason = \"メール無害化\"; expires = "
    "\"2027-03-31\"; },\n"
    "  { name = \"vdi\"; kind = \"screen_transfer\";\n"
    "    from = \"lgwan\"; to = \"internet\"; dst = [ \"203.0.113.10\" ]; "
    "proto = \"tcp\"; ports = ( 443, \"3389-3390\" ); },\n"
    "  { name = \"eltax\"; kind = \"designated_channel\"; designated = true;   "
    "# 国が認めた特定通信\n"
    "    from = \"internet\"; to = \"mynumber\"; src = [ \"192.0.2.0/24\" ]; "
    "dst = [ \"10.1.0.50\" ];\n"
    "    proto = \"tcp\"; ports = [ 443 ]; }\n"
    ");\n"
    "\n"
    "# Optional: the gateway's own services. Absent: bunri leaves the "
    "input/output hooks alone.\n"
    "host: {\n"
    "  services = ( { zone = \"lgwan\"; proto = \"tcp\"; ports = [ 22 ]; src = "
    "[ \"10.2.9.0/24\" ]; } );\n"
    "};\n";

static void assert_prefix(const struct prefix *p, const char *want)
{
	char buf[ADDR_STRLEN + 4];

	ck_assert_str_eq(prefix_format(p, buf, sizeof(buf)), want);
}

static int lookup(const struct conf *c, const char *a)
{
	struct addr x;

	ck_assert_int_eq(addr_parse(a, &x), 0);
	return zone_lookup(c->zones_lookup, &x);
}

START_TEST(design_example_every_field)
{
	struct conf *c = expect_ok(design_example, "");
	const struct conf_zone *z;
	const struct conf_channel *ch;
	static const uint8_t mac1[6] = {2, 0, 0, 0, 1, 0x11};

	ck_assert_str_eq(c->path, "t.conf");
	ck_assert_int_eq(c->mode, CONF_MODE_ENFORCE);
	ck_assert_str_eq(c->table, "bunri");
	ck_assert_str_eq(c->user, "bunri");
	ck_assert_str_eq(c->control_socket, "/run/bunri/bunrid.sock");
	ck_assert_int_eq(c->facility, LOG_LOCAL4);
	ck_assert_str_eq(c->json_file, "/var/log/bunri/alerts.jsonl");
	ck_assert_uint_eq(c->repeat_interval, 60);
	ck_assert_uint_eq(c->max_alerts_per_second, 100);
	ck_assert_uint_eq(c->n_capture_interfaces, 4);
	ck_assert_str_eq(c->capture_interfaces[0], "eth0");
	ck_assert_str_eq(c->capture_interfaces[3], "span0");
	ck_assert_uint_eq(c->snaplen, 160);
	ck_assert_uint_eq(c->buffer_mb, 32);
	ck_assert_uint_eq(c->max_flows, 1000000);

	ck_assert_uint_eq(c->n_zones, 4);
	z = &c->zones[0];
	ck_assert_str_eq(z->name, "mynumber");
	ck_assert_str_eq(z->description, "マイナンバー利用事務系");
	ck_assert_uint_eq(z->n_interfaces, 1);
	ck_assert_str_eq(z->interfaces[0], "eth1");
	ck_assert_uint_eq(z->n_networks, 2);
	assert_prefix(&z->networks[0], "10.1.0.0/16");
	assert_prefix(&z->networks[1], "fd00:1::/48");
	ck_assert_int_eq(z->networks[1].addr.family, AF_INET6);
	ck_assert_int_eq(z->severity, LOG_CRIT);
	ck_assert(z->has_devices);
	ck_assert_uint_eq(z->n_devices, 2);
	ck_assert_mem_eq(z->devices[1], mac1, 6);
	ck_assert_int_eq(z->same_as, -1);
	ck_assert_int_eq(z->policy, 0);
	ck_assert_int_eq(z->line, 25);
	z = &c->zones[1];
	ck_assert_str_eq(z->name, "govcloud");
	ck_assert_str_eq(z->description, "ガバメントクラウド");
	ck_assert_uint_eq(z->n_interfaces, 0);
	ck_assert_int_eq(z->same_as, 0);
	ck_assert_int_eq(z->policy, 0);
	ck_assert_int_eq(z->severity, LOG_WARNING);
	ck_assert(!z->has_devices);
	ck_assert_int_eq(z->line, 30);
	z = &c->zones[2];
	ck_assert_str_eq(z->name, "lgwan");
	ck_assert_int_eq(z->severity, LOG_ERR);
	ck_assert_int_eq(z->policy, 2);
	z = &c->zones[3];
	ck_assert_str_eq(z->name, "internet");
	ck_assert_str_eq(z->description, "インターネット接続系");
	ck_assert_int_eq(z->severity, LOG_WARNING);
	assert_prefix(&z->networks[0], "0.0.0.0/0");
	assert_prefix(&z->networks[1], "::/0");

	ck_assert_uint_eq(c->n_channels, 3);
	ch = &c->channels[0];
	ck_assert_str_eq(ch->name, "mail-textify");
	ck_assert_int_eq(ch->kind, CONF_KIND_MAIL_TEXTIFY);
	ck_assert(!ch->designated);
	ck_assert_int_eq(ch->from, 3);
	ck_assert_int_eq(ch->to, 2);
	ck_assert_uint_eq(ch->n_src, 0);
	ck_assert_uint_eq(ch->n_dst, 1);
	assert_prefix(&ch->dst[0], "10.2.0.25/32");
	ck_assert_int_eq(ch->proto, CONF_PROTO_TCP);
	ck_assert_uint_eq(ch->n_ports, 1);
	ck_assert_uint_eq(ch->ports[0].lo, 25);
	ck_assert_uint_eq(ch->ports[0].hi, 25);
	ck_assert_str_eq(ch->approved_by, "情報政策課");
	ck_assert_str_eq(ch->reason, "メール無害化");
	ck_assert_uint_eq(ch->expires, 20270331);
	ck_assert_int_eq(ch->line, 40);
	ch = &c->channels[1];
	ck_assert_str_eq(ch->name, "vdi");
	ck_assert_int_eq(ch->kind, CONF_KIND_SCREEN_TRANSFER);
	ck_assert_uint_eq(ch->n_ports, 2);
	ck_assert_uint_eq(ch->ports[0].lo, 443);
	ck_assert_uint_eq(ch->ports[0].hi, 443);
	ck_assert_uint_eq(ch->ports[1].lo, 3389);
	ck_assert_uint_eq(ch->ports[1].hi, 3390);
	ck_assert_ptr_null(ch->approved_by);
	ck_assert_ptr_null(ch->reason);
	ck_assert_uint_eq(ch->expires, 0);
	ch = &c->channels[2];
	ck_assert_str_eq(ch->name, "eltax");
	ck_assert_int_eq(ch->kind, CONF_KIND_DESIGNATED_CHANNEL);
	ck_assert(ch->designated);
	ck_assert_int_eq(ch->from, 3);
	ck_assert_int_eq(ch->to, 0);
	assert_prefix(&ch->src[0], "192.0.2.0/24");
	assert_prefix(&ch->dst[0], "10.1.0.50/32");

	ck_assert(c->has_host);
	ck_assert_uint_eq(c->n_services, 1);
	ck_assert_int_eq(c->services[0].zone, 2);
	ck_assert_int_eq(c->services[0].proto, CONF_PROTO_TCP);
	ck_assert_uint_eq(c->services[0].n_ports, 1);
	ck_assert_uint_eq(c->services[0].ports[0].lo, 22);
	assert_prefix(&c->services[0].src[0], "10.2.9.0/24");
	ck_assert_int_eq(c->services[0].line, 52);

	ck_assert_ptr_nonnull(c->zones_lookup);
	ck_assert_int_eq(lookup(c, "10.1.2.3"), 0);
	ck_assert_int_eq(lookup(c, "10.100.0.9"), 1);
	ck_assert_int_eq(lookup(c, "10.2.0.25"), 2);
	ck_assert_int_eq(lookup(c, "8.8.8.8"), 3);
	ck_assert_int_eq(lookup(c, "fd00:1::5"), 0);
	ck_assert_int_eq(lookup(c, "2001:db8::1"), 3);

	ck_assert_int_eq(conf_zone_index(c, "lgwan"), 2);
	ck_assert_int_eq(conf_zone_index(c, "nowhere"), -1);
	ck_assert_int_eq(conf_zone_by_interface(c, "eth1"), 0);
	ck_assert_int_eq(conf_zone_by_interface(c, "eth0"), 3);
	ck_assert_int_eq(conf_zone_by_interface(c, "span0"), -1);
	conf_free(c);
}
END_TEST

START_TEST(defaults)
{
	struct conf *c =
	    expect_ok("version = 1;\nzones = ( { name = \"a\"; networks = "
		      "[ \"10.0.0.0/8\" ]; } );\n",
		      "");

	ck_assert_int_eq(c->mode, CONF_MODE_ENFORCE);
	ck_assert_str_eq(c->table, "bunri");
	ck_assert_str_eq(c->user, "bunri");
	ck_assert_str_eq(c->control_socket, CONF_DEFAULT_SOCKET);
	ck_assert_int_eq(c->facility, LOG_LOCAL4);
	ck_assert_ptr_null(c->json_file);
	ck_assert_uint_eq(c->repeat_interval, 60);
	ck_assert_uint_eq(c->max_alerts_per_second, 100);
	ck_assert_ptr_null(c->capture_interfaces);
	ck_assert_uint_eq(c->n_capture_interfaces, 0);
	ck_assert_uint_eq(c->snaplen, 160);
	ck_assert_uint_eq(c->buffer_mb, 32);
	ck_assert_uint_eq(c->max_flows, 1000000);
	ck_assert_int_eq(c->zones[0].severity, LOG_WARNING);
	ck_assert_int_eq(c->zones[0].same_as, -1);
	ck_assert(!c->zones[0].has_devices);
	ck_assert_uint_eq(c->n_channels, 0);
	ck_assert(!c->has_host);
	ck_assert_uint_eq(c->n_services, 0);
	conf_free(c);

	/* a channel's proto defaults to any, kind to other */
	c = expect_ok(CHANNEL("from = \"lgwan\"; to = \"internet\";"), "");
	ck_assert_int_eq(c->channels[0].proto, CONF_PROTO_ANY);
	ck_assert_int_eq(c->channels[0].kind, CONF_KIND_OTHER);
	ck_assert_uint_eq(c->channels[0].n_ports, 0);
	conf_free(c);
}
END_TEST

START_TEST(monitor_mode_and_settings)
{
	struct conf *c = expect_ok(
	    "version = 1;\n"
	    "daemon: { mode = \"monitor\"; table = \"b-2\"; user = \"nobody\";"
	    " control_socket = \"/tmp/b.sock\"; };\n"
	    "log: { facility = \"daemon\"; repeat_interval = 0;"
	    " max_alerts_per_second = 5; };\n"
	    "capture: { interfaces = ( \"span0\" ); snaplen = 256;"
	    " buffer_mb = 2; max_flows = 5000; };\n"
	    "zones = ( { name = \"a\"; networks = [ \"10.0.0.0/8\" ]; } );\n"
	    "host: { };\n",
	    "");

	ck_assert_int_eq(c->mode, CONF_MODE_MONITOR);
	ck_assert_str_eq(c->table, "b-2");
	ck_assert_str_eq(c->user, "nobody");
	ck_assert_str_eq(c->control_socket, "/tmp/b.sock");
	ck_assert_int_eq(c->facility, LOG_DAEMON);
	ck_assert_uint_eq(c->repeat_interval, 0);
	ck_assert_uint_eq(c->max_alerts_per_second, 5);
	ck_assert_str_eq(c->capture_interfaces[0], "span0");
	ck_assert_uint_eq(c->snaplen, 256);
	ck_assert_uint_eq(c->buffer_mb, 2);
	ck_assert_uint_eq(c->max_flows, 5000);
	/* an empty host group still means "manage the input hook" */
	ck_assert(c->has_host);
	ck_assert_uint_eq(c->n_services, 0);
	conf_free(c);
}
END_TEST

START_TEST(syntax_error)
{
	expect_fail("version = 1;\nzones = (\n { name = ; }\n);\n",
		    "t.conf:3: syntax error\n");
	expect_fail("version = 1;\nversion = 1;\n",
		    "t.conf:2: duplicate setting name\n");
	expect_fail("version = 1;\nx = [ 1, \"a\" ];\n",
		    "t.conf:2: mismatched element type in array\n");
	/* what a message quotes from the file stays on its one line */
	expect_fail("version = 1;\nzones = ( { name = \"a\"; networks = "
		    "[ \"10.0.0.0/8\\nx\\t\" ]; } );\n",
		    "t.conf:2: zone 'a': bad network '10.0.0.0/8\\x0ax\\x09': "
		    "malformed prefix length\n");
	/* and a long name is cut where a character starts: 13 characters of
	 * 3 bytes are 39 bytes, and the 14th does not fit in 40 */
	expect_fail("version = 1;\nzones = ( { name = \"あいうえおかきくけこさしすせ\"; "
		    "networks = [ \"10.0.0.1/8\" ]; } );\n",
		    "t.conf:2: bad zone name 'あいうえおかきくけこさしすせ': 1 to 31 "
		    "characters of a-z, 0-9, '_' and '-' (it names nftables "
		    "objects)\n"
		    "t.conf:2: zone 'あいうえおかきくけこさしす': bad network "
		    "'10.0.0.1/8': host bits set\n");
}
END_TEST

START_TEST(unknown_keys_at_every_level)
{
	expect_fail(
	    "version = 1;\n"
	    "zone = 1;\n"
	    "daemon: { mdoe = \"monitor\"; };\n"
	    "log: { facilty = \"local4\"; };\n"
	    "capture: { snap_len = 100; };\n"
	    "zones = (\n"
	    " { name = \"a\"; netwroks = [ \"10.1.0.0/16\" ]; },\n"
	    " { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; }\n"
	    ");\n"
	    "channels = ( { name = \"c\"; form = \"a\"; to = \"b\"; } );\n"
	    "host: { service = ();\n"
	    " services = ( { zone = \"a\"; port = 22; } ); };\n",
	    "t.conf:2: unknown setting 'zone'\n"
	    "t.conf:3: daemon: unknown setting 'mdoe'\n"
	    "t.conf:4: log: unknown setting 'facilty'\n"
	    "t.conf:5: capture: unknown setting 'snap_len'\n"
	    "t.conf:7: zone 'a': unknown setting 'netwroks'\n"
	    "t.conf:7: warning: zone 'a': no networks: no address will "
	    "ever be in it\n"
	    "t.conf:10: channel 'c': unknown setting 'form'\n"
	    "t.conf:10: channel 'c': missing 'from'\n"
	    "t.conf:11: host: unknown setting 'service'\n"
	    "t.conf:12: host service #1: unknown setting 'port'\n");
}
END_TEST

START_TEST(version_must_be_1)
{
	expect_fail("version = 2;\nzones = ( { name = \"a\"; networks = "
		    "[ \"10.0.0.0/8\" ]; } );\n",
		    "t.conf:1: version must be 1, not 2\n");
	expect_fail("zones = ( { name = \"a\"; networks = "
		    "[ \"10.0.0.0/8\" ]; } );\n",
		    "t.conf: missing 'version' (version = 1;)\n");
	expect_fail("version = \"1\";\nzones = ( { name = \"a\"; networks = "
		    "[ \"10.0.0.0/8\" ]; } );\n",
		    "t.conf:1: version must be an integer, not a string\n");
}
END_TEST

START_TEST(zones_missing_or_empty)
{
	expect_fail("version = 1;\n",
		    "t.conf: missing 'zones': at least one zone is needed\n");
	expect_fail("version = 1;\nzones = ();\n",
		    "t.conf:2: zones is empty: at least one zone is needed\n");
	expect_fail("version = 1;\nzones: { name = \"a\"; };\n",
		    "t.conf:2: zones must be a list ( { ... }, ... ), not a "
		    "group\n");
	expect_fail("version = 1;\nzones = ( \"a\" );\n",
		    "t.conf:2: zones: each zone must be a group { ... }, not a "
		    "string\n");
	expect_fail("version = 1;\nzones = ( { description = \"x\"; } );\n",
		    "t.conf:2: zone #1: missing 'name'\n"
		    "t.conf:2: warning: zone #1: no networks: no address will "
		    "ever be in it\n");
}
END_TEST

START_TEST(duplicate_names)
{
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		    " { name = \"a\"; networks = [ \"10.2.0.0/16\" ]; }\n);\n",
		    "t.conf:4: zone 'a' is already defined at line 3\n");
	expect_fail(ZONES
		    "channels = (\n"
		    " { name = \"c\"; from = \"lgwan\"; to = \"internet\"; },\n"
		    " { name = \"c\"; from = \"internet\"; to = \"lgwan\"; }\n"
		    ");\n",
		    "t.conf:10: channel 'c' is already defined at line 9\n");
}
END_TEST

START_TEST(channel_unknown_zone)
{
	expect_fail(CHANNEL("from = \"lgwn\"; to = \"nowhere\";"),
		    "t.conf:9: channel 'c': from names unknown zone 'lgwn'\n"
		    "t.conf:9: channel 'c': to names unknown zone 'nowhere'\n");
	expect_fail(CHANNEL("to = \"lgwan\";"),
		    "t.conf:9: channel 'c': missing 'from'\n");
}
END_TEST

START_TEST(channel_from_equals_to)
{
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"lgwan\";"),
		    "t.conf:9: channel 'c': from and to are the same zone "
		    "'lgwan'\n");
	/* govcloud same_as mynumber: one zone for policy */
	expect_fail(CHANNEL("from = \"govcloud\"; to = \"mynumber\";"),
		    "t.conf:9: channel 'c': from 'govcloud' and to 'mynumber' "
		    "are the same zone for policy (same_as 'mynumber')\n");
}
END_TEST

START_TEST(bad_prefixes)
{
	expect_fail("version = 1;\nzones = ( { name = \"a\";\n"
		    " networks = [ \"10.1.0.1/16\",\n"
		    "  \"10.1.0.0/33\", \"10.1.0/16\",\n"
		    "  \"fd00::1/48\", \"10.0.0.0/08\" ]; } );\n",
		    "t.conf:3: zone 'a': bad network '10.1.0.1/16': host bits "
		    "set\n"
		    "t.conf:4: zone 'a': bad network '10.1.0.0/33': prefix "
		    "length out of range\n"
		    "t.conf:4: zone 'a': bad network '10.1.0/16': malformed "
		    "address\n"
		    "t.conf:5: zone 'a': bad network 'fd00::1/48': host bits "
		    "set\n"
		    "t.conf:5: zone 'a': bad network '10.0.0.0/08': malformed "
		    "prefix length\n");
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			    " dst = [ \"203.0.113.1/24\" ];"),
		    "t.conf:10: channel 'c': bad dst '203.0.113.1/24': host "
		    "bits set\n");
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			    " src = [ 10 ];"),
		    "t.conf:10: channel 'c': src: elements must be strings, "
		    "not an integer\n");
}
END_TEST

START_TEST(same_prefix_twice)
{
	expect_fail(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	    " { name = \"b\"; networks = [ \"10.2.0.0/16\",\n"
	    "   \"10.1.0.0/16\" ]; }\n);\n",
	    "t.conf:5: zone 'b': network 10.1.0.0/16 is already in zone "
	    "'a' (line 3)\n");
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; networks = [ \"fd00::/16\",\n"
		    "   \"FD00::/16\" ]; }\n);\n",
		    "t.conf:4: zone 'a': network fd00::/16 is listed twice "
		    "(line 3)\n");
}
END_TEST

START_TEST(interface_in_two_zones)
{
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; interfaces = [ \"eth1\" ];"
		    " networks = [ \"10.1.0.0/16\" ]; },\n"
		    " { name = \"b\"; interfaces = [ \"eth2\", \"eth1\" ];"
		    " networks = [ \"10.2.0.0/16\" ]; }\n);\n",
		    "t.conf:4: zone 'b': interface eth1 is already in zone 'a' "
		    "(line 3)\n");
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; interfaces = [ \"eth1\", \"eth1\","
		    " \"a/b\", \"\" ]; networks = [ \"10.1.0.0/16\" ]; }\n);\n",
		    "t.conf:3: zone 'a': interface eth1 is listed twice\n"
		    "t.conf:3: zone 'a': bad interface name 'a/b'\n"
		    "t.conf:3: zone 'a': bad interface name ''\n");
}
END_TEST

START_TEST(bad_ports)
{
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			    " proto = \"tcp\";\n"
			    " ports = ( 0, 65536, \"3390-3389\",\n"
			    " \"80x\", \"0-5\", \"1-70000\", \"-5\", 2.5 );"),
		    "t.conf:10: channel 'c': bad port 0: ports are 1 to 65535\n"
		    "t.conf:10: channel 'c': bad port 65536: ports are 1 to "
		    "65535\n"
		    "t.conf:10: channel 'c': bad port '3390-3389': reversed "
		    "range\n"
		    "t.conf:11: channel 'c': bad port '80x': malformed (a port "
		    "or \"low-high\")\n"
		    "t.conf:11: channel 'c': bad port '0-5': port 0 is not a "
		    "valid port\n"
		    "t.conf:11: channel 'c': bad port '1-70000': beyond 65535\n"
		    "t.conf:11: channel 'c': bad port '-5': malformed (a port "
		    "or \"low-high\")\n"
		    "t.conf:11: channel 'c': ports must be numbers or "
		    "\"low-high\" strings, not a floating-point number\n");
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			    " proto = \"tcp\";\n ports = [ ];"),
		    "t.conf:10: channel 'c': ports is empty (leave it out for "
		    "any port)\n");
}
END_TEST

START_TEST(ports_forms_sorted_and_merged)
{
	struct conf *c = expect_ok(
	    CHANNEL("from = \"lgwan\"; to = \"internet\"; proto = \"udp\";"
		    " ports = ( \"8080\", 443, \"440-444\", 53, \"54-60\","
		    " 65535 );"),
	    "");
	const struct conf_channel *ch = &c->channels[0];

	ck_assert_uint_eq(ch->n_ports, 4);
	ck_assert_uint_eq(ch->ports[0].lo, 53);
	ck_assert_uint_eq(ch->ports[0].hi, 60);
	ck_assert_uint_eq(ch->ports[1].lo, 440);
	ck_assert_uint_eq(ch->ports[1].hi, 444);
	ck_assert_uint_eq(ch->ports[2].lo, 8080);
	ck_assert_uint_eq(ch->ports[2].hi, 8080);
	ck_assert_uint_eq(ch->ports[3].lo, 65535);
	conf_free(c);

	c = expect_ok(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			      " proto = \"tcp\"; ports = \"3389-3390\";"),
		      "");
	ck_assert_uint_eq(c->channels[0].n_ports, 1);
	ck_assert_uint_eq(c->channels[0].ports[0].lo, 3389);
	ck_assert_uint_eq(c->channels[0].ports[0].hi, 3390);
	conf_free(c);
}
END_TEST

START_TEST(ports_need_tcp_or_udp)
{
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			    " proto = \"icmp\";\n ports = [ 8 ];"),
		    "t.conf:10: channel 'c': ports need proto tcp or udp, not "
		    "icmp\n");
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			    " ports = [ 80 ];"),
		    "t.conf:10: channel 'c': ports need proto tcp or udp, not "
		    "any\n");
	expect_fail(ZONES
		    "host: { services = (\n"
		    " { zone = \"lgwan\"; proto = \"icmpv6\"; ports = 1; }"
		    " ); };\n",
		    "t.conf:9: host service #1: ports need proto tcp or udp, "
		    "not icmpv6\n");
}
END_TEST

START_TEST(bad_expires)
{
	static const char *const bad[] = {
	    "2027-02-29", "2026-13-01", "2026-00-10",  "2026-04-31",
	    "20270101",	  "2027-1-01",	"2027-01-01x", "abcd-ef-gh"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[1024], want[256];

		snprintf(text, sizeof(text),
			 CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
				 " expires = \"%s\";"),
			 bad[i]);
		snprintf(want, sizeof(want),
			 "t.conf:10: channel 'c': bad expires date '%s' "
			 "(YYYY-MM-DD, a real date)\n",
			 bad[i]);
		expect_fail(text, want);
	}
	/* a leap day is a real date */
	struct conf *c =
	    expect_ok(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			      " expires = \"2028-02-29\";"),
		      "");
	ck_assert_uint_eq(c->channels[0].expires, 20280229);
	conf_free(c);
}
END_TEST

START_TEST(unknown_enums)
{
	expect_fail(
	    "version = 1;\n"
	    "daemon: { mode = \"enforcing\"; };\n"
	    "log: { facility = \"local8\"; };\n"
	    "zones = (\n"
	    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ];"
	    " severity = \"critical\"; },\n"
	    " { name = \"b\"; networks = [ \"10.2.0.0/16\" ]; }\n"
	    ");\n"
	    "channels = ( { name = \"c\"; from = \"a\"; to = \"b\";\n"
	    " kind = \"vpn\"; proto = \"sctp\"; } );\n",
	    "t.conf:2: daemon: unknown mode 'enforcing' (one of: "
	    "enforce, monitor)\n"
	    "t.conf:3: log: unknown facility 'local8' (one of: daemon, "
	    "user, local0, local1, local2, local3, local4, local5, "
	    "local6, local7, auth, authpriv, cron, ftp, lpr, mail, news, "
	    "syslog, uucp)\n"
	    "t.conf:5: zone 'a': unknown severity 'critical' (one of: "
	    "emerg, alert, crit, err, warning, notice, info, debug)\n"
	    "t.conf:9: channel 'c': unknown kind 'vpn' (one of: "
	    "mail_textify, file_sanitize, screen_transfer, "
	    "virtual_browser, proxy, local_breakout, designated_channel, "
	    "other)\n"
	    "t.conf:9: channel 'c': unknown proto 'sctp' (one of: tcp, "
	    "udp, icmp, icmpv6, any)\n");
}
END_TEST

START_TEST(every_enum_name_accepted)
{
	static const char *const sev[] = {"emerg",   "alert",  "crit", "err",
					  "warning", "notice", "info", "debug"};
	static const char *const kind[] = {
	    "mail_textify",	  "file_sanitize", "screen_transfer",
	    "virtual_browser",	  "proxy",	   "local_breakout",
	    "designated_channel", "other"};
	static const char *const proto[] = {"any", "icmp", "tcp", "udp",
					    "icmpv6"};
	char text[1024];

	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof(text),
			 "version = 1;\nzones = ( { name = \"a\"; severity = "
			 "\"%s\"; networks = [ \"10.0.0.0/8\" ]; } );\n",
			 sev[i]);
		struct conf *c = expect_ok(text, "");
		ck_assert_int_eq(c->zones[0].severity, i); /* LOG_EMERG.. */
		ck_assert_str_eq(conf_severity_name(c->zones[0].severity),
				 sev[i]);
		conf_free(c);
	}
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof(text),
			 CHANNEL("from = \"lgwan\"; to = \"internet\"; kind = "
				 "\"%s\";"),
			 kind[i]);
		struct conf *c = expect_ok(text, "");
		ck_assert_int_eq(c->channels[0].kind, i);
		ck_assert_str_eq(conf_kind_name(c->channels[0].kind), kind[i]);
		conf_free(c);
	}
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text),
			 CHANNEL("from = \"lgwan\"; to = \"internet\"; proto = "
				 "\"%s\";"),
			 proto[i]);
		struct conf *c = expect_ok(text, "");
		ck_assert_str_eq(conf_proto_name(c->channels[0].proto),
				 proto[i]);
		conf_free(c);
	}
}
END_TEST

START_TEST(same_as_rules)
{
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
		    " { name = \"b\"; networks = [ \"10.2.0.0/16\" ];\n"
		    "   same_as = \"nowhere\"; },\n"
		    " { name = \"c\"; networks = [ \"10.3.0.0/16\" ];"
		    " same_as = \"c\"; },\n"
		    " { name = \"d\"; networks = [ \"10.4.0.0/16\" ];"
		    " same_as = \"a\"; },\n"
		    " { name = \"e\"; networks = [ \"10.5.0.0/16\" ];"
		    " same_as = \"d\"; }\n);\n",
		    "t.conf:5: zone 'b': same_as names unknown zone 'nowhere'\n"
		    "t.conf:6: zone 'c': same_as names itself\n"
		    "t.conf:8: zone 'e': same_as 'd', which is itself same_as "
		    "'a': chains are not allowed\n");
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ];"
		    " same_as = 1; }\n);\n",
		    "t.conf:3: zone 'a': same_as must be a string, not an "
		    "integer\n");
}
END_TEST

START_TEST(mynumber_internet_needs_designated)
{
	expect_fail(CHANNEL("from = \"internet\"; to = \"mynumber\";"),
		    "t.conf:9: channel 'c': the mynumber and internet zones "
		    "may only be joined by a designated channel "
		    "(designated = true)\n");
	expect_fail(CHANNEL("from = \"mynumber\"; to = \"internet\";"
			    " designated = false;"),
		    "t.conf:9: channel 'c': the mynumber and internet zones "
		    "may only be joined by a designated channel "
		    "(designated = true)\n");
	/* govcloud counts as mynumber */
	expect_fail(CHANNEL("from = \"govcloud\"; to = \"internet\";"),
		    "t.conf:9: channel 'c': the mynumber and internet zones "
		    "may only be joined by a designated channel "
		    "(designated = true)\n");
	expect_fail(CHANNEL("from = \"internet\"; to = \"mynumber\";"
			    " designated = \"yes\";"),
		    "t.conf:9: channel 'c': designated must be true or false, "
		    "not a string\n"
		    "t.conf:9: channel 'c': the mynumber and internet zones "
		    "may only be joined by a designated channel "
		    "(designated = true)\n");
	struct conf *c = expect_ok(CHANNEL("from = \"govcloud\"; to = "
					   "\"internet\"; designated = true;"),
				   "");
	ck_assert(c->channels[0].designated);
	ck_assert_int_eq(c->channels[0].from, 1);
	conf_free(c);
	/* other zone pairs need no designation */
	c = expect_ok(CHANNEL("from = \"lgwan\"; to = \"mynumber\";"), "");
	conf_free(c);
	/* A list given, all of it refused: the zone's own networks do not
	 * stand in for it (nor leak what was made of it). */
	expect_fail(CHANNEL("from = \"govcloud\"; to = \"lgwan\";"
			    " src = [ \"10.100.0.0/33\" ];"),
		    "t.conf:9: channel 'c': bad src '10.100.0.0/33': prefix "
		    "length out of range\n");
}
END_TEST

START_TEST(type_errors)
{
	expect_fail(
	    "version = 1;\n"
	    "daemon = ( 1 );\n"
	    "log: { repeat_interval = \"60\";\n"
	    " max_alerts_per_second = 0; json_file = 3; };\n"
	    "capture: { snaplen = 1.5; buffer_mb = 99999;\n"
	    " interfaces = \"eth0\"; max_flows = true; };\n"
	    "zones = ( { name = \"a\"; networks = \"10.0.0.0/8\";\n"
	    " description = 5; } );\n",
	    "t.conf:2: daemon must be a group { ... }, not a list\n"
	    "t.conf:3: log: repeat_interval must be an integer, not a "
	    "string\n"
	    "t.conf:4: log: json_file must be a string, not an integer\n"
	    "t.conf:4: log: max_alerts_per_second must be between 1 and "
	    "1000000, not 0\n"
	    "t.conf:5: capture: snaplen must be an integer, not a "
	    "floating-point number\n"
	    "t.conf:5: capture: buffer_mb must be between 1 and 4096, "
	    "not 99999\n"
	    "t.conf:6: capture: interfaces must be an array [ ... ] or a "
	    "list ( ... ), not a string\n"
	    "t.conf:6: capture: max_flows must be an integer, not a "
	    "boolean\n"
	    "t.conf:7: zone 'a': networks must be an array [ ... ] or a "
	    "list ( ... ), not a string\n"
	    "t.conf:8: zone 'a': description must be a string, not an "
	    "integer\n");
	expect_fail(
	    "version = 1;\nzones = ( { name = 7;\n"
	    " networks = [ \"10.0.0.0/8\" ]; } );\n",
	    "t.conf:2: zone #1: name must be a string, not an integer\n");
}
END_TEST

START_TEST(bad_names)
{
	expect_fail(
	    "version = 1;\n"
	    "daemon: { table = \"Bunri\"; };\n"
	    "zones = (\n"
	    " { name = \"LGWAN\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	    " { name = \"a234567890123456789012345678901x\";\n"
	    "   networks = [ \"10.2.0.0/16\" ]; },\n"
	    " { name = \"ok_zone-1\"; networks = [ \"10.3.0.0/16\" ]; }\n"
	    ");\n"
	    "channels = ( { name = \"mail relay\"; from = \"LGWAN\";"
	    " to = \"ok_zone-1\"; } );\n",
	    "t.conf:2: daemon: bad table name 'Bunri': 1 to 31 "
	    "characters of a-z, 0-9, '_' and '-' (it names nftables "
	    "objects)\n"
	    "t.conf:4: bad zone name 'LGWAN': 1 to 31 characters of a-z, "
	    "0-9, '_' and '-' (it names nftables objects)\n"
	    "t.conf:5: bad zone name 'a234567890123456789012345678901x': "
	    "1 to 31 characters of a-z, 0-9, '_' and '-' (it names "
	    "nftables objects)\n"
	    "t.conf:9: bad channel name 'mail relay': 1 to 31 characters "
	    "of a-z, 0-9, '_' and '-' (it names nftables objects)\n");
	/* 31 characters is the limit, not an error */
	struct conf *c =
	    expect_ok("version = 1;\nzones = ( { name = "
		      "\"a234567890123456789012345678901\"; networks = "
		      "[ \"10.0.0.0/8\" ]; } );\n",
		      "");
	conf_free(c);
}
END_TEST

START_TEST(bad_mac_addresses)
{
	expect_fail(
	    "version = 1;\nzones = ( { name = \"a\";\n"
	    " networks = [ \"10.1.0.0/16\" ];\n"
	    " devices = [ \"02:00:00:00:01:10\", \"02-00-00-00-01-11\",\n"
	    "  \"02:00:00:00:01\", \"02:00:00:00:01:1g\",\n"
	    "  \"02:00:00:00:01:10\" ]; } );\n",
	    "t.conf:4: zone 'a': bad MAC address '02-00-00-00-01-11' "
	    "(xx:xx:xx:xx:xx:xx)\n"
	    "t.conf:5: zone 'a': bad MAC address '02:00:00:00:01' "
	    "(xx:xx:xx:xx:xx:xx)\n"
	    "t.conf:5: zone 'a': bad MAC address '02:00:00:00:01:1g' "
	    "(xx:xx:xx:xx:xx:xx)\n"
	    "t.conf:6: zone 'a': device 02:00:00:00:01:10 is listed "
	    "twice\n");
	/* an empty list is an allow-list that allows nothing */
	struct conf *c =
	    expect_ok("version = 1;\nzones = ( { name = \"a\";"
		      " networks = [ \"10.1.0.0/16\" ];"
		      " devices = [ \"0A:bb:CC:dd:EE:ff\" ]; } );\n",
		      "");
	static const uint8_t mac[6] = {0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	ck_assert(c->zones[0].has_devices);
	ck_assert_mem_eq(c->zones[0].devices[0], mac, 6);
	conf_free(c);
}
END_TEST

START_TEST(channel_addresses_outside_zone)
{
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			    " src = [ \"10.1.0.0/24\" ];\n"
			    " dst = [ \"10.2.0.9\", \"8.8.8.8\" ];"),
		    "t.conf:10: channel 'c': src 10.1.0.0/24 is not in zone "
		    "'lgwan': it could never match\n"
		    "t.conf:11: channel 'c': dst 10.2.0.9/32 is not in zone "
		    "'internet': it could never match\n");
	/* A zone network refused: no "could never match" follows from it,
	 * which would point at the wrong line. */
	expect_fail("version = 1;\nzones = ( { name = \"a\"; networks = [ "
		    "\"10.1.0.1/16\" ]; },\n { name = \"b\"; networks = [ "
		    "\"10.2.0.0/16\" ]; } );\nchannels = ( { name = \"c\"; "
		    "from = \"b\"; to = \"a\";\n dst = [ \"10.1.0.9\" ]; } );\n",
		    "t.conf:2: zone 'a': bad network '10.1.0.1/16': host bits "
		    "set\n");
	/* an IPv6 src for a zone with only IPv4 networks */
	expect_fail(CHANNEL("from = \"mynumber\"; to = \"lgwan\";\n"
			    " src = [ \"fd00:1::/48\" ];"),
		    "t.conf:10: channel 'c': src fd00:1::/48 is not in zone "
		    "'mynumber': it could never match\n");
	/* a wider prefix that includes part of the zone can match */
	struct conf *c =
	    expect_ok(CHANNEL("from = \"lgwan\"; to = \"internet\";"
			      " src = [ \"10.0.0.0/8\", \"fd00:2:0:1::/64\" ];"
			      " dst = [ \"0.0.0.0/0\" ];"),
		      "");
	conf_free(c);
	/* the government cloud's addresses count for mynumber */
	c = expect_ok(CHANNEL("from = \"mynumber\"; to = \"lgwan\";"
			      " src = [ \"10.100.1.0/24\" ];"),
		      "");
	conf_free(c);
}
END_TEST

START_TEST(channel_overlapping_addresses)
{
	expect_fail(
	    CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
		    " dst = [ \"203.0.113.0/24\",\n"
		    " \"203.0.113.8/29\", \"203.0.113.0/24\" ];"),
	    "t.conf:11: channel 'c': dst 203.0.113.0/24 is listed twice "
	    "(line 10)\n"
	    "t.conf:11: channel 'c': dst 203.0.113.8/29 overlaps "
	    "203.0.113.0/24 (line 10)\n");
}
END_TEST

START_TEST(host_services)
{
	expect_fail(
	    ZONES "host: { services = (\n"
		  " { zone = \"lgwn\"; proto = \"tcp\"; ports = [ 22 ]; },\n"
		  " { proto = \"tcp\"; },\n"
		  " { zone = \"lgwan\"; src = [ \"10.1.0.0/24\" ]; }\n"
		  "); };\n",
	    "t.conf:9: host service #1: zone names unknown zone 'lgwn'\n"
	    "t.conf:10: host service #2: missing 'zone'\n"
	    "t.conf:11: host service #3: src 10.1.0.0/24 is not in zone "
	    "'lgwan': it could never match\n");
	struct conf *c = expect_ok(
	    ZONES "host: { services = (\n"
		  " { zone = \"lgwan\"; proto = \"udp\"; ports = ( 161, "
		  "\"514\" ); },\n"
		  " { zone = \"mynumber\"; proto = \"icmp\"; }\n"
		  "); };\n",
	    "");
	ck_assert(c->has_host);
	ck_assert_uint_eq(c->n_services, 2);
	ck_assert_int_eq(c->services[0].zone, 2);
	ck_assert_int_eq(c->services[0].proto, CONF_PROTO_UDP);
	ck_assert_uint_eq(c->services[0].n_ports, 2);
	ck_assert_uint_eq(c->services[0].ports[1].lo, 514);
	ck_assert_int_eq(c->services[0].line, 9);
	ck_assert_int_eq(c->services[1].proto, CONF_PROTO_ICMP);
	ck_assert_uint_eq(c->services[1].n_src, 0);
	conf_free(c);
}
END_TEST

START_TEST(daemon_paths)
{
	expect_fail(
	    "version = 1;\n"
	    "daemon: { control_socket = \"run/bunrid.sock\"; user = \"\"; };\n"
	    "log: { json_file = \"alerts.jsonl\"; };\n"
	    "zones = ( { name = \"a\"; networks = [ \"10.0.0.0/8\" ]; } );\n",
	    "t.conf:2: daemon: user is empty\n"
	    "t.conf:2: daemon: control_socket must be an absolute path "
	    "of at most 107 bytes\n"
	    "t.conf:3: log: json_file must be an absolute path\n");
}
END_TEST

START_TEST(warnings)
{
	char *msgs;
	struct conf *c = load(
	    ZONES "channels = (\n"
		  " { name = \"old\"; from = \"lgwan\"; to = \"internet\";\n"
		  "   expires = \"2026-11-22\"; },\n"
		  " { name = \"last-day\"; from = \"lgwan\"; to = \"internet\";"
		  " expires = \"2026-11-23\"; }\n"
		  ");\n"
		  "# no networks yet: a zone being planned\n",
	    TODAY, &msgs);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(msgs, "t.conf:10: warning: channel 'old': expired on "
			       "2026-11-22: it permits nothing\n");
	ck_assert_uint_eq(c->channels[0].expires, 20261122);
	ck_assert_uint_eq(c->channels[1].expires, 20261123);
	conf_free(c);
	free(msgs);

	c = expect_ok(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; networks = [ \"10.0.0.0/8\" ]; },\n"
	    " { name = \"b\"; interfaces = [ \"eth9\" ]; },\n"
	    " { name = \"c\";\n   networks = [ ]; }\n);\n",
	    "t.conf:4: warning: zone 'b': no networks: no address will "
	    "ever be in it\n"
	    "t.conf:6: warning: zone 'c': no networks: no address will "
	    "ever be in it\n");
	ck_assert_uint_eq(c->zones[1].n_networks, 0);
	ck_assert_int_eq(conf_zone_by_interface(c, "eth9"), 1);
	conf_free(c);
}
END_TEST

START_TEST(all_errors_in_one_pass_in_line_order)
{
	/* errors found in different passes still print in file order */
	expect_fail(
	    "version = 1;\n"
	    "zones = (\n"
	    " { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; },\n"
	    " { name = \"b\"; networks = [ \"10.1.0.0/16\" ];"
	    " same_as = \"x\"; }\n"
	    ");\n"
	    "channels = ( { name = \"c\"; from = \"a\"; to = \"z\"; } );\n"
	    "daemon: { mode = \"off\"; };\n",
	    "t.conf:4: zone 'b': network 10.1.0.0/16 is already in zone "
	    "'a' (line 3)\n"
	    "t.conf:4: zone 'b': same_as names unknown zone 'x'\n"
	    "t.conf:6: channel 'c': to names unknown zone 'z'\n"
	    "t.conf:7: daemon: unknown mode 'off' (one of: enforce, "
	    "monitor)\n");
}
END_TEST

/* conf_load(@path) refuses the file, printing exactly the message of
 * @fmt and its arguments. */
static void __attribute__((format(printf, 2, 3)))
expect_load_fail(const char *path, const char *fmt, ...)
{
	char *buf = NULL, want[1024];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(f);
	c = conf_load(path, TODAY, f);
	fclose(f);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(buf, want);
	free(buf);
}

START_TEST(design_md_loads_from_disk)
{
	/* the same example through conf_load(), from a real file */
	char path[] = "/tmp/test_conf_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct conf *c;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(design_example, f);
	fclose(f);
	c = conf_load(path, TODAY, stderr);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->path, path);
	ck_assert_uint_eq(c->n_zones, 4);
	ck_assert_uint_eq(c->n_includes, 0);
	conf_free(c);

	/* errors name the path */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("version = 1;\nzones = ( { name = \"a\";\n"
	      " networks = [ \"10.0.0.1/8\" ]; } );\n",
	      f);
	fclose(f);
	expect_load_fail(
	    path, "%s:3: zone 'a': bad network '10.0.0.1/8': host bits set\n",
	    path);
	unlink(path);

	/* a missing file */
	expect_load_fail(path, "%s: No such file or directory\n", path);

	/* a directory: libconfig's scanner would exit the process on it */
	expect_load_fail("/", "/: not a regular file\n");
}
END_TEST

/* Write @text to @dir/@name. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(include_from_the_files_directory)
{
	/* A relative @include is found beside the file whatever the working
	 * directory (under systemd, "/"), and its mistakes name it. */
	char dir[] = "/tmp/test_conf_inc_XXXXXX";
	char path[256], cwd[4096], want[512];
	struct conf *c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	write_file(dir, "main.conf",
		   "version = 1;\n@include \"zones.inc\"\n");
	write_file(dir, "zones.inc",
		   "zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; "
		   "} );\n");
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	ck_assert_int_eq(chdir("/"), 0);
	c = conf_load(path, TODAY, stderr);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->n_zones, 1);
	ck_assert_str_eq(c->zones[0].name, "a");
	/* the included file, as found, for the daemon to watch */
	ck_assert_uint_eq(c->n_includes, 1);
	snprintf(want, sizeof(want), "%s/zones.inc", dir);
	ck_assert_str_eq(c->includes[0], want);
	conf_free(c);

	write_file(dir, "zones.inc",
		   "zones = (\n { name = \"a\"; networks = [ \"10.1.0.1/16\" ]; "
		   "} );\n");
	expect_load_fail(
	    path,
	    "%s/zones.inc:2: zone 'a': bad network '10.1.0.1/16': host "
	    "bits set\n",
	    dir);

	write_file(dir, "zones.inc", "zones = ( { name = ; } );\n");
	expect_load_fail(path, "%s/zones.inc:1: syntax error\n", dir);
	/* the working directory is where it was */
	ck_assert_ptr_nonnull(getcwd(want, sizeof(want)));
	ck_assert_str_eq(want, "/");

	/* an absolute @include is taken as it is */
	write_file(dir, "zones.inc",
		   "zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; "
		   "} );\n");
	char text[512];
	snprintf(text, sizeof(text), "version = 1;\n@include \"%s/zones.inc\"\n",
		 dir);
	write_file(dir, "main.conf", text);
	c = conf_load(path, TODAY, stderr);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->n_includes, 1);
	snprintf(want, sizeof(want), "%s/zones.inc", dir);
	ck_assert_str_eq(c->includes[0], want);
	conf_free(c);

	ck_assert_int_eq(chdir(cwd), 0);
	snprintf(path, sizeof(path), "%s/zones.inc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(include_only_regular_files)
{
	/*
	 * libconfig's scanner ends the process on a file it cannot read (a
	 * directory) and waits for ever on a FIFO: either, named by the file
	 * or by an @include at any depth, is refused with where it is named,
	 * and the process goes on (a reload runs inside the daemon).
	 */
	char dir[] = "/tmp/test_conf_reg_XXXXXX";
	char path[256], sub[300];
	const char *zones =
	    "zones = ( { name = \"a\"; networks = [ \"10.1.0.0/16\" ]; } );\n";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(sub, sizeof(sub), "%s/d.conf", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/fifo.conf", dir);
	ck_assert_int_eq(mkfifo(sub, 0600), 0);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);

	write_file(dir, "main.conf", "version = 1;\n@include \"d.conf\"\n");
	expect_load_fail(
	    path, "%s:2: @include \"d.conf\": not a regular file\n", path);

	write_file(dir, "main.conf",
		   "version = 1;\n\n  @include \"fifo.conf\"\n");
	expect_load_fail(
	    path, "%s:3: @include \"fifo.conf\": not a regular file\n", path);

	write_file(dir, "main.conf", "version = 1;\n@include \"none.conf\"\n");
	expect_load_fail(
	    path, "%s:2: @include \"none.conf\": No such file or directory\n",
	    path);

	/* One level down: a relative path is still taken from the first
	 * file's directory, as libconfig takes it. */
	write_file(dir, "main.conf", "version = 1;\n@include \"sub/z.inc\"\n");
	write_file(sub, "z.inc", "\n@include \"d.conf\"\n");
	expect_load_fail(
	    path, "%s/sub/z.inc:2: @include \"d.conf\": not a regular file\n",
	    dir);

	/* What only looks like an @include: in a comment, in a string. */
	char text[1024];
	snprintf(text, sizeof(text),
		 "version = 1;\n/* @include \"d.conf\"\n@include \"x\" */\n"
		 "# @include \"d.conf\"\n// @include \"d.conf\"\n"
		 "@include \"sub/z.inc\"\n");
	write_file(dir, "main.conf", text);
	snprintf(text, sizeof(text),
		 "zones = ( { name = \"a\"; description = \"a\n"
		 "@include \\\"d.conf\\\" \";\n"
		 "networks = [ \"10.1.0.0/16\" ]; } );\n");
	write_file(sub, "z.inc", text);
	/* Not the @include: the newline, which free text may not hold. */
	expect_load_fail(
	    path,
	    "%s/sub/z.inc:1: zone 'a': description: contains a control "
	    "character\n",
	    dir);
	write_file(sub, "z.inc", zones);

	/* The file itself. */
	snprintf(sub, sizeof(sub), "%s/fifo.conf", dir);
	expect_load_fail(sub, "%s: not a regular file\n", sub);

	snprintf(sub, sizeof(sub), "%s/sub/z.inc", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/fifo.conf", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/d.conf", dir);
	rmdir(sub);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(integers_too_large_refused)
{
	/* libconfig 1.5 wraps them: ports = [ 4294967321 ] would be 25. */
	char dir[] = "/tmp/test_conf_int_XXXXXX";
	char path[256];
	struct conf *c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	write_file(dir, "main.conf",
		   "version = 1;\nzones = ( { name = \"a\"; networks = [ "
		   "\"10.1.0.0/16\" ]; },\n { name = \"b\"; networks = [ "
		   "\"10.2.0.0/16\" ]; } );\nchannels = ( { name = \"c\"; "
		   "from = \"a\"; to = \"b\"; proto = \"tcp\";\n ports = [ "
		   "4294967321 ]; } );\n");
	expect_load_fail(
	    path, "%s:5: number 4294967321 is too large (at most 2147483647)\n",
	    path);

	write_file(dir, "main.conf", "version = 0x100000001;\n");
	expect_load_fail(
	    path,
	    "%s:1: number 0x100000001 is too large (at most 2147483647)\n",
	    path);

	/* What only looks like one: in a string, a comment, a name. */
	write_file(dir, "main.conf",
		   "version = 1; # 99999999999\n/* 99999999999 */\n"
		   "zones = ( { name = \"a99999999999\"; description = "
		   "\"99999999999\"; networks = [ \"10.1.0.0/16\" ]; } );\n");
	c = conf_load(path, TODAY, stderr);
	ck_assert_ptr_nonnull(c);
	conf_free(c);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(sample_conf_loads)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct conf *c = conf_load(TEST_SRCDIR "/conf/bunri.conf", TODAY, f);
	const struct conf_channel *ch;
	int n;

	fclose(f);
	ck_assert_msg(c != NULL, "%s", buf);
	ck_assert_str_eq(buf, "");
	free(buf);
	ck_assert_int_eq(c->mode, CONF_MODE_ENFORCE);
	ck_assert_int_eq(c->facility, LOG_LOCAL4);
	ck_assert_uint_eq(c->n_capture_interfaces, 3);
	ck_assert_uint_eq(c->n_zones, 4);
	ck_assert_int_eq(conf_zone_by_interface(c, "eth1"),
			 conf_zone_index(c, "mynumber"));
	ck_assert_int_eq(conf_zone_by_interface(c, "eth2"),
			 conf_zone_index(c, "lgwan"));
	ck_assert_int_eq(conf_zone_by_interface(c, "eth0"),
			 conf_zone_index(c, "internet"));
	n = conf_zone_index(c, "govcloud");
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(c->zones[n].policy, conf_zone_index(c, "mynumber"));
	ck_assert_int_eq(lookup(c, "10.100.3.4"), n);
	ck_assert_int_eq(lookup(c, "fd00:2::1"), conf_zone_index(c, "lgwan"));
	ck_assert_int_eq(lookup(c, "198.51.100.1"),
			 conf_zone_index(c, "internet"));
	ck_assert_uint_eq(c->n_channels, 4);
	for (size_t i = 0; i < c->n_channels; i++) {
		ck_assert_ptr_nonnull(c->channels[i].approved_by);
		ck_assert_ptr_nonnull(c->channels[i].reason);
	}
	ch = &c->channels[3];
	ck_assert_str_eq(ch->name, "eltax");
	ck_assert(ch->designated);
	ck_assert_int_eq(ch->to, conf_zone_index(c, "mynumber"));
	ch = &c->channels[2];
	ck_assert_str_eq(ch->name, "vdi");
	ck_assert_uint_eq(ch->n_ports, 2);
	ck_assert_uint_eq(ch->ports[1].hi, 3390);
	ck_assert_uint_ge(c->channels[0].expires, 20270331);
	ck_assert(!c->has_host);
	conf_free(c);
}
END_TEST

START_TEST(names_and_today)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[16];
	uint32_t t = conf_today();

	ck_assert_str_eq(conf_mode_name(CONF_MODE_ENFORCE), "enforce");
	ck_assert_str_eq(conf_mode_name(CONF_MODE_MONITOR), "monitor");
	ck_assert_str_eq(conf_proto_name(IPPROTO_TCP), "tcp");
	ck_assert_str_eq(conf_proto_name(IPPROTO_ICMPV6), "icmpv6");
	ck_assert_str_eq(conf_proto_name(0), "any");
	ck_assert_str_eq(conf_proto_name(47), "unknown");
	ck_assert_str_eq(conf_kind_name(CONF_KIND_PROXY), "proxy");
	ck_assert_str_eq(conf_severity_name(LOG_CRIT), "crit");
	ck_assert_str_eq(conf_severity_name(99), "unknown");

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d", &tm);
	/* around midnight the two calls may straddle the date change */
	ck_assert_msg(t == strtoul(buf, NULL, 10) ||
			  t + 1 == strtoul(buf, NULL, 10),
		      "conf_today %u, strftime %s", t, buf);
	conf_free(NULL);
}
END_TEST

START_TEST(no_error_stream)
{
	/* a NULL stream stays silent and still fails */
	ck_assert_ptr_null(
	    conf_load_string("version = 2;\n", "t.conf", TODAY, NULL));
	ck_assert_ptr_null(
	    conf_load_string("version = ", "t.conf", TODAY, NULL));
}
END_TEST

START_TEST(zone_names_clash_in_ruleset_names)
{
	/* pass_a_b_c would be both a>b_c and a_b>c: the kernel refuses
	 * the second counter of that name. Reported at the later of the
	 * two names that overlap, whatever the order. */
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a\"; networks = [ \"10.0.0.0/24\" ]; },\n"
		    " { name = \"b_c\"; networks = [ \"10.0.1.0/24\" ]; },\n"
		    " { name = \"a_b\"; networks = [ \"10.0.2.0/24\" ]; },\n"
		    " { name = \"c\"; networks = [ \"10.0.3.0/24\" ]; }\n);\n",
		    "t.conf:5: zone 'a_b': its ruleset names would clash with "
		    "zone 'b_c' (pass_a_b_c is both a>b_c and a_b>c)\n");
	expect_fail("version = 1;\nzones = (\n"
		    " { name = \"a_b\"; networks = [ \"10.0.2.0/24\" ]; },\n"
		    " { name = \"c\"; networks = [ \"10.0.3.0/24\" ]; },\n"
		    " { name = \"a\"; networks = [ \"10.0.0.0/24\" ]; },\n"
		    " {\n   name = \"b_c\"; networks = [ \"10.0.1.0/24\" ]; }\n"
		    ");\n",
		    "t.conf:7: zone 'b_c': its ruleset names would clash with "
		    "zone 'a_b' (pass_a_b_c is both a>b_c and a_b>c)\n");
	/* one name overlapping itself: a>a_a and a_a>a */
	expect_fail(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; networks = [ \"10.0.0.0/24\" ]; },\n"
	    " { name = \"a_a\"; networks = [ \"10.0.1.0/24\" ]; }\n);\n",
	    "t.conf:4: zone 'a_a': its ruleset names would clash with "
	    "zone 'a' (pass_a_a_a is both a>a_a and a_a>a)\n");
	/* Not a ban on '_': the same names without a clash, and a zone
	 * under same_as, which names nothing in the ruleset. */
	conf_free(expect_ok(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; networks = [ \"10.0.0.0/24\" ]; },\n"
	    " { name = \"b_c\"; networks = [ \"10.0.1.0/24\" ]; },\n"
	    " { name = \"a_b\"; networks = [ \"10.0.2.0/24\" ]; },\n"
	    " { name = \"d\"; networks = [ \"10.0.3.0/24\" ]; }\n);\n",
	    ""));
	conf_free(expect_ok(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; networks = [ \"10.0.0.0/24\" ]; },\n"
	    " { name = \"b_c\"; networks = [ \"10.0.1.0/24\" ]; },\n"
	    " { name = \"a_b\"; same_as = \"a\";"
	    " networks = [ \"10.0.2.0/24\" ]; },\n"
	    " { name = \"c\"; networks = [ \"10.0.3.0/24\" ]; }\n);\n",
	    ""));
}
END_TEST

START_TEST(ipv4_mapped_prefixes_refused)
{
	expect_fail("version = 1;\nzones = ( { name = \"mynumber\";\n"
		    " networks = [ \"::ffff:10.9.0.0/112\",\n"
		    "  \"::ffff:0:0/96\", \"::ffff:10.9.1.1\" ]; } );\n",
		    "t.conf:3: zone 'mynumber': network '::ffff:10.9.0.0/112' "
		    "is an IPv4-mapped address: write it as 10.9.0.0/16\n"
		    "t.conf:4: zone 'mynumber': network '::ffff:0:0/96' is an "
		    "IPv4-mapped address: write it as 0.0.0.0/0\n"
		    "t.conf:4: zone 'mynumber': network '::ffff:10.9.1.1' is "
		    "an IPv4-mapped address: write it as 10.9.1.1\n");
	expect_fail(CHANNEL("from = \"internet\"; to = \"lgwan\";\n"
			    " dst = [ \"::ffff:10.2.0.25\" ];"),
		    "t.conf:10: channel 'c': dst '::ffff:10.2.0.25' is an "
		    "IPv4-mapped address: write it as 10.2.0.25\n");
	expect_fail(CHANNEL("from = \"internet\"; to = \"lgwan\";\n"
			    " src = [ \"::ffff:c000:200/120\" ];"),
		    "t.conf:10: channel 'c': src '::ffff:c000:200/120' is an "
		    "IPv4-mapped address: write it as 192.0.2.0/24\n");
	expect_fail(ZONES "host: { services = (\n"
			  " { zone = \"lgwan\"; src = [ \"::ffff:10.2.9.0/"
			  "120\" ]; }\n); };\n",
		    "t.conf:9: host service #1: src '::ffff:10.2.9.0/120' is "
		    "an IPv4-mapped address: write it as 10.2.9.0/24\n");
	/* Shorter prefixes hold other IPv6 addresses as well: they stay. */
	conf_free(expect_ok("version = 1;\nzones = (\n"
			    " { name = \"a\"; networks = [ \"::/64\" ]; },\n"
			    " { name = \"b\"; networks = [ \"::fffe:0:0/95\","
			    " \"::/0\" ]; }\n);\n",
			    ""));
}
END_TEST

START_TEST(free_text_utf8_without_controls)
{
	expect_fail(
	    "version = 1;\nzones = (\n"
	    " { name = \"a\"; description = \"two\\nlines\";"
	    " networks = [ \"10.1.0.0/16\" ]; },\n"
	    " { name = \"b\"; description = \"a\\ttab\";"
	    " networks = [ \"10.2.0.0/16\" ]; },\n"
	    " { name = \"c\"; description = \"\x1b[2J\x7f\";"
	    " networks = [ \"10.3.0.0/16\" ]; },\n"
	    " { name = \"d\"; description = \"caf\xc3\";"
	    " networks = [ \"10.4.0.0/16\" ]; },\n"
	    " { name = \"e\"; description = \"\xc0\xaf overlong\";"
	    " networks = [ \"10.5.0.0/16\" ]; },\n"
	    " { name = \"f\"; description = \"\xed\xa0\x80 surrogate\";"
	    " networks = [ \"10.6.0.0/16\" ]; },\n"
	    " { name = \"g\"; description = \"\xf4\x90\x80\x80 too high\";"
	    " networks = [ \"10.7.0.0/16\" ]; },\n"
	    " { name = \"h\"; description = \"C1 \xc2\x9b control\";"
	    " networks = [ \"10.8.0.0/16\" ]; }\n);\n",
	    "t.conf:3: zone 'a': description: contains a control character\n"
	    "t.conf:4: zone 'b': description: contains a control character\n"
	    "t.conf:5: zone 'c': description: contains a control character\n"
	    "t.conf:6: zone 'd': description: not UTF-8 text\n"
	    "t.conf:7: zone 'e': description: not UTF-8 text\n"
	    "t.conf:8: zone 'f': description: not UTF-8 text\n"
	    "t.conf:9: zone 'g': description: not UTF-8 text\n"
	    "t.conf:10: zone 'h': description: contains a control "
	    "character\n");
	expect_fail(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			    " approved_by = \"\xe6\x83\x85\xe5\xa0\xb1\xff\";\n"
			    " reason = \"first\\rsecond\";"),
		    "t.conf:10: channel 'c': approved_by: not UTF-8 text\n"
		    "t.conf:11: channel 'c': reason: contains a control "
		    "character\n");
	/* Japanese, the longest sequences and the last code point pass. */
	struct conf *c =
	    expect_ok(CHANNEL("from = \"lgwan\"; to = \"internet\";\n"
			      " approved_by = \"情報政策課 \xf0\x9f\x94\x92\";"
			      " reason = \"\xf4\x8f\xbf\xbf ~ \xc2\xa0\";"),
		      "");
	ck_assert_str_eq(c->channels[0].approved_by,
			 "情報政策課 \xf0\x9f\x94\x92");
	conf_free(c);
}
END_TEST

START_TEST(first_error_not_a_warning)
{
	char *msgs;
	size_t n = 99;
	const char *e;
	/* a warning at line 3, the errors after it; one quotes the tag */
	struct conf *c =
	    load("version = 1;\nzones = (\n { name = \"nonet\"; },\n"
		 " { name = \"b\"; networks = [ \"x: warning: y\" ]; },\n"
		 " { name = \"c\"; networks = [ \"10.0.0.0/33\" ]; }\n);\n",
		 TODAY, &msgs);

	ck_assert_ptr_null(c);
	ck_assert_str_eq(msgs, "t.conf:3: warning: zone 'nonet': no networks: "
			       "no address will ever be in it\n"
			       "t.conf:4: zone 'b': bad network 'x: warning: "
			       "y': malformed address\n"
			       "t.conf:5: zone 'c': bad network '10.0.0.0/33': "
			       "prefix length out of range\n");
	e = conf_msgs_first_error(msgs, &n);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(strncmp(e,
				 "t.conf:4: zone 'b': bad network 'x: "
				 "warning: y': malformed address\n",
				 n + 1),
			 0);
	ck_assert_uint_eq(n, strlen("t.conf:4: zone 'b': bad network 'x: "
				    "warning: y': malformed address"));
	free(msgs);

	/* a syntax error, without a line break after it */
	e = conf_msgs_first_error("t.conf:2: syntax error", &n);
	ck_assert_str_eq(e, "t.conf:2: syntax error");
	ck_assert_uint_eq(n, strlen(e));
	ck_assert_ptr_null(conf_msgs_first_error(
	    "t.conf: warning: a\nt.conf:9: warning: b\n", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(conf_msgs_first_error("", &n));
	ck_assert_ptr_null(conf_msgs_first_error(NULL, &n));
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");
	TCase *rules = tcase_create("rules");

	tcase_add_test(tc, design_example_every_field);
	tcase_add_test(tc, design_md_loads_from_disk);
	tcase_add_test(tc, include_from_the_files_directory);
	tcase_add_test(tc, include_only_regular_files);
	tcase_add_test(tc, integers_too_large_refused);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, monitor_mode_and_settings);
	tcase_add_test(tc, ports_forms_sorted_and_merged);
	tcase_add_test(tc, every_enum_name_accepted);
	tcase_add_test(tc, warnings);
	tcase_add_test(tc, sample_conf_loads);
	tcase_add_test(tc, names_and_today);
	tcase_add_test(tc, no_error_stream);
	suite_add_tcase(s, tc);

	tcase_add_test(rules, syntax_error);
	tcase_add_test(rules, unknown_keys_at_every_level);
	tcase_add_test(rules, version_must_be_1);
	tcase_add_test(rules, zones_missing_or_empty);
	tcase_add_test(rules, duplicate_names);
	tcase_add_test(rules, channel_unknown_zone);
	tcase_add_test(rules, channel_from_equals_to);
	tcase_add_test(rules, bad_prefixes);
	tcase_add_test(rules, same_prefix_twice);
	tcase_add_test(rules, interface_in_two_zones);
	tcase_add_test(rules, bad_ports);
	tcase_add_test(rules, ports_need_tcp_or_udp);
	tcase_add_test(rules, bad_expires);
	tcase_add_test(rules, unknown_enums);
	tcase_add_test(rules, same_as_rules);
	tcase_add_test(rules, mynumber_internet_needs_designated);
	tcase_add_test(rules, type_errors);
	tcase_add_test(rules, bad_names);
	tcase_add_test(rules, bad_mac_addresses);
	tcase_add_test(rules, channel_addresses_outside_zone);
	tcase_add_test(rules, channel_overlapping_addresses);
	tcase_add_test(rules, host_services);
	tcase_add_test(rules, daemon_paths);
	tcase_add_test(rules, all_errors_in_one_pass_in_line_order);
	tcase_add_test(rules, zone_names_clash_in_ruleset_names);
	tcase_add_test(rules, ipv4_mapped_prefixes_refused);
	tcase_add_test(rules, free_text_utf8_without_controls);
	tcase_add_test(rules, first_error_not_a_warning);
	suite_add_tcase(s, rules);
	return s;
}

UNIT_MAIN(conf_suite)
