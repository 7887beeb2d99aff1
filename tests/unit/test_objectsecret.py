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

"""``openstack objectsecret create|show|list|delete`` with a mocked store."""

import base64
import io
import os
import types
from unittest import mock

import fixtures
from osc_lib import exceptions
from osc_lib.test import base

from osc_ssec import barbican
from osc_ssec.v1 import objectsecret
from tests.unit import fakes

CREATE_COLUMNS = ('Name', 'Secret href', 'Key fingerprint', 'Algorithm',
                  'Bit length', 'Secret type', 'Status', 'Created')
SHOW_COLUMNS = CREATE_COLUMNS + ('Mode', 'Expiration', 'Content types',
                                 'Consumers', 'SSE-C usable')
LIST_COLUMNS = ('Name', 'Secret href', 'Secret type', 'Status', 'Created',
                'Expiration')


def _stdin(data):
    """A stand-in for sys.stdin whose binary buffer holds *data*."""
    return types.SimpleNamespace(buffer=io.BytesIO(data))


def _tty(answers=(), isatty=True):
    """A stand-in for sys.stdin: a terminal (or not) giving *answers*."""
    stdin = mock.Mock()
    stdin.isatty.return_value = isatty
    stdin.readline.side_effect = list(answers)
    return stdin


class TestCreateObjectSecret(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.cmd = objectsecret.CreateObjectSecret(self.app, None)
        self.secret = fakes.make_secret()
        self.store.create_key.side_effect = (
            lambda name, key=None, timeout=None:
            (self.secret, fakes.TEXT_KEY if key is None else key))
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _key_file(self, content):
        path = os.path.join(self.tmp, 'key')
        with open(path, 'wb') as key_file:
            key_file.write(content)
        return path

    def _create(self, arglist, verifylist=()):
        parsed = self.check_parser(self.cmd, arglist, list(verifylist))
        return self.cmd.take_action(parsed)

    def _stored_key(self):
        self.store.create_key.assert_called_once()
        return self.store.create_key.call_args.kwargs['key']

    # -- parser -----------------------------------------------------------

    def test_parser_defaults(self):
        self.check_parser(self.cmd, [], [
            ('name', 'objectSecret'),
            ('generate_locally', False),
            ('key_file', None),
            ('timeout', 60.0),
        ])

    def test_parser_all_options(self):
        self.check_parser(
            self.cmd,
            ['myKey', '--key-file', '/some/file', '--timeout', '2.5'],
            [('name', 'myKey'), ('key_file', '/some/file'), ('timeout', 2.5),
             ('generate_locally', False)])

    def test_parser_generate_locally(self):
        self.check_parser(self.cmd, ['--generate-locally'],
                          [('generate_locally', True), ('key_file', None)])

    def test_parser_generate_locally_excludes_key_file(self):
        self.assertRaises(
            base.ParserException, self.check_parser, self.cmd,
            ['--generate-locally', '--key-file', '/some/file'], [])

    def test_parser_timeout_must_be_a_number(self):
        self.assertRaises(base.ParserException, self.check_parser, self.cmd,
                          ['--timeout', 'soon'], [])

    # -- take_action ------------------------------------------------------

    def test_create_default_orders_from_barbican(self):
        columns, data = self._create([])

        self.store.create_key.assert_called_once_with(
            'objectSecret', key=None, timeout=60.0)
        self.assertEqual(CREATE_COLUMNS, columns)
        self.assertEqual(
            (self.secret.name, self.secret.href,
             fakes.md5_b64(fakes.TEXT_KEY), 'aes', 256, 'symmetric',
             'ACTIVE', self.secret.created),
            data)

    def test_create_never_shows_the_key(self):
        columns, data = self._create([])
        text = repr(data)
        self.assertNotIn(fakes.TEXT_KEY.decode(), text)
        self.assertNotIn(base64.b64encode(fakes.TEXT_KEY).decode(), text)

    def test_create_name_and_timeout(self):
        self._create(['other', '--timeout', '5'])
        self.store.create_key.assert_called_once_with(
            'other', key=None, timeout=5.0)

    def test_create_timeout_must_be_positive(self):
        for value in ('0', '-1'):
            parsed = self.check_parser(self.cmd, ['--timeout', value], [])
            exc = self.assertRaises(exceptions.CommandError,
                                    self.cmd.take_action, parsed)
            self.assertIn('--timeout', str(exc))
        self.store.create_key.assert_not_called()

    def test_create_generate_locally(self):
        self._create(['--generate-locally'])
        first = self._stored_key()
        self.assertIsInstance(first, bytes)
        self.assertEqual(32, len(first))

        self.store.create_key.reset_mock()
        self._create(['--generate-locally'])
        self.assertNotEqual(first, self._stored_key())

    def test_create_generate_locally_uses_os_randomness(self):
        with mock.patch('secrets.token_bytes',
                        return_value=fakes.BINARY_KEY) as token_bytes:
            columns, data = self._create(['--generate-locally'])
        token_bytes.assert_called_once_with(32)
        self.assertEqual(fakes.BINARY_KEY, self._stored_key())
        self.assertEqual(fakes.md5_b64(fakes.BINARY_KEY),
                         dict(zip(columns, data))['Key fingerprint'])

    def test_key_file_raw_bytes(self):
        path = self._key_file(fakes.BINARY_KEY)
        columns, data = self._create(['--key-file', path],
                                     [('key_file', path)])
        self.assertEqual(fakes.BINARY_KEY, self._stored_key())
        self.assertEqual(fakes.md5_b64(fakes.BINARY_KEY),
                         dict(zip(columns, data))['Key fingerprint'])

    def test_key_file_raw_bytes_ending_in_newline(self):
        # 32 raw bytes are taken as they are, even if the last is '\n'.
        key = fakes.BINARY_KEY[:31] + b'\n'
        self._create(['--key-file', self._key_file(key)])
        self.assertEqual(key, self._stored_key())

    def test_key_file_base64(self):
        self._create(['--key-file', self._key_file(
            base64.b64encode(fakes.BINARY_KEY))])
        self.assertEqual(fakes.BINARY_KEY, self._stored_key())

    def test_key_file_base64_with_newline(self):
        for ending in (b'\n', b'\r\n'):
            self.store.create_key.reset_mock()
            self._create(['--key-file', self._key_file(
                base64.b64encode(fakes.BINARY_KEY) + ending)])
            self.assertEqual(fakes.BINARY_KEY, self._stored_key())

    def test_key_file_text_key(self):
        self._create(['--key-file', self._key_file(fakes.TEXT_KEY)])
        self.assertEqual(fakes.TEXT_KEY, self._stored_key())

    def test_key_file_text_key_with_newline(self):
        for ending in (b'\n', b'\r\n'):
            self.store.create_key.reset_mock()
            path = self._key_file(fakes.TEXT_KEY + ending)
            self._create(['--key-file', path])
            self.assertEqual(fakes.TEXT_KEY, self._stored_key())

    def _assert_bad_key_file(self, content):
        path = self._key_file(content)
        parsed = self.check_parser(self.cmd, ['--key-file', path], [])
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action, parsed)
        message = str(exc)
        self.assertIn(path, message)
        self.assertIn('%d bytes' % len(content), message)
        self.assertNotIn(content.strip().decode('latin-1'), message)
        self.assertNotIn(repr(content.strip()), message)
        self.store.create_key.assert_not_called()
        return message

    def test_key_file_bad_length(self):
        self._assert_bad_key_file(fakes.TEXT_KEY[:31])
        self._assert_bad_key_file(fakes.TEXT_KEY + b'X')
        self._assert_bad_key_file(fakes.TEXT_KEY + b'\n\n')

    def test_key_file_44_chars_not_base64(self):
        self._assert_bad_key_file(fakes.TEXT_KEY + b'!!!!!!!!!!!!')

    def test_key_file_base64_of_wrong_length(self):
        self._assert_bad_key_file(base64.b64encode(fakes.TEXT_KEY[:31]) + b'A')

    def test_key_file_missing(self):
        path = os.path.join(self.tmp, 'absent')
        parsed = self.check_parser(self.cmd, ['--key-file', path], [])
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action, parsed)
        self.assertIn(path, str(exc))
        self.store.create_key.assert_not_called()

    def test_key_file_huge_is_not_read_whole(self):
        self._assert_bad_key_file(b'k' * 4097)
        # Only the first 4097 bytes are read: the message says so.
        path = self._key_file(b'k' * 100000)
        parsed = self.check_parser(self.cmd, ['--key-file', path], [])
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action, parsed)
        self.assertIn('4097 bytes', str(exc))

    def test_key_file_stdin(self):
        with mock.patch('sys.stdin', _stdin(fakes.TEXT_KEY + b'\n')):
            self._create(['--key-file', '-'], [('key_file', '-')])
        self.assertEqual(fakes.TEXT_KEY, self._stored_key())

    def test_key_file_stdin_binary(self):
        with mock.patch('sys.stdin', _stdin(fakes.BINARY_KEY)):
            self._create(['--key-file', '-'])
        self.assertEqual(fakes.BINARY_KEY, self._stored_key())

    def test_key_file_stdin_bad(self):
        with mock.patch('sys.stdin', _stdin(b'short key\n')):
            parsed = self.check_parser(self.cmd, ['--key-file', '-'], [])
            exc = self.assertRaises(exceptions.CommandError,
                                    self.cmd.take_action, parsed)
        self.assertNotIn('short key', str(exc))
        self.store.create_key.assert_not_called()

    def test_create_error_from_store_passes_through(self):
        self.store.create_key.side_effect = exceptions.CommandError('taken')
        parsed = self.check_parser(self.cmd, [], [])
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action, parsed)
        self.assertEqual('taken', str(exc))


