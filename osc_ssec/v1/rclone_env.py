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


"""``openstack objectsecret rclone-env`` and ``run``: a key for rclone.

Both build the same set of rclone environment variables; ``rclone-env``
prints them as shell statements, ``run`` starts a command with them.
"""

import argparse
import os
import sys

from osc_lib.command import command
from osc_lib import exceptions

from osc_ssec import barbican
from osc_ssec import rclone
from osc_ssec import shells
from osc_ssec.v1 import objectsecret

_REMOTE_DEFINITION_OPTIONS = ('endpoint', 'provider', 'allow_http',
                              'create_ec2_credential')


class _RcloneVariablesCommand(command.Command):
    """The options and the variable set that rclone-env and run share."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--remote',
            metavar='<name>',
            help='Set the key for this rclone remote only '
                 '(RCLONE_CONFIG_<NAME>_SSE_CUSTOMER_*) instead of for every '
                 'S3 remote (RCLONE_S3_SSE_CUSTOMER_*); letters, digits and '
                 '"_" only',
        )
        parser.add_argument(
            '--key-form',
            metavar='<key-form>',
            choices=rclone.KEY_FORMS,
            default='auto',
            help='How to pass the key: "raw" (SSE_CUSTOMER_KEY, rclone '
                 '1.54+; only for keys of 32 printable characters, such as '
                 'the manual recipe makes), "base64" '
                 '(SSE_CUSTOMER_KEY_BASE64, rclone 1.60+), or "auto": raw '
                 'for keys of letters, digits and +-./:=@_, only (default)',
        )
        remote = parser.add_argument_group(
            'whole remote',
            'Define the --remote itself from the OpenStack session, so that '
            'rclone needs no config file.')
        remote.add_argument(
            '--define-remote',
            action='store_true',
            help='Also set the remote\'s type, provider, endpoint, region '
                 'and S3 access keys (your EC2 credential in Keystone)',
        )
        remote.add_argument(
            '--endpoint',
            metavar='<url>',
            help='S3 endpoint (default: s3_endpoint_override in clouds.yaml, '
                 'else the catalog\'s "s3" service, else its Ceph '
                 '"object-store" endpoint without /swift/v1)',
        )
        remote.add_argument(
            '--provider',
            metavar='<provider>',
            default=rclone.DEFAULT_PROVIDER,
            help='rclone S3 provider (default: %s)' % rclone.DEFAULT_PROVIDER,
        )
        remote.add_argument(
            '--allow-http',
            action='store_true',
            help='Accept a plain http endpoint, although the key then '
                 'crosses the network in clear text',
        )
        remote.add_argument(
            '--create-ec2-credential',
            action='store_true',
            help='Create an EC2 credential when you have none for this '
                 'project (an existing one is always reused)',
        )
        return parser

    def check_options(self, parsed_args):
        """Fail on option mistakes before any request is made."""
        if parsed_args.define_remote and not parsed_args.remote:
            raise exceptions.CommandError(
                '--define-remote needs --remote <name>: the name of the '
                'remote to define')
        if not parsed_args.define_remote:
            given = [name for name in _REMOTE_DEFINITION_OPTIONS
                     if getattr(parsed_args, name)
                     not in (None, False, rclone.DEFAULT_PROVIDER)]
            if given:
                raise exceptions.CommandError(
                    '--%s only applies with --define-remote'
                    % given[0].replace('_', '-'))
        try:
            rclone.prefix(parsed_args.remote)
        except rclone.VariableError as exc:
            raise exceptions.CommandError(str(exc))

    def clears_shadowing_globals(self, parsed_args):
        """Whether to remove globals that would override --remote values."""
        raise NotImplementedError

    def scope_names(self, parsed_args):
        """Every variable name that this invocation's scope covers."""
        names = rclone.sse_c_names(parsed_args.remote)
        if parsed_args.define_remote:
            names = rclone.remote_names(parsed_args.remote) + names
        return names

    def shadowing_globals(self, parsed_args):
        """The global names that rclone 1.68+ would prefer to the scope's."""
        if not parsed_args.remote:
            return []
        return rclone.global_counterparts(self.scope_names(parsed_args),
                                          parsed_args.remote)

    def variables(self, parsed_args):
        """Return ``(set, unset)``: variables to set, names to remove."""
        remote = parsed_args.remote
        variables = []
        if parsed_args.define_remote:
            variables = self._remote_definition(parsed_args)
        store = self.app.client_manager.objectsecret
        key = store.read_sse_c_key(store.get(parsed_args.secret))
        try:
            key_variables, stale = rclone.sse_c_variables(
                key, remote=remote, key_form=parsed_args.key_form)
        except rclone.VariableError as exc:
            raise exceptions.CommandError(str(exc))
        shadowing = self.shadowing_globals(parsed_args)
        if self.clears_shadowing_globals(parsed_args):
            stale = stale + shadowing
        else:
            self._warn_about(
                [name for name in shadowing if name in os.environ], remote)
        return variables + key_variables, stale

    def _remote_definition(self, parsed_args):
        # Imported here: only --define-remote needs it, and every command
        # module is imported on every openstack call.
        from osc_ssec import s3remote

        client_manager = self.app.client_manager
        endpoint = s3remote.check_endpoint(
            s3remote.find_endpoint(client_manager, parsed_args.endpoint),
            allow_http=parsed_args.allow_http)
        credential = s3remote.find_ec2_credential(
            client_manager, create=parsed_args.create_ec2_credential)
        return rclone.remote_variables(
            parsed_args.remote, endpoint, credential.access,
            credential.secret, provider=parsed_args.provider,
            region=client_manager.region_name)

    def _warn_about(self, shadowing, remote):
        if shadowing:
            self.app.stderr.write(
                'Warning: rclone 1.68 and later prefer these variables of '
                'this environment to the values set for remote %s: %s. Pass '
                '--clear-global to remove them.\n'
                % (remote, ', '.join(shadowing)))


