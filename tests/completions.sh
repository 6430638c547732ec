#!/bin/sh
# Checks the shell completions in completions/: bash offers every long
# option and the account names of a configuration file; zsh and fish parse
# and, where they are installed, offer the same.  Each shell is skipped
# cleanly when absent.
# SPDX-License-Identifier: GPL-3.0-or-later

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
comp=$srcdir/completions

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
skip() { echo "skip - $1"; }

# check NAME EXPECTED-WORDS ACTUAL-OUTPUT: every expected word is a line
# of the output.
check() {
	name=$1 expected=$2 actual=$3 missing=
	for w in $expected; do
		printf '%s\n' "$actual" | grep -qxF -- "$w" || missing="$missing $w"
	done
	if [ -z "$missing" ]; then
		ok "$name"
	else
		not_ok "$name (missing:$missing)"
		printf '%s\n' "$actual" | sed 's/^/#   got: /' | head -20
	fi
}

# check_absent NAME WORD ACTUAL-OUTPUT
check_absent() {
	if printf '%s\n' "$3" | grep -qxF -- "$2"; then
		not_ok "$1 (unexpected: $2)"
	else
		ok "$1"
	fi
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

LONGOPTS="--subject --attach --cc --bcc --reply-to --from --header --html
--body --account --host --port --tls --user --json --dry-run --no-queue
--serverinfo --login --list --flush --due --drop --print-config --debug --version
--help"
SHORTOPTS="-t -i -oi -f -r -F -N -R -V -B -bm -bp -bi -bs -bv -I -odq -q -v -C
-X -L -s -a -H -A"
IGNORED="-oem -oee -oep -oeq -oew -om -odb -odi -U -G -h -Am -Ac -n -c -m -x
-e -p"

# The outbox user file: settings before the first account line (the
# account "default"), defaults, inheritance, a tab, and the
# "account default : NAME" alias.
home=$tmp/home
mkdir -p "$home/.config/outbox" "$home/xdg/outbox"
cat >"$home/.config/outbox/config" <<'EOF'
# outbox test configuration
host fallback.example
defaults
tls on
account home
host smtp.home.example
account club : home
account	work:home
account default : home
EOF
# An msmtp-only setup, and a file for -C.
mkdir -p "$tmp/msmtp"
cat >"$tmp/msmtp/.msmtprc" <<'EOF'
defaults
port 587
account isp
host mail.isp.example
account backup : isp
account default : isp
EOF
cat >"$tmp/other.conf" <<'EOF'
account zulu
host z.example
EOF
cat >"$home/xdg/outbox/config" <<'EOF'
account xdgonly
host x.example
EOF

# Queues: qa (from defaults, for "work" and "default") with complete
# entries in queue/, failed/ and tmp/, an incomplete one in tmp/ (no
# .env) and a stray file; qb (the account "other", quoted); a state
# directory for the default location of a user other than root.
for d in qa/queue qa/failed qa/tmp qb/queue state/outbox/queue/queue; do
	mkdir -p "$tmp/$d"
done
for e in qa/queue/6b000001.1.aa qa/failed/6b000002.2.bb qa/tmp/6b000003.3.cc \
    qb/queue/6b000005.5.ee state/outbox/queue/queue/6b00000a.1.ff; do
	: >"$tmp/$e"
	: >"$tmp/$e.env"
done
: >"$tmp/qa/tmp/6b000004.4.dd"
: >"$tmp/qa/queue/notes.txt"
cat >"$tmp/queue.conf" <<EOF
defaults
queue_dir $tmp/qa
account work
host w.example
account other : work
queue_dir "$tmp/qb"
account default : work
EOF
QA_ALL="6b000001.1.aa 6b000002.2.bb 6b000003.3.cc"

# ---------------------------------------------------------------- bash

# bash_complete HOME XDG WORD...: print the completions of the last word.
bash_complete() {
	h=$1 x=$2
	shift 2
	HOME=$h XDG_CONFIG_HOME=$x bash --norc --noprofile -c '
		source "$0" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_outbox
		printf "%s\n" "${COMPREPLY[@]}"' "$comp/outbox" "$@"
}

if command -v bash >/dev/null 2>&1; then
	if bash -n "$comp/outbox"; then ok "bash: syntax"; else not_ok "bash: syntax"; fi

	out=$(bash_complete "$home" "" outbox --)
	check "bash: every long option after --" "$LONGOPTS" "$out"

	out=$(bash_complete "$home" "" outbox -)
	check "bash: every long and short option after -" \
		"$LONGOPTS $SHORTOPTS $IGNORED" "$out"

	out=$(bash_complete "$home" "" outbox --ac)
	check "bash: --ac completes to --account" "--account" "$out"
	out=$(bash_complete "$home" "" outbox -q --du)
	check "bash: -q --du completes to --due" "--due" "$out"

	out=$(bash_complete "$home" "" outbox -A "")
	check "bash: -A offers the accounts" "home club work default" "$out"
	check_absent "bash: -A does not offer a keyword" "host" "$out"

	out=$(bash_complete "$home" "" outbox --account c)
	check "bash: --account c" "club" "$out"
	check_absent "bash: --account c filters" "home" "$out"

	out=$(bash_complete "$home" "" outbox --account = w)
	check "bash: --account=w (split at =)" "work" "$out"

	out=$(bash_complete "$home" "" outbox --account=h)
	check "bash: --account=h (one word)" "--account=home" "$out"

	out=$(bash_complete "$home" "" outbox -Ah)
	check "bash: -Ah" "-Ahome" "$out"

	out=$(bash_complete "$home" "$home/xdg" outbox -A "")
	check "bash: XDG_CONFIG_HOME is honoured" "xdgonly" "$out"
	check_absent "bash: XDG_CONFIG_HOME replaces ~/.config" "club" "$out"

	out=$(bash_complete "$home" "relative/dir" outbox -A "")
	check "bash: a relative XDG_CONFIG_HOME is ignored" "club" "$out"

	out=$(bash_complete "$home" "" outbox -C "$tmp/other.conf" -A "")
	check "bash: -C FILE is read instead" "zulu" "$out"
	check_absent "bash: -C FILE replaces the user file" "home" "$out"

	if [ -e /etc/outbox.conf ]; then
		skip "bash: msmtp fallback (/etc/outbox.conf exists here)"
	else
		out=$(bash_complete "$tmp/msmtp" "" outbox --account "")
		check "bash: msmtp fallback" "isp backup default" "$out"
		mkdir -p "$tmp/msmtp2/xdg/msmtp"
		cp "$tmp/other.conf" "$tmp/msmtp2/xdg/msmtp/config"
		out=$(bash_complete "$tmp/msmtp2" "$tmp/msmtp2/xdg" outbox -A "")
		check "bash: msmtp fallback to XDG msmtp/config" "zulu" "$out"
	fi

	out=$(bash_complete "$home" "" outbox --tls "")
	check "bash: --tls values" "on off starttls implicit" "$out"
	out=$(bash_complete "$home" "" outbox -N "")
	check "bash: -N values" "never success failure delay" "$out"
	out=$(bash_complete "$home" "" outbox -N success,)
	check "bash: -N list" "success,failure success,delay" "$out"
	out=$(bash_complete "$home" "" outbox -R "")
	check "bash: -R values" "full hdrs" "$out"
	out=$(bash_complete "$home" "" outbox -B "")
	check "bash: -B values" "7BIT 8BITMIME BINARYMIME" "$out"

	touch "$tmp/attach-me.txt"
	for o in -C -X -a --attach --body --html; do
		out=$(bash_complete "$home" "" outbox "$o" "$tmp/attach-")
		check "bash: $o completes files" "$tmp/attach-me.txt" "$out"
	done

	out=$(bash_complete "$home" "" outbox -- --ac)
	check_absent "bash: nothing is an option after --" "--account" "$out"

	# Queue ids.
	qc="-C $tmp/queue.conf"
	out=$(bash_complete "$home" "" outbox $qc --drop "")
	check "bash: --drop offers ids of queue/, failed/ and tmp/" "$QA_ALL" "$out"
	check_absent "bash: --drop skips an entry without envelope" \
		6b000004.4.dd "$out"
	check_absent "bash: --drop skips other files" notes.txt "$out"
	check_absent "bash: --drop offers no .env name" 6b000001.1.aa.env "$out"
	out=$(bash_complete "$home" "" outbox $qc --drop=6b000002)
	check "bash: --drop=ID (one word)" "--drop=6b000002.2.bb" "$out"
	out=$(bash_complete "$home" "" outbox $qc --flush "")
	check "bash: --flush offers ids of queue/, failed/ and tmp/" \
		"$QA_ALL" "$out"
	check_absent "bash: --flush skips an entry without envelope" \
		6b000004.4.dd "$out"
	out=$(bash_complete "$home" "" outbox $qc --flush 6b000001.1.aa 6b)
	check "bash: --flush takes several ids" "6b000003.3.cc" "$out"
	out=$(bash_complete "$home" "" outbox $qc -A other --drop "")
	check "bash: -A picks the account's queue_dir" "6b000005.5.ee" "$out"
	check_absent "bash: -A other is not the default queue" \
		6b000001.1.aa "$out"
	out=$(bash_complete "$home" "" outbox $qc --account=other --flush "")
	check "bash: --account=NAME picks the queue_dir" "6b000005.5.ee" "$out"
	out=$(bash_complete "$home" "" outbox $qc -q "")
	check_absent "bash: -q takes no argument" 6b000001.1.aa "$out"
	out=$(bash_complete "$home" "" outbox $qc "")
	check_absent "bash: recipients are not queue ids" 6b000001.1.aa "$out"
	if [ "$(id -u)" = 0 ]; then
		skip "bash: an unreadable queue is skipped (root reads anything)"
		skip "bash: default queue of a user (root's is /var/spool/outbox)"
	else
		chmod 000 "$tmp/qb/queue"
		out=$(bash_complete "$home" "" outbox $qc -A other --drop "" 2>&1)
		chmod 700 "$tmp/qb/queue"
		if [ -z "$out" ]; then
			ok "bash: an unreadable queue is skipped quietly"
		else
			not_ok "bash: an unreadable queue is skipped quietly ($out)"
		fi
		out=$(XDG_STATE_HOME=$tmp/state bash_complete "$home" "" \
			outbox --drop "")
		check "bash: default queue under XDG_STATE_HOME" \
			6b00000a.1.ff "$out"
	fi
else
	skip "bash: not installed"
fi

# ---------------------------------------------------------------- zsh

if command -v zsh >/dev/null 2>&1; then
	if zsh -n "$comp/_outbox"; then ok "zsh: syntax"; else not_ok "zsh: syntax"; fi

	# Load the function file with _arguments, _wanted and compadd stubbed,
	# then ask the account helper for names.
	zsh_accounts() {
		HOME=$1 XDG_CONFIG_HOME= zsh -f -c '
			_arguments() { : }
			_wanted() { shift 3; "$@" }
			compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }
			source "$1"
			shift
			words=("$@")
			CURRENT=$#words
			_outbox_accounts' zsh "$comp/_outbox" "$@"
	}
	out=$(zsh_accounts "$home" outbox -A "")
	check "zsh: -A offers the accounts" "home club work default" "$out"
	out=$(zsh_accounts "$home" outbox -C "$tmp/other.conf" -A "")
	check "zsh: -C FILE is read instead" "zulu" "$out"

	# zsh_call HOME FUNCTION [ARG...] -- WORD...: call a helper of
	# _outbox with the completion builtins stubbed.
	zsh_call() {
		zh=$1
		shift
		HOME=$zh XDG_CONFIG_HOME= zsh -f -c '
			_arguments() { : }
			_wanted() { shift 3; "$@" }
			_message() { print -r -- "message: $*" }
			compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }
			source "$1"
			shift
			fn=()
			while [[ $1 != -- ]]; do fn+=("$1"); shift; done
			shift
			words=("$@")
			CURRENT=$#words
			"${fn[@]}"' zsh "$comp/_outbox" "$@"
	}
	out=$(zsh_call "$home" _outbox_queue_ids queue failed tmp -- \
		outbox -C "$tmp/queue.conf" --drop "")
	check "zsh: --drop offers the queue ids" "$QA_ALL" "$out"
	check_absent "zsh: --drop skips an entry without envelope" \
		6b000004.4.dd "$out"
	out=$(zsh_call "$home" _outbox_queue_ids queue failed tmp -- \
		outbox -C "$tmp/queue.conf" -A other --drop "")
	check "zsh: -A picks the account's queue_dir" "6b000005.5.ee" "$out"
	out=$(zsh_call "$home" _outbox_recipients -- \
		outbox -C "$tmp/queue.conf" --flush "")
	check "zsh: --flush offers ids of queue/, failed/ and tmp/" \
		"$QA_ALL" "$out"
	out=$(zsh_call "$home" _outbox_recipients -- \
		outbox -C "$tmp/queue.conf" "")
	check_absent "zsh: recipients are not queue ids" 6b000001.1.aa "$out"
	if grep -qF -- "--drop=[remove a queue entry]:queue id:_outbox_queue_ids" \
	    "$comp/_outbox"; then ok "zsh: --drop completes queue ids"
	else not_ok "zsh: --drop completes queue ids"; fi

	missing=
	for o in $LONGOPTS; do
		grep -qE -- "(^|[^a-z-])$o([]=[}+]|-\\[)" "$comp/_outbox" ||
			missing="$missing $o"
	done
	if [ -z "$missing" ]; then ok "zsh: every long option has a spec"
	else not_ok "zsh: long options without a spec:$missing"; fi
