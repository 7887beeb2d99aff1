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

"""KeyStore against Barbican's HTTP API, mocked behind a real session.

The session is a real keystoneauth1 Session with a v3 token plugin, so the
requests go through the same code as under ``openstack``: Keystone auth
(mocked), the service catalog, keystoneauth's and barbicanclient's version
discovery, barbicanclient's error mapping, and keystoneauth's request log.
"""

import base64
import json
import logging
import re
import urllib.parse
import uuid

import fixtures
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from osc_lib import exceptions
import requests
from requests_mock.contrib import fixture as rm_fixture
import testtools

from osc_ssec import barbican
from tests.unit import fakes

AUTH_URL = 'http://keystone.test/identity/v3'
ENDPOINT = fakes.BARBICAN_URL
API = ENDPOINT + '/v1/'
REGION = 'RegionOne'

_ID = r'(?P<id>[0-9a-f-]{36})'
# A query (``?force=true``) may follow the secret's UUID.
SECRET_URL = re.compile(re.escape(API) + 'secrets/' + _ID + r'(\?[^/]*)?$')
PAYLOAD_URL = re.compile(re.escape(API) + 'secrets/' + _ID + '/payload$')
ORDER_URL = re.compile(re.escape(API) + 'orders/' + _ID + '$')


def _version(status='CURRENT'):
    return {'id': 'v1', 'status': status, 'min_version': '1.0',
            'max_version': '1.1',
            'links': [{'rel': 'self', 'href': API}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.key-manager-'
                                     'v1+json'}]}


def _query(request):
    # requests_mock lowercases request.qs; names are case-sensitive.
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        request.url).query))


class FakeBarbican:
    """An in-memory Barbican v1 API: secrets, payloads and key orders."""

    def __init__(self, mocker):
        self.mocker = mocker
        self.secrets = {}
        self.payloads = {}
        self.orders = {}
        # How many times an order stays PENDING before it becomes ACTIVE.
        self.order_polls = 0

        mocker.get(ENDPOINT, json={'versions': {'values': [_version()]}})
        mocker.get(API, json={'version': _version()})
        mocker.get(API + 'secrets', json=self._list)
        mocker.post(API + 'secrets/', json=self._create, status_code=201)
        mocker.get(SECRET_URL, json=self._get)
        mocker.put(SECRET_URL, status_code=204, content=self._put)
        mocker.delete(SECRET_URL, status_code=204, content=self._delete)
        mocker.get(PAYLOAD_URL, content=self._payload,
                   headers={'Content-Type': barbican.OCTET_STREAM})
        mocker.post(API + 'orders/', json=self._order, status_code=202)
        mocker.get(ORDER_URL, json=self._get_order)
        mocker.delete(ORDER_URL, status_code=204, content=self._delete_order)

    # -- helpers for tests --------------------------------------------------

    def add(self, name='objectSecret', payload=None, **attrs):
        sid = attrs.pop('sid', None) or str(uuid.uuid4())
        body = fakes.secret_body(name, sid=sid, **attrs)
        self.secrets[sid] = body
        if payload is not None:
            self.payloads[sid] = payload
        return body

    def requests(self, method=None, pattern=None):
        return [r for r in self.mocker.request_history
                if r.url.startswith(API)
                and (method is None or r.method == method)
                and (pattern is None or re.search(pattern, r.url))]

    # -- handlers -----------------------------------------------------------

    @staticmethod
    def _not_found(context, what='Secret'):
        context.status_code = 404
        return {'code': 404, 'title': 'Not Found',
                'description': '%s not found.' % what}

    def _list(self, request, context):
        query = _query(request)
        found = list(self.secrets.values())
        if 'name' in query:
            # Looser than Barbican's LIKE: the client must match exactly.
            found = [s for s in found
                     if query['name'].lower() in (s['name'] or '').lower()]
        if 'alg' in query:
            found = [s for s in found if s['algorithm'] == query['alg']]
        if 'bits' in query:
            found = [s for s in found
                     if str(s['bit_length']) == query['bits']]
        offset = int(query.get('offset', 0))
        limit = min(int(query.get('limit', 10)), 100)
        return {'secrets': found[offset:offset + limit],
                'total': len(found)}

    def _create(self, request, context):
        body = request.json()
        secret = self.add(body.get('name'), status='ACTIVE',
                          algorithm=body.get('algorithm'),
                          bit_length=body.get('bit_length'),
                          secret_type=body.get('secret_type'),
                          content_types=None)
        if 'payload' in body:
            self.payloads[secret['secret_ref'].rsplit('/', 1)[-1]] = (
                body['payload'].encode())
        context.headers['Location'] = secret['secret_ref']
        return {'secret_ref': secret['secret_ref']}

    def _get(self, request, context):
        sid = SECRET_URL.search(request.url).group('id')
        if sid not in self.secrets:
            return self._not_found(context)
        return self.secrets[sid]

    def _put(self, request, context):
        sid = SECRET_URL.search(request.url).group('id')
        if sid not in self.secrets:
            return json.dumps(self._not_found(context)).encode()
        if sid in self.payloads:
            context.status_code = 409
            return b'{"code": 409, "title": "Conflict"}'
        self.payloads[sid] = request.body
        self.secrets[sid]['content_types'] = {
            'default': request.headers['Content-Type']}
        return b''

    def _delete(self, request, context):
        sid = SECRET_URL.search(request.url).group('id')
        if self.secrets.pop(sid, None) is None:
            return json.dumps(self._not_found(context)).encode()
        self.payloads.pop(sid, None)
        return b''

    def _payload(self, request, context):
        sid = PAYLOAD_URL.search(request.url).group('id')
        if sid not in self.payloads:
            return json.dumps(self._not_found(context)).encode()
        return self.payloads[sid]

    def _order(self, request, context):
        body = request.json()
        oid = str(uuid.uuid4())
        self.orders[oid] = {
            'order_ref': API + 'orders/' + oid, 'type': body['type'],
            'meta': body['meta'], 'status': 'PENDING', 'polls': 0}
        return {'order_ref': API + 'orders/' + oid}

    def _get_order(self, request, context):
        oid = ORDER_URL.search(request.url).group('id')
        order = self.orders.get(oid)
        if order is None:
            return self._not_found(context, 'Order')
        order['polls'] += 1
        if order['status'] == 'PENDING' and order['polls'] > self.order_polls:
            meta = order['meta']
            secret = self.add(meta['name'], payload=b'G' * 32,
                              algorithm=meta['algorithm'],
                              bit_length=meta['bit_length'])
            order['status'] = 'ACTIVE'
            order['secret_ref'] = secret['secret_ref']
        return {k: v for k, v in order.items() if k != 'polls'}

    def _delete_order(self, request, context):
        oid = ORDER_URL.search(request.url).group('id')
        if self.orders.pop(oid, None) is None:
            return json.dumps(self._not_found(context, 'Order')).encode()
        return b''