class TestShowObjectSecret(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.cmd = objectsecret.ShowObjectSecret(self.app, None)
        self.secret = fakes.make_secret(
            consumers=[{'service': 'image', 'resource_type': 'image',
                        'resource_id': 'i1'}])
        self.store.get.return_value = self.secret
        self.store.read_key.return_value = fakes.TEXT_KEY

    def _show(self, arglist, verifylist=()):
        parsed = self.check_parser(self.cmd, arglist, list(verifylist))
        columns, data = self.cmd.take_action(parsed)
        self.assertEqual(len(columns), len(data))
        return columns, dict(zip(columns, data))

    def test_parser_defaults(self):
        self.check_parser(self.cmd, [], [('secret', 'objectSecret'),
                                         ('reveal_key', False)])

    def test_parser_reveal(self):
        self.check_parser(self.cmd, ['k1', '--reveal-key'],
                          [('secret', 'k1'), ('reveal_key', True)])

    def test_show_default(self):
        columns, row = self._show([])

        self.store.get.assert_called_once_with('objectSecret')
        self.store.read_key.assert_called_once_with(self.secret)
        self.assertEqual(SHOW_COLUMNS, columns)
        self.assertEqual({
            'Name': 'objectSecret',
            'Secret href': self.secret.href,
            'Key fingerprint': fakes.md5_b64(fakes.TEXT_KEY),
            'Algorithm': 'aes',
            'Bit length': 256,
            'Secret type': 'symmetric',
            'Status': 'ACTIVE',
            'Created': self.secret.created,
            'Mode': None,
            'Expiration': None,
            'Content types': {'default': 'application/octet-stream'},
            'Consumers': 'image/image/i1',
            'SSE-C usable': 'yes',
        }, row)

    def test_show_does_not_reveal_by_default(self):
        columns, row = self._show(['objectSecret'])
        self.assertNotIn('Key (base64)', columns)
        text = repr(row)
        self.assertNotIn(fakes.TEXT_KEY.decode(), text)
        self.assertNotIn(base64.b64encode(fakes.TEXT_KEY).decode(), text)

    def test_show_reveal_key(self):
        self.store.read_key.return_value = fakes.BINARY_KEY
        columns, row = self._show(['k1', '--reveal-key'])
        self.store.get.assert_called_once_with('k1')
        self.assertEqual(SHOW_COLUMNS + ('Key (base64)',), columns)
        self.assertEqual(base64.b64encode(fakes.BINARY_KEY).decode(),
                         row['Key (base64)'])
        self.assertEqual(fakes.BINARY_KEY,
                         base64.b64decode(row['Key (base64)']))

    def test_show_wrong_length_payload(self):
        self.store.read_key.return_value = b'0123456789abcdef'
        columns, row = self._show([])
        self.assertTrue(row['SSE-C usable'].startswith('no: '),
                        row['SSE-C usable'])
        self.assertIn('16 bytes', row['SSE-C usable'])
        self.assertIsNone(row['Key fingerprint'])
        self.assertNotIn('Key (base64)', columns)

    def test_show_not_active(self):
        self.store.get.return_value = fakes.make_secret(status='ERROR')
        columns, row = self._show(['--reveal-key'])
        self.store.read_key.assert_not_called()
        self.assertEqual('no: the secret is ERROR, not ACTIVE',
                         row['SSE-C usable'])
        self.assertIsNone(row['Key fingerprint'])
        self.assertNotIn('Key (base64)', columns)

    def test_show_unknown_secret(self):
        self.store.get.side_effect = exceptions.CommandError('No secret')
        parsed = self.check_parser(self.cmd, ['nope'], [])
        self.assertRaises(exceptions.CommandError,
                          self.cmd.take_action, parsed)
        self.store.read_key.assert_not_called()


class TestListObjectSecret(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.cmd = objectsecret.ListObjectSecret(self.app, None)

    def test_list(self):
        secrets = [fakes.make_secret(),
                   fakes.make_secret('other', secret_type='opaque',
                                     expiration='2030-01-01T00:00:00')]
        self.store.list_keys.return_value = secrets
        parsed = self.check_parser(self.cmd, [], [])

        columns, rows = self.cmd.take_action(parsed)

        self.store.list_keys.assert_called_once_with()
        self.assertEqual(LIST_COLUMNS, columns)
        self.assertEqual([
            ('objectSecret', secrets[0].href, 'symmetric', 'ACTIVE',
             secrets[0].created, None),
            ('other', secrets[1].href, 'opaque', 'ACTIVE',
             secrets[1].created, '2030-01-01T00:00:00'),
        ], list(rows))
        self.store.read_key.assert_not_called()

    def test_list_empty(self):
        self.store.list_keys.return_value = []
        columns, rows = self.cmd.take_action(
            self.check_parser(self.cmd, [], []))
        self.assertEqual(LIST_COLUMNS, columns)
        self.assertEqual([], list(rows))


class TestDeleteObjectSecret(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.cmd = objectsecret.DeleteObjectSecret(self.app, None)
        self.secrets = {name: fakes.make_secret(name)
                        for name in ('k1', 'k2', 'k3')}

        def get(ref):
            try:
                return self.secrets[ref]
            except KeyError:
                raise exceptions.CommandError('No secret named %r' % ref)

        self.store.get.side_effect = get
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))

    def _parse(self, arglist):
        return self.check_parser(self.cmd, arglist, [])

    def _deleted(self):
        return [c.args[0].name for c in self.store.delete.call_args_list]

    def test_parser(self):
        self.check_parser(self.cmd, ['k1', 'k2'], [
            ('secrets', ['k1', 'k2']), ('yes', False), ('force', False)])
        self.check_parser(self.cmd, ['-y', '--force', 'k1'], [
            ('secrets', ['k1']), ('yes', True), ('force', True)])

    def test_parser_needs_a_secret(self):
        self.assertRaises(base.ParserException, self.check_parser,
                          self.cmd, [], [])
        self.assertRaises(base.ParserException, self.check_parser,
                          self.cmd, ['--yes'], [])

    def test_delete_with_yes(self):
        with mock.patch('sys.stdin', _tty(isatty=False)):
            result = self.cmd.take_action(self._parse(['k1', 'k2', '--yes']))
        self.assertIsNone(result)
        self.store.delete.assert_has_calls([
            mock.call(self.secrets['k1'], force=False),
            mock.call(self.secrets['k2'], force=False)])
        self.assertEqual(2, self.store.delete.call_count)

    def test_delete_force(self):
        self.cmd.take_action(self._parse(['k1', '-y', '--force']))
        self.store.delete.assert_called_once_with(self.secrets['k1'],
                                                  force=True)

    def test_delete_resolves_all_before_deleting(self):
        parsed = self._parse(['k1', 'typo', 'k3', '--yes'])
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action, parsed)
        self.assertIn('typo', str(exc))
        self.store.delete.assert_not_called()

    def test_delete_refuses_without_yes_when_not_a_tty(self):
        stdin = _tty(isatty=False)
        with mock.patch('sys.stdin', stdin):
            exc = self.assertRaises(exceptions.CommandError,
                                    self.cmd.take_action,
                                    self._parse(['k1', 'k2']))
        self.assertIn('--yes', str(exc))
        self.assertIn(self.secrets['k1'].href, str(exc))
        stdin.readline.assert_not_called()
        self.store.delete.assert_not_called()

    def test_delete_asks_on_a_tty(self):
        with mock.patch('sys.stdin', _tty(['y\n', 'yes\n'])):
            self.cmd.take_action(self._parse(['k1', 'k2']))
        self.assertEqual(['k1', 'k2'], self._deleted())
        prompts = self.stderr.getvalue()
        self.assertIn(self.secrets['k1'].href, prompts)
        self.assertIn(self.secrets['k2'].href, prompts)
        self.assertIn('[y/N]', prompts)

    def test_delete_stops_on_no(self):
        for answer in ('n\n', '\n', 'whatever\n', ''):
            stdin = _tty([answer])
            with mock.patch('sys.stdin', stdin):
                exc = self.assertRaises(exceptions.CommandError,
                                        self.cmd.take_action,
                                        self._parse(['k1']))
            self.assertIn('Not deleted', str(exc))
            self.store.delete.assert_not_called()

    def test_delete_no_to_a_later_key_deletes_nothing(self):
        stdin = _tty(['y\n', 'n\n'])
        with mock.patch('sys.stdin', stdin):
            exc = self.assertRaises(exceptions.CommandError,
                                    self.cmd.take_action,
                                    self._parse(['k1', 'k2', 'k3']))
        self.assertIn(self.secrets['k2'].href, str(exc))
        self.assertEqual(2, stdin.readline.call_count)
        self.store.delete.assert_not_called()

    def test_delete_continues_past_a_failure(self):
        self.store.delete.side_effect = [
            None, exceptions.CommandError('Cannot delete k2: HTTP 403'), None]
        logger = self.useFixture(fixtures.FakeLogger())
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action,
                                self._parse(['k1', 'k2', 'k3', '--yes']))
        self.assertEqual('1 of 3 keys were not deleted', str(exc))
        self.assertEqual(['k1', 'k2', 'k3'], self._deleted())
        self.assertIn('Cannot delete k2: HTTP 403', logger.output)

    def test_delete_all_fail(self):
        self.store.delete.side_effect = exceptions.CommandError('gone')
        self.useFixture(fixtures.FakeLogger())
        exc = self.assertRaises(exceptions.CommandError,
                                self.cmd.take_action,
                                self._parse(['k1', 'k2', '--yes']))
        self.assertEqual('2 of 2 keys were not deleted', str(exc))


