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

"""A real Keystone and Barbican on loopback, with users for each role.

The functional tests, the end-to-end tests, the demo and the benchmarks
run the real `openstack` client against this cloud, so what they check is
what a user of a real cloud gets: Keystone tokens and catalog, Barbican's
default policies and its storage of secrets.
"""

import json
import pathlib
import secrets

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import yaml

from tests.localcloud import barbican
from tests.localcloud import keystone
from tests.localcloud import process

# user -> (project, roles there). The admin user and project come from
# keystone-manage bootstrap.
USERS = {
    keystone.ADMIN_USER: (keystone.ADMIN_PROJECT, ('admin',)),
    barbican.SERVICE_USER: (barbican.SERVICE_PROJECT, barbican.SERVICE_ROLES),
    'alice': ('demo', ('member',)),
    'bob': ('demo', ('reader',)),
    'carol': ('other', ('member',)),
}

# clouds.yaml cloud name -> user
CLOUDS = {
    'admin': keystone.ADMIN_USER,
    'member': 'alice',
    'reader': 'bob',
    'other': 'carol',
}

INTERFACES = ('public', 'internal', 'admin')


class LocalCloud:
    """Keystone and Barbican servers, their users and a clouds.yaml.

    Every file (configurations, databases, keys, logs) lives under
    state_dir, which must be empty or absent: a cloud is made from nothing
    each time, so no test depends on what an earlier run left behind.
    """

    def __init__(self, state_dir):
        self.state_dir = pathlib.Path(state_dir)
        self.clouds_yaml = self.state_dir / 'clouds.yaml'
        self.keystone_url = None
        self.barbican_url = None
        self.users = {}
        self.projects = {}
        self._regions = {keystone.REGION}
        self._passwords = {}
        self._keystone = None
        self._barbican = None
        self._session = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Start Keystone and Barbican and register what they need.

        On any failure, stop what was started and raise LocalCloudError
        (or KeyboardInterrupt, on an interrupt).
        """
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def stop(self):
        """Stop every server this cloud started; safe to call again."""
        process.stop([server.process for server in (self._barbican,
                                                    self._keystone)
                      if server])

    def env(self, name):
        """Environment for a real `openstack` run as cloud name."""
        if name not in CLOUDS:
            raise ValueError(f'no cloud {name!r}; clouds: {", ".join(CLOUDS)}')
        return process.clean_env(OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml),
                                 OS_CLOUD=name)

    def admin_session(self):
        """A keystoneauth1 Session of the admin user in project admin."""
        return self._session

    def add_endpoint(self, service_type, service_name, url,
                     region=keystone.REGION):
        """Register a service and its three endpoints in region.

        A region other than the bootstrap one is created on first use: a
        test can give itself a catalog of its own, selected with
        `openstack --os-region-name`, without changing anyone else's.

        :returns: the service's id.
        """
        if region not in self._regions:
            self._create('regions', 'region', id=region)
            self._regions.add(region)
        service = self._create('services', 'service',
                               type=service_type, name=service_name)
        for interface in INTERFACES:
            self._create('endpoints', 'endpoint', service_id=service,
                         interface=interface, url=url, region_id=region)
        return service

    def set_keystone_policy(self, rules):
        """Override Keystone policy rules, {name: check string}, at once.

        Keystone re-reads its policy file when it changes, so this takes
        effect from the next request; set_keystone_policy({}) restores
        the defaults.
        """
        self._keystone.set_policy(rules)

    def create_ec2_credential(self, cloud_name, access, secret):
        """An EC2 credential with this access/secret pair for a cloud.

        It belongs to the cloud's user and project, as the one that
        `openstack ec2 credentials create` would make, but with a pair
        that can also be given to an S3 server.

        :returns: the credential's id.
        """
        user = CLOUDS[cloud_name]
        blob = json.dumps({'access': access, 'secret': secret})
        return self._create('credentials', 'credential', type='ec2',
                            user_id=self.users[user],
                            project_id=self.projects[USERS[user][0]],
                            blob=blob)

    def _start(self):
        if self.state_dir.exists() and any(self.state_dir.iterdir()):
            raise process.LocalCloudError(
                f'state directory {self.state_dir} is not empty')
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._passwords = {user: secrets.token_urlsafe(16) for user in USERS}
        keystone_port, barbican_port = process.free_ports(2)
        self._keystone = keystone.Keystone(
            self.state_dir, keystone_port,
            self._passwords[keystone.ADMIN_USER])
        self._barbican = barbican.Barbican(
            self.state_dir, barbican_port, self._keystone.url,
            self._passwords[barbican.SERVICE_USER])
        self.keystone_url = self._keystone.url
        self.barbican_url = self._barbican.url
        # Barbican boots while Keystone is set up: it needs Keystone only
        # from its first authenticated request on, after _register().
        self._barbican.launch()
        self._keystone.start()
        self._register()
        self._barbican.wait()
        self._check_barbican()
        self._write_clouds_yaml()

    def _auth(self, user):
        return {
            'auth_url': self.keystone_url,
            'username': user,
            'password': self._passwords[user],
            'project_name': USERS[user][0],
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
        }

    def _register(self):
        """Create projects, users, role assignments and the key-manager.

        Over the REST API from this process: one `openstack` process per
        step would cost about a second each.
        """
        auth = v3.Password(**self._auth(keystone.ADMIN_USER))
        self._session = ks_session.Session(auth=auth)
        try:
            self.users[keystone.ADMIN_USER] = self._session.get_user_id()
            self.projects[keystone.ADMIN_PROJECT] = (
                self._session.get_project_id())
            listed = self._session.get(self.keystone_url + '/roles').json()
            roles = {role['name']: role['id'] for role in listed['roles']}
            for project, _ in USERS.values():
                if project not in self.projects:
                    self.projects[project] = self._create(
                        'projects', 'project', name=project,
                        domain_id='default')
            for user, (project, user_roles) in USERS.items():
                if user not in self.users:
                    self.users[user] = self._create(
                        'users', 'user', name=user, domain_id='default',
                        password=self._passwords[user],
                        default_project_id=self.projects[project])
                    self._grant(user, project, [roles[r] for r in user_roles])
            self.add_endpoint('key-manager', 'barbican', self.barbican_url)
        except ks_exceptions.ClientException as exc:
            raise self._keystone.error(f'registration failed: {exc}')

    def _create(self, collection, kind, **attributes):
        """POST a Keystone resource; return its id."""
        response = self._session.post(f'{self.keystone_url}/{collection}',
                                      json={kind: attributes})
        return response.json()[kind]['id']

    def _grant(self, user, project, role_ids):
        for role_id in role_ids:
            self._session.put(
                f'{self.keystone_url}/projects/{self.projects[project]}'
                f'/users/{self.users[user]}/roles/{role_id}')

    def _check_barbican(self):
        """Store, read and delete a secret, to fail here on a bad setup.

        Without it a wrong keystone_authtoken section or crypto plugin
        would only show up as 401, 500 or 503 answers in the tests.
        """
        secrets_url = self.barbican_url + '/v1/secrets'
        payload = secrets.token_hex(16)
        try:
            ref = self._session.post(secrets_url, json={
                'payload': payload, 'payload_content_type': 'text/plain',
            }).json()['secret_ref']
            stored = self._session.get(
                ref + '/payload', headers={'Accept': 'text/plain'}).text
            self._session.delete(ref)
        except ks_exceptions.ClientException as exc:
            raise self._barbican.error(f'secret round trip failed: {exc}')
        if stored != payload:
            raise self._barbican.error(
                f'secret round trip returned {stored!r}, not {payload!r}')

    def _write_clouds_yaml(self):
        clouds = {
            name: {
                'auth': self._auth(user),
                'region_name': keystone.REGION,
                'interface': 'public',
                'identity_api_version': 3,
            }
            for name, user in CLOUDS.items()
        }
        self.clouds_yaml.write_text(
            yaml.safe_dump({'clouds': clouds}, default_flow_style=False))
