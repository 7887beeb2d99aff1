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

"""`openstack objectsecret create|show|list|delete` as a user runs them.

Every command under test is the real `openstack` executable of the client
virtualenv against the real Keystone and Barbican of the local cloud.
Fixtures and checks (creating many secrets, reading a payload back,
registering a consumer) talk to Barbican's REST API directly through a
keystoneauth session: that is faster than one `openstack` process each,
and independent of the code under test.

Besides the harness's clouds (admin, member, reader, other) this module
writes its own clouds.yaml with:

- ``badpassword``: alice with a wrong password (Keystone answers 401);
- ``unreachable``: alice in a region whose key-manager endpoint is a closed
  loopback port;
- ``noregion``: alice in a region with no key-manager endpoint at all;
- ``fresh``: a user who is member of a project of its own, so that the
  default name ``objectSecret`` and the paging of the list are checked in
  a project no other test touches.
"""

import base64
import copy
import hashlib
import json
import os
import pty
import re
import secrets
import sqlite3
import subprocess
import uuid
import warnings

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import pytest
import yaml

from tests.conftest import OPENSTACK
from tests.conftest import OPENSTACK_TIMEOUT
from tests.localcloud import process

OCTET_STREAM = 'application/octet-stream'
CLOSED_REGION = 'SsecClosedRegion'
NO_KEY_MANAGER_REGION = 'SsecNoKeyManagerRegion'

# The line format of Python's warnings module: "file.py:12: XWarning: ...",
# followed by the offending source line, indented.
_PYTHON_WARNING = re.compile(r'^\S.*:\d+: \w*Warning: ')


# -- helpers ---------------------------------------------------------------


def _write_key_file(path, content):
    """Write key material as users should: readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as key_file:
        key_file.write(content)


def _unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:12])


def _fingerprint(key):
    return base64.b64encode(hashlib.md5(key).digest()).decode('ascii')


def _secret_id(href):
    return href.rstrip('/').rsplit('/', 1)[-1]


def _error_line(result):
    """The one line a failing command printed, checked to be alone.

    A failure must exit non-zero, print nothing on stdout and exactly one
    non-empty line on stderr, with no traceback. Lines of Python's warnings
    module are not counted, but are reported as pytest warnings.
    """
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert result.stdout == '', result.stdout
    assert 'Traceback' not in result.stderr, result.stderr
    lines = []
    python_warning = False
    for line in result.stderr.splitlines():
        if _PYTHON_WARNING.match(line):
            python_warning = True
            warnings.warn('openstack printed a Python warning: %s' % line)
            continue
        if python_warning and line.startswith((' ', '\t')):
            continue
        python_warning = False
        if line.strip():
            lines.append(line)
    assert len(lines) == 1, 'stderr is not one line:\n' + result.stderr
    return lines[0]


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class Barbican:
    """Barbican's REST API as one user of the local cloud."""

    def __init__(self, url, auth):
        self.url = url + '/v1'
        self.session = ks_session.Session(auth=v3.Password(**auth))

    def store(self, name, payload=None, algorithm='aes', bit_length=256,
              secret_type='symmetric', **extra):
        """Create a secret (metadata only without payload); its href."""
        body = dict(name=name, algorithm=algorithm, bit_length=bit_length,
                    secret_type=secret_type, **extra)
        if payload is not None:
            body.update(payload=base64.b64encode(payload).decode('ascii'),
                        payload_content_type=OCTET_STREAM,
                        payload_content_encoding='base64')
        return self.session.post(self.url + '/secrets',
                                 json=body).json()['secret_ref']

    def metadata(self, href):
        """The secret's metadata, or None when Barbican has no such secret."""
        response = self.session.get(
            href, raise_exc=False,
            headers={'OpenStack-API-Version': 'key-manager 1.1'})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def exists(self, href):
        return self.metadata(href) is not None

    def payload(self, href):
        return self.session.get(href + '/payload',
                                headers={'Accept': OCTET_STREAM}).content

    def named(self, name):
        """Hrefs of the secrets whose name is exactly *name*."""
        found = self.session.get(self.url + '/secrets', params={
            'name': name, 'limit': 100}).json()['secrets']
        return [s['secret_ref'] for s in found if s['name'] == name]

    def add_consumer(self, href):
        consumer = {'service': 'image', 'resource_type': 'image',
                    'resource_id': str(uuid.uuid4())}
        self.session.post(
            href + '/consumers', json=consumer,
            headers={'OpenStack-API-Version': 'key-manager 1.1'})
        return consumer


