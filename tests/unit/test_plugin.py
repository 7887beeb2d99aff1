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

"""The OpenStackClient plugin hook: options, client and import cost."""

import argparse
import json
import os
import pkgutil
import subprocess
import sys
from unittest import mock

import fixtures
import testtools

import osc_ssec.v1
from osc_ssec import plugin


class TestPluginAttributes(testtools.TestCase):

    def test_names(self):
        self.assertEqual('objectsecret', plugin.API_NAME)
        self.assertEqual('os_objectsecret_api_version',
                         plugin.API_VERSION_OPTION)
        self.assertIn(plugin.DEFAULT_API_VERSION, plugin.API_VERSIONS)


class TestBuildOptionParser(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_OBJECTSECRET_API_VERSION'))

    def test_returns_the_parser(self):
        parser = argparse.ArgumentParser()
        self.assertIs(parser, plugin.build_option_parser(parser))

    def test_default_is_none(self):
        # A non-None default would hide clouds.yaml's objectsecret_api_version.
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        parsed = parser.parse_args([])
        self.assertIsNone(parsed.os_objectsecret_api_version)

    def test_dest_matches_api_version_option(self):
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        parsed = parser.parse_args(['--os-objectsecret-api-version', '1'])
        self.assertEqual('1', getattr(parsed, plugin.API_VERSION_OPTION))

    def test_env_is_honoured(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_OBJECTSECRET_API_VERSION', '1'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        parsed = parser.parse_args([])
        self.assertEqual('1', parsed.os_objectsecret_api_version)

    def test_option_beats_env(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_OBJECTSECRET_API_VERSION', '1'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        parsed = parser.parse_args(['--os-objectsecret-api-version', '2'])
        self.assertEqual('2', parsed.os_objectsecret_api_version)


class TestMakeClient(testtools.TestCase):

    @mock.patch('osc_ssec.barbican.KeyStore')
    def test_make_client(self, mock_keystore):
        instance = mock.Mock(spec=['session', 'region_name', 'interface'])
        instance.session = mock.sentinel.session
        instance.region_name = 'RegionTwo'
        instance.interface = 'internal'

        client = plugin.make_client(instance)

        self.assertIs(mock_keystore.return_value, client)
        mock_keystore.assert_called_once_with(
            session=mock.sentinel.session,
            region_name='RegionTwo',
            interface='internal')

    def test_make_client_builds_a_real_keystore_lazily(self):
        # Building the store must not talk to Barbican yet: no request is
        # possible through a session object that has no methods.
        from osc_ssec import barbican

        instance = mock.Mock(spec=['session', 'region_name', 'interface'])
        instance.session = object()
        instance.region_name = None
        instance.interface = 'public'

        client = plugin.make_client(instance)

        self.assertIsInstance(client, barbican.KeyStore)


# Run in a fresh interpreter: this process has long imported barbicanclient.
_IMPORT_PROBE = '''
import importlib, json, sys
import osc_lib.command.command
import osc_lib.utils
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(set(sys.modules) - before)))
'''


def _command_modules():
    return ['osc_ssec.v1.' + m.name
            for m in pkgutil.iter_modules(osc_ssec.v1.__path__)]


class TestImportCost(testtools.TestCase):
    """``openstack`` imports every plugin module at every start."""

    def _new_modules(self, names):
        env = dict(os.environ)
        env.pop('PYTHONSTARTUP', None)
        proc = subprocess.run(
            [sys.executable, '-c', _IMPORT_PROBE] + names,
            capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(0, proc.returncode,
                         'importing %s failed:\n%s' % (names, proc.stderr))
        return json.loads(proc.stdout)

    def test_command_modules_found(self):
        self.assertIn('osc_ssec.v1.objectsecret', _command_modules())

    def _assert_light(self, names):
        new = self._new_modules(names)
        for name in names:
            self.assertIn(name, new)
        heavy = [m for m in new
                 if m.split('.')[0] in ('barbicanclient', 'keystoneauth1',
                                        'keystoneclient', 'openstack')]
        self.assertEqual([], heavy)

    def test_plugin_and_key_commands_do_not_import_barbicanclient(self):
        self._assert_light(['osc_ssec.plugin', 'osc_ssec.v1.objectsecret'])

    def test_every_command_module_does_not_import_barbicanclient(self):
        self._assert_light(['osc_ssec.plugin'] + _command_modules())
