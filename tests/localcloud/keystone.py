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

"""Keystone on loopback: SQLite, fernet tokens, in-memory cache.

Tuned for a test cloud that starts in seconds: keystone-manage's setup
steps run in one process (server/keystone_setup.py), bcrypt runs with its
minimum cost and token validation is cached in memory.
"""

import json
import os
import pathlib

from tests.localcloud import process

REGION = 'RegionOne'
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'


class Keystone:
    """One Keystone server whose files all live under state_dir."""

    def __init__(self, state_dir, port, admin_password):
        self.state_dir = pathlib.Path(state_dir)
        self.url = f'http://{process.HOST}:{port}/v3'
        self._port = port
        self._admin_password = admin_password
        self._data_dir = self.state_dir / 'keystone'
        self._config = self._data_dir / 'keystone.conf'
        # Absent until set_policy(): then oslo.policy finds it on the next
        # request and reloads it whenever its mtime changes.
        self._policy = self._data_dir / 'policy.yaml'
        self.log_path = self.state_dir / 'keystone.log'
        self.process = None

    def start(self):
        """Configure, bootstrap and serve Keystone; return once it answers."""
        self._write_config()
        self._setup()
        self.process = process.start_gunicorn(
            'keystone', self._port, 'keystone_wsgi:application',
            # One thread, as for Barbican: with SQLite, concurrent token
            # requests failed with "database is locked" (HTTP 500) when
            # tests created keys in parallel. Nothing deadlocks: a client
            # is done with Keystone before Barbican validates its token
            # here, and gunicorn parks idle keep-alive connections.
            self.log_path, threads=1,
            env=process.clean_env(OS_KEYSTONE_CONFIG_FILES=str(self._config)),
            cwd=self.state_dir)
        self.process.wait_for_http(self.url, ready={200})

    def set_policy(self, rules):
        """Write policy overrides {rule name: check string}; {}: defaults.

        The mtime is made to change even within the file system's time
        resolution, or oslo.policy would keep the old rules.
        """
        before = (self._policy.stat().st_mtime_ns if self._policy.exists()
                  else None)
        # JSON is YAML, and the .yaml name avoids oslo.policy's warning.
        self._policy.write_text(json.dumps(rules))
        if self._policy.stat().st_mtime_ns == before:
            later = before + 10_000_000
            os.utime(self._policy, ns=(later, later))

    def error(self, what):
        """A LocalCloudError about Keystone with the tail of its log."""
        return process.failure(f'keystone: {what}', self.log_path)

    def _write_config(self):
        data = self._data_dir
        process.write_ini(self._config, {
            'database': {'connection': f'sqlite:///{data}/keystone.sqlite'},
            'token': {'provider': 'fernet'},
            'oslo_policy': {'policy_file': self._policy},
            'fernet_tokens': {'key_repository': data / 'fernet-keys'},
            'fernet_receipts': {'key_repository': data / 'receipt-keys'},
            'credential': {'key_repository': data / 'credential-keys'},
            # Barbican validates every request's token: uncached that costs
            # ~0.85 s per request, cached ~10 ms.
            'cache': {'enabled': 'true',
                      'backend': 'dogpile.cache.memory'},
            'identity': {
                # bcrypt's minimum cost: the default makes each login ~0.4 s.
                'password_hash_rounds': 4,
                # bcrypt's own limit: above it every password check logs a
                # warning, which would crowd the log tails in errors.
                'max_password_length': 72,
            },
        })

    def _setup(self):
        url = self.url + '/'
        script = process.SERVER_DIR / 'keystone_setup.py'
        process.run(
            'keystone setup',
            [process.cloud_bin('python'), script, self._config,
             '--bootstrap-username', ADMIN_USER,
             '--bootstrap-project-name', ADMIN_PROJECT,
             '--bootstrap-role-name', 'admin',
             '--bootstrap-region-id', REGION,
             '--bootstrap-public-url', url,
             '--bootstrap-internal-url', url,
             '--bootstrap-admin-url', url],
            self.state_dir / 'keystone-setup.log',
            env=process.clean_env(OS_BOOTSTRAP_PASSWORD=self._admin_password),
            cwd=self.state_dir)
