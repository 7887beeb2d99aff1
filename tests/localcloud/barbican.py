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

"""Barbican on loopback: SQLite, simple_crypto, Keystone authentication.

Barbican reads barbican.conf only from oslo.config's default places, so
the server runs with HOME=<state_dir>/barbican-home and its configuration
in $HOME/.barbican/barbican.conf. The unauthenticated pipeline is broken
in Barbican >= 22 and its roles fail the new default policies, so the API
authenticates with Keystone as a real deployment does.
"""

import base64
import os
import pathlib

from tests.localcloud import process

SERVICE_USER = 'barbican'
SERVICE_PROJECT = 'service'
SERVICE_ROLES = ('admin', 'service')


class Barbican:
    """One Barbican server whose files all live under state_dir.

    launch() and wait() are separate so that Barbican can boot while
    Keystone is set up: it needs Keystone only for its first
    authenticated request.
    """

    def __init__(self, state_dir, port, keystone_url, service_password):
        self.state_dir = pathlib.Path(state_dir)
        self.url = f'http://{process.HOST}:{port}'
        self._port = port
        self._keystone_url = keystone_url
        self._service_password = service_password
        self._home = self.state_dir / 'barbican-home'
        self.log_path = self.state_dir / 'barbican.log'
        self.process = None

    def launch(self):
        """Write the configuration and start the server; do not wait."""
        self._write_config()
        # One thread: with SQLite, more gave "database is locked" (500).
        self.process = process.start_gunicorn(
            'barbican', self._port, 'barbican_wsgi:application',
            self.log_path, threads=1,
            env=process.clean_env(HOME=str(self._home)), cwd=self.state_dir)

    def wait(self):
        """Wait until the whole /v1 pipeline is loaded.

        An unauthenticated request gets 401 from keystonemiddleware, which
        paste builds together with the API application (and its database).
        """
        self.process.wait_for_http(self.url + '/v1/secrets', ready={401})

    def error(self, what):
        """A LocalCloudError about Barbican with the tail of its log."""
        return process.failure(f'barbican: {what}', self.log_path)

    def _write_config(self):
        data = self.state_dir / 'barbican'
        data.mkdir(parents=True, exist_ok=True)
        process.write_ini(self._home / '.barbican' / 'barbican.conf', {
            'DEFAULT': {
                'host_href': self.url,
                # Creates the schema at start, in the server process, which
                # saves a barbican-manage process (~1.7 s).
                'db_auto_create': 'true',
            },
            'database': {'connection': f'sqlite:///{data}/barbican.sqlite'},
            # Orders are processed inline by the API: no worker, no broker.
            'queue': {'enable': 'false'},
            'secretstore': {
                'namespace': 'barbican.secretstore.plugin',
                'enabled_secretstore_plugins': 'store_crypto',
            },
            'crypto': {
                'namespace': 'barbican.crypto.plugin',
                'enabled_crypto_plugins': 'simple_crypto',
            },
            # The KEK must be in the file: oslo.config splits a value for
            # it from an OS_* environment variable into characters.
            'simple_crypto_plugin': {'kek': _fernet_key()},
            'keystone_authtoken': {
                'www_authenticate_uri': self._keystone_url,
                'auth_url': self._keystone_url,
                'auth_type': 'password',
                'username': SERVICE_USER,
                'password': self._service_password,
                'project_name': SERVICE_PROJECT,
                'user_domain_name': 'Default',
                'project_domain_name': 'Default',
                'service_token_roles_required': 'true',
            },
            # The tests rely on the new default roles (reader gets 403 on
            # create): pin them against a change of the library defaults.
            'oslo_policy': {
                'enforce_new_defaults': 'true',
                'enforce_scope': 'true',
            },
        })


def _fernet_key():
    """A new Fernet key, the form simple_crypto wants for its KEK."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode('ascii')