class Clouds:
    """An extra clouds.yaml beside the harness's, and runs against it."""

    def __init__(self, local_cloud, path):
        self.local_cloud = local_cloud
        self.path = path
        self.config = yaml.safe_load(
            local_cloud.clouds_yaml.read_text())['clouds']
        self._barbicans = {}

    def add(self, name, like, region=None, **auth):
        entry = copy.deepcopy(self.config[like])
        entry['auth'].update(auth)
        if region:
            entry['region_name'] = region
        self.config[name] = entry

    def write(self):
        self.path.write_text(yaml.safe_dump({'clouds': self.config}))

    def env(self, name):
        env = self.local_cloud.env('member')
        env.update(OS_CLIENT_CONFIG_FILE=str(self.path), OS_CLOUD=name)
        return env

    def run(self, name, *args, input=None, text=True):
        """`openstack *args` as cloud *name*; bytes output unless text."""
        return subprocess.run(
            [OPENSTACK, *args], input=input, capture_output=True, text=text,
            timeout=OPENSTACK_TIMEOUT, env=self.env(name))

    def barbican(self, name):
        if name not in self._barbicans:
            self._barbicans[name] = Barbican(
                self.local_cloud.barbican_url, self.config[name]['auth'])
        return self._barbicans[name]


def _keystone_create(local_cloud, collection, kind, **attributes):
    response = local_cloud.admin_session().post(
        '%s/%s' % (local_cloud.keystone_url, collection),
        json={kind: attributes})
    return response.json()[kind]['id']


@pytest.fixture(scope='module')
def clouds(local_cloud, tmp_path_factory):
    """The harness's clouds plus badpassword, unreachable, noregion, fresh."""
    admin = local_cloud.admin_session()
    keystone = local_cloud.keystone_url
    clouds = Clouds(local_cloud,
                    tmp_path_factory.mktemp('objectsecret') / 'clouds.yaml')

    # A region whose key-manager endpoints are a loopback port nobody
    # listens on, and a region without any key-manager endpoint.
    for region in (CLOSED_REGION, NO_KEY_MANAGER_REGION):
        admin.post(keystone + '/regions', json={'region': {'id': region}})
    service = admin.get(keystone + '/services',
                        params={'type': 'key-manager'}).json()['services'][0]
    closed_url = 'http://%s:%d' % (process.HOST, process.free_port())
    for interface in ('public', 'internal', 'admin'):
        _keystone_create(local_cloud, 'endpoints', 'endpoint',
                         service_id=service['id'], interface=interface,
                         url=closed_url, region_id=CLOSED_REGION)

    # A member of a project of its own.
    project = _keystone_create(local_cloud, 'projects', 'project',
                               name=_unique('ssec-fresh'), domain_id='default')
    password = secrets.token_urlsafe(16)
    user = _keystone_create(local_cloud, 'users', 'user',
                            name=_unique('ssec-user'), domain_id='default',
                            password=password, default_project_id=project)
    member_role = admin.get(keystone + '/roles',
                            params={'name': 'member'}).json()['roles'][0]
    admin.put('%s/projects/%s/users/%s/roles/%s'
              % (keystone, project, user, member_role['id']))

    project_name = admin.get(
        '%s/projects/%s' % (keystone, project)).json()['project']['name']
    user_name = admin.get(
        '%s/users/%s' % (keystone, user)).json()['user']['name']
    clouds.add('fresh', like='member', username=user_name, password=password,
               project_name=project_name)
    clouds.add('badpassword', like='member',
               password=secrets.token_urlsafe(16))
    clouds.add('unreachable', like='member', region=CLOSED_REGION)
    clouds.add('noregion', like='member', region=NO_KEY_MANAGER_REGION)
    clouds.write()
    return clouds


