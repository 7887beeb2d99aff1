#!/usr/bin/env bash
# osc-ssec's benchmarks, in one command, on a fresh Debian machine with
# Python 3.11:
#
#   tools/benchmark.sh [--runs 7] [--secrets 1000] [...]
#
# tools/bootstrap.sh first, then benchmarks/run.py (what it measures and
# how: benchmarks/README.md) with a real Keystone + Barbican + SeaweedFS on
# 127.0.0.1 that it starts and stops itself, also on failure and on Ctrl-C
# or SIGTERM. Prints a table and writes benchmarks/results/<time>.md and
# .json. About 5 minutes on 2 cores. Arguments go to benchmarks/run.py
# (--help lists them).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
tools/bootstrap.sh
# exec: signals reach the Python process, which stops its servers itself.
exec .venv/bin/python -m benchmarks.run "$@"
