# private-spool.sh -- source it first thing in a test suite (lib.sh does):
# run as root, the suite re-executes itself in a private mount namespace
# whose /var/spool is an empty tmpfs, so that nothing it runs -- whatever
# configuration, broken or not, and whatever path it forgets -- can reach
# the machine's own queue (/var/spool/outbox) or any other spool.
# Without root or unshare(1) it does nothing (a user's default queue is
# under XDG_STATE_HOME, which the suites point into their own directory).
. "$srcdir/tests/lib/unshare.sh"
if test -z "${OUTBOX_PRIVATE_SPOOL:-}" && test -n "$T_UNSHARE"; then
	OUTBOX_PRIVATE_SPOOL=1
	export OUTBOX_PRIVATE_SPOOL
	exec $T_UNSHARE /bin/sh -c \
	    'mount -t tmpfs -o mode=0755 outbox-tests /var/spool &&
	    exec "$@"' sh /bin/bash "$0" "$@"
fi