class TestDeleteChecksEveryKeyFirst(fakes.TestObjectSecret):
    """A consumer on any argument must stop the whole delete."""

    def test_consumer_on_second_key_deletes_nothing(self):
        free = fakes.make_secret('free')
        used = fakes.make_secret('used', consumers=[
            {'service': 'image', 'resource_type': 'image',
             'resource_id': 'i1'}])
        self.store.get.side_effect = [free, used]
        self.store.check_deletable.side_effect = (
            barbican.KeyStore.check_deletable)
        cmd = objectsecret.DeleteObjectSecret(self.app, None)
        parsed = self.check_parser(cmd, ['free', 'used', '--yes'], [])
        self.assertRaisesRegex(exceptions.CommandError, 'has consumers',
                               cmd.take_action, parsed)
        self.store.delete.assert_not_called()

    def test_single_failure_is_reported_once(self):
        self.store.get.return_value = fakes.make_secret()
        self.store.delete.side_effect = exceptions.CommandError('gone wrong')
        cmd = objectsecret.DeleteObjectSecret(self.app, None)
        parsed = self.check_parser(cmd, ['objectSecret', '--yes'], [])
        self.assertRaisesRegex(exceptions.CommandError, '^gone wrong$',
                               cmd.take_action, parsed)


class TestKeyFilePermissions(fakes.TestObjectSecret):
    """Like ssh, warn when others may read a key file; still import it."""

    def _read(self, mode):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'k')
        with open(path, 'wb') as key_file:
            key_file.write(fakes.TEXT_KEY)
        os.chmod(path, mode)
        logger = self.useFixture(fixtures.FakeLogger(
            name='osc_ssec.v1.objectsecret'))
        self.assertEqual(fakes.TEXT_KEY, objectsecret.read_key_file(path))
        return logger.output

    def test_private_file_no_warning(self):
        self.assertEqual('', self._read(0o600))

    def test_group_or_world_readable_file_warns_without_the_key(self):
        for mode in (0o640, 0o604, 0o644):
            output = self._read(mode)
            self.assertIn('can be read by other users (mode %03o)' % mode,
                          output)
            self.assertIn('chmod 600', output)
            self.assertNotIn(fakes.TEXT_KEY.decode(), output)
