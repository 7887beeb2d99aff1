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

"""Prepare Keystone's database and key repositories in one process.

Each keystone-manage process spends about two seconds importing Keystone;
running db_sync, the three key repository setups and bootstrap as five
processes takes ~13 s on a 2-core machine, in one process ~3 s. Run with
the server virtualenv's Python:

    keystone_setup.py KEYSTONE_CONF [BOOTSTRAP_OPTION...]

The admin password comes from OS_BOOTSTRAP_PASSWORD, to keep it out of the
process list.
"""

import grp
import os
import pwd
import sys

from keystone.cmd import cli
import keystone.conf


def _owner_options():
    """Own the key repositories as whoever runs this (required as root)."""
    return ['--keystone-user', pwd.getpwuid(os.geteuid()).pw_name,
            '--keystone-group', grp.getgrgid(os.getegid()).gr_name]


def main(config_file, *bootstrap_options):
    owner = _owner_options()
    steps = [
        ['db_sync'],
        ['fernet_setup', *owner],
        ['receipt_setup', *owner],
        ['credential_setup', *owner],
        ['bootstrap', *bootstrap_options],
    ]
    for step in steps:
        # cli.main() parses into the global CONF, which refuses a second
        # parse until it is cleared.
        keystone.conf.CONF.clear()
        cli.main(argv=['keystone-manage', '--config-file', config_file,
                       *step])


if __name__ == '__main__':
    main(*sys.argv[1:])
