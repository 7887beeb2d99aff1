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

"""SSE-C with each rclone against SeaweedFS, remotes from env vars only.

These prove the harness and the server before the plugin is involved:
if they fail, an end-to-end failure of the plugin means nothing. Every
"cannot read" verdict rests on the content read, never on an exit code.
"""

import collections
import os

import pytest

from tests.localcloud import rclone as rclone_lib

Uploaded = collections.namedtuple('Uploaded', 'name content remote_dir')

SIZES = {
    'small': (64 * 1024, ()),
    'multipart': (rclone_lib.MULTIPART_SIZE, rclone_lib.MULTIPART_FLAGS),
}


@pytest.fixture(params=sorted(SIZES))
def uploaded(request, rclone, sse_env, remote_dir, make_file, tmp_path):
    """A file uploaded with the key, and already read back with it.

    Reading it back first makes sure that a later failed read is due to
    the key and not to a wrong path or a failed upload.
    """
    size, flags = SIZES[request.param]
    path, content = make_file(size)
    read = rclone_lib.upload_and_read_back(
        rclone, sse_env, path, remote_dir, tmp_path / 'with-key', *flags)
    assert read == content
    return Uploaded(path.name, content, remote_dir)


def test_small_file_round_trip(rclone, sse_env, remote_dir, small_file,
                               tmp_path):
    path, content = small_file
    read = rclone_lib.upload_and_read_back(rclone, sse_env, path,
                                           remote_dir, tmp_path / 'out')
    assert read == content


def test_multipart_round_trip(rclone, sse_env, remote_dir, multipart_file,
                              s3_server, tmp_path):
    path, content = multipart_file
    read = rclone_lib.upload_and_read_back(
        rclone, sse_env, path, remote_dir, tmp_path / 'out',
        *rclone_lib.MULTIPART_FLAGS)
    assert read == content
    etag = s3_server.s3_etag(remote_dir.bucket, remote_dir.key(path.name))
    assert int(etag.rpartition('-')[2]) >= 3, etag


def _assert_unreadable(rclone, env, uploaded, local_dir):
    result, content = rclone_lib.read_back(rclone, env, uploaded.remote_dir,
                                           uploaded.name, local_dir)
    assert content != uploaded.content
    # The directory form of copy reports the failure in every version.
    assert result.returncode != 0, result.stderr


def test_read_without_key_fails(rclone, s3_env, uploaded, tmp_path):
    _assert_unreadable(rclone, s3_env, uploaded, tmp_path / 'no-key')


def test_read_with_other_key_fails(rclone, s3_env, uploaded, tmp_path):
    other_env = s3_env | rclone_lib.sse_c_env(
        uploaded.remote_dir.remote, os.urandom(32))
    _assert_unreadable(rclone, other_env, uploaded, tmp_path / 'other-key')


def test_encrypted_at_rest(s3_server, uploaded):
    remote_dir = uploaded.remote_dir
    stored = s3_server.raw_object(remote_dir.bucket,
                                  remote_dir.key(uploaded.name))
    # Same length (AES-256-CTR): the filer did return the stored object,
    # not an error page, and it is not the plaintext.
    assert len(stored) == len(uploaded.content)
    assert stored != uploaded.content


def test_outer_rclone_variables_are_dropped(rclone, s3_server, sse_key,
                                            sse_env, remote_dir, small_file,
                                            tmp_path):
    # Since 1.68 a global key beats the per-remote one: were this one to
    # leak into the upload, the object could not be read with sse_key.
    stray = {'RCLONE_S3_SSE_CUSTOMER_ALGORITHM': 'AES256',
             'RCLONE_S3_SSE_CUSTOMER_KEY': 'k' * 32,
             'RCLONE_CONFIG': str(tmp_path / 'missing.conf')}
    env = rclone_lib.rclone_env(os.environ | stray, rclone.version)
    env.update(rclone_lib.s3_remote_env(
        remote_dir.remote, rclone.endpoint, s3_server.access_key,
        s3_server.secret_key))
    env.update(rclone_lib.sse_c_env(remote_dir.remote, sse_key))
    path, content = small_file
    rclone_lib.upload(rclone, env, path, f'{remote_dir}/{path.name}')
    result, read = rclone_lib.read_back(rclone, sse_env, remote_dir,
                                        path.name, tmp_path / 'out')
    assert read == content, result.stderr