else
	skip "zsh: not installed"
fi

# ---------------------------------------------------------------- fish

if command -v fish >/dev/null 2>&1; then
	if fish --no-execute "$comp/outbox.fish"; then ok "fish: syntax"
	else not_ok "fish: syntax"; fi

	fish_complete() {
		HOME=$1 XDG_CONFIG_HOME= fish --no-config -c '
			source $argv[1]; complete -C $argv[2]' \
			"$comp/outbox.fish" "$2" | cut -f1
	}
	out=$(fish_complete "$home" "outbox --")
	check "fish: every long option" "$LONGOPTS" "$out"
	out=$(fish_complete "$home" "outbox -A ")
	check "fish: -A offers the accounts" "home club work default" "$out"
	out=$(fish_complete "$home" "outbox -C $tmp/other.conf --account ")
	check "fish: -C FILE is read instead" "zulu" "$out"
	out=$(fish_complete "$home" "outbox --tls ")
	check "fish: --tls values" "on off starttls implicit" "$out"
	out=$(fish_complete "$home" "outbox -C $tmp/queue.conf --drop ")
	check "fish: --drop offers the queue ids" "$QA_ALL" "$out"
	check_absent "fish: --drop skips an entry without envelope" \
		6b000004.4.dd "$out"
	out=$(fish_complete "$home" "outbox -C $tmp/queue.conf -A other --drop ")
	check "fish: -A picks the account's queue_dir" "6b000005.5.ee" "$out"
	out=$(fish_complete "$home" "outbox -C $tmp/queue.conf --flush ")
	check "fish: --flush offers ids of queue/, failed/ and tmp/" \
		"$QA_ALL" "$out"
	out=$(fish_complete "$home" "outbox -q --du")
	check "fish: -q --du completes to --due" "--due" "$out"
	out=$(fish_complete "$home" "outbox -C $tmp/queue.conf -q ")
	check_absent "fish: -q takes no argument" 6b000001.1.aa "$out"
else
	skip "fish: not installed"
fi

# ------------------------------------------------- man page vs completions

if [ -r "$srcdir/man/outbox.1" ]; then
	missing=
	# "Fl \-name" in the source is the long option --name.
	for o in $(grep -o 'Fl \\-[a-z-]*' "$srcdir/man/outbox.1" |
	    sed 's/^Fl \\/-/' | sort -u); do
		[ "$o" = "--" ] && continue
		for f in outbox _outbox outbox.fish; do
			case $f in
			outbox.fish) pat="-l ${o#--}" ;;
			*) pat=$o ;;
			esac
			grep -qE -- "(^|[^a-z-])$pat([^a-z-]|$)" "$comp/$f" ||
				missing="$missing $f:$o"
		done
	done
	if [ -z "$missing" ]; then ok "every long option of outbox(1) is completed"
	else not_ok "long options of outbox(1) not completed:$missing"; fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
