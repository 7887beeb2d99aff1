#   Licensed under the Apache License, Version 2.0 (the "License"); you may
#   not use this file except in compliance with the License. You may obtain
#   a copy of the License at
#
#        http://www.apache.org/licenses/LICENSE-2.0
#
#   Unless required by applicable law or agreed to in writing, software
#   distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#   WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#   License for the specific language governing permissions and limitations
#   under the License.

"""Test doubles shared by the unit tests."""

import base64
import hashlib
import uuid
from unittest import mock

from osc_lib.test import base

from osc_ssec import barbican

BARBICAN_URL = 'http://barbican.test:9311'

# A printable 32-byte key, as the manual recipe (``pwgen 32 1``) makes:
# if it ever reached a log, its raw form would be readable there.
TEXT_KEY = b'Ohz3aiThee9ahgh5ieP7oomieX1ooCh4'
# A binary key: 32 bytes that are neither ASCII nor valid UTF-8.
BINARY_KEY = bytes(range(0xe0, 0x100))


def md5_b64(key):
    """The SSE-C key MD5, computed independently of osc_ssec.keys."""
    return base64.b64encode(hashlib.md5(key).digest()).decode('ascii')


def secret_id():
    return str(uuid.uuid4())


def secret_href(sid=None):
    return '%s/v1/secrets/%s' % (BARBICAN_URL, sid or secret_id())


def make_secret(name='objectSecret', **attrs):
    """Return an ``osc_ssec.barbican.Secret`` with SSE-C key metadata."""
    values = {
        'href': secret_href(),
        'name': name,
        'status': 'ACTIVE',
        'algorithm': 'aes',
        'bit_length': 256,
        'mode': None,
        'secret_type': 'symmetric',
        'created': '2025-01-02T03:04:05+00:00',
        'expiration': None,
        'content_types': {'default': 'application/octet-stream'},
        'consumers': [],
    }
    values.update(attrs)
    return barbican.Secret(**values)


def secret_body(name='objectSecret', sid=None, **attrs):
    """Return a secret as Barbican's API shows it (GET /v1/secrets/{id})."""
    body = {
        'secret_ref': secret_href(sid),
        'name': name,
        'status': 'ACTIVE',
        'algorithm': 'aes',
        'bit_length': 256,
        'mode': None,
        'secret_type': 'symmetric',
        'created': '2025-01-02T03:04:05',
        'updated': '2025-01-02T03:04:05',
        'expiration': None,
        'content_types': {'default': 'application/octet-stream'},
        'creator_id': 'u1',
        'consumers': [],
    }
    body.update(attrs)
    return body


class TestObjectSecret(base.TestCommand):
    """A TestCommand whose client manager has a mocked key store."""

    def setUp(self):
        super().setUp()
        self.store = mock.Mock(spec=barbican.KeyStore)
        self.app.client_manager.objectsecret = self.store
