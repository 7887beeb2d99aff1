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


"""``openstack objectsecret create|show|list|delete``: keys in Barbican."""

import logging
import os
import shlex
import stat
import sys

from osc_lib.command import command
from osc_lib import exceptions

from osc_ssec import barbican
from osc_ssec import keys

LOG = logging.getLogger(__name__)


# A key file is at most 46 bytes (base64 plus CRLF); anything much larger is
# certainly not a key and is not read into memory.
_KEY_FILE_LIMIT = 4096


def add_secret_argument(parser):
    """The optional SECRET positional that show and rclone-env share."""
    parser.add_argument(
        'secret',
        metavar='<secret>',
        nargs='?',
        default=barbican.DEFAULT_NAME,
        help='Key to use: a secret name (exact match), UUID or href '
             '(default: %s)' % barbican.DEFAULT_NAME,
    )


def _secret_columns(secret, key):
    return (
        ('Name', secret.name),
        ('Secret href', secret.href),
        ('Key fingerprint', keys.fingerprint(key) if key else None),
        ('Algorithm', secret.algorithm),
        ('Bit length', secret.bit_length),
        ('Secret type', secret.secret_type),
        ('Status', secret.status),
        ('Created', secret.created),
    )


def _unzip(pairs):
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def read_key_file(path):
    """Return the key in the file at *path* (``-``: standard input)."""
    try:
        if path == '-':
            material = sys.stdin.buffer.read(_KEY_FILE_LIMIT + 1)
        else:
            with open(path, 'rb') as key_file:
                _warn_if_others_can_read(path, os.fstat(key_file.fileno()))
                material = key_file.read(_KEY_FILE_LIMIT + 1)
    except OSError as exc:
        raise exceptions.CommandError(
            'Cannot read key file %s: %s' % (path, exc.strerror))
    try:
        return keys.parse(material)
    except keys.InvalidKey as exc:
        raise exceptions.CommandError('%s: %s' % (path, exc))


def _warn_if_others_can_read(path, status):
    """Warn, as ssh does, about a regular key file that others may read."""
    if stat.S_ISREG(status.st_mode) and status.st_mode & 0o077:
        LOG.warning('Key file %s can be read by other users (mode %03o): '
                    'keep keys in files only you can read (chmod 600 %s)',
                    path, stat.S_IMODE(status.st_mode), shlex.quote(path))


class CreateObjectSecret(command.ShowOne):
    """Create an SSE-C key (AES-256) and store it in Barbican.

    By default Barbican's own crypto backend generates the key, so it never
    exists on this machine before use. The key never expires: losing it
    loses every object encrypted with it.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'name',
            metavar='<name>',
            nargs='?',
            default=barbican.DEFAULT_NAME,
            help='Name of the new key; must not be taken in the project '
                 '(default: %s)' % barbican.DEFAULT_NAME,
        )
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            '--generate-locally',
            action='store_true',
            help='Generate the key here from the operating system\'s random '
                 'source instead of ordering it from Barbican; for clouds '
                 'whose Barbican cannot run orders',
        )
        source.add_argument(
            '--key-file',
            metavar='<path>',
            help='Import an existing key from a file ("-" for standard '
                 'input): 32 raw bytes, their base64 form, or a '
                 '32-character key made by the manual recipe',
        )
        parser.add_argument(
            '--timeout',
            metavar='<seconds>',
            type=float,
            default=barbican.DEFAULT_ORDER_TIMEOUT,
            help='How long to wait for Barbican to generate the key '
                 '(default: %g)' % barbican.DEFAULT_ORDER_TIMEOUT,
        )
        return parser

    def take_action(self, parsed_args):
        if parsed_args.timeout <= 0:
            raise exceptions.CommandError('--timeout must be positive')
        key = None
        if parsed_args.key_file:
            key = read_key_file(parsed_args.key_file)
        elif parsed_args.generate_locally:
            key = keys.generate()
        store = self.app.client_manager.objectsecret
        secret, key = store.create_key(parsed_args.name, key=key,
                                       timeout=parsed_args.timeout)
        return _unzip(_secret_columns(secret, key))


class ShowObjectSecret(command.ShowOne):
    """Show an SSE-C key's details and whether S3 can use it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_secret_argument(parser)
        parser.add_argument(
            '--reveal-key',
            action='store_true',
            help='Also show the key itself, base64-encoded. Anyone who sees '
                 'it can read every object encrypted with it',
        )
        return parser

    def take_action(self, parsed_args):
        store = self.app.client_manager.objectsecret
        secret = store.get(parsed_args.secret)
        payload = None
        usable = 'no: the secret is %s, not ACTIVE' % secret.status
        if secret.status == 'ACTIVE' and not secret.content_types:
            usable = 'no: the secret has no payload'
        elif secret.status == 'ACTIVE':
            payload = store.read_key(secret)
            try:
                keys.check(payload)
                usable = 'yes'
            except keys.InvalidKey as exc:
                usable = 'no: %s' % exc
        columns = list(_secret_columns(
            secret, payload if usable == 'yes' else None))
        columns += [
            ('Mode', secret.mode),
            ('Expiration', secret.expiration),
            ('Content types', secret.content_types),
            ('Consumers', secret.consumers_text),
            ('SSE-C usable', usable),
        ]
        if parsed_args.reveal_key and payload is not None:
            columns.append(('Key (base64)', keys.to_base64(payload)))
        return _unzip(columns)