@pytest.fixture
def member(clouds):
    """Barbican's REST API as alice, member of project demo."""
    return clouds.barbican('member')


# -- the plugin ------------------------------------------------------------

def test_plugin_commands_are_listed(openstack):
    result = openstack('member', 'command', 'list', '--group', 'objectsecret',
                       '-f', 'json', check=True)
    groups = json.loads(result.stdout)
    commands = {c for g in groups for c in g['Commands']}
    assert commands == {'objectsecret %s' % c for c in (
        'create', 'delete', 'list', 'show', 'rclone-env', 'run')}, groups


def test_help_create(openstack):
    result = openstack('member', 'help', 'objectsecret', 'create',
                       check=True)
    assert result.stdout.startswith('usage: openstack objectsecret create')
    for option in ('--generate-locally', '--key-file', '--timeout'):
        assert option in result.stdout
    assert 'Traceback' not in result.stderr


# -- create ----------------------------------------------------------------

def _check_stored_key(barbican, href, fingerprint):
    """The secret is an AES-256 symmetric key that never expires."""
    metadata = barbican.metadata(href)
    assert metadata['algorithm'] == 'aes'
    assert metadata['bit_length'] == 256
    assert metadata['secret_type'] == 'symmetric'
    assert metadata['expiration'] is None
    assert metadata['status'] == 'ACTIVE'
    key = barbican.payload(href)
    assert len(key) == 32
    assert _fingerprint(key) == fingerprint
    return key


def test_create_default_name_by_order(clouds):
    # In a project of its own: objectSecret is per project.
    created = _json(clouds.run('fresh', 'objectsecret', 'create',
                               '-f', 'json'))
    assert created['Name'] == 'objectSecret'
    assert created['Algorithm'] == 'aes'
    assert created['Bit length'] == 256
    assert created['Secret type'] == 'symmetric'
    assert created['Status'] == 'ACTIVE'
    href = created['Secret href']

    # What Barbican's own CLI says about it: symmetric AES-256, no expiry.
    stored = _json(clouds.run('fresh', 'secret', 'get', href, '-f', 'json'))
    assert stored['Name'] == 'objectSecret'
    assert stored['Secret type'] == 'symmetric'
    assert stored['Algorithm'] == 'aes'
    assert stored['Bit length'] == 256
    assert stored['Expiration'] is None
    assert stored['Content types'] == {'default': OCTET_STREAM}

    # Shown with no argument (the default name), the key revealed is the
    # one in Barbican and the fingerprint is base64(md5(key)).
    shown = _json(clouds.run('fresh', 'objectsecret', 'show', '--reveal-key',
                             '-f', 'json'))
    assert shown['Secret href'] == href
    key = base64.b64decode(shown['Key (base64)'], validate=True)
    assert len(key) == 32
    assert shown['Key fingerprint'] == _fingerprint(key)
    assert created['Key fingerprint'] == _fingerprint(key)
    assert shown['SSE-C usable'] == 'yes'
    assert key == clouds.barbican('fresh').payload(href)


def test_create_generate_locally(openstack, member):
    name = _unique('local')
    created = _json(openstack('member', 'objectsecret', 'create', name,
                              '--generate-locally', '-f', 'json'))
    assert created['Name'] == name
    shown = _json(openstack('member', 'objectsecret', 'show', name,
                            '--reveal-key', '-f', 'json'))
    key = base64.b64decode(shown['Key (base64)'], validate=True)
    assert len(key) == 32
    assert created['Key fingerprint'] == shown['Key fingerprint'] == (
        _fingerprint(key))
    assert _check_stored_key(member, created['Secret href'],
                             _fingerprint(key)) == key


