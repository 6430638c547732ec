#!/bin/sh
# scripts/install-links.sh -- what `make install-sendmail-links` runs: add
# SBINDIR/sendmail, BINDIR/mailq and BINDIR/newaliases as links to outbox.
#
#   install-links.sh DESTDIR=DIR bindir=DIR sbindir=DIR [FORCE=1]
#
# A name that already exists and is not a link to outbox (say, Postfix's
# /usr/sbin/sendmail) is never replaced silently: the script says what it
# is (the package that owns it, by dpkg-query -S, or the Debian
# alternatives link it is) and exits 1 having changed nothing, unless
# FORCE=1 is given, in which case it replaces it and says so.  With
# DESTDIR set, the names are looked up under DESTDIR (a staging tree: no
# package owns those files).  Running it again is a no-op.
#
# One line per name on stdout; refusals on stderr.
set -eu

DESTDIR='' bindir='' sbindir='' FORCE=''
for arg; do
	case $arg in
	DESTDIR=*) DESTDIR=${arg#*=} ;;
	bindir=*) bindir=${arg#*=} ;;
	sbindir=*) sbindir=${arg#*=} ;;
	FORCE=*) FORCE=${arg#*=} ;;
	*) echo "install-links.sh: unknown argument: $arg" >&2; exit 64 ;;
	esac
done
test -n "$bindir" && test -n "$sbindir" || {
	echo "install-links.sh: bindir= and sbindir= are needed" >&2
	exit 64
}
case $FORCE in
'' | 0 | no) FORCE=no ;;
*) FORCE=yes ;;
esac

say() { printf 'install-links: %s\n' "$*"; }

# each_link FUNCTION: call FUNCTION NAME TARGET for each link, as make
# install-sendmail-links always made them (sendmail by absolute path, the
# others relative).
each_link() {
	"$1" "$sbindir/sendmail" "$bindir/outbox"
	"$1" "$bindir/mailq" outbox
	"$1" "$bindir/newaliases" outbox
}

# is_ours PATH: PATH is a symbolic link to outbox (its target is named
# outbox, or, outside DESTDIR, resolves to the installed binary).
is_ours() {
	test -L "$1" || return 1
	case $(readlink "$1") in
	outbox | */outbox) return 0 ;;
	esac
	test -z "$DESTDIR" && test "$1" -ef "$bindir/outbox"
}

# owner PATH: the Debian packages that own PATH (as dpkg-query -S
# prints them), also under its other name on a merged /usr (dpkg knows
# Postfix's /usr/sbin/sendmail, but coreutils' /bin/true).  Empty if none,
# or without dpkg.
owner() {
	command -v dpkg-query >/dev/null 2>&1 || return 0
	case $1 in
	/usr/bin/* | /usr/sbin/* | /usr/lib/*) _alias=${1#/usr} ;;
	/bin/* | /sbin/* | /lib/*) _alias=/usr$1 ;;
	*) _alias=$1 ;;
	esac
	for _p in "$1" "$_alias"; do
		_o=$(LC_ALL=C dpkg-query -S "$_p" 2>/dev/null |
		    awk -v p="$_p" 'substr($0, length($0) - length(p) - 1) == ": " p {
			sub(/: .*/, ""); print }' | sed 's/, /\n/g' |
		    grep -v '^diversion by' | sort -u | tr '\n' ' ')
		if test -n "$_o"; then
			printf '%s\n' "${_o% }"
			return 0
		fi
	done
}

# describe PATH: what PATH is, in words, for the refusal.
describe() {
	_what=""
	if test -L "$1"; then
		_to=$(readlink "$1")
		case $_to in
		/etc/alternatives/*)
			_alt=$(readlink "$_to" 2>/dev/null) || _alt="(missing)"
			_what="a Debian alternatives link ($1 -> $_to -> $_alt;"
			_what="$_what see update-alternatives --display"
			_what="$_what $(basename "$_to"))"
			_pkg=$(test -n "$DESTDIR" || owner "$_alt")
			test -z "$_pkg" || _what="$_what, now package $_pkg"
			printf '%s\n' "$_what"
			return 0
			;;
		esac
		_what="a link to $_to"
	else
		_what="a file"
	fi
	if test -n "$DESTDIR"; then
		printf '%s\n' "$_what in DESTDIR, not a link to outbox"
		return 0
	fi
	_pkg=$(owner "$1")
	if test -n "$_pkg"; then
		printf '%s\n' "$_what of package $_pkg (dpkg-query -S)"
	else
		printf '%s\n' "$_what, not a link to outbox (no package owns it)"
	fi
}

# check_link NAME TARGET: refuse (and remember it) if NAME is there and
# is not a link to outbox.
refused=0 pkgs=""
check_link() {
	_path=$DESTDIR$1
	{ test -e "$_path" || test -L "$_path"; } || return 0
	is_ours "$_path" && return 0
	test $FORCE = no || return 0
	echo "install-links: refusing to replace $_path: $(describe "$_path")" >&2
	refused=1
	test -n "$DESTDIR" || pkgs="$pkgs $(owner "$_path")"
}

# make_link NAME TARGET
make_link() {
	_path=$DESTDIR$1
	if is_ours "$_path" && test "$(readlink "$_path")" = "$2"; then
		say "$_path -> $2: already there"
	elif is_ours "$_path"; then
		ln -sfn "$2" "$_path"
		say "$_path -> $2: updated"
	elif test -e "$_path" || test -L "$_path"; then
		_was=$(describe "$_path")
		_pkg=$(test -n "$DESTDIR" || owner "$_path")
		test -z "$_pkg" ||
		    _was="$_was; an upgrade of $_pkg will put its file back"
		rm -f "$_path"
		ln -s "$2" "$_path"
		say "$_path -> $2: replaced (FORCE=1) $_was"
	else
		ln -s "$2" "$_path"
		say "$_path -> $2: created"
	fi
}

# Look at every name first, so that a refusal changes nothing at all.
each_link check_link
if test $refused = 1; then
	pkgs=$(printf '%s\n' $pkgs | sort -u | tr '\n' ' ')
	pkgs=${pkgs% }
	if test -n "$pkgs"; then
		echo "install-links: nothing changed; remove $pkgs first" \
		    "(apt-get remove $pkgs), or replace the files anyway:" \
		    "make install-sendmail-links FORCE=1" >&2
	else
		echo "install-links: nothing changed; to replace them anyway:" \
		    "make install-sendmail-links FORCE=1" >&2
	fi
	exit 1
fi
mkdir -p "$DESTDIR$sbindir" "$DESTDIR$bindir"
each_link make_link
