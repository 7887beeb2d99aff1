#!/usr/bin/env bash
# Try osc-ssec end to end, on a fresh Debian machine with Python 3.11:
#
#   tools/try-it.sh
#
# 1. tools/bootstrap.sh: the client virtualenv (.venv: openstack, the plugin,
#    rclone 1.75.2) and the servers' one (.venv-cloud); skipped when done.
# 2. A real Keystone + Barbican and a SeaweedFS S3 server (SSE-C enforced),
#    all on 127.0.0.1, all files in a temporary directory.
# 3. The job, printed as you would type it and run in a real bash with the
#    client virtualenv first on PATH: create a key, load it into the shell,
#    sync a folder encrypted, see a read without the key refused, read it
#    all back identical, then the same without eval (objectsecret run).
#
# Every server is stopped by PID on the way out (success, failure, Ctrl-C,
# SIGTERM); the temporary directory is removed, or kept with the logs when
# something failed. Exits non-zero when any step fails.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
say() { printf '==> %s\n' "$*" >&2; }

started=$SECONDS
say "tools/bootstrap.sh (first run: 1-2 minutes of pip; then about 1 s)"
tools/bootstrap.sh
say "bootstrap done in $((SECONDS - started)) s"

state=$(mktemp -d "${TMPDIR:-/tmp}/osc-ssec-try-it.XXXXXX")
driver=

finish() {
    local status=$?
    trap - EXIT INT TERM HUP
    # The driver stops its servers itself on SIGTERM (and the kernel sends
    # them SIGTERM if it dies): ask it by its PID and wait for it.
    if [ -n "$driver" ] && kill -0 "$driver" 2>/dev/null; then
        kill -TERM "$driver" 2>/dev/null || true
        wait "$driver" 2>/dev/null || true
    fi
    case $status in
        0) rm -rf "$state" ;;
        129|130|143) rm -rf "$state"; say "interrupted" ;;
        *) say "failed (exit status $status); logs kept in $state" ;;
    esac
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# In the background and waited for, so that a signal to this script runs
# the traps at once rather than after the driver has finished.
.venv/bin/python tools/try_it.py "$state" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
say "total $((SECONDS - started)) s"
exit "$status"
