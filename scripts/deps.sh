#!/bin/sh
# scripts/deps.sh -- install, with apt-get, what a part of outbox needs and
# is missing.  Debian 12 / Ubuntu 22.04 or later.
#
#   scripts/deps.sh [build|demo|test]
#
#   build   what the build needs (compiler, autotools, GnuTLS, libidn2,
#           cmocka)
#   demo    build, and what scripts/demo.sh's smarthost needs (Python's
#           aiosmtpd, certtool): scripts/demo.sh
#   test    everything: the demo's, and what the test suites, CI and the
#           benchmark need (msmtp, valgrind, clang, Postfix, Dovecot, cron,
#           real callers, ...): scripts/test.sh.  The default.
#
# Fast when nothing is missing (one dpkg-query, no apt-get at all).
# Non-interactive: works with no stdin, never prompts.  Runs apt-get
# directly as root, else through sudo when it exists.  apt-get's output
# goes to a log file, named (with its last lines shown) when a step
# fails; the terminal gets one line per step.  OUTBOX_DEPS_LOG=FILE
# keeps it there.
#
# Postfix (for smtp-sink(1) in bench/run.sh and the private Postfix of
# tests/postfix.sh) and Dovecot (SASL for tests/postfix.sh) are wanted as
# programs, never as running services: Postfix is preseeded to "No
# configuration", no service starts while they are installed, and their
# services are disabled afterwards; the tests start their own instances.
# They are installed with --no-remove: if that would take away another
# package (say, the MTA you already use), they are left out with a
# warning, and only the benchmark and tests/postfix.sh (which then skips)
# are affected.
#
# cron and at (for tests/multiuser*.sh, which start their own cron and
# atd in a private mount namespace) come with services too: like
# Postfix's and Dovecot's, none is started while they are installed
# (policy-rc.d, below), and when this script installs them, they are
# disabled afterwards (a cron already there is left as it is).
#
# OUTBOX_DEPS_EXTRA="pkg ..." adds packages to the list.
set -eu

# What the build needs.
BUILD_PKGS="build-essential gcc make autoconf automake libtool pkg-config
libgnutls28-dev libidn2-dev libcmocka-dev libcurl4-gnutls-dev libjansson-dev"
# What the demo's smarthost needs (tests/lib/smarthost.py, gencerts.sh).
DEMO_PKGS="python3 python3-aiosmtpd gnutls-bin"
# What the tests, CI and the benchmark need besides.
# libclang-rt-dev: clang's fuzzer and sanitizer runtimes (libclang_rt.*.a),
# which fuzz/run.sh links; Debian 12 ships them apart from clang.
# php-cli, php-symfony-mailer, s-nail, cron, at: real callers of -bs,
# -m and the system's sendmail (tests/sendmail-cli.sh, tests/multiuser*.sh).
# curl: tests/oauth.sh asks the authorization server and the loopback
# listener directly.
TEST_PKGS="mandoc msmtp valgrind clang
libclang-rt-dev time ca-certificates git gzip tar diffutils procps bash-completion zsh fish
strace util-linux cron at php-cli php-symfony-mailer s-nail curl
nodejs libgnutls-dane0 libidn12 libnsl2 libdb5.3 libpcre2-8-0 microsocks iproute2"
# npm: Debian's, unless one is there (NodeSource's nodejs has it, and conflicts).
command -v npm >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS npm"
# Services that packages of TEST_PKGS bring (PACKAGE:SERVICE): never
# started while installed; disabled when this script installed them.
TEST_SERVICES="cron:cron at:atd"
# Programs that come with a service; installed separately, see above.
DAEMON_PKGS="postfix dovecot-core"
DAEMON_SERVICES="postfix dovecot"

profile=${1:-test}
case $profile in
build) all_pkgs=$BUILD_PKGS DAEMON_PKGS= TEST_SERVICES= ;;
demo) all_pkgs="$BUILD_PKGS $DEMO_PKGS" DAEMON_PKGS= TEST_SERVICES= ;;
test) all_pkgs="$BUILD_PKGS $DEMO_PKGS $TEST_PKGS" ;;
-h | --help)
	sed -n '2,/^set /{ /^#/s/^# \{0,1\}//p; }' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [build|demo|test]" >&2
	exit 64
	;;
esac
all_pkgs="$all_pkgs ${OUTBOX_DEPS_EXTRA:-}"

say() { printf 'deps.sh: %s\n' "$*" >&2; }

# missing PKG... -- print the packages that are not installed (one
# dpkg-query for all of them; unknown packages count as missing).
missing() {
	ok=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "$@" \
	    2>/dev/null | awk '$2 == "installed" { printf "%s ", $1 }') || true
	for p in "$@"; do
		case " $ok " in
		*" $p "*) ;;
		*) printf '%s\n' "$p" ;;
		esac
	done
}

if ! command -v dpkg-query >/dev/null 2>&1 ||
    ! command -v apt-get >/dev/null 2>&1; then
	say "not a Debian/Ubuntu system (no dpkg-query/apt-get)."
	say "Install by hand (Debian names):" $all_pkgs $DAEMON_PKGS
	exit 1
fi

