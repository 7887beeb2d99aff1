"""rclone-env and run, with the key store and the session mocked."""

import base64
import io
import os
from unittest import mock

from osc_lib import exceptions

from osc_ssec import s3remote
from osc_ssec.v1 import rclone_env
from tests.unit import fakes


def _environ(test, values):
    """Run *test* with exactly *values* as the process environment."""
    patcher = mock.patch.dict(os.environ, values, clear=True)
    patcher.start()
    test.addCleanup(patcher.stop)


class _Output(io.StringIO):
    def isatty(self):
        return False


class TestRcloneEnv(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.secret = fakes.make_secret()
        self.store.get.return_value = self.secret
        self.store.read_sse_c_key.return_value = fakes.BINARY_KEY
        self.app.stdout = _Output()
        self.app.stderr = io.StringIO()
        self.cmd = rclone_env.RcloneEnv(self.app, None)
        _environ(self, {})

    def _run(self, arglist):
        parsed = self.check_parser(self.cmd, arglist, [])
        self.cmd.take_action(parsed)
        return self.app.stdout.getvalue()

    def test_default_is_global_scope_for_objectsecret(self):
        out = self._run(['--shell', 'sh'])
        self.store.get.assert_called_once_with('objectSecret')
        self.assertEqual(
            "unset RCLONE_S3_SSE_CUSTOMER_KEY;\n"
            "export RCLONE_S3_SSE_CUSTOMER_ALGORITHM='AES256';\n"
            "export RCLONE_S3_SSE_CUSTOMER_KEY_BASE64='%s';\n"
            "export RCLONE_S3_SSE_CUSTOMER_KEY_MD5='%s';\n"
            % (base64.b64encode(fakes.BINARY_KEY).decode(),
               fakes.md5_b64(fakes.BINARY_KEY)),
            out)

    def test_remote_scope_and_text_key_raw(self):
        self.store.read_sse_c_key.return_value = fakes.TEXT_KEY
        out = self._run(['mykey', '--remote', 'cleura', '--shell', 'fish'])
        self.store.get.assert_called_once_with('mykey')
        self.assertIn("set -gx RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_KEY '%s';"
                      % fakes.TEXT_KEY.decode(), out)
        self.assertIn('set -e RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_KEY_BASE64;',
                      out)

    def test_bad_remote_name_fails_before_any_request(self):
        parsed = self.check_parser(
            self.cmd, ['--remote', 'my-remote', '--shell', 'sh'], [])
        self.assertRaisesRegex(exceptions.CommandError, 'letters, digits',
                               self.cmd.take_action, parsed)
        self.store.get.assert_not_called()
        self.assertEqual('', self.app.stdout.getvalue())

    def test_forced_raw_for_binary_key_leaves_stdout_empty(self):
        parsed = self.check_parser(
            self.cmd, ['--key-form', 'raw', '--shell', 'sh'], [])
        self.assertRaisesRegex(exceptions.CommandError, 'binary',
                               self.cmd.take_action, parsed)
        self.assertEqual('', self.app.stdout.getvalue())

    def test_store_error_leaves_stdout_empty(self):
        self.store.get.side_effect = exceptions.CommandError('No secret')
        parsed = self.check_parser(self.cmd, ['--shell', 'sh'], [])
        self.assertRaises(exceptions.CommandError, self.cmd.take_action,
                          parsed)
        self.assertEqual('', self.app.stdout.getvalue())

    def test_dotenv_cannot_unset(self):
        parsed = self.check_parser(
            self.cmd, ['--unset', '--shell', 'dotenv'], [])
        error = self.assertRaises(exceptions.CommandError,
                                  self.cmd.take_action, parsed)
        self.assertIn('dotenv', str(error))
        self.assertEqual('', self.app.stdout.getvalue())

    def test_unset_reads_no_key(self):
        out = self._run(['--unset', '--remote', 'r', '--shell', 'sh',
                         '--clear-global'])
        self.store.get.assert_not_called()
        self.assertEqual(
            ''.join('unset %s;\n' % n for n in [
                'RCLONE_CONFIG_R_SSE_CUSTOMER_ALGORITHM',
                'RCLONE_CONFIG_R_SSE_CUSTOMER_KEY',
                'RCLONE_CONFIG_R_SSE_CUSTOMER_KEY_BASE64',
                'RCLONE_CONFIG_R_SSE_CUSTOMER_KEY_MD5',
                'RCLONE_S3_SSE_CUSTOMER_ALGORITHM',
                'RCLONE_S3_SSE_CUSTOMER_KEY',
                'RCLONE_S3_SSE_CUSTOMER_KEY_BASE64',
                'RCLONE_S3_SSE_CUSTOMER_KEY_MD5']),
            out)

    def test_stale_global_warns_for_remote_scope(self):
        _environ(self, {'RCLONE_S3_SSE_CUSTOMER_KEY': 'stale'})
        out = self._run(['--remote', 'r', '--shell', 'sh'])
        self.assertIn('remote r: RCLONE_S3_SSE_CUSTOMER_KEY.',
                      self.app.stderr.getvalue())
        self.assertIn('--clear-global', self.app.stderr.getvalue())
        self.assertNotIn('stale', out)
        self.assertNotIn('unset RCLONE_S3_SSE_CUSTOMER_KEY;', out)

    def test_clear_global_removes_globals_in_the_same_output(self):
        _environ(self, {'RCLONE_S3_SSE_CUSTOMER_KEY': 'stale'})
        out = self._run(['--remote', 'r', '--shell', 'sh', '--clear-global'])
        self.assertEqual('', self.app.stderr.getvalue())
        self.assertIn('unset RCLONE_S3_SSE_CUSTOMER_KEY;', out)
        self.assertLess(out.index('unset RCLONE_S3_SSE_CUSTOMER_KEY;'),
                        out.index('export '))

    def test_hint_only_on_a_terminal_and_never_on_stdout(self):
        self.app.stdout.isatty = lambda: True
        out = self._run(['--shell', 'sh'])
        self.assertNotIn('#', out)
        self.assertIn('eval', self.app.stderr.getvalue())

    def test_define_remote_needs_remote(self):
        parsed = self.check_parser(self.cmd, ['--define-remote'], [])
        self.assertRaisesRegex(exceptions.CommandError, 'needs --remote',
                               self.cmd.take_action, parsed)

    def test_endpoint_needs_define_remote(self):
        parsed = self.check_parser(
            self.cmd, ['--remote', 'r', '--endpoint', 'https://s3'], [])
        self.assertRaisesRegex(exceptions.CommandError,
                               '--endpoint only applies with --define-remote',
                               self.cmd.take_action, parsed)

    @mock.patch.object(s3remote, 'find_ec2_credential')
    @mock.patch.object(s3remote, 'find_endpoint')
    def test_define_remote(self, find_endpoint, find_credential):
        find_endpoint.return_value = 'https://s3.example.test'
        find_credential.return_value = s3remote.Ec2Credential('AK', 'SK/+')
        self.app.client_manager.region_name = 'Kna1'
        out = self._run(['--remote', 'enc', '--define-remote', '--shell',
                         'sh', '--provider', 'Other'])
        for line in ("export RCLONE_CONFIG_ENC_TYPE='s3';",
                     "export RCLONE_CONFIG_ENC_PROVIDER='Other';",
                     "export RCLONE_CONFIG_ENC_ENV_AUTH='false';",
                     "export RCLONE_CONFIG_ENC_ENDPOINT="
                     "'https://s3.example.test';",
                     "export RCLONE_CONFIG_ENC_REGION='Kna1';",
                     "export RCLONE_CONFIG_ENC_ACCESS_KEY_ID='AK';",
                     "export RCLONE_CONFIG_ENC_SECRET_ACCESS_KEY='SK/+';"):
            self.assertIn(line, out.splitlines())
        find_credential.assert_called_once_with(
            self.app.client_manager, create=False)

    @mock.patch.object(s3remote, 'find_ec2_credential')
    @mock.patch.object(s3remote, 'find_endpoint')
    def test_define_remote_refuses_http(self, find_endpoint, find_credential):
        find_endpoint.return_value = 'http://s3.example.test'
        parsed = self.check_parser(
            self.cmd, ['--remote', 'enc', '--define-remote'], [])
        self.assertRaisesRegex(exceptions.CommandError, '--allow-http',
                               self.cmd.take_action, parsed)
        find_credential.assert_not_called()
        self.store.get.assert_not_called()
        self.assertEqual('', self.app.stdout.getvalue())


class TestRunWithKey(fakes.TestObjectSecret):

    def setUp(self):
        super().setUp()
        self.store.get.return_value = fakes.make_secret()
        self.store.read_sse_c_key.return_value = fakes.BINARY_KEY
        self.cmd = rclone_env.RunWithKey(self.app, None)
        _environ(self, {'RCLONE_S3_SSE_CUSTOMER_KEY': 'stale',
                        'KEEP': 'me'})

    @mock.patch('os.execvpe')
    def test_execs_command_with_variables_in_its_environment(self, execvpe):
        parsed = self.check_parser(
            self.cmd, ['mykey', '--', 'rclone', 'lsd', 'r:'], [])
        self.cmd.take_action(parsed)
        self.store.get.assert_called_once_with('mykey')
        program, argv, environ = execvpe.call_args[0]
        self.assertEqual('rclone', program)
        self.assertEqual(['rclone', 'lsd', 'r:'], argv)
        self.assertEqual('me', environ['KEEP'])
        self.assertNotIn('RCLONE_S3_SSE_CUSTOMER_KEY', environ)
        self.assertEqual(base64.b64encode(fakes.BINARY_KEY).decode(),
                         environ['RCLONE_S3_SSE_CUSTOMER_KEY_BASE64'])
        for arg in argv:
            self.assertNotIn(environ['RCLONE_S3_SSE_CUSTOMER_KEY_BASE64'],
                             arg)

    @mock.patch('os.execvpe')
    def test_default_secret(self, execvpe):
        parsed = self.check_parser(self.cmd, ['--', 'true'], [])
        self.cmd.take_action(parsed)
        self.store.get.assert_called_once_with('objectSecret')

    def test_needs_double_dash_and_a_command(self):
        for arglist, message in ((['rclone'], 'after "--"'),
                                 (['--'], 'No command'),
                                 (['a', 'b', '--', 'x'], 'before "--"')):
            parsed = self.check_parser(self.cmd, arglist, [])
            self.assertRaisesRegex(exceptions.CommandError, message,
                                   self.cmd.take_action, parsed)
        self.store.get.assert_not_called()

    def test_missing_program(self):
        parsed = self.check_parser(
            self.cmd, ['--', 'no-such-program-osc-ssec'], [])
        self.assertRaisesRegex(exceptions.CommandError,
                               'Cannot run no-such-program-osc-ssec',
                               self.cmd.take_action, parsed)


class TestShadowingGlobals(fakes.TestObjectSecret):
    """A stale global RCLONE_S3_ENDPOINT must not redirect a defined remote."""

    def setUp(self):
        super().setUp()
        self.store.get.return_value = fakes.make_secret()
        self.store.read_sse_c_key.return_value = fakes.BINARY_KEY
        _environ(self, {'RCLONE_S3_ENDPOINT': 'http://elsewhere',
                        'RCLONE_S3_PROVIDER': 'AWS'})
        self.app.client_manager.region_name = 'RegionOne'
        for name, value in (('find_endpoint', 'https://s3.test'),
                            ('find_ec2_credential',
                             s3remote.Ec2Credential('AK', 'SK'))):
            patcher = mock.patch.object(s3remote, name, return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_rclone_env_warns_about_a_global_endpoint(self):
        self.app.stdout = _Output()
        self.app.stderr = io.StringIO()
        cmd = rclone_env.RcloneEnv(self.app, None)
        parsed = self.check_parser(
            cmd, ['--remote', 'enc', '--define-remote', '--shell', 'sh'], [])
        cmd.take_action(parsed)
        warning = self.app.stderr.getvalue()
        self.assertIn('RCLONE_S3_PROVIDER, RCLONE_S3_ENDPOINT', warning)
        self.assertNotIn('unset RCLONE_S3_ENDPOINT;',
                         self.app.stdout.getvalue())

    def test_rclone_env_clear_global_unsets_them(self):
        self.app.stdout = _Output()
        self.app.stderr = io.StringIO()
        cmd = rclone_env.RcloneEnv(self.app, None)
        parsed = self.check_parser(
            cmd, ['--remote', 'enc', '--define-remote', '--shell', 'sh',
                  '--clear-global'], [])
        cmd.take_action(parsed)
        out = self.app.stdout.getvalue()
        self.assertIn('unset RCLONE_S3_ENDPOINT;', out)
        self.assertIn('unset RCLONE_S3_SECRET_ACCESS_KEY;', out)
        self.assertEqual('', self.app.stderr.getvalue())

    @mock.patch('os.execvpe')
    def test_run_removes_them_from_the_command_environment(self, execvpe):
        cmd = rclone_env.RunWithKey(self.app, None)
        parsed = self.check_parser(
            cmd, ['--remote', 'enc', '--define-remote', '--', 'rclone'], [])
        cmd.take_action(parsed)
        environ = execvpe.call_args[0][2]
        self.assertNotIn('RCLONE_S3_ENDPOINT', environ)
        self.assertNotIn('RCLONE_S3_PROVIDER', environ)
        self.assertEqual('https://s3.test',
                         environ['RCLONE_CONFIG_ENC_ENDPOINT'])
