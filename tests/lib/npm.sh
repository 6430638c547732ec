# tests/lib/npm.sh -- npm for the test fetchers (tests/lib/oidc/install.sh,
# scripts/test-servers.sh): sourced by POSIX sh.
#
# npm_run LOG ARG...: npm ARG... with no stdin, its output in LOG.  When
# neither npm's "ca" nor its "cafile" is configured and the system's CA
# bundle exists, npm is given that bundle (--cafile): Debian's npm (and
# NodeSource's) otherwise trusts only the CAs built into Node, not the
# ones an administrator added with update-ca-certificates (a company's
# or an egress proxy's).  TLS is verified either way.
# Retries wait 1 s, then 5 s, not npm's 10 s and 60 s (a registry that
# cannot be verified is retried too, and a test should say so soon),
# unless npm_config_fetch_retry_{min,max}timeout say otherwise.
# npm's cache (and its logs) go to .npm-cache beside LOG, unless
# npm_config_cache says otherwise.  Returns npm's exit status.
#
# npm_unreachable LOG: when LOG shows that npm could not reach the
# registry, or could not verify its certificate, print the reason in one
# line on stdout and return 0; else (no such failure: a bad lock file, an
# integrity mismatch, a package that does not exist...) return 1.

NPM_SYSTEM_CA=${NPM_SYSTEM_CA:-/etc/ssl/certs/ca-certificates.crt}

npm_run() {
	_log=$1
	shift
	set -- "$@" --no-audit --no-fund --loglevel=error
	# npm's cache and logs beside LOG, never in anyone's home (npm
	# writes $HOME/.npm even for "npm config get")
	: "${npm_config_cache:=$(cd "$(dirname "$_log")" && pwd)/.npm-cache}"
	export npm_config_cache
	: "${npm_config_fetch_retry_mintimeout:=1000}"
	: "${npm_config_fetch_retry_maxtimeout:=5000}"
	export npm_config_fetch_retry_mintimeout npm_config_fetch_retry_maxtimeout
	if test -f "$NPM_SYSTEM_CA"; then
		# "cafile=null" and "ca=null" when neither is configured.
		_cas=$(npm config get cafile ca </dev/null 2>/dev/null |
		    grep -Evx '(cafile|ca)=(null|undefined)?') || true
		test -n "$_cas" || set -- "$@" --cafile "$NPM_SYSTEM_CA"
	fi
	npm "$@" </dev/null >"$_log" 2>&1
}

npm_unreachable() {
	_code=$(sed -nE 's/^npm (ERR!|error) code ([A-Za-z0-9_]+).*/\2/p' \
	    "$1" | head -n 1)
	_why=$(sed -nE 's/^npm (ERR!|error) .*(reason|failed, reason): //p' \
	    "$1" | head -n 1 | cut -c 1-160)
	case $_code in
	ENOTFOUND | EAI_AGAIN | ECONNREFUSED | ECONNRESET | ETIMEDOUT | \
	    ESOCKETTIMEDOUT | ENETUNREACH | EHOSTUNREACH | ENETDOWN | \
	    EPIPE | ERR_SOCKET_TIMEOUT | E407 | E5[0-9][0-9])
		echo "cannot reach the npm registry: $_code${_why:+ ($_why)}"
		;;
	*CERT* | UNABLE_TO_* | ERR_TLS_* | EPROTO)
		echo "cannot verify the npm registry's TLS certificate:" \
		    "$_code${_why:+ ($_why)} (its CA is not in $NPM_SYSTEM_CA?)"
		;;
	*)
		return 1
		;;
	esac
}
