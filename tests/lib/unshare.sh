# unshare.sh -- sourced (by private-spool.sh, so by every suite): sets
# T_UNSHARE to the command that starts a private mount namespace here,
# or to nothing when there is none (not root, no unshare(1)).
#
# "unshare -m --propagation private" makes every mount private first; in
# a chroot (as ../shared/tools/fresh-ci runs CI) that fails, because the
# chroot's / is no mount point.  There, if no mount is shared (so nothing
# done in the namespace can propagate out), the namespace is started
# with the propagation unchanged.
if test -z "${T_UNSHARE+set}"; then
	T_UNSHARE=
	if test "$(id -u)" = 0 && command -v unshare >/dev/null 2>&1; then
		if unshare -m --propagation private true 2>/dev/null; then
			T_UNSHARE="unshare -m --propagation private"
		elif test -r /proc/self/mountinfo &&
		    ! grep -q ' shared:' /proc/self/mountinfo &&
		    unshare -m --propagation unchanged true 2>/dev/null; then
			T_UNSHARE="unshare -m --propagation unchanged"
		fi
	fi
	export T_UNSHARE
fi