def _binary_key():
    # Bytes that are neither UTF-8 nor printable, and a newline inside.
    return b'\x00\xff\n' + secrets.token_bytes(29)


def _text_key():
    alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    return ''.join(secrets.choice(alphabet) for _ in range(32)).encode()


# id -> (key, how the key file holds it)
KEY_FILES = {
    'raw': (_binary_key, lambda key: key),
    'base64': (_binary_key, lambda key: base64.b64encode(key) + b'\n'),
    'text-with-newline': (_text_key, lambda key: key + b'\n'),
}


@pytest.mark.parametrize('form', sorted(KEY_FILES))
def test_create_from_key_file(form, clouds, member, tmp_path):
    make_key, file_content = KEY_FILES[form]
    key = make_key()
    key_file = tmp_path / 'key'
    _write_key_file(key_file, file_content(key))
    name = _unique('import-' + form)
    result = clouds.run('member', 'objectsecret', 'create', name,
                        '--key-file', str(key_file),
                        '-f', 'value', '-c', 'Key fingerprint')
    assert result.returncode == 0, result.stderr
    assert result.stdout == _fingerprint(key) + '\n'
    [href] = member.named(name)
    assert _check_stored_key(member, href, _fingerprint(key)) == key


def test_create_from_readable_key_file_warns(clouds, member, tmp_path):
    key = _binary_key()
    key_file = tmp_path / 'shared.key'
    _write_key_file(key_file, key)
    key_file.chmod(0o644)
    name = _unique('import-shared')
    result = clouds.run('member', 'objectsecret', 'create', name,
                        '--key-file', str(key_file),
                        '-f', 'value', '-c', 'Key fingerprint')
    assert result.returncode == 0, result.stderr
    assert result.stdout == _fingerprint(key) + '\n'
    assert 'can be read by other users (mode 644)' in result.stderr
    assert 'chmod 600' in result.stderr
    [href] = member.named(name)
    assert _check_stored_key(member, href, _fingerprint(key)) == key


@pytest.mark.parametrize('form', ['raw', 'base64'])
def test_create_from_stdin(form, clouds, member):
    key = _binary_key()
    material = key if form == 'raw' else base64.b64encode(key)
    name = _unique('stdin-' + form)
    result = clouds.run('member', 'objectsecret', 'create', name,
                        '--key-file', '-', '-f', 'json',
                        input=material, text=False)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created['Name'] == name
    assert created['Key fingerprint'] == _fingerprint(key)
    assert _check_stored_key(member, created['Secret href'],
                             _fingerprint(key)) == key


def test_create_duplicate_name_is_refused(openstack, member):
    name = _unique('dup')
    first = member.store(name, secrets.token_bytes(32))
    line = _error_line(openstack('member', 'objectsecret', 'create', name))
    assert 'already exists' in line
    assert first in line
    listed = _json(openstack('member', 'secret', 'list', '--name', name,
                             '-f', 'json'))
    assert [s['Secret href'] for s in listed] == [first]


BAD_KEY_FILES = {
    '31-bytes': secrets.token_bytes(31),
    '33-characters': b's3cr3t-' + b'x' * 26,
    '44-characters-not-base64': b'!' * 44,
    'base64-of-16-bytes': base64.b64encode(b'0123456789abcdef') + b'\n',
    'empty': b'',
    'huge': b'k' * 100000,
}


@pytest.mark.parametrize('form', sorted(BAD_KEY_FILES))
def test_create_with_bad_key_file_creates_nothing(form, clouds, member,
                                                  tmp_path):
    material = BAD_KEY_FILES[form]
    key_file = tmp_path / 'key'
    _write_key_file(key_file, material)
    name = _unique('bad')
    line = _error_line(clouds.run('member', 'objectsecret', 'create', name,
                                  '--key-file', str(key_file)))
    assert str(key_file) in line
    assert 'key' in line
    if material.strip():
        # The message describes the material, never quotes it.
        assert material.strip().decode('latin-1') not in line
    assert member.named(name) == []


