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


"""Barbican, seen as a store of SSE-C keys.

Every request goes through OSC's keystoneauth session. Requests whose body
carries key bytes (payload upload and download) are sent with logging
switched off, so that ``openstack --debug`` cannot print a key; every other
request is logged as usual. Every failure leaves this module as a one-line
``CommandError`` that says what went wrong and what to do about it.
"""

import contextlib
import dataclasses
import logging
import re
import shlex
import time
import uuid

from osc_lib import exceptions

from osc_ssec import keys

LOG = logging.getLogger(__name__)

DEFAULT_NAME = 'objectSecret'
DEFAULT_ORDER_TIMEOUT = 60.0
OCTET_STREAM = 'application/octet-stream'

# Barbican caps ``limit`` at 100 per page.
_PAGE_SIZE = 100
_HREF = re.compile(r'^https?://')

_CREATE_HINT = "storing keys needs the 'member' role in the project"
_READ_HINT = ("reading a key needs the 'member' role in the project that "
              "owns it, or a read ACL on the secret")
_LIST_HINT = "listing keys needs the 'member' role in the project"
_DELETE_HINT = ("deleting a key needs the 'member' role in its project and "
                "to be its creator, or the 'admin' role")


@dataclasses.dataclass(frozen=True)
class Secret:
    """A Barbican secret's metadata; never its payload."""

    href: str
    name: str
    status: str
    algorithm: str = None
    bit_length: int = None
    mode: str = None
    secret_type: str = None
    created: str = None
    expiration: str = None
    content_types: dict = dataclasses.field(default_factory=dict)
    consumers: list = dataclasses.field(default_factory=list)

    @classmethod
    def from_api(cls, body):
        return cls(
            href=body['secret_ref'],
            name=body.get('name'),
            status=body.get('status'),
            algorithm=body.get('algorithm'),
            bit_length=body.get('bit_length'),
            mode=body.get('mode'),
            secret_type=body.get('secret_type'),
            created=body.get('created'),
            expiration=body.get('expiration'),
            content_types=body.get('content_types') or {},
            consumers=body.get('consumers') or [],
        )

    @property
    def id(self):
        return _ref_id(self.href)

    @property
    def label(self):
        """How messages name the secret: by name and href."""
        return '%r (%s)' % (self.name, self.href)

    @property
    def consumers_text(self):
        """The consumers as ``service/resource_type/resource_id``."""
        return ', '.join(
            '%s/%s/%s' % (c.get('service'), c.get('resource_type'),
                          c.get('resource_id'))
            for c in self.consumers) or None

    @property
    def is_sse_c_candidate(self):
        """Whether the metadata says AES-256, as SSE-C keys are stored."""
        return ((self.algorithm or '').lower() == keys.ALGORITHM
                and self.bit_length == keys.BIT_LENGTH)


class _DemoteToDebug(logging.Filter):
    """Turn barbicanclient's error log lines into debug lines.

    barbicanclient logs every HTTP error at ERROR before raising it; OSC
    prints those on stderr, above the one-line message this module raises
    for the same error. Under ``--debug`` they still show.
    """

    def filter(self, record):
        if record.levelno > logging.DEBUG:
            record.levelno = logging.DEBUG
            record.levelname = logging.getLevelName(logging.DEBUG)
        return True


# keystoneauth warns here when version discovery fails, e.g. when Barbican
# is unreachable, above the one-line error that follows.
_DISCOVERY_LOG = 'keystoneauth.discover'


@contextlib.contextmanager
def _demoted(logger_name):
    """Demote *logger_name*'s records to debug for the duration."""
    logger = logging.getLogger(logger_name)
    demote = _DemoteToDebug()
    logger.addFilter(demote)
    try:
        yield
    finally:
        logger.removeFilter(demote)


def _demote_barbicanclient_errors():
    # Filters apply only to records logged by the logger itself, not to
    # those passed up from children: attach to the one that logs.
    logger = logging.getLogger('barbicanclient.client')
    if not any(isinstance(f, _DemoteToDebug) for f in logger.filters):
        logger.addFilter(_DemoteToDebug())


