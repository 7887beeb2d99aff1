#!/usr/bin/env bash
# Run every test: unit, functional (real Keystone + Barbican) and end to end
# (real rclone + SeaweedFS). Sets up what it needs first (tools/bootstrap.sh).
# Extra arguments go to pytest, e.g. `tools/run-tests.sh tests/unit -x`.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
tools/bootstrap.sh
exec .venv/bin/python -m pytest "${@:-tests}"