def test_create_with_missing_key_file_creates_nothing(openstack, member,
                                                      tmp_path):
    missing = tmp_path / 'no-such-key'
    name = _unique('missing')
    line = _error_line(openstack('member', 'objectsecret', 'create', name,
                                 '--key-file', str(missing)))
    assert str(missing) in line
    assert 'No such file' in line
    assert member.named(name) == []


# -- a secret made by the manual recipe -------------------------------------

def test_manual_recipe_secret_show_list_delete(openstack, member):
    name = _unique('recipe')
    text_key = _text_key().decode()
    stored = openstack('member', 'secret', 'store', '--name', name,
                       '--algorithm', 'aes', '--bit-length', '256',
                       '--payload', text_key,
                       '-f', 'value', '-c', 'Secret href', check=True)
    href = stored.stdout.strip()

    shown = _json(openstack('member', 'objectsecret', 'show', name,
                            '--reveal-key', '-f', 'json'))
    assert shown['Secret href'] == href
    assert shown['SSE-C usable'] == 'yes'
    assert shown['Key fingerprint'] == _fingerprint(text_key.encode())
    assert shown['Key (base64)'] == base64.b64encode(
        text_key.encode()).decode()

    listed = _json(openstack('member', 'objectsecret', 'list', '-f', 'json'))
    assert [r['Name'] for r in listed if r['Secret href'] == href] == [name]

    result = openstack('member', 'objectsecret', 'delete', name, '--yes')
    assert result.returncode == 0, result.stderr
    assert result.stdout == ''
    assert not member.exists(href)


# -- show ------------------------------------------------------------------

@pytest.mark.parametrize('how', ['name', 'uuid', 'href'])
def test_show_finds_a_secret(how, openstack, member):
    name = _unique('show')
    key = secrets.token_bytes(32)
    href = member.store(name, key)
    ref = {'name': name, 'uuid': _secret_id(href), 'href': href}[how]
    shown = _json(openstack('member', 'objectsecret', 'show', ref,
                            '-f', 'json'))
    assert shown['Name'] == name
    assert shown['Secret href'] == href
    assert shown['Key fingerprint'] == _fingerprint(key)
    assert shown['SSE-C usable'] == 'yes'
    assert shown['Expiration'] is None
    assert 'Key (base64)' not in shown


@pytest.mark.parametrize('how', ['name', 'uuid', 'href'])
def test_show_unknown_secret(how, openstack, local_cloud):
    missing_uuid = str(uuid.uuid4())
    ref = {
        'name': _unique('nothing'),
        'uuid': missing_uuid,
        'href': '%s/v1/secrets/%s' % (local_cloud.barbican_url,
                                      missing_uuid),
    }[how]
    line = _error_line(openstack('member', 'objectsecret', 'show', ref))
    assert ref in line
    assert line.startswith('No secret')


def test_show_and_delete_ambiguous_name(openstack, member):
    name = _unique('twin')
    hrefs = [openstack('member', 'secret', 'store', '--name', name,
                       '--payload', _text_key().decode(),
                       '-f', 'value', '-c', 'Secret href',
                       check=True).stdout.strip()
             for _ in range(2)]
    line = _error_line(openstack('member', 'objectsecret', 'show', name))
    assert '2 secrets' in line
    for href in hrefs:
        assert href in line
    line = _error_line(openstack('member', 'objectsecret', 'delete', name,
                                 '--yes'))
    for href in hrefs:
        assert href in line
        assert member.exists(href)


def test_show_secret_of_16_bytes_is_not_usable(openstack):
    name = _unique('short')
    openstack('member', 'secret', 'store', '--name', name,
              '--payload', 'abcdefghijklmnop', check=True)
    shown = _json(openstack('member', 'objectsecret', 'show', name,
                            '-f', 'json'))
    assert shown['SSE-C usable'].startswith('no: ')
    assert '16 bytes' in shown['SSE-C usable']
    assert shown['Key fingerprint'] is None