# shellcheck disable=SC2086
need=$(missing $all_pkgs | tr '\n' ' ')
need_daemons=
if test -n "$DAEMON_PKGS"; then
	# shellcheck disable=SC2086
	need_daemons=$(missing $DAEMON_PKGS | tr '\n' ' ')
fi
if test -z "$need" && test -z "$need_daemons"; then
	exit 0
fi

if test "$(id -u)" = 0; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	if test -t 0; then SUDO=sudo; else SUDO="sudo -n"; fi
else
	say "missing: $need$need_daemons"
	say "not root and no sudo: install them as root, then re-run."
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -y -q"
APT="$APT -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

# apt-get's output: a log file, kept when a step fails.
if test -n "${OUTBOX_DEPS_LOG:-}"; then
	log=$OUTBOX_DEPS_LOG
	: >"$log"
	keep_log=yes
else
	log=$(mktemp "${TMPDIR:-/tmp}/outbox-deps.XXXXXX") || exit 1
	keep_log=no
fi
started=$(date +%s)

# step TEXT CMD...: one line "deps.sh: TEXT ... ok (N s)"; CMD's output
# goes to the log.  On failure: the log's last lines, where it is, exit 1.
step() {
	_text=$1
	shift
	printf 'deps.sh: %s ... ' "$_text" >&2
	_t0=$(date +%s)
	printf '\n==== %s\n' "$*" >>"$log"
	if "$@" </dev/null >>"$log" 2>&1; then
		printf 'ok (%s s)\n' "$(( $(date +%s) - _t0 ))" >&2
		return 0
	fi
	printf 'FAILED\n' >&2
	say "the last lines of $log:"
	tail -n 25 "$log" | sed 's/^/    /' >&2
	say "the whole output of apt-get is in $log"
	exit 1
}

# shellcheck disable=SC2086
set -- $need $need_daemons
say "$profile: missing ($#): $*"
say "(apt-get's output goes to $log)"
step "apt-get update" $APT update

# No service starts while packages are installed: "101: action
# forbidden": invoke-rc.d and deb-systemd-invoke start nothing while
# policy-rc.d says so.
policy=/usr/sbin/policy-rc.d
made_policy=no
if ! $SUDO test -e "$policy"; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	made_policy=yes
fi
drop_policy() {
	if test "$made_policy" = yes; then
		$SUDO rm -f "$policy"
	fi
}
trap drop_policy EXIT

# disable_services SVC... -- not started at boot either (stopped if
# running under systemd).
disable_services() {
	for svc in "$@"; do
		if command -v systemctl >/dev/null 2>&1; then
			# Works offline too (no systemd running: links only).
			$SUDO systemctl disable "$svc.service" \
			    >/dev/null 2>&1 || true
			if test -d /run/systemd/system; then
				$SUDO systemctl stop "$svc.service" \
				    >/dev/null 2>&1 || true
			fi
		fi
		if command -v update-rc.d >/dev/null 2>&1 &&
		    test -e "/etc/init.d/$svc"; then
			$SUDO update-rc.d "$svc" disable >/dev/null 2>&1 ||
			    true
		fi
	done
}

if test -n "$need"; then
	# shellcheck disable=SC2086
	step "apt-get install ($(echo $need | wc -w) packages)" \
	    $APT install --no-install-recommends $need
	for ps in $TEST_SERVICES; do
		case " $need " in
		*" ${ps%%:*} "*) disable_services "${ps#*:}" ;;
		esac
	done
fi

# install_daemons PKG... -- install with no service started; disable them.
install_daemons() {
	# shellcheck disable=SC2086
	$APT install --no-install-recommends --no-remove "$@" </dev/null ||
	    return 1
	# shellcheck disable=SC2086
	disable_services $DAEMON_SERVICES
}

if test -n "$need_daemons"; then
	# No questions, no configuration, no daemon.
	printf '%s\n' \
	    'postfix postfix/main_mailer_type select No configuration' \
	    'postfix postfix/mailname string localhost' |
	    $SUDO debconf-set-selections >>"$log" 2>&1
	printf 'deps.sh: apt-get install %s (no service started) ... ' \
	    "$need_daemons" >&2
	_t0=$(date +%s)
	# shellcheck disable=SC2086
	if install_daemons $need_daemons </dev/null >>"$log" 2>&1; then
		printf 'ok (%s s)\n' "$(( $(date +%s) - _t0 ))" >&2
	else
		printf 'not together\n' >&2
		# One at a time, so one that conflicts does not stop the other.
		for p in $need_daemons; do
			printf 'deps.sh: apt-get install %s ... ' "$p" >&2
			if install_daemons "$p" </dev/null >>"$log" 2>&1; then
				printf 'ok\n' >&2
			else
				printf 'left out\n' >&2
				say "warning: could not install $p without" \
				    "removing other packages (see $log);" \
				    "bench/run.sh or tests/postfix.sh will" \
				    "not run"
				keep_log=yes
			fi
		done
	fi
fi
drop_policy
trap - EXIT

# shellcheck disable=SC2086
still=$(missing $all_pkgs | tr '\n' ' ')
if test -n "$still"; then
	say "still missing after apt-get: $still (apt-get's output: $log)"
	exit 1
fi
test "$keep_log" = yes || rm -f "$log"
say "$profile: done in $(( $(date +%s) - started )) s"
