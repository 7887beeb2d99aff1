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

"""OpenStackClient plugin hook for the ``objectsecret`` commands.

``openstack`` imports this module on every start, so it imports nothing
beyond the standard library and osc-lib; the Barbican client is built, and
barbicanclient imported, only when a command first asks for it.
"""

from osc_lib import utils

API_NAME = 'objectsecret'
API_VERSION_OPTION = 'os_objectsecret_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',)


def make_client(instance):
    """Build the key store from OSC's own session, region and interface.

    Building it here, rather than using ``client_manager.key_manager``,
    keeps the commands independent of ``--os-key-manager-api-version``.
    """
    from osc_ssec import barbican

    return barbican.KeyStore(
        session=instance.session,
        region_name=instance.region_name,
        interface=instance.interface,
    )


def build_option_parser(parser):
    """Add ``--os-objectsecret-api-version``.

    The default stays ``None`` so that clouds.yaml's
    ``objectsecret_api_version`` is not hidden by it.
    """
    parser.add_argument(
        '--os-objectsecret-api-version',
        metavar='<objectsecret-api-version>',
        default=utils.env('OS_OBJECTSECRET_API_VERSION'),
        help='objectsecret API version, default=%s '
             '(Env: OS_OBJECTSECRET_API_VERSION)' % DEFAULT_API_VERSION,
    )
    return parser
