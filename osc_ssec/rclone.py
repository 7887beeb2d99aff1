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


"""The rclone environment variables that carry an SSE-C key.

rclone reads every backend option from ``RCLONE_S3_<OPTION>`` (all S3
remotes) or ``RCLONE_CONFIG_<REMOTE>_<OPTION>`` (one remote). This module
decides which variables a key needs; it knows nothing about shells.
"""

import re

from osc_ssec import keys

ALGORITHM = 'AES256'
GLOBAL_PREFIX = 'RCLONE_S3_'
DEFAULT_PROVIDER = 'Ceph'

KEY_FORMS = ('auto', 'raw', 'base64')

# The per-option suffixes, in the order they are printed.
_ALGORITHM = 'SSE_CUSTOMER_ALGORITHM'
_KEY = 'SSE_CUSTOMER_KEY'
_KEY_BASE64 = 'SSE_CUSTOMER_KEY_BASE64'
_KEY_MD5 = 'SSE_CUSTOMER_KEY_MD5'
SSE_C_OPTIONS = (_ALGORITHM, _KEY, _KEY_BASE64, _KEY_MD5)
REMOTE_OPTIONS = ('TYPE', 'PROVIDER', 'ENV_AUTH', 'ENDPOINT', 'REGION',
                  'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY')
# Names a remote, not a backend option: no global form exists.
_NOT_BACKEND_OPTIONS = ('TYPE',)

# rclone finds remotes in the environment with ^RCLONE_CONFIG_(.+?)_TYPE=
# and lowercases the name; shells accept only these characters in a name.
_REMOTE_NAME = re.compile(r'^[A-Za-z0-9_]+$')


class VariableError(ValueError):
    """A request for variables that rclone could not use."""


def prefix(remote=None):
    """Return the variable prefix for one remote, or for every S3 remote."""
    if remote is None:
        return GLOBAL_PREFIX
    if not _REMOTE_NAME.match(remote):
        raise VariableError(
            'Remote name %r cannot be carried in an environment variable: '
            'use only letters, digits and "_"' % remote)
    return 'RCLONE_CONFIG_%s_' % remote.upper()


def sse_c_names(remote=None):
    """Every SSE-C variable name of the scope, set or not."""
    return [prefix(remote) + option for option in SSE_C_OPTIONS]


def sse_c_variables(key, remote=None, key_form='auto'):
    """Return ``(set, unset)``: the variables that give rclone *key*.

    *set* is a list of ``(name, value)`` pairs: the algorithm (rclone has
    no default), the key and its MD5. By default the key travels raw when
    it is 32 characters that every shell carries unchanged (keys of the
    manual recipe; rclone 1.54+) and base64-encoded otherwise (rclone
    1.60+); ``raw`` forces the raw form for any printable key. *unset*
    names the key variable of the other form: rclone refuses to start when
    both are set, so a stale one from an earlier key must go.
    """
    if key_form not in KEY_FORMS:
        raise VariableError('Unknown key form %r: use one of %s'
                            % (key_form, ', '.join(KEY_FORMS)))
    keys.check(key)
    text = keys.as_text(key)
    if key_form == 'raw' and text is None:
        raise VariableError(
            'This key is binary (not 32 printable ASCII characters) and '
            'cannot be passed raw: use the base64 form (rclone 1.60 or '
            'later reads it)')
    raw = key_form == 'raw' or (
        key_form == 'auto' and text is not None and keys.is_shell_safe(text))
    scope = prefix(remote)
    if raw:
        key_variable = (scope + _KEY, text)
        other_form = scope + _KEY_BASE64
    else:
        key_variable = (scope + _KEY_BASE64, keys.to_base64(key))
        other_form = scope + _KEY
    variables = [
        (scope + _ALGORITHM, ALGORITHM),
        key_variable,
        (scope + _KEY_MD5, keys.fingerprint(key)),
    ]
    return variables, [other_form]


def global_counterparts(names, remote):
    """The global ``RCLONE_S3_*`` names of per-remote variable *names*.

    rclone 1.68 and later let a global backend option win over the same
    option of one remote, so a stale ``RCLONE_S3_SSE_CUSTOMER_KEY`` or
    ``RCLONE_S3_ENDPOINT`` in the shell silently replaces what was set for
    *remote*: another key, or another server.
    """
    scope = prefix(remote)
    options = (name[len(scope):] for name in names if name.startswith(scope))
    return [GLOBAL_PREFIX + option for option in options
            if option not in _NOT_BACKEND_OPTIONS]


def remote_names(remote):
    """Every variable name that defines *remote* itself (not its key)."""
    return [prefix(remote) + option for option in REMOTE_OPTIONS]


def remote_variables(remote, endpoint, access_key_id, secret_access_key,
                     provider=DEFAULT_PROVIDER, region=None):
    """Return the ``(name, value)`` pairs that define an S3 remote.

    With these in the environment rclone needs no config file:
    ``RCLONE_CONFIG_<NAME>_TYPE`` alone makes ``<name>:`` exist.
    ``ENV_AUTH=false`` keeps rclone from picking up unrelated AWS
    credentials from the environment.
    """
    scope = prefix(remote)
    variables = [
        (scope + 'TYPE', 's3'),
        (scope + 'PROVIDER', provider),
        (scope + 'ENV_AUTH', 'false'),
        (scope + 'ENDPOINT', endpoint),
    ]
    if region:
        variables.append((scope + 'REGION', region))
    variables += [
        (scope + 'ACCESS_KEY_ID', access_key_id),
        (scope + 'SECRET_ACCESS_KEY', secret_access_key),
    ]
    return variables