def _set_status(local_cloud, href, status):
    """Change a secret's status in Barbican's database.

    Barbican's API makes every secret ACTIVE at once (barbican.model.models
    Secret.__init__); other states only come from a backend going wrong,
    which the database edit stands in for.
    """
    database = local_cloud.state_dir / 'barbican' / 'barbican.sqlite'
    with sqlite3.connect(database, timeout=30) as connection:
        changed = connection.execute(
            'UPDATE secrets SET status = ? WHERE id = ?',
            (status, _secret_id(href))).rowcount
    connection.close()
    assert changed == 1


def test_show_secret_that_is_not_active(openstack, member, local_cloud):
    name = _unique('pending')
    key = secrets.token_bytes(32)
    href = member.store(name, key)
    _set_status(local_cloud, href, 'PENDING')
    shown = _json(openstack('member', 'objectsecret', 'show', name,
                            '--reveal-key', '-f', 'json'))
    assert shown['Status'] == 'PENDING'
    assert shown['SSE-C usable'].startswith('no: ')
    assert 'PENDING' in shown['SSE-C usable']
    assert shown['Key fingerprint'] is None
    assert 'Key (base64)' not in shown


def test_show_secret_without_payload(openstack, member):
    # A metadata-only secret (what a failed two-step store leaves behind)
    # is ACTIVE in Barbican, but holds no key. Either answer is clear:
    # a one-line error, or the details with "SSE-C usable: no".
    name = _unique('empty')
    member.store(name)
    result = openstack('member', 'objectsecret', 'show', name, '-f', 'json')
    if result.returncode == 0:
        shown = json.loads(result.stdout)
        assert shown['SSE-C usable'].startswith('no: ')
        assert 'payload' in shown['SSE-C usable']
        assert shown['Key fingerprint'] is None
    else:
        line = _error_line(result)
        assert 'no payload' in line
        assert name in line


# -- list ------------------------------------------------------------------

def test_list_shows_only_aes_256_secrets(openstack, member):
    tag = _unique('filter')
    wanted = {
        member.store(tag + '-aes256', secrets.token_bytes(32)),
        member.store(tag + '-AES256', secrets.token_bytes(32),
                     algorithm='AES'),
    }
    unwanted = {
        member.store(tag + '-des56', secrets.token_bytes(7),
                     algorithm='des', bit_length=56),
        member.store(tag + '-aes128', secrets.token_bytes(16),
                     bit_length=128),
        member.store(tag + '-rsa2048', secrets.token_bytes(32),
                     algorithm='rsa', bit_length=2048),
    }
    listed = _json(openstack('member', 'objectsecret', 'list', '-f', 'json'))
    hrefs = {row['Secret href'] for row in listed}
    assert wanted <= hrefs
    assert not unwanted & hrefs
    for row in listed:
        metadata = member.metadata(row['Secret href'])
        assert (metadata['algorithm'].lower(), metadata['bit_length']) == (
            'aes', 256), row


def test_list_pages_beyond_100(clouds):
    barbican = clouds.barbican('fresh')
    tag = _unique('page')
    created = {barbican.store('%s-%03d' % (tag, i), secrets.token_bytes(32))
               for i in range(105)}
    listed = _json(clouds.run('fresh', 'objectsecret', 'list', '-f', 'json'))
    hrefs = [row['Secret href'] for row in listed]
    assert len(hrefs) == len(set(hrefs)), 'a secret is listed twice'
    assert created <= set(hrefs), len(created - set(hrefs))
    assert {row['Status'] for row in listed} == {'ACTIVE'}


# -- delete ----------------------------------------------------------------

def test_delete_without_yes_on_a_pipe_deletes_nothing(openstack, member):
    name = _unique('keep')
    href = member.store(name, secrets.token_bytes(32))
    line = _error_line(openstack('member', 'objectsecret', 'delete', name,
                                 input=''))
    assert '--yes' in line
    assert member.exists(href)