class FakeClock:
    """Stands in for the ``time`` module inside osc_ssec.barbican."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class TestKeyStoreBase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.mocker = self.useFixture(rm_fixture.Fixture())
        token = ks_fixture.V3Token(project_id='p1', user_id='u1')
        token.add_service('key-manager').add_standard_endpoints(
            public=ENDPOINT, internal='http://internal.test:9311',
            region=REGION)
        self.mocker.post(AUTH_URL + '/auth/tokens', json=token,
                         headers={'X-Subject-Token': 'a-token'},
                         status_code=201)
        self.barbican = FakeBarbican(self.mocker)
        self.session = ks_session.Session(
            auth=v3.Token(AUTH_URL, 'a-token', project_id='p1'))
        self.store = barbican.KeyStore(self.session, region_name=REGION,
                                       interface='public')
        self.clock = FakeClock()
        self.useFixture(fixtures.MonkeyPatch('osc_ssec.barbican.time',
                                             self.clock))

    def assertCommandError(self, func, *args, **kwargs):
        """Call *func*; return the one-line CommandError message it raises."""
        exc = self.assertRaises(Exception, func, *args, **kwargs)
        self.assertIsInstance(exc, exceptions.CommandError)
        message = str(exc)
        self.assertNotIn('\n', message)
        self.assertEqual(message.strip(), message)
        return message


class TestClient(TestKeyStoreBase):

    def test_no_request_before_first_use(self):
        self.assertEqual([], self.mocker.request_history)

    def test_client_is_created_once_with_microversion_1_1(self):
        self.store.find_by_name('x')
        self.store.find_by_name('y')
        self.assertEqual('1.1', self.store._client.client.microversion)
        # One catalog discovery, one barbicanclient discovery.
        gets = [r.url for r in self.mocker.request_history
                if r.method == 'GET']
        self.assertEqual(1, gets.count(ENDPOINT + '/'))
        self.assertEqual(1, gets.count(API))
        self.assertEqual(
            'key-manager 1.1',
            self.barbican.requests('GET', 'secrets')[0].headers[
                'OpenStack-API-Version'])

    def test_uses_region_and_interface(self):
        store = barbican.KeyStore(self.session, region_name=REGION,
                                  interface='internal')
        self.mocker.get('http://internal.test:9311/v1/secrets',
                        json={'secrets': [], 'total': 0})
        self.mocker.get('http://internal.test:9311',
                        json={'versions': {'values': [_version()]}})
        self.mocker.get('http://internal.test:9311/v1/',
                        json={'version': _version()})
        self.assertEqual([], store.find_by_name('x'))
        self.assertIn('internal.test', self.mocker.last_request.url)

    def test_no_endpoint_in_catalog(self):
        store = barbican.KeyStore(self.session, region_name='Elsewhere',
                                  interface='public')
        message = self.assertCommandError(store.get, 'objectSecret')
        self.assertIn('no key-manager (Barbican) endpoint', message)
        self.assertIn('Elsewhere', message)

    def test_unreachable_at_discovery(self):
        self.mocker.get(ENDPOINT, exc=requests.exceptions.ConnectionError)
        self.mocker.get(API, exc=requests.exceptions.ConnectionError)
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('unreachable', message)


class TestGet(TestKeyStoreBase):

    def test_get_by_name(self):
        body = self.barbican.add('objectSecret')
        secret = self.store.get('objectSecret')
        self.assertEqual(barbican.Secret.from_api(body), secret)
        self.assertEqual(body['secret_ref'], secret.href)
        self.assertEqual('aes', secret.algorithm)
        self.assertEqual(256, secret.bit_length)
        listing = self.barbican.requests('GET', 'secrets')
        self.assertEqual(1, len(listing))
        self.assertEqual({'name': 'objectSecret', 'limit': '100',
                          'offset': '0'}, _query(listing[0]))

    def test_get_by_name_ignores_like_matches(self):
        self.barbican.add('objectSecret2')
        self.barbican.add('myobjectSecret')
        self.barbican.add('OBJECTSECRET')
        body = self.barbican.add('objectSecret')
        self.barbican.add('objectSecret_')
        self.assertEqual(body['secret_ref'],
                         self.store.get('objectSecret').href)

    def test_get_by_name_only_like_matches(self):
        self.barbican.add('objectSecret2')
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn("No secret named 'objectSecret'", message)
        self.assertIn('objectsecret list', message)
        self.assertIn('objectsecret create objectSecret', message)

    def test_get_by_name_quotes_the_name_for_the_shell(self):
        message = self.assertCommandError(self.store.get, 'my key')
        self.assertIn("objectsecret create 'my key'", message)

    def test_get_by_name_pages(self):
        for i in range(150):
            self.barbican.add('objectSecret-%03d' % i)
        wanted = self.barbican.add('objectSecret')
        for i in range(30):
            self.barbican.add('objectSecret+%03d' % i)

        self.assertEqual(wanted['secret_ref'],
                         self.store.get('objectSecret').href)

        queries = [_query(r) for r in self.barbican.requests('GET', 'secrets')]
        self.assertEqual(
            [{'name': 'objectSecret', 'limit': '100', 'offset': '0'},
             {'name': 'objectSecret', 'limit': '100', 'offset': '100'}],
            queries)

    def test_get_by_name_stops_at_total(self):
        for i in range(100):
            self.barbican.add('objectSecret-%03d' % i)
        self.barbican.add('objectSecret')
        self.barbican.secrets.pop(next(iter(self.barbican.secrets)))
        # Exactly 100 results: a full page, then total says it is all.
        self.store.get('objectSecret')
        self.assertEqual(1, len(self.barbican.requests('GET', 'secrets')))

    def test_get_by_name_two_exact_matches(self):
        first = self.barbican.add('objectSecret')
        self.barbican.add('objectSecret2')
        second = self.barbican.add('objectSecret')
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('2 secrets are named', message)
        self.assertIn(first['secret_ref'], message)
        self.assertIn(second['secret_ref'], message)
        self.assertIn('href', message)

    def test_get_by_uuid(self):
        body = self.barbican.add('whatever')
        sid = body['secret_ref'].rsplit('/', 1)[-1]
        secret = self.store.get(sid)
        self.assertEqual(body['secret_ref'], secret.href)
        self.assertEqual(sid, secret.id)
        self.assertEqual([], self.barbican.requests('GET', r'secrets\?'))

    def test_get_by_href(self):
        body = self.barbican.add('whatever')
        for ref in (body['secret_ref'], body['secret_ref'] + '/'):
            secret = self.store.get(ref)
            self.assertEqual(body['secret_ref'], secret.href)
        self.assertEqual([], self.barbican.requests('GET', r'secrets\?'))

    def test_get_by_bad_href(self):
        message = self.assertCommandError(
            self.store.get, API + 'containers/not-a-uuid')
        self.assertIn('is not a secret href', message)
        self.assertEqual([], self.barbican.requests('GET', 'secrets'))

    def test_get_unknown_uuid(self):
        sid = str(uuid.uuid4())
        message = self.assertCommandError(self.store.get, sid)
        self.assertIn('No secret %s' % sid, message)
        self.assertIn('objectsecret list', message)

    def test_get_unknown_href(self):
        href = fakes.secret_href()
        message = self.assertCommandError(self.store.get, href)
        self.assertIn('No secret %s' % href, message)
        self.assertIn('objectsecret list', message)

    def test_unauthorized(self):
        self.mocker.get(API + 'secrets', status_code=401,
                        json={'code': 401, 'title': 'Unauthorized'})
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('HTTP 401', message)
        self.assertIn('credentials', message)

    def test_forbidden(self):
        self.mocker.get(API + 'secrets', status_code=403,
                        json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('HTTP 403', message)
        self.assertIn("'member' role", message)

    def test_forbidden_by_uuid(self):
        self.mocker.get(SECRET_URL, status_code=403,
                        json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.get, str(uuid.uuid4()))
        self.assertIn("'member' role", message)
        self.assertIn('read ACL', message)

    def test_server_error(self):
        self.mocker.get(API + 'secrets', status_code=500,
                        text='<html>\n<h1>Internal\nServer Error</h1>\n'
                             '</html>\n')
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('Barbican failed (HTTP 500)', message)

    def test_server_error_json(self):
        self.mocker.get(SECRET_URL, status_code=503,
                        json={'code': 503, 'title': 'Service Unavailable',
                              'description': 'down\nfor\nmaintenance'})
        message = self.assertCommandError(self.store.get, str(uuid.uuid4()))
        self.assertIn('Barbican failed (HTTP 503)', message)
        self.assertIn('down for maintenance', message)

    def test_other_client_error(self):
        self.mocker.get(API + 'secrets', status_code=400,
                        json={'code': 400, 'title': 'Bad Request',
                              'description': 'Invalid limit'})
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('HTTP 400', message)
        self.assertIn('Invalid limit', message)

    def test_connection_refused(self):
        self.mocker.get(API + 'secrets',
                        exc=requests.exceptions.ConnectionError(
                            'Connection refused'))
        message = self.assertCommandError(self.store.get, 'objectSecret')
        self.assertIn('unreachable', message)

    def test_connect_timeout(self):
        self.mocker.get(SECRET_URL, exc=requests.exceptions.ConnectTimeout)
        message = self.assertCommandError(self.store.get, str(uuid.uuid4()))
        self.assertIn('unreachable', message)

    def test_http_errors_are_not_logged_above_debug(self):
        # barbicanclient logs every HTTP error at ERROR before raising it.
        # OSC sets the root logger to DEBUG and prints what its console
        # handler lets through (WARNING and up without -v), so the user
        # would see each error twice. KeyStore promises to demote those
        # lines to DEBUG, where --debug still shows them.
        console = self.useFixture(RootHandler(logging.WARNING))
        debug = self.useFixture(RootHandler(logging.DEBUG))
        self.assertCommandError(self.store.get, str(uuid.uuid4()))
        self.mocker.get(API + 'secrets', status_code=500, text='boom')
        self.assertCommandError(self.store.get, 'objectSecret')

        self.assertIn('Not Found', debug.text)
        self.assertEqual('', console.text)


class RootHandler(fixtures.Fixture):
    """A handler at *level* on the root logger, the root logger at DEBUG."""

    def __init__(self, level):
        super().__init__()
        self.level = level
        self.records = []

    def _setUp(self):
        handler = logging.Handler(self.level)
        handler.emit = self.records.append
        root = logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(logging.DEBUG)
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)

    @property
    def text(self):
        return ''.join('%s %s %s\n' % (r.levelname, r.name, r.getMessage())
                       for r in self.records)


class TestListKeys(TestKeyStoreBase):

    def test_list_keys(self):
        key = self.barbican.add('objectSecret')
        other = self.barbican.add('other', secret_type='opaque')
        self.barbican.add('aes128', bit_length=128)
        self.barbican.add('rsa', algorithm='rsa', bit_length=2048)
        found = self.store.list_keys()
        self.assertEqual([key['secret_ref'], other['secret_ref']],
                         [s.href for s in found])
        self.assertEqual(
            {'alg': 'aes', 'bits': '256', 'limit': '100', 'offset': '0'},
            _query(self.barbican.requests('GET', 'secrets')[0]))

    def test_list_keys_filters_on_the_client_too(self):
        # A Barbican that ignores alg/bits must not make RSA keys usable.
        self.mocker.get(API + 'secrets', json={'secrets': [
            fakes.secret_body('good'),
            fakes.secret_body('rsa', algorithm='RSA', bit_length=2048),
            fakes.secret_body('aes128', bit_length=128),
            fakes.secret_body('upper', algorithm='AES'),
        ], 'total': 4})
        self.assertEqual(['good', 'upper'],
                         [s.name for s in self.store.list_keys()])

    def test_list_keys_pages(self):
        for i in range(230):
            self.barbican.add('k%03d' % i)
        found = self.store.list_keys()
        self.assertEqual(230, len(found))
        self.assertEqual(['0', '100', '200'],
                         [_query(r)['offset'] for r in
                          self.barbican.requests('GET', 'secrets')])

    def test_list_forbidden(self):
        self.mocker.get(API + 'secrets', status_code=403,
                        json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.list_keys)
        self.assertIn("listing keys needs the 'member' role", message)


class TestReadKey(TestKeyStoreBase):

    def _secret(self, payload, **attrs):
        return barbican.Secret.from_api(
            self.barbican.add('objectSecret', payload=payload, **attrs))

    def test_read_key_raw_bytes(self):
        secret = self._secret(fakes.BINARY_KEY)
        self.assertEqual(fakes.BINARY_KEY, self.store.read_key(secret))
        request = self.barbican.requests('GET', 'payload')[0]
        self.assertEqual(barbican.OCTET_STREAM, request.headers['Accept'])
        self.assertEqual(API + 'secrets/%s/payload' % secret.id, request.url)

    def test_read_key_text_key(self):
        secret = self._secret(fakes.TEXT_KEY, secret_type='opaque')
        key = self.store.read_key(secret)
        self.assertIsInstance(key, bytes)
        self.assertEqual(fakes.TEXT_KEY, key)

    def test_read_key_not_active(self):
        secret = self._secret(fakes.TEXT_KEY, status='PENDING')
        message = self.assertCommandError(self.store.read_key, secret)
        self.assertIn('PENDING', message)
        self.assertEqual([], self.barbican.requests('GET', 'payload'))

    def test_read_key_no_payload(self):
        secret = self._secret(None)
        message = self.assertCommandError(self.store.read_key, secret)
        self.assertIn('has no payload', message)

    def test_read_key_forbidden(self):
        secret = self._secret(fakes.TEXT_KEY)
        self.mocker.get(PAYLOAD_URL, status_code=403,
                        json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.read_key, secret)
        self.assertIn("'member' role", message)

    def test_read_sse_c_key_checks_length(self):
        secret = self._secret(b'sixteen byte key')
        message = self.assertCommandError(self.store.read_sse_c_key, secret)
        self.assertIn('16 bytes', message)
        self.assertNotIn('sixteen byte key', message)


class TestStore(TestKeyStoreBase):

    def test_store(self):
        secret = self.store.store('objectSecret', fakes.BINARY_KEY)

        post = self.barbican.requests('POST', 'secrets')
        self.assertEqual(1, len(post))
        self.assertEqual({'name': 'objectSecret', 'algorithm': 'aes',
                          'bit_length': 256, 'secret_type': 'symmetric'},
                         post[0].json())
        put = self.barbican.requests('PUT')
        self.assertEqual(1, len(put))
        self.assertEqual(API + 'secrets/' + secret.id, put[0].url)
        self.assertEqual(barbican.OCTET_STREAM,
                         put[0].headers['Content-Type'])
        self.assertNotIn('Content-Encoding', put[0].headers)
        self.assertEqual(fakes.BINARY_KEY, put[0].body)
        self.assertEqual(fakes.BINARY_KEY, self.barbican.payloads[secret.id])
        self.assertEqual('objectSecret', secret.name)
        self.assertEqual('ACTIVE', secret.status)

    def test_store_sends_no_payload_in_json(self):
        self.store.store('objectSecret', fakes.TEXT_KEY)
        post = self.barbican.requests('POST', 'secrets')[0]
        body = post.json()
        self.assertNotIn('payload', body)
        self.assertNotIn('payload_content_type', body)
        self.assertNotIn('payload_content_encoding', body)
        for form in _forms(fakes.TEXT_KEY):
            self.assertNotIn(form, post.text)

    def test_store_forbidden(self):
        self.mocker.post(API + 'secrets/', status_code=403,
                         json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.store, 'objectSecret',
                                          fakes.TEXT_KEY)
        self.assertIn("storing keys needs the 'member' role", message)
        self.assertEqual([], self.barbican.requests('PUT'))

    def test_store_failed_put_removes_the_secret(self):
        self.mocker.put(SECRET_URL, status_code=500, text='boom')
        message = self.assertCommandError(self.store.store, 'objectSecret',
                                          fakes.TEXT_KEY)
        self.assertIn('Barbican failed (HTTP 500)', message)
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'secrets')))
        self.assertEqual({}, self.barbican.secrets)


def _forms(key):
    """The forms in which a leaked key could appear in text."""
    forms = [base64.b64encode(key).decode(), key.hex(), key.hex().upper(),
             repr(key)]
    try:
        forms.append(key.decode('ascii'))
    except UnicodeDecodeError:
        pass
    return forms


class TestCreateKey(TestKeyStoreBase):

    def test_create_with_key(self):
        secret, key = self.store.create_key('objectSecret', fakes.TEXT_KEY)
        self.assertEqual(fakes.TEXT_KEY, key)
        self.assertEqual('objectSecret', secret.name)
        self.assertEqual(fakes.TEXT_KEY, self.barbican.payloads[secret.id])
        # Name check, POST, PUT, read back.
        self.assertEqual(
            ['GET', 'POST', 'PUT', 'GET', 'GET'],
            [r.method for r in self.mocker.request_history
             if '/v1/secrets' in r.url])
        self.assertEqual(1, len(self.barbican.requests('GET', 'payload')))

    def test_create_refuses_a_taken_name(self):
        taken = self.barbican.add('objectSecret')
        message = self.assertCommandError(self.store.create_key,
                                          'objectSecret', fakes.TEXT_KEY)
        self.assertIn('already exists', message)
        self.assertIn(taken['secret_ref'], message)
        self.assertEqual([], self.barbican.requests('POST'))
        self.assertEqual([], self.barbican.requests('PUT'))

    def test_create_refuses_a_taken_name_before_ordering(self):
        self.barbican.add('objectSecret')
        self.assertCommandError(self.store.create_key, 'objectSecret')
        self.assertEqual([], self.barbican.requests('POST'))

    def test_create_allows_a_like_match(self):
        self.barbican.add('objectSecret2')
        secret, _ = self.store.create_key('objectSecret', fakes.TEXT_KEY)
        self.assertEqual('objectSecret', secret.name)

    def test_create_read_back_differs(self):
        other = fakes.TEXT_KEY[::-1]
        self.mocker.get(PAYLOAD_URL, content=other)
        message = self.assertCommandError(self.store.create_key,
                                          'objectSecret', fakes.TEXT_KEY)
        self.assertIn('different bytes', message)
        self.assertIn('removed', message)
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'secrets')))
        self.assertEqual({}, self.barbican.secrets)
        for form in _forms(fakes.TEXT_KEY) + _forms(other):
            self.assertNotIn(form, message)

    def test_create_read_back_wrong_length(self):
        self.mocker.get(PAYLOAD_URL, content=fakes.TEXT_KEY[:31])
        message = self.assertCommandError(self.store.create_key,
                                          'objectSecret', fakes.TEXT_KEY)
        self.assertIn('31 bytes', message)
        self.assertEqual({}, self.barbican.secrets)

    def test_create_failed_removal_is_not_reported_as_removed(self):
        self.mocker.get(PAYLOAD_URL, content=fakes.TEXT_KEY[::-1])
        self.mocker.delete(SECRET_URL, status_code=500, text='boom')
        self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        message = self.assertCommandError(self.store.create_key,
                                          'objectSecret', fakes.TEXT_KEY)
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'secrets')))
        self.assertEqual(1, len(self.barbican.secrets))
        # The secret is still there: the message must not claim otherwise.
        self.assertNotIn('was removed again', message)

    def test_create_by_order(self):
        self.barbican.order_polls = 2
        secret, key = self.store.create_key('objectSecret')

        self.assertEqual(b'G' * 32, key)
        self.assertEqual('objectSecret', secret.name)
        order = self.barbican.requests('POST', 'orders')
        self.assertEqual(1, len(order))
        self.assertEqual(
            {'type': 'key',
             'meta': {'name': 'objectSecret', 'algorithm': 'aes',
                      'bit_length': 256,
                      'payload_content_type': 'application/octet-stream'}},
            order[0].json())
        # An SSE-C key must never expire: no expiration is sent.
        self.assertNotIn('expiration', order[0].json()['meta'])
        self.assertEqual([], self.barbican.requests('POST', 'secrets'))
        self.assertEqual([], self.barbican.requests('PUT'))
        self.assertEqual(3, len(self.barbican.requests('GET', 'orders')))
        self.assertEqual([0.05, 0.1], self.clock.sleeps)

    def test_create_by_order_wrong_length(self):
        def short_key(request, context):
            return b'G' * 16

        self.mocker.get(PAYLOAD_URL, content=short_key)
        message = self.assertCommandError(self.store.create_key,
                                          'objectSecret')
        self.assertIn('16 bytes', message)
        self.assertIn('removed', message)
        self.assertEqual({}, self.barbican.secrets)


class TestGenerateByOrder(TestKeyStoreBase):

    def test_polls_until_active(self):
        self.barbican.order_polls = 4
        secret = self.store.generate_by_order('objectSecret', timeout=60)
        self.assertEqual('objectSecret', secret.name)
        self.assertEqual('ACTIVE', secret.status)
        (order,) = self.barbican.orders.values()
        self.assertEqual(order['secret_ref'], secret.href)
        self.assertEqual(5, len(self.barbican.requests('GET', 'orders')))
        self.assertEqual([0.05, 0.1, 0.2, 0.4], self.clock.sleeps)

    def test_delay_is_capped(self):
        self.barbican.order_polls = 8
        self.store.generate_by_order('objectSecret', timeout=60)
        self.assertEqual([0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0],
                         self.clock.sleeps)

    def test_order_error(self):
        self.mocker.get(ORDER_URL, json={
            'order_ref': API + 'orders/x', 'status': 'ERROR',
            'error_status_code': '400',
            'error_reason': 'No plugin was found that supports the '
                            'requested algorithm'})
        message = self.assertCommandError(self.store.generate_by_order,
                                          'objectSecret')
        self.assertIn('could not generate the key', message)
        self.assertIn('No plugin was found that supports the requested '
                      'algorithm', message)
        self.assertIn('--generate-locally', message)

    def test_order_timeout_deletes_the_order(self):
        self.barbican.order_polls = 10 ** 6
        message = self.assertCommandError(self.store.generate_by_order,
                                          'objectSecret', timeout=0.01)
        self.assertIn('still PENDING', message)
        self.assertIn('--timeout', message)
        self.assertEqual({}, self.barbican.orders)
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'orders')))
        self.assertEqual([], self.barbican.requests('DELETE', 'secrets'))

    def test_order_timeout_after_polling(self):
        self.barbican.order_polls = 10 ** 6
        self.assertCommandError(self.store.generate_by_order,
                                'objectSecret', timeout=1.0)
        self.assertLessEqual(sum(self.clock.sleeps), 1.0)
        self.assertTrue(self.clock.sleeps)
        self.assertEqual({}, self.barbican.orders)

    def test_order_timeout_deletes_a_late_secret(self):
        # The order is PENDING at the last poll, and has finished by the
        # time it is cleaned up: its secret must go too.
        self.barbican.order_polls = 1
        message = self.assertCommandError(self.store.generate_by_order,
                                          'objectSecret', timeout=0.01)
        self.assertIn('still PENDING', message)
        self.assertEqual({}, self.barbican.orders)
        self.assertEqual({}, self.barbican.secrets)
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'orders')))
        self.assertEqual(1, len(self.barbican.requests('DELETE', 'secrets')))

    def test_order_forbidden(self):
        self.mocker.post(API + 'orders/', status_code=403,
                         json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.generate_by_order,
                                          'objectSecret')
        self.assertIn("'member' role", message)


class TestDelete(TestKeyStoreBase):

    def test_delete(self):
        secret = barbican.Secret.from_api(self.barbican.add('objectSecret'))
        self.store.delete(secret)
        self.assertEqual({}, self.barbican.secrets)

    def test_delete_refuses_consumers(self):
        secret = barbican.Secret.from_api(self.barbican.add(
            'objectSecret', consumers=[{'service': 'image',
                                        'resource_type': 'image',
                                        'resource_id': 'i1'}]))
        message = self.assertCommandError(self.store.delete, secret)
        self.assertIn('image/image/i1', message)
        self.assertIn('--force', message)
        self.assertEqual([], self.barbican.requests('DELETE'))

    def test_delete_is_one_request_and_forced_only_on_request(self):
        used = barbican.Secret.from_api(self.barbican.add(
            'used', consumers=[{'service': 'image', 'resource_type': 'image',
                                'resource_id': 'i1'}]))
        free = barbican.Secret.from_api(self.barbican.add('free'))
        self.store.delete(free)
        self.store.delete(used, force=True)
        made = [r for r in self.barbican.requests()
                if 'secrets' in r.url]
        self.assertEqual(['DELETE', 'DELETE'], [r.method for r in made])
        self.assertEqual({}, made[0].qs)
        self.assertEqual({'force': ['true']}, made[1].qs)

    def test_delete_forbidden(self):
        secret = barbican.Secret.from_api(self.barbican.add('objectSecret'))
        self.mocker.delete(SECRET_URL, status_code=403,
                           json={'code': 403, 'title': 'Forbidden'})
        message = self.assertCommandError(self.store.delete, secret)
        self.assertIn("'admin' role", message)


class TestKeysStayOutOfLogs(TestKeyStoreBase):
    """``openstack --debug`` logs requests; key bytes must never be in it."""

    def setUp(self):
        super().setUp()
        # A handler on the root logger at DEBUG: every logger, keystoneauth's
        # request/response log included, ends up here.
        self.log = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG,
            format='%(levelname)s %(name)s %(message)s'))

    def assertNoKey(self, key):
        text = self.log.output
        for form in _forms(key):
            self.assertNotIn(form, text)

    def test_logging_is_captured(self):
        self.store.store('objectSecret', fakes.TEXT_KEY)
        # keystoneauth logs requests and their JSON bodies here.
        self.assertIn('keystoneauth', self.log.output)
        self.assertIn('REQ: curl', self.log.output)
        self.assertIn('"secret_type": "symmetric"', self.log.output)

    def test_store_logs_no_key(self):
        self.store.store('objectSecret', fakes.TEXT_KEY)
        self.assertNoKey(fakes.TEXT_KEY)

    def test_read_key_logs_no_key(self):
        secret = barbican.Secret.from_api(
            self.barbican.add('objectSecret', payload=fakes.TEXT_KEY))
        self.assertEqual(fakes.TEXT_KEY, self.store.read_key(secret))
        self.assertIn(secret.id, self.log.output)
        self.assertNoKey(fakes.TEXT_KEY)

    def test_read_key_as_text_response_logs_no_key(self):
        # A server that labels the payload text/plain: keystoneauth would
        # log such a body if the request were logged at all.
        secret = barbican.Secret.from_api(
            self.barbican.add('objectSecret', payload=fakes.TEXT_KEY))
        self.mocker.get(PAYLOAD_URL, content=fakes.TEXT_KEY,
                        headers={'Content-Type': 'text/plain'})
        self.store.read_key(secret)
        self.assertNoKey(fakes.TEXT_KEY)

    def test_create_key_logs_no_key(self):
        self.store.create_key('objectSecret', fakes.TEXT_KEY)
        self.assertNoKey(fakes.TEXT_KEY)

    def test_binary_key_logs_no_key(self):
        self.store.create_key('objectSecret', fakes.BINARY_KEY)
        self.assertNoKey(fakes.BINARY_KEY)
