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

"""A SeaweedFS S3 server on loopback, for end-to-end SSE-C tests.

SeaweedFS is used because it enforces SSE-C for real (no key: 400, wrong
key: 403) and stores the objects encrypted, so a test can prove that data
at rest is not plaintext by reading it back through the filer port.
"""

import base64
import json
import os
from pathlib import Path
import random
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

from tests.localcloud import process as process_lib

REPO = Path(__file__).resolve().parents[2]
WEED = REPO / '.venv-cloud' / 'bin' / 'weed'

# Every SeaweedFS component also listens for gRPC on its HTTP port + 10000.
# The ports can be set explicitly, but the admin worker of ``weed mini``
# 4.48 always dials admin port + 10000, so that offset is kept for all.
GRPC_OFFSET = 10000
# Ports below the kernel's ephemeral range (32768-60999), so that the gRPC
# port stays under it too and nothing bound to port 0 can take ours.
PORT_RANGE = (10000, 32768 - GRPC_OFFSET)
COMPONENTS = ('master', 'volume', 'filer', 's3', 'admin')

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


class SeaweedError(process_lib.LocalCloudError, RuntimeError):
    """The server could not be started; the message ends with its log."""


def _port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def pick_ports(count):
    """Return ``count`` ports P, each with P + GRPC_OFFSET, all free.

    The ports are random rather than ephemeral (port 0) because the gRPC
    twin of an ephemeral port would land in anyone's ephemeral range.
    """
    taken = set()
    ports = []
    while len(ports) < count:
        port = random.randrange(*PORT_RANGE)
        pair = {port, port + GRPC_OFFSET}
        if taken & pair:
            continue
        taken |= pair
        if all(_port_is_free(p) for p in pair):
            ports.append(port)
    return ports


def make_self_signed_cert(directory):
    """Write a certificate for IP:127.0.0.1 and its key; return both paths.

    rclone verifies the server certificate against the IP address of the
    endpoint, so the subjectAltName must name the IP, not a host name.
    """
    cert, key = directory / 'cert.pem', directory / 'key.pem'
    subprocess.run(
        ['openssl', 'req', '-x509', '-newkey', 'ec',
         '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
         '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
         '-keyout', str(key), '-out', str(cert)],
        check=True, capture_output=True)
    return cert, key