class KeyStore:
    """SSE-C keys in the Barbican of the current OSC session."""

    def __init__(self, session, region_name=None, interface=None):
        self._session = session
        self._region_name = region_name
        self._interface = interface
        self._barbican = None

    # -- plumbing ---------------------------------------------------------

    @property
    def _client(self):
        """The barbicanclient client, created on first use.

        Creating it costs a version-discovery request, so commands that
        never talk to Barbican never pay for it.
        """
        if self._barbican is None:
            from barbicanclient import client as barbican_client

            _demote_barbicanclient_errors()
            with self._errors('reach Barbican'), _demoted(_DISCOVERY_LOG):
                self._barbican = barbican_client.Client(
                    session=self._session,
                    region_name=self._region_name,
                    interface=self._interface,
                )
        return self._barbican

    @property
    def _http(self):
        return self._client.client

    @contextlib.contextmanager
    def _errors(self, action, forbidden_hint=None, not_found=None):
        """Turn any failure of *action* into a one-line CommandError."""
        from barbicanclient import exceptions as barbican_exc
        from keystoneauth1 import exceptions as ks_exc

        try:
            yield
        except exceptions.CommandError:
            raise
        except barbican_exc.HTTPAuthError:
            raise _error(
                'Cannot %s: Barbican rejected the credentials (HTTP 401); '
                'check the auth settings of your cloud (clouds.yaml, '
                '--os-cloud or OS_* variables)' % action)
        except barbican_exc.HTTPClientError as exc:
            status = exc.status_code
            if status == 403:
                raise _error('Cannot %s: permission denied (HTTP 403): %s'
                             % (action, forbidden_hint or 'ask the project '
                                'admin which role you need'))
            if status == 404 and not_found:
                raise _error(not_found)
            raise _error('Cannot %s: Barbican refused the request '
                         '(HTTP %s): %s' % (action, status, exc))
        except barbican_exc.HTTPServerError as exc:
            raise _error(
                'Cannot %s: Barbican failed (HTTP %s): %s; try again, and '
                'tell your cloud operator if it persists'
                % (action, exc.status_code, exc))
        except ks_exc.EndpointNotFound:
            raise _error(
                'Cannot %s: the service catalog has no key-manager '
                '(Barbican) endpoint for region %s and interface %s; check '
                '--os-region-name and --os-interface'
                % (action, self._region_name or '(any)',
                   self._interface or 'public'))
        except (ks_exc.ConnectFailure, ks_exc.ConnectTimeout,
                ks_exc.RetriableConnectionFailure) as exc:
            raise _error(
                'Cannot %s: Barbican is unreachable (%s); check your network '
                'and the key-manager endpoint in the service catalog'
                % (action, type(exc).__name__))
        except ks_exc.Unauthorized:
            raise _error(
                'Cannot %s: Keystone rejected the credentials (HTTP 401); '
                'check the auth settings of your cloud (clouds.yaml, '
                '--os-cloud or OS_* variables)' % action)
        except ks_exc.ClientException as exc:
            raise _error('Cannot %s: %s' % (action, exc))

    # -- lookups ----------------------------------------------------------

    def get(self, ref):
        """Return the secret named by an href, a UUID or an exact name."""
        if _HREF.match(ref) or _is_uuid(ref):
            secret_id = _ref_id(ref)
            if not _is_uuid(secret_id):
                raise _error('%s is not a secret href: it should end in the '
                             "secret's UUID" % ref)
            with self._errors(
                    'look up secret %s' % ref, _READ_HINT,
                    not_found='No secret %s in this project; "openstack '
                              'objectsecret list" shows the keys you can '
                              'use' % ref):
                return Secret.from_api(
                    self._http.get('secrets/%s' % secret_id))
        matches = self.find_by_name(ref)
        if not matches:
            raise _error(
                'No secret named %r in this project; "openstack objectsecret '
                'list" shows the keys you can use, "openstack objectsecret '
                'create %s" makes one' % (ref, shlex.quote(ref)))
        if len(matches) > 1:
            raise _error(
                '%d secrets are named %r: %s; pass the href of the one you '
                'mean' % (len(matches), ref,
                          ', '.join(s.href for s in matches)))
        return matches[0]

    def find_by_name(self, name, action=None, forbidden_hint=_LIST_HINT):
        """Return every secret whose name is exactly *name*.

        Barbican's ``name`` filter is an SQL LIKE (``%`` and ``_`` match
        anything), so the exact match happens here.
        """
        action = action or 'find secrets named %r' % name
        return [s for s in self._pages(action, forbidden_hint, name=name)
                if s.name == name]

    def list_keys(self):
        """Return the project's AES-256 secrets: the possible SSE-C keys."""
        return [s for s in self._pages('list secrets', _LIST_HINT,
                                       alg=keys.ALGORITHM,
                                       bits=keys.BIT_LENGTH)
                if s.is_sse_c_candidate]

    def _pages(self, action, forbidden_hint, **filters):
        offset = 0
        while True:
            params = dict(filters, limit=_PAGE_SIZE, offset=offset)
            with self._errors(action, forbidden_hint):
                body = self._http.get('secrets', params=params)
            page = body.get('secrets', [])
            yield from (Secret.from_api(s) for s in page)
            offset += len(page)
            if len(page) < _PAGE_SIZE or offset >= body.get('total', 0):
                return

    # -- key material -----------------------------------------------------

    def read_key(self, secret):
        """Return the raw payload bytes of *secret*.

        Asked for as application/octet-stream, so that binary keys come back
        intact and keys stored as text by the manual recipe come back as
        their bytes.
        """
        if secret.status != 'ACTIVE':
            raise _error('Secret %s is %s, not ACTIVE: it holds no usable '
                         'key' % (secret.label, secret.status))
        LOG.debug('GET %s/payload (not logged: it carries a key)',
                  secret.href)
        with self._errors('read key %s' % secret.label, _READ_HINT,
                          not_found='Secret %s has no payload'
                                    % secret.label):
            response = self._http.request(
                'secrets/%s/payload' % secret.id, 'GET',
                headers={'Accept': OCTET_STREAM}, log=False)
        return response.content

    def read_sse_c_key(self, secret):
        """Return the key of *secret*, checked to be usable for SSE-C."""
        key = self.read_key(secret)
        try:
            keys.check(key)
        except keys.InvalidKey as exc:
            raise _error('Secret %s is %s' % (secret.label, exc))
        return key

    # -- creation ---------------------------------------------------------

    def create_key(self, name, key=None, timeout=DEFAULT_ORDER_TIMEOUT):
        """Make a new SSE-C key named *name* and return its secret.

        Without *key*, Barbican generates it through an order; with *key*,
        those bytes are stored. Either way the payload is read back and
        compared before the secret is handed out, and a secret that fails
        the check is deleted again: a key that cannot be read back
        unchanged would encrypt data nobody can decrypt.
        """
        self.ensure_name_free(name)
        if key is None:
            secret = self.generate_by_order(name, timeout=timeout)
        else:
            secret = self.store(name, key)
        try:
            stored = self.read_sse_c_key(secret)
            if key is not None and stored != key:
                raise _error('Barbican returned different bytes than were '
                             'stored for %s' % secret.label)
        except exceptions.CommandError as exc:
            if self.delete_quietly(secret.href):
                raise _error('%s; the new secret was removed again' % exc)
            raise _error('%s; the new secret %s could not be removed: delete '
                         'it with "openstack objectsecret delete %s"'
                         % (exc, secret.href, secret.href))
        return secret, stored

    def ensure_name_free(self, name):
        taken = self.find_by_name(
            name, action='check that the name %r is free' % name,
            forbidden_hint=_CREATE_HINT)
        if taken:
            raise _error(
                'A secret named %r already exists (%s); choose another name, '
                'or use that key: "openstack objectsecret show %s"'
                % (name, taken[0].href, shlex.quote(name)))

    def generate_by_order(self, name, timeout=DEFAULT_ORDER_TIMEOUT):
        """Have Barbican generate a 256-bit AES key and return its secret.

        The key is made by Barbican's crypto backend and never travels in
        a request body. An order that does not finish within *timeout*
        seconds is deleted, with its secret if one appeared meanwhile.
        """
        with self._errors('order a key from Barbican', _CREATE_HINT):
            order = self._client.orders.create_key(
                name=name, algorithm=keys.ALGORITHM,
                bit_length=keys.BIT_LENGTH,
                payload_content_type=OCTET_STREAM)
            order_ref = order.submit()
        order_id = _ref_id(order_ref)
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            with self._errors('follow Barbican order %s' % order_ref):
                body = self._http.get('orders/%s' % order_id)
            status = body.get('status')
            if status == 'ACTIVE':
                return self.get(body['secret_ref'])
            if status == 'ERROR':
                raise _error(
                    'Barbican could not generate the key (order %s: %s %s); '
                    'use --generate-locally if this cloud cannot run orders'
                    % (order_ref, body.get('error_status_code', ''),
                       body.get('error_reason', 'no reason given')))
            if time.monotonic() + delay > deadline:
                self._abandon_order(order_id)
                raise _error(
                    'Barbican order %s is still %s after %g seconds; raise '
                    '--timeout, or use --generate-locally if this cloud '
                    'cannot run orders' % (order_ref, status, timeout))
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _abandon_order(self, order_id):
        """Delete a late order, and its secret if it finished meanwhile."""
        with self._errors('clean up a timed-out Barbican order'):
            body = self._http.get('orders/%s' % order_id)
            self._http.delete('orders/%s' % order_id)
        if body.get('secret_ref'):
            self.delete_quietly(body['secret_ref'])

    def store(self, name, key):
        """Store *key* as a new symmetric secret and return it.

        Metadata and payload go in two requests, so that the payload can be
        sent with logging off: a one-step POST would carry the key in a JSON
        body that ``--debug`` prints.
        """
        with self._errors('store the key in Barbican', _CREATE_HINT):
            created = self._http.post('secrets', json={
                'name': name,
                'algorithm': keys.ALGORITHM,
                'bit_length': keys.BIT_LENGTH,
                'secret_type': 'symmetric',
            })
        href = created['secret_ref']
        try:
            LOG.debug('PUT %s (not logged: it carries a key)', href)
            with self._errors('store the key in Barbican', _CREATE_HINT):
                self._http.request(
                    'secrets/%s' % _ref_id(href), 'PUT', data=key,
                    headers={'Content-Type': OCTET_STREAM}, log=False)
        except exceptions.CommandError:
            self.delete_quietly(href)
            raise
        return self.get(href)

    # -- removal ----------------------------------------------------------

    @staticmethod
    def check_deletable(secret, force=False):
        """Refuse a secret that Barbican knows something depends on."""
        if secret.consumers and not force:
            raise _error(
                'Secret %s has consumers (%s): something depends on it; '
                'pass --force to delete it anyway'
                % (secret.label, secret.consumers_text))

    def delete(self, secret, force=False):
        self.check_deletable(secret, force)
        # A DELETE of our own: the consumers were checked just above, where
        # barbicanclient's delete would fetch the secret once more. Barbican
        # 23 refuses secrets with consumers unless told ``force``.
        with self._errors('delete secret %s' % secret.label, _DELETE_HINT,
                          not_found='Secret %s no longer exists'
                                    % secret.label):
            self._http.delete('secrets/%s' % secret.id,
                              params={'force': 'true'} if force else None)

    def delete_quietly(self, href):
        """Best-effort removal of a secret this process just created.

        Returns whether it is gone, so that callers report the truth.
        """
        try:
            with self._errors('delete secret %s' % href, _DELETE_HINT):
                self._http.delete('secrets/%s' % _ref_id(href))
        except exceptions.CommandError as exc:
            LOG.warning('Could not remove secret %s: %s; delete it with '
                        '"openstack objectsecret delete %s"', href, exc, href)
            return False
        return True


def _ref_id(ref):
    """The UUID at the end of an href (or the UUID itself)."""
    return ref.rstrip('/').rsplit('/', 1)[-1]


def _error(message):
    """A CommandError whose message is one line."""
    return exceptions.CommandError(' '.join(str(message).split()))


def _is_uuid(text):
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
