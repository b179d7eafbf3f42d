#!/bin/sh
# Install the Debian packages ringvisor needs to build and test, when they
# are missing. The one place that lists them: `make` and `make check` call
# it, so a fresh Debian 12 machine (as root) needs nothing done by hand.
set -eu

# build: compiler, headers and libraries the sentry links
BUILD_PKGS="gcc make libc6-dev linux-libc-dev pkg-config libseccomp-dev
libunwind-dev libxxhash-dev libbpf-dev libjansson-dev"
# test: programs run natively and sandboxed and compared (issue 4: shells,
# coreutils, tar/gzip, python3 and Debian's Python test suite; the
# workloads of tests/real/w-*.sh: make, perl, git, bash, xz, mawk, sed, grep)
TEST_PKGS="busybox-static coreutils diffutils findutils procps dash tar gzip
python3 libpython3.11-testsuite make perl git bash xz-utils mawk sed grep
strace"

want="$BUILD_PKGS"
[ "${1:-}" = "--test" ] && want="$want $TEST_PKGS"

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "ringvisor: missing Debian packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "ringvisor: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
