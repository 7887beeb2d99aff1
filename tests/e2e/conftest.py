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

"""Fixtures for end-to-end tests: real rclone against a real S3 server.

Nothing here skips: a missing rclone or a server that cannot start is an
error, because a green run without them would prove nothing.
"""

import atexit
import contextlib
import dataclasses
import os
import secrets

import pytest

from tests.localcloud import process
from tests.localcloud import rclone as rclone_lib
from tests.localcloud import seaweed as seaweed_lib

REMOTE = 'ssec'
BUCKET = 'osc-ssec-e2e'


@pytest.fixture(scope='session')
def s3_credentials():
    """An access/secret key pair, fresh for each run."""
    return 'osc-ssec-' + secrets.token_hex(4), secrets.token_hex(20)


@contextlib.contextmanager
def _serve(tmp_path_factory, credentials, https):
    """A running SeaweedS3, stopped on the way out whatever happens.

    Like local_cloud: SIGTERM and SIGHUP unwind through the stop, and
    process.stop_all() at exit is the safety net for anything left.
    """
    state_dir = tmp_path_factory.mktemp('seaweed-https' if https
                                        else 'seaweed')
    atexit.register(process.stop_all)
    with process.interruptible():
        with seaweed_lib.SeaweedS3(state_dir, *credentials,
                                   https=https) as server:
            yield server


@pytest.fixture(scope='session')
def seaweed(tmp_path_factory, s3_credentials):
    """SeaweedFS S3 over http, for rclone >= 1.68."""
    with _serve(tmp_path_factory, s3_credentials, https=False) as server:
        yield server


@pytest.fixture(scope='session')
def seaweed_https(tmp_path_factory, s3_credentials):
    """SeaweedFS S3 over https: rclone < 1.68 sends no SSE-C key over http."""
    with _serve(tmp_path_factory, s3_credentials, https=True) as server:
        yield server


@pytest.fixture(params=sorted(rclone_lib.RCLONES))
def rclone_binary(request):
    """Each rclone under test; parametrize indirectly to pick one."""
    return rclone_lib.find_rclone(rclone_lib.RCLONES[request.param])


@pytest.fixture
def s3_server(request, rclone_binary):
    """The server this rclone can use SSE-C with (http only from 1.68)."""
    if rclone_binary.version >= rclone_lib.SSE_C_OVER_HTTP:
        return request.getfixturevalue('seaweed')
    return request.getfixturevalue('seaweed_https')


@pytest.fixture
def rclone(rclone_binary, s3_server):
    """The rclone under test, with the endpoint and CA it must use."""
    return dataclasses.replace(rclone_binary, endpoint=s3_server.endpoint,
                               ca_cert=s3_server.ca_cert)


@pytest.fixture
def s3_env(rclone, s3_server):
    """Environment defining remote ``ssec:`` without any SSE-C key."""
    env = rclone_lib.rclone_env(os.environ, rclone.version)
    env.update(rclone_lib.s3_remote_env(
        REMOTE, rclone.endpoint, s3_server.access_key, s3_server.secret_key))
    return env


@pytest.fixture
def sse_key():
    return os.urandom(32)


@pytest.fixture
def sse_env(s3_env, sse_key):
    """Environment defining remote ``ssec:`` with SSE-C key ``sse_key``."""
    return s3_env | rclone_lib.sse_c_env(REMOTE, sse_key)


@pytest.fixture
def remote_dir():
    """A directory of its own for each test, in one shared bucket."""
    return rclone_lib.RemoteDir(REMOTE, BUCKET, secrets.token_hex(8))


@pytest.fixture
def make_file(tmp_path):
    """Factory: ``make_file(size)`` -> (path, content) of random bytes."""
    def make(size, name=None):
        path = tmp_path / (name or f'file-{size}.bin')
        return path, rclone_lib.write_random_file(path, size)
    return make


@pytest.fixture
def small_file(make_file):
    return make_file(64 * 1024)


@pytest.fixture
def multipart_file(make_file):
    """A file big enough for >= 3 parts with ``MULTIPART_FLAGS``."""
    return make_file(rclone_lib.MULTIPART_SIZE)
