#!/bin/sh
# Install the Debian packages bunri needs, only those that are missing.
#   tools/deps.sh build   what building needs
#   tools/deps.sh check   building, tests, the lab and the demo
set -eu

build="gcc make pkg-config libconfig-dev libpcap-dev libnftnl-dev libmnl-dev
libcap-ng-dev libsystemd-dev libseccomp-dev check"
check="$build clang libclang-rt-14-dev nftables iproute2 rsyslog tcpreplay
tcpdump python3 python3-scapy mandoc valgrind iperf3 procps psmisc
libpcap0.8 systemd bc time"

case "${1:-build}" in
build) want=$build ;;
check) want=$check ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# iperf3 asks whether to start a daemon; the answer is no.
echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
