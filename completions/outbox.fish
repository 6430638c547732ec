# fish completion for outbox(1)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installed into $(datadir)/fish/vendor_completions.d/outbox.fish.

# The configuration files outbox would read (outbox.conf(5)): -C FILE from
# the command line; else /etc/outbox.conf and the user file; else the
# first of msmtp's files that exists.
function __outbox_config_files
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    set -l file
    for i in (seq 2 $n)
        set -l w $tokens[$i]
        switch $w
            case --
                break
            case -C
                if test $i -lt $n
                    set file $tokens[(math $i + 1)]
                end
            case '-C?*'
                set file (string sub -s 3 -- $w)
        end
    end
    if test -n "$file"
        string replace -r '^~' -- $HOME $file
        return
    end
    set -l cfg $HOME/.config
    if set -q XDG_CONFIG_HOME; and string match -q -- '/*' $XDG_CONFIG_HOME
        set cfg $XDG_CONFIG_HOME
    end
    set -l found
    for f in /etc/outbox.conf $cfg/outbox/config
        if test -r $f
            echo $f
            set found 1
        end
    end
    test -n "$found"; and return
    for f in $HOME/.msmtprc $cfg/msmtp/config /etc/msmtprc
        if test -r $f
            echo $f
            return
        end
    end
end