class RcloneEnv(_RcloneVariablesCommand):
    """Print the rclone environment variables for an SSE-C key.

    Only statements go to standard output; on any error nothing is printed
    there and the exit status is non-zero. Load them so that a failure
    stops you, in sh, bash, zsh and dash with:
    out=$(openstack objectsecret rclone-env) && eval "$out"
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        objectsecret.add_secret_argument(parser)
        parser.add_argument(
            '--shell',
            metavar='<shell>',
            choices=shells.CHOICES,
            help='Print statements for this shell or format: %s (default: '
                 'the shell this command runs in, else $SHELL, else sh)'
                 % ', '.join(shells.CHOICES),
        )
        parser.add_argument(
            '--clear-global',
            action='store_true',
            help='With --remote: also remove the global RCLONE_S3_* '
                 'variables of the same options, which rclone 1.68 and '
                 'later prefer to the remote\'s own',
        )
        parser.add_argument(
            '--unset',
            action='store_true',
            help='Print statements that remove the variables instead of '
                 'setting them; reads no key',
        )
        return parser

    def take_action(self, parsed_args):
        self.check_options(parsed_args)
        shell = parsed_args.shell or shells.detect_shell()
        text = self._statements(shell, parsed_args)
        # One write, after everything succeeded: on any error above,
        # standard output stays empty and eval sets nothing.
        self.app.stdout.write(text)
        self.app.stdout.flush()
        if self.app.stdout.isatty():
            self.app.stderr.write(
                '# To load these: %s\n'
                % shells.eval_hint(shell, 'openstack objectsecret rclone-env'))

    def clears_shadowing_globals(self, parsed_args):
        return parsed_args.clear_global

    def _statements(self, shell, parsed_args):
        if parsed_args.unset:
            names = self.scope_names(parsed_args)
            if parsed_args.clear_global:
                names += self.shadowing_globals(parsed_args)
            return _rendered(shells.render_unset, shell, _unique(names))
        variables, removals = self.variables(parsed_args)
        return _rendered(shells.render, shell, variables,
                         unset=_unique(removals))


def _rendered(render, *args, **kwargs):
    """Render statements; a value the shell cannot carry is a user error."""
    try:
        return render(*args, **kwargs)
    except ValueError as exc:
        raise exceptions.CommandError(str(exc))


class RunWithKey(_RcloneVariablesCommand):
    """Run a command with an SSE-C key in its environment.

    The variables that rclone-env would print are given to the command
    only: never to the calling shell, never on a command line. With
    --remote, global RCLONE_S3_* variables that rclone 1.68+ would prefer
    to the remote's own values are removed from its environment. The
    command replaces this process, so its standard streams, signals and
    exit status are exactly its own. Example:
    openstack objectsecret run -- rclone sync ~/media remote:encrypted
    """

    def clears_shadowing_globals(self, parsed_args):
        return True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.usage = (
            '%s [options] [<secret>] -- <command> [<arg> ...]' % prog_name)
        parser.add_argument(
            'argv',
            metavar='<command>',
            nargs=argparse.REMAINDER,
            help='[<secret>] -- <command> [<arg> ...]: the key to use, a '
                 'secret name (exact match), UUID or href (default: %s); '
                 'then "--" and the command to run with it'
                 % barbican.DEFAULT_NAME,
        )
        return parser

    def take_action(self, parsed_args):
        parsed_args.secret, argv = _split_command(parsed_args.argv)
        self.check_options(parsed_args)
        variables, removals = self.variables(parsed_args)
        environ = dict(os.environ)
        for name in removals:
            environ.pop(name, None)
        environ.update(variables)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            os.execvpe(argv[0], argv, environ)
        except OSError as exc:
            raise exceptions.CommandError(
                'Cannot run %s: %s' % (argv[0], exc.strerror))


def _split_command(argv):
    """Split ``[<secret>] -- <command> ...`` into the secret and command."""
    if '--' not in argv:
        raise exceptions.CommandError(
            'Give the command to run after "--", e.g. '
            '"openstack objectsecret run -- rclone lsd remote:"')
    split = argv.index('--')
    before, command_argv = argv[:split], argv[split + 1:]
    if not command_argv:
        raise exceptions.CommandError('No command given after "--"')
    if len(before) > 1 or (before and before[0].startswith('-')):
        raise exceptions.CommandError(
            'Put options before <secret>, and the command after "--" '
            '(got %s before "--")' % ' '.join(before))
    return (before[0] if before else barbican.DEFAULT_NAME), command_argv


def _unique(names):
    return list(dict.fromkeys(names))
