#!/bin/sh
# rn_notify_child.sh: a shell-script service whose READY=1 comes from a helper, not
# from the main process. The subshell forks, and systemd-notify (not the last
# command, so not exec'd) is its child: as root systemd-notify sends with
# ucred.pid = getppid() = the subshell — a process of the service's session that
# is not the main pid. So it counts with notify_access = "all" only.
sleep 0.2
( systemd-notify --ready --status="ready from systemd-notify"; echo "systemd-notify exited $?" )
echo "main shell $$ waiting"
exec sleep 3600