# Account names: "account NAME", "account NAME : PARENT,...",
# "account default : NAME" (defines "default"), and settings before the
# first account or defaults line (the account "default").
function __outbox_accounts
    set -l files (__outbox_config_files)
    test (count $files) -gt 0; or return
    awk '
    FNR == 1 { state = 0 }
    /^[ \t]*(#|$)/ { next }
    {
        line = $0
        sub(/^[ \t]+/, "", line)
        kw = line
        sub(/[ \t].*$/, "", kw)
        if (kw == "defaults") { state = 1; next }
        if (kw == "account") {
            state = 2
            name = substr(line, 8)
            sub(/^[ \t]+/, "", name)
            sub(/[ \t]*:.*$/, "", name)
            gsub(/"/, "", name)
            if (name != "" && !(name in seen)) { seen[name] = 1; print name }
            next
        }
        if (state == 0 && !("default" in seen)) {
            seen["default"] = 1
            print "default"
        }
    }' $files 2>/dev/null
end

# The queue directory that mailq, -q, --flush and --drop use: the
# queue_dir that the account given with -A (else "default") gets from the
# configuration files (defaults, then parents, then its own lines), else
# outbox's default for this user.
function __outbox_queue_dir
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    set -l acct default
    for i in (seq 2 $n)
        set -l w $tokens[$i]
        switch $w
            case --
                break
            case -A --account
                if test $i -lt $n
                    set acct $tokens[(math $i + 1)]
                end
            case '--account=?*'
                set acct (string sub -s 11 -- $w)
            case -Am -Ac
            case '-A?*'
                set acct (string sub -s 3 -- $w)
        end
    end
    set -l files (__outbox_config_files)
    set -l dir
    if test (count $files) -gt 0
        set dir (awk -v want="$acct" '
        FNR == 1 { state = 0; dset = 0 }
        /^[ \t]*(#|$)/ { next }
        {
            line = $0
            sub(/^[ \t]+/, "", line)
            sub(/[ \t\r]+$/, "", line)
            kw = line
            sub(/[ \t].*$/, "", kw)
            if (kw == "defaults") { state = 1; next }
            if (kw == "account") {
                state = 2
                rest = substr(line, 8)
                sub(/^[ \t]+/, "", rest)
                cur = rest
                sub(/[ \t]*:.*$/, "", cur)
                gsub(/"/, "", cur)
                if (cur in q) delete q[cur]
                if (dset) q[cur] = dq
                if (rest ~ /:/) {
                    sub(/^[^:]*:/, "", rest)
                    n = split(rest, ps, ",")
                    for (i = 1; i <= n; i++) {
                        p = ps[i]
                        gsub(/[" \t]/, "", p)
                        if (p in q) q[cur] = q[p]
                    }
                }
                next
            }
            if (kw != "queue_dir") next
            val = substr(line, 10)
            sub(/^[ \t]+/, "", val)
            if (val ~ /^".*"$/) val = substr(val, 2, length(val) - 2)
            if (state == 1) { dq = val; dset = 1 }
            else if (state == 0) q["default"] = val
            else q[cur] = val
        }
        END { if (want in q) print q[want] }' $files 2>/dev/null)
    end
    if test -n "$dir"
        string replace -r '^~/' -- $HOME/ $dir
    else if test (id -u) -eq 0
        echo /var/spool/outbox
    else if set -q XDG_STATE_HOME; and string match -q -- '/*' $XDG_STATE_HOME
        echo $XDG_STATE_HOME/outbox/queue
    else
        echo $HOME/.local/state/outbox/queue
    end
end

# Queue ids: the complete entries (with an ID.env) of the folders given
# as arguments; folders that cannot be read are skipped.
function __outbox_queue_ids
    set -l base (__outbox_queue_dir)
    for sub in $argv
        set -l d $base/$sub
        test -d $d -a -r $d -a -x $d; or continue
        for f in $d/*.env
            string replace -r '^.*/' '' -- $f | string replace -r '\.env$' '' |
                string match -r -- '^[0-9a-f][0-9a-f.]*$'
        end
    end
end

# -N: "never", or a comma-separated list of success, failure, delay.
function __outbox_dsn
    set -l tok (commandline -ct)
    set tok (string replace -r '^-N' '' -- $tok)
    if string match -q -- '*,*' $tok
        set -l base (string replace -r '[^,]*$' '' -- $tok)
        for w in success failure delay
            string match -q -- "*$w*" $base; or echo $base$w
        end
    else
        printf '%s\n' never success failure delay
    end
end

# Recipients are addresses: no file names unless an option asks for one.
complete -c outbox -f

# sendmail options
complete -c outbox -s t -d 'Take recipients from To/Cc/Bcc (or Resent-*) headers'
complete -c outbox -s i -d 'A line with a single dot does not end the input'
complete -c outbox -o oi -d 'A line with a single dot does not end the input'
complete -c outbox -s f -x -d 'Envelope sender'
complete -c outbox -s r -x -d 'Envelope sender'
complete -c outbox -s F -x -d 'Full name for an added From header'
complete -c outbox -s N -x -a '(__outbox_dsn)' -d 'DSN notify conditions'
complete -c outbox -s R -x -a 'full hdrs' -d 'DSN: how much to return'
complete -c outbox -s V -x -d 'DSN envelope identifier'
complete -c outbox -s B -x -a '7BIT 8BITMIME BINARYMIME' -d 'Body type'
complete -c outbox -o bm -d 'Read a message and send it (default)'
complete -c outbox -o bp -d 'List the queue'
complete -c outbox -o bi -d 'Initialise aliases (no-op)'
complete -c outbox -s I -d 'Initialise aliases (no-op)'
complete -c outbox -o bs -d 'Speak SMTP on standard input and output'
complete -c outbox -o bv -d 'Print what each recipient resolves to; send nothing'
complete -c outbox -o odq -d 'Keep the message in the queue for the next -q'
complete -c outbox -s q -d 'Deliver every queued message now'
complete -c outbox -l due -d 'With -q: only entries whose next attempt is due'
complete -c outbox -s v -l debug -d 'Print the SMTP dialogue on stderr'
complete -c outbox -s C -r -F -d 'Read only this configuration file'
complete -c outbox -s X -r -F -d 'Append log lines to this file'
complete -c outbox -s L -x -d 'Syslog tag'

# outbox options
complete -c outbox -s s -l subject -x -d 'Subject (composer mode)'
complete -c outbox -s a -l attach -r -F -d 'Attach a file (composer mode)'
complete -c outbox -l cc -x -d 'Copy recipient (composer mode)'
complete -c outbox -l bcc -x -d 'Blind copy recipient (composer mode)'
complete -c outbox -l reply-to -x -d 'Reply-To address (composer mode)'
complete -c outbox -l from -x -d 'From header and sender address'
complete -c outbox -s H -l header -x -d "Add a header field 'Name: value'"
complete -c outbox -l html -r -F -d 'HTML version of the body (composer mode)'
complete -c outbox -l body -r -F -d 'Read the body text from a file'
complete -c outbox -s A -l account -x -a '(__outbox_accounts)' -d 'Use this account'
complete -c outbox -l host -x -a '(__fish_print_hostnames)' -d 'Server to connect to'
complete -c outbox -l port -x -a '587 465 25' -d 'Server port'
complete -c outbox -l tls -x -a 'on off starttls implicit' -d 'TLS mode'
complete -c outbox -l user -x -d 'User name for authentication'
complete -c outbox -l json -d 'Print the outcome as a JSON object'
complete -c outbox -l dry-run -d 'Print envelope and message; send nothing'
complete -c outbox -l no-queue -d 'Exit 75 instead of queueing'
complete -c outbox -l serverinfo -d 'Print server capabilities and certificate'
complete -c outbox -l login -d 'Sign in to the OAuth2 provider; store the tokens'
complete -c outbox -l list -d 'List the queue'
complete -c outbox -l flush -d 'Deliver queued messages now (ids, or all)'
complete -c outbox -l drop -x -a '(__outbox_queue_ids queue failed tmp)' -d 'Remove a queue entry'
# After --flush the arguments are queue ids, failed/ ones too.
complete -c outbox -n '__fish_seen_argument -l flush' -a '(__outbox_queue_ids queue failed tmp)' -d 'Queue entry'
complete -c outbox -l print-config -d 'Print the settings in use'
complete -c outbox -l version -d 'Print the version'
complete -c outbox -l help -d 'Print a summary of the options'

# sendmail options accepted and ignored
for o in oem oee oep oeq oew
    complete -c outbox -o $o -d 'Ignored (error mode)'
end
complete -c outbox -o om -d 'Ignored (me too)'
complete -c outbox -o odb -d 'Send now (the default; undoes -odq)'
complete -c outbox -o odi -d 'Send now (the default; undoes -odq)'
complete -c outbox -o oA -r -F -d 'Ignored (alternate alias file)'
complete -c outbox -s O -x -d 'Ignored (sendmail option)'
complete -c outbox -s U -d 'Ignored (initial submission)'
complete -c outbox -s G -d 'Ignored (gateway submission)'
complete -c outbox -s h -x -d 'Ignored (hop count)'
complete -c outbox -o Am -d 'Ignored (use submit.cf)'
complete -c outbox -o Ac -d 'Ignored (use sendmail.cf)'
complete -c outbox -s n -d 'Ignored (no aliasing)'
complete -c outbox -s c -d 'Ignored'
complete -c outbox -s m -d 'Ignored (me too)'
complete -c outbox -s x -d 'Ignored'
complete -c outbox -s e -x -d 'Ignored (error mode)'
complete -c outbox -s p -x -d 'Ignored (protocol and host)'
