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


"""An rclone S3 remote, derived from the user's OpenStack session.

Everything rclone needs besides the SSE-C key is already known to the
cloud: the S3 endpoint is in the service catalog (or in clouds.yaml) and
the S3 access keys are the user's EC2 credentials in Keystone.
"""

import contextlib
import dataclasses
import re
import urllib.parse

from osc_lib import exceptions

# Ceph RGW serves Swift under /swift/v1[/AUTH_<project>] and S3 at the root.
_SWIFT_PATH = re.compile(r'/swift/v1(/.*)?$')


@dataclasses.dataclass(frozen=True)
class Ec2Credential:
    access: str
    secret: str = dataclasses.field(repr=False)


def swift_to_s3(url):
    """Return the S3 endpoint of a Ceph RGW object-store endpoint, or None."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip('/')
    if not _SWIFT_PATH.search(path):
        return None
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, _SWIFT_PATH.sub('', path), '', ''))


def check_endpoint(url, allow_http=False):
    """Refuse endpoints that would carry the key in clear text."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == 'https':
        return url
    if scheme == 'http':
        if allow_http:
            return url
        raise exceptions.CommandError(
            'The S3 endpoint %s is not https: the SSE-C key would cross the '
            'network in clear text. Use an https endpoint, or pass '
            '--allow-http if this network is trusted' % url)
    raise exceptions.CommandError(
        'The S3 endpoint %r is not an http(s) URL; pass one with --endpoint'
        % url)


def find_endpoint(client_manager, explicit=None):
    """Return the S3 endpoint URL, from the first source that has one.

    The order: *explicit* (``--endpoint``); ``s3_endpoint_override`` of
    the cloud in clouds.yaml; a catalog service of type ``s3``; the
    ``object-store`` endpoint with its Swift path removed. All for the
    session's region and interface.
    """
    if explicit:
        return explicit
    from keystoneauth1 import exceptions as ks_exc

    region = client_manager.region_name
    interface = client_manager.interface or 'public'
    config = client_manager.get_configuration()
    if config.get('s3_endpoint_override'):
        return config['s3_endpoint_override']
    catalog = _catalog(client_manager)
    try:
        return catalog.url_for(service_type='s3', interface=interface,
                               region_name=region)
    except ks_exc.EndpointNotFound:
        pass
    try:
        swift = catalog.url_for(service_type='object-store',
                                interface=interface, region_name=region)
    except ks_exc.EndpointNotFound:
        swift = None
    s3 = swift and swift_to_s3(swift)
    if s3:
        return s3
    raise exceptions.CommandError(
        'Cannot find an S3 endpoint: the service catalog has no "s3" '
        'service and no Ceph "object-store" endpoint (/swift/v1) for region '
        '%s and interface %s. Pass it with --endpoint URL, or set '
        's3_endpoint_override for this cloud in clouds.yaml'
        % (region or '(any)', interface))


def _catalog(client_manager):
    with _identity_errors('read the service catalog'):
        return client_manager.auth_ref.service_catalog


def find_ec2_credential(client_manager, create=False):
    """Return an EC2 credential of the current user for the current project.

    An existing credential is reused; a new one is created only when
    *create* is true, and only when none exists, so that repeated calls
    never pile up credentials. The responses carry the secret access key,
    so they are never logged.
    """
    session = client_manager.session
    with _identity_errors('read your EC2 credentials'):
        user_id = session.get_user_id()
        project_id = session.get_project_id()
        path = '/users/%s/credentials/OS-EC2' % user_id
        found = _identity(client_manager, 'GET', path).json()['credentials']
        mine = sorted((c for c in found if c.get('tenant_id') == project_id),
                      key=lambda c: c['access'])
        if mine:
            return Ec2Credential(mine[0]['access'], mine[0]['secret'])
    if not create:
        raise exceptions.CommandError(
            'You have no EC2 credential for project %s, so rclone has no S3 '
            'access key. Create one with "openstack ec2 credentials '
            'create", or pass --create-ec2-credential' % project_id)
    with _identity_errors('create an EC2 credential'):
        made = _identity(client_manager, 'POST', path,
                         json={'tenant_id': project_id}).json()['credential']
    return Ec2Credential(made['access'], made['secret'])


def _identity(client_manager, method, path, **kwargs):
    return client_manager.session.request(
        path, method, log=False,
        endpoint_filter={'service_type': 'identity',
                         'interface': client_manager.interface or 'public',
                         'region_name': client_manager.region_name,
                         'version': (3, 0)},
        **kwargs)


@contextlib.contextmanager
def _identity_errors(action):
    """Turn keystoneauth failures into one-line CommandErrors."""
    from keystoneauth1 import exceptions as ks_exc

    try:
        yield
    except ks_exc.Forbidden:
        raise exceptions.CommandError(
            'Cannot %s: Keystone denied it (HTTP 403); ask your cloud '
            'operator for permission to use EC2 credentials, or pass the '
            'endpoint and S3 keys to rclone some other way' % action)
    except ks_exc.ClientException as exc:
        raise exceptions.CommandError(
            'Cannot %s: %s' % (action, ' '.join(str(exc).split())))