class SeaweedS3:
    """``weed mini`` (master, volume, filer and S3 in one process).

    All state, the log and the Unix sockets that can be moved live in
    ``state_dir``. The gRPC Unix sockets are hard-coded in /tmp by
    SeaweedFS; it removes them on SIGTERM, and :meth:`stop` removes them
    itself when it had to use SIGKILL.

    The process is a :class:`tests.localcloud.process.Process`, like the
    cloud's servers: it runs in a session of its own, gets SIGTERM if the
    thread that started it dies, and :func:`process.stop_all` stops it.
    """

    def __init__(self, state_dir, access_key, secret_key, https=False):
        self.state_dir = Path(state_dir)
        self.access_key = access_key
        self.secret_key = secret_key
        self.https = https
        self.endpoint = None
        self.filer_url = None
        self.ca_cert = None
        self.log_path = self.state_dir / 'weed.log'
        self._ports = {}
        self._https_port = None
        self._process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _write_identity(self):
        identity = {
            'identities': [{
                'name': 'osc-ssec-tests',
                'credentials': [{'accessKey': self.access_key,
                                 'secretKey': self.secret_key}],
                'actions': ['Admin', 'Read', 'List', 'Tagging', 'Write'],
            }],
        }
        path = self.state_dir / 's3.json'
        path.write_text(json.dumps(identity))
        return path

    def _command(self, s3_config, tls):
        data = self.state_dir / 'data'
        data.mkdir(parents=True, exist_ok=True)
        args = [
            str(WEED), '-logtostderr', 'mini',
            f'-dir={data}',
            '-ip=127.0.0.1', '-ip.bind=127.0.0.1',
            f'-s3.config={s3_config}',
            f'-filer.localSocket={data / "filer.sock"}',
            f'-s3.localSocket={data / "s3.sock"}',
            '-master.telemetry=false', '-webdav=false', '-admin.ui=false',
            '-s3.port.iceberg=0', '-s3.port.lance=0',
            # Stop in ~1 s rather than ~4 s.
            '-volume.preStopSeconds=0',
        ]
        for name, port in self._ports.items():
            args += [f'-{name}.port={port}',
                     f'-{name}.port.grpc={port + GRPC_OFFSET}']
        if tls:
            cert, key = tls
            args += [f'-s3.port.https={self._https_port}',
                     f'-s3.cert.file={cert}', f'-s3.key.file={key}']
        return args

    def start(self):
        """Start the server and wait until its S3 port answers."""
        if self._process is not None:
            raise SeaweedError('SeaweedS3 already started')
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ports = pick_ports(len(COMPONENTS) + int(self.https))
        self._ports = dict(zip(COMPONENTS, ports))
        tls = None
        if self.https:
            self._https_port = ports[-1]
            tls = make_self_signed_cert(self.state_dir)
            self.ca_cert = tls[0]
            self.endpoint = f'https://127.0.0.1:{self._https_port}'
        else:
            self.endpoint = f'http://127.0.0.1:{self._ports["s3"]}'
        self.filer_url = f'http://127.0.0.1:{self._ports["filer"]}'
        command = self._command(self._write_identity(), tls)
        try:
            self._process = process_lib.start(
                'weed mini', command, self.log_path, cwd=self.state_dir)
            self._wait_ready()
        except process_lib.LocalCloudError as error:
            self.stop()
            raise SeaweedError(str(error)) from error
        except BaseException:
            self.stop()
            raise

    def _answers(self):
        context = None
        if self.ca_cert:
            context = ssl.create_default_context(cafile=str(self.ca_cert))
        try:
            with urllib.request.urlopen(self.endpoint, timeout=2,
                                        context=context):
                return True
        except urllib.error.HTTPError as error:
            error.close()
            return True  # 403 to an anonymous request: S3 is serving.
        except OSError:
            return False

    def _wait_ready(self):
        """Wait for the plain S3 port, then for the https one if any.

        Process.wait_for_http trusts only the system's CAs, so the https
        endpoint (self-signed) is polled here with the server's own CA.
        """
        deadline = time.monotonic() + START_TIMEOUT
        # S3 answers 403 to an anonymous request: any answer will do.
        self._process.wait_for_http(f'http://127.0.0.1:{self._ports["s3"]}/',
                                    timeout=START_TIMEOUT)
        while not self._answers():
            if not self._process.running():
                raise self._process.error(
                    f'exited before {self.endpoint} answered')
            if time.monotonic() >= deadline:
                raise self._process.error(
                    f'{self.endpoint} did not answer within '
                    f'{START_TIMEOUT:.0f} s')
            time.sleep(0.05)

    def stop(self):
        """SIGTERM by PID, then SIGKILL to its group; idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        process.stop(STOP_TIMEOUT)
        self._remove_grpc_sockets()

    def _remove_grpc_sockets(self):
        for name, port in self._ports.items():
            path = f'/tmp/seaweedfs-{name}-grpc-{port + GRPC_OFFSET}.sock'
            if os.path.exists(path):
                os.unlink(path)

    def s3_etag(self, bucket, key):
        """Return the S3 ETag of an object, as kept in the filer entry.

        A multipart object's ETag ends in ``-<number of parts>``: this is
        how a test proves that an upload really was multipart.
        """
        url = f'{self.filer_url}/buckets/{bucket}/{key}?metadata=true'
        with urllib.request.urlopen(url, timeout=30) as response:
            entry = json.load(response)
        etag = entry['Extended']['Seaweed-X-Amz-ETag']
        return base64.b64decode(etag).decode()

    def raw_object(self, bucket, key):
        """Return an object's bytes as stored, read through the filer.

        The filer serves what the volume servers hold, without the S3
        layer's decryption: for an SSE-C object that is the ciphertext.
        """
        url = f'{self.filer_url}/buckets/{bucket}/{key}'
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
