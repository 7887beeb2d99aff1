# Copyright 2026 The osc-ssec Authors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Keep a local cloud running for the demo and the benchmarks.

    .venv/bin/python -m tests.localcloud up --state-dir DIR

starts Keystone and Barbican with every file under DIR (empty or absent),
prints the `export OS_CLIENT_CONFIG_FILE=...` line and the cloud names,
and stops every server on SIGINT (Ctrl-C), SIGTERM or SIGHUP.
"""

import argparse
import os
import pathlib
import shlex
import signal
import sys

from tests.localcloud import cloud
from tests.localcloud import process


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m tests.localcloud',
        description='A real Keystone + Barbican on loopback.')
    commands = parser.add_subparsers(dest='command', required=True)
    up = commands.add_parser(
        'up', help='start the cloud and run until SIGINT or SIGTERM')
    up.add_argument('--state-dir', type=pathlib.Path, required=True,
                    help='empty or absent directory for all its files')
    return parser.parse_args(argv)


def _announce(local_cloud):
    """Print what a shell needs to use the cloud; line 1 is eval-able."""
    print(f'export OS_CLIENT_CONFIG_FILE='
          f'{shlex.quote(str(local_cloud.clouds_yaml))}')
    print(f'# clouds: {" ".join(cloud.CLOUDS)} (export OS_CLOUD=<cloud>; '
          f'unset any other OS_* variable)')
    print(f'# keystone {local_cloud.keystone_url}  '
          f'barbican {local_cloud.barbican_url}')
    print(f'# logs in {local_cloud.state_dir}; stop: kill {os.getpid()}',
          flush=True)


def up(state_dir):
    """Run the cloud until a signal; return the exit status."""
    with process.interruptible():
        try:
            with cloud.LocalCloud(state_dir) as local_cloud:
                _announce(local_cloud)
                while True:
                    signal.pause()
        except KeyboardInterrupt:
            return 0
        except process.LocalCloudError as exc:
            print(exc, file=sys.stderr)
            return 1


def main(argv=None):
    args = _parse_args(argv)
    return up(args.state_dir)


if __name__ == '__main__':
    sys.exit(main())
