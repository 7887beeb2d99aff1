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

"""The local cloud answers `openstack` the way a real cloud does.

Everything else in the functional and end-to-end suites builds on these
facts: tokens, the secret round trip, the default policies of Barbican
for readers and other projects, and orders processed by the API itself.
"""

import ast
import json
import uuid

# How `openstack --debug` logs a 403 answer (keystoneauth); without
# --debug the CLI only says "Forbidden: ...".
FORBIDDEN = 'RESP: [403]'


def _store(openstack, cloud_name, payload):
    """Store an opaque secret as cloud_name; return its href."""
    result = openstack(cloud_name, 'secret', 'store', '--payload', payload,
                       '-f', 'value', '-c', 'Secret href', check=True)
    return result.stdout.strip()


def test_member_token_issue(local_cloud, openstack):
    result = openstack('member', 'token', 'issue', '-f', 'json', check=True)
    token = json.loads(result.stdout)
    assert token['id']
    assert token['user_id'] == local_cloud.users['alice']
    assert token['project_id'] == local_cloud.projects['demo']


def test_member_secret_round_trip(openstack):
    payload = uuid.uuid4().hex
    href = _store(openstack, 'member', payload)
    result = openstack('member', 'secret', 'get', href, '-p',
                       '-f', 'value', '-c', 'Payload', check=True)
    assert result.stdout.strip() == payload


def test_reader_cannot_store_secret(openstack):
    result = openstack('reader', '--debug', 'secret', 'store',
                       '--payload', 'x' * 32)
    assert result.returncode != 0
    assert FORBIDDEN in result.stderr


def test_other_project_cannot_read_payload(openstack):
    payload = uuid.uuid4().hex
    href = _store(openstack, 'member', payload)
    result = openstack('other', '--debug', 'secret', 'get', href, '-p')
    assert result.returncode != 0
    assert FORBIDDEN in result.stderr
    assert payload not in result.stdout


def test_key_order_is_active_with_a_secret(openstack):
    # [queue] enable = False: the API generates the key while it handles
    # the POST, so the order is ACTIVE as soon as create returns.
    created = openstack(
        'member', 'secret', 'order', 'create', 'key', '--algorithm', 'aes',
        '--bit-length', '256',
        '--payload-content-type', 'application/octet-stream',
        '-f', 'value', '-c', 'Order href', check=True)
    result = openstack('member', 'secret', 'order', 'get',
                       created.stdout.strip(), '-f', 'json', check=True)
    order = json.loads(result.stdout)
    assert order['Status'] == 'ACTIVE'
    result = openstack('member', 'secret', 'get', order['Secret href'],
                       '-p', '-t', 'application/octet-stream',
                       '-f', 'value', '-c', 'Payload', check=True)
    # -f value prints the payload bytes as a Python bytes literal.
    assert len(ast.literal_eval(result.stdout.strip())) == 32


def test_env_keeps_no_os_variable_of_the_caller(local_cloud, monkeypatch):
    monkeypatch.setenv('OS_PASSWORD', 'leaked')
    monkeypatch.setenv('OS_AUTH_URL', 'http://example.invalid/v3')
    env = local_cloud.env('reader')
    assert {name for name in env if name.startswith('OS_')} == {
        'OS_CLIENT_CONFIG_FILE', 'OS_CLOUD'}
    assert env['OS_CLOUD'] == 'reader'
    assert env['OS_CLIENT_CONFIG_FILE'] == str(local_cloud.clouds_yaml)


def test_ec2_credential_with_chosen_pair(local_cloud, openstack):
    access, secret = uuid.uuid4().hex, uuid.uuid4().hex
    local_cloud.create_ec2_credential('member', access, secret)
    result = openstack('member', 'ec2', 'credentials', 'list', '-f', 'json',
                       check=True)
    credentials = {c['Access']: c for c in json.loads(result.stdout)}
    assert credentials[access]['Secret'] == secret
    assert credentials[access]['Project ID'] == local_cloud.projects['demo']


def test_add_endpoint_reaches_the_catalog(local_cloud, openstack):
    url = 'http://127.0.0.1:9/test'
    local_cloud.add_endpoint('test-type', 'test-service', url)
    result = openstack('member', 'catalog', 'show', 'test-type', '-f', 'json',
                       check=True)
    assert url in result.stdout