@pytest.mark.parametrize('answer', ['y', 'n'])
def test_delete_asks_on_a_terminal(answer, clouds, member):
    name = _unique('ask')
    href = member.store(name, secrets.token_bytes(32))
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b'\n')
        result = subprocess.run(
            [OPENSTACK, 'objectsecret', 'delete', name], stdin=terminal,
            capture_output=True, text=True, timeout=OPENSTACK_TIMEOUT,
            env=clouds.env('member'))
    finally:
        os.close(terminal)
        os.close(controller)
    assert '[y/N]' in result.stderr
    assert href in result.stderr
    if answer == 'y':
        assert result.returncode == 0, result.stderr
        assert not member.exists(href)
    else:
        assert result.returncode != 0
        assert 'Traceback' not in result.stderr
        assert member.exists(href)


def test_delete_several(openstack, member):
    names = [_unique('many') for _ in range(3)]
    hrefs = [member.store(n, secrets.token_bytes(32)) for n in names]
    # By name, UUID and href at once.
    result = openstack('member', 'objectsecret', 'delete', names[0],
                       _secret_id(hrefs[1]), hrefs[2], '--yes')
    assert result.returncode == 0, result.stderr
    assert result.stdout == ''
    assert not any(member.exists(h) for h in hrefs)


def test_delete_with_an_unknown_one_deletes_nothing(openstack, member):
    names = [_unique('kept') for _ in range(2)]
    hrefs = [member.store(n, secrets.token_bytes(32)) for n in names]
    unknown = _unique('unknown')
    line = _error_line(openstack('member', 'objectsecret', 'delete',
                                 names[0], unknown, names[1], '--yes'))
    assert unknown in line
    assert all(member.exists(h) for h in hrefs)


def test_delete_secret_with_consumer_needs_force(openstack, member):
    name = _unique('used')
    href = member.store(name, secrets.token_bytes(32))
    consumer = member.add_consumer(href)
    assert member.metadata(href)['consumers'] == [consumer]

    refused = openstack('member', 'objectsecret', 'delete', name, '--yes')
    assert refused.returncode != 0
    assert refused.stdout == ''
    assert 'Traceback' not in refused.stderr
    assert consumer['resource_id'] in refused.stderr
    assert '--force' in refused.stderr
    assert member.exists(href)

    result = openstack('member', 'objectsecret', 'delete', name, '--yes',
                       '--force')
    assert result.returncode == 0, result.stderr
    assert not member.exists(href)


# -- errors as a user meets them ------------------------------------------

def test_wrong_password(clouds):
    line = _error_line(clouds.run('badpassword', 'objectsecret', 'list'))
    assert '401' in line


def test_reader_cannot_create(openstack, member):
    name = _unique('reader')
    line = _error_line(openstack('reader', 'objectsecret', 'create', name))
    assert '403' in line
    assert "'member'" in line
    assert member.named(name) == []


def test_reader_cannot_list(openstack):
    # Barbican's new default policy for GET /v1/secrets is role:member:
    # a message that tells a reader that 'reader' suffices misleads.
    line = _error_line(openstack('reader', 'objectsecret', 'list'))
    assert '403' in line
    assert "'member'" in line


def test_other_project_cannot_show(openstack, member):
    name = _unique('alice')
    key = secrets.token_bytes(32)
    href = member.store(name, key)
    line = _error_line(openstack('other', 'objectsecret', 'show', href,
                                 '--reveal-key'))
    assert re.search(r'\b(403|404)\b|No secret', line), line
    assert href in line


def test_barbican_unreachable(clouds):
    line = _error_line(clouds.run('unreachable', 'objectsecret', 'list'))
    assert 'unreachable' in line


def test_no_key_manager_in_region(clouds):
    line = _error_line(clouds.run('noregion', 'objectsecret', 'list'))
    assert 'key-manager' in line
    assert NO_KEY_MANAGER_REGION in line


# -- secrets stay secret under --debug -------------------------------------