class ListObjectSecret(command.Lister):
    """List the project's AES-256 secrets, the keys usable for SSE-C.

    Only metadata is read; no key leaves Barbican.
    """

    def take_action(self, parsed_args):
        store = self.app.client_manager.objectsecret
        columns = ('Name', 'Secret href', 'Secret type', 'Status', 'Created',
                   'Expiration')
        rows = ((s.name, s.href, s.secret_type, s.status, s.created,
                 s.expiration) for s in store.list_keys())
        return columns, rows


class DeleteObjectSecret(command.Command):
    """Delete SSE-C keys from Barbican.

    Every object encrypted with a deleted key becomes unreadable forever,
    so this asks for confirmation, and refuses keys that Barbican knows
    something depends on unless forced.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'secrets',
            metavar='<secret>',
            nargs='+',
            help='Key(s) to delete: secret name (exact match), UUID or href',
        )
        parser.add_argument(
            '--yes', '-y',
            action='store_true',
            help='Do not ask for confirmation; required when standard input '
                 'is not a terminal',
        )
        parser.add_argument(
            '--force',
            action='store_true',
            help='Delete even keys that have Barbican consumers',
        )
        return parser

    def take_action(self, parsed_args):
        store = self.app.client_manager.objectsecret
        # Resolve every argument first: a typo in the last one must not
        # leave the first ones already deleted.
        doomed = [store.get(ref) for ref in parsed_args.secrets]
        for secret in doomed:
            store.check_deletable(secret, force=parsed_args.force)
        if not parsed_args.yes:
            _confirm(doomed)
        failures = []
        for secret in doomed:
            try:
                store.delete(secret, force=parsed_args.force)
            except exceptions.CommandError as exc:
                failures.append(exc)
        if len(doomed) == 1 and failures:
            raise failures[0]
        for exc in failures:
            LOG.error('%s', exc)
        if failures:
            raise exceptions.CommandError(
                '%d of %d keys were not deleted'
                % (len(failures), len(doomed)))


def _confirm(secrets):
    if not sys.stdin.isatty():
        raise exceptions.CommandError(
            'Refusing to delete without confirmation: standard input is not '
            'a terminal; pass --yes to delete %s'
            % ', '.join(s.label for s in secrets))
    for secret in secrets:
        sys.stderr.write(
            'Delete SSE-C key %s? Every object encrypted with it becomes '
            'unreadable forever. [y/N] ' % secret.label)
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ('y', 'yes'):
            raise exceptions.CommandError(
                'Not deleted: %s was not confirmed' % secret.label)