def _forms(key):
    """The ways a key could show up in output."""
    encoded = base64.b64encode(key)
    forms = {
        'raw': key,
        'base64': encoded.rstrip(b'='),
        'urlsafe base64': base64.urlsafe_b64encode(key).rstrip(b'='),
        'hex': key.hex().encode(),
        'HEX': key.hex().upper().encode(),
        'repr': repr(key).encode(),
        'repr body': repr(key)[2:-1].encode(),
        'base64 repr body': repr(encoded)[2:-1].encode(),
    }
    if key.isascii():
        forms['text repr'] = repr(key.decode()).encode()
    return forms


def _assert_not_leaked(key, **streams):
    for stream, data in streams.items():
        for form, pattern in _forms(key).items():
            assert pattern not in data, 'key leaked (%s) on %s' % (form,
                                                                   stream)


# mode -> (key known in advance or None, extra create arguments, stdin)
def _create_modes(tmp_path):
    binary, text = _binary_key(), _text_key()
    raw_file = tmp_path / 'raw'
    _write_key_file(raw_file, binary)
    b64_file = tmp_path / 'b64'
    _write_key_file(b64_file, base64.b64encode(binary) + b'\n')
    text_file = tmp_path / 'text'
    _write_key_file(text_file, text + b'\n')
    return {
        'order': (None, [], None),
        'generate-locally': (None, ['--generate-locally'], None),
        'key-file-raw': (binary, ['--key-file', str(raw_file)], None),
        'key-file-base64': (binary, ['--key-file', str(b64_file)], None),
        'key-file-text': (text, ['--key-file', str(text_file)], None),
        'stdin-text': (text, ['--key-file', '-'], text + b'\n'),
    }


CREATE_MODES = ['order', 'generate-locally', 'key-file-raw',
                'key-file-base64', 'key-file-text', 'stdin-text']


@pytest.mark.parametrize('mode', CREATE_MODES)
def test_create_under_debug_does_not_print_the_key(mode, clouds, member,
                                                   tmp_path):
    known, extra, stdin = _create_modes(tmp_path)[mode]
    name = _unique('debug-' + mode)
    result = clouds.run('member', '--debug', 'objectsecret', 'create', name,
                        *extra, '-f', 'json', input=stdin or b'', text=False)
    assert result.returncode == 0, result.stderr.decode(errors='replace')
    # --debug logs requests: make sure this is the run that talked to
    # Barbican, or the check below proves nothing.
    assert b'REQ: curl' in result.stderr
    href = json.loads(result.stdout)['Secret href']
    key = member.payload(href)
    assert len(key) == 32
    if known is not None:
        assert key == known
    _assert_not_leaked(key, stdout=result.stdout, stderr=result.stderr)


def test_show_under_debug_does_not_print_the_key(clouds, member):
    name = _unique('debug-show')
    key = _binary_key()
    member.store(name, key)
    result = clouds.run('member', '--debug', 'objectsecret', 'show', name,
                        text=False)
    assert result.returncode == 0, result.stderr.decode(errors='replace')
    assert b'REQ: curl' in result.stderr
    assert _fingerprint(key).encode() in result.stdout
    _assert_not_leaked(key, stdout=result.stdout, stderr=result.stderr)


@pytest.mark.parametrize('key_maker', [_binary_key, _text_key],
                         ids=['binary', 'text'])
def test_rclone_env_under_debug_prints_the_key_on_stdout_only(
        key_maker, clouds, member):
    name = _unique('debug-rclone')
    key = key_maker()
    member.store(name, key)
    result = clouds.run('member', '--debug', 'objectsecret', 'rclone-env',
                        name, '--shell', 'sh', text=False)
    assert result.returncode == 0, result.stderr.decode(errors='replace')
    assert b'REQ: curl' in result.stderr
    assert (base64.b64encode(key) in result.stdout
            or (key.isascii() and key in result.stdout))
    _assert_not_leaked(key, stderr=result.stderr)
