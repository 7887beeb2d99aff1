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

"""A whole rclone remote from the OpenStack session, end to end.

`rclone-env --define-remote` and `run --define-remote` take the S3
endpoint from the session (--endpoint, clouds.yaml, the catalog) and the
S3 keys from the user's EC2 credential in the real Keystone, and the
SSE-C key from the real Barbican. SeaweedFS is given the same access and
secret key as the member's EC2 credential, so what rclone 1.75 does with
those variables, and without any config file, is checked against a real
S3 server that enforces SSE-C.

Each catalog scenario has a region of its own (selected with
--os-region-name), so that no other test sees these services. Keys and S3
secrets travel only in environment variables, never on a command line,
and rclone never runs with -vv or --dump.
"""

import atexit
import base64
import contextlib
import dataclasses
import json
import os
from pathlib import Path
import secrets
import signal
import subprocess
import sys

import pytest
import yaml

from tests.localcloud import process
from tests.localcloud import rclone as rclone_lib
from tests.localcloud import seaweed as seaweed_lib

OPENSTACK = Path(sys.executable).parent / 'openstack'
TIMEOUT = 120
RCLONE_VERSION = (1, 75, 2)

REMOTE = 'enc'
VAR = 'RCLONE_CONFIG_ENC_'
SSE_C_PREFIX = VAR + 'SSE_CUSTOMER_'
# Endpoints that must never be contacted: they only show which source won.
UNUSED_ENDPOINT = 'https://unused.invalid.test:8443'


@dataclasses.dataclass(frozen=True)
class World:
    """Everything the module set up once; see the `world` fixture."""

    cloud: object
    rclone: rclone_lib.Rclone
    http: seaweed_lib.SeaweedS3
    https: seaweed_lib.SeaweedS3
    access: str
    secret: str = dataclasses.field(repr=False)
    # region names: s3 (catalog "s3", and a decoy "object-store"), swift
    # (only a Ceph-like "object-store"), swift_native (only an OpenStack
    # Swift "object-store", which has no S3), bare (neither).
    regions: dict = dataclasses.field(default_factory=dict)
    # name -> key bytes, in the member's project.
    keys: dict = dataclasses.field(default_factory=dict, repr=False)
    carol_key: str = ''
    # A copy of the cloud's clouds.yaml that knows these regions.
    clouds_yaml: Path = None

    @property
    def key_name(self):
        return next(iter(self.keys))  # the binary key

    @property
    def text_key_name(self):
        return list(self.keys)[1]


def _base_env(world, cloud_name, clouds_yaml=None):
    """A user's environment: no rclone config file, no RCLONE_* at all."""
    env = rclone_lib.rclone_env(world.cloud.env(cloud_name),
                                world.rclone.version)
    env['OS_CLIENT_CONFIG_FILE'] = str(clouds_yaml or world.clouds_yaml)
    return env


def _write_clouds_yaml(source, path, regions, override=None):
    """Copy clouds.yaml, listing regions (openstacksdk refuses others)."""
    clouds = yaml.safe_load(Path(source).read_text())
    for cloud in clouds['clouds'].values():
        cloud['regions'] = [cloud.pop('region_name'), *regions]
    if override:
        clouds['clouds']['member']['s3_endpoint_override'] = override
    path.write_text(yaml.safe_dump(clouds))
    return path


def _osc(world, cloud_name, *args, region=None, clouds_yaml=None,
         input=None, text=True, debug=False, extra_env=None):
    """Run the real `openstack` as cloud_name's user; no check."""
    argv = [str(OPENSTACK)]
    if debug:
        argv.append('--debug')
    if region:
        argv += ['--os-region-name', region]
    env = _base_env(world, cloud_name, clouds_yaml) | (extra_env or {})
    return subprocess.run(
        argv + list(args), input=input, capture_output=True, text=text,
        timeout=TIMEOUT, env=env)


def _checked(result):
    assert result.returncode == 0, (
        f'{result.args[1:]} failed ({result.returncode}):\n{result.stderr}')
    return result


def _json_variables(world, cloud_name, *args, **kwargs):
    """The variables rclone-env emits as json: (set, names to unset)."""
    result = _checked(_osc(world, cloud_name, 'objectsecret', 'rclone-env',
                           '--shell', 'json', *args, **kwargs))
    document = json.loads(result.stdout)
    variables = {n: v for n, v in document.items() if v is not None}
    return variables, [n for n, v in document.items() if v is None]


def _rclone_env(world, variables):
    """rclone's environment: no config file, these variables only."""
    return rclone_lib.rclone_env(os.environ, world.rclone.version) | variables


def _without_sse_c(env):
    return {n: v for n, v in env.items() if not n.startswith(SSE_C_PREFIX)}


def _round_trip(world, env, tmp_path, ca_cert=None):
    """Upload a random file with env, read it back; return (sent, read)."""
    rclone = dataclasses.replace(world.rclone, ca_cert=ca_cert)
    source, content = tmp_path / 'sent.bin', os.urandom(70 * 1024)
    source.write_bytes(content)
    remote_dir = rclone_lib.RemoteDir(REMOTE, 'e2e-session',
                                      secrets.token_hex(6))
    read = rclone_lib.upload_and_read_back(rclone, env, source, remote_dir,
                                           tmp_path / 'read')
    return content, read, remote_dir


@contextlib.contextmanager
def _seaweed(tmp_path_factory, access, secret, https):
    state_dir = tmp_path_factory.mktemp('session-seaweed-https' if https
                                        else 'session-seaweed')
    atexit.register(process.stop_all)
    with process.interruptible():
        with seaweed_lib.SeaweedS3(state_dir, access, secret,
                                   https=https) as server:
            yield server


def _store_key(world, cloud_name, name, key=None):
    """Store an SSE-C key (key bytes given, or generated locally)."""
    if key is None:
        args, stdin = ['--generate-locally'], None
    else:
        args, stdin = ['--key-file', '-'], base64.b64encode(key).decode()
    _checked(_osc(world, cloud_name, 'objectsecret', 'create', name, *args,
                  '-f', 'value', '-c', 'Name', input=stdin))


def _delete_keys(world, cloud_name, names):
    if names:
        _osc(world, cloud_name, 'objectsecret', 'delete', '--yes', *names)


def _ec2_credentials(world, cloud_name):
    result = _checked(_osc(world, cloud_name, 'ec2', 'credentials', 'list',
                           '-f', 'json'))
    return json.loads(result.stdout)


def _delete_ec2_credentials(world, cloud_name):
    for credential in _ec2_credentials(world, cloud_name):
        _osc(world, cloud_name, 'ec2', 'credentials', 'delete',
             credential['Access'])


@pytest.fixture(scope='module')
def world(local_cloud, tmp_path_factory):
    """SeaweedFS (http and https) with the member's EC2 pair, and more.

    The member (alice) gets an EC2 credential whose access/secret pair is
    SeaweedFS's identity, two SSE-C keys (one binary, one text) and three
    regions of catalog. The access key sorts before any uuid4 hex, so
    that this credential is the one the plugin reuses even if another
    test gave alice one too. Everything made in Keystone and Barbican is
    removed again at the end of the module.
    """
    rclone = rclone_lib.find_rclone(rclone_lib.RCLONES['pypi'])
    assert rclone.version == RCLONE_VERSION
    access = '00000000' + secrets.token_hex(8)
    secret = secrets.token_hex(20)
    tag = secrets.token_hex(3)
    regions = {'s3': f'e2e-s3-{tag}', 'swift': f'e2e-swift-{tag}',
               'swift_native': f'e2e-swift-native-{tag}',
               'bare': f'e2e-bare-{tag}'}
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(
            _seaweed(tmp_path_factory, access, secret, https=False))
        https = stack.enter_context(
            _seaweed(tmp_path_factory, access, secret, https=True))
        world = World(
            cloud=local_cloud, rclone=rclone, http=http, https=https,
            access=access, secret=secret,
            regions=regions,
            keys={f'e2e-session-bin-{tag}': os.urandom(32),
                  f'e2e-session-text-{tag}': secrets.token_hex(16).encode()},
            carol_key=f'e2e-session-carol-{tag}',
            clouds_yaml=_write_clouds_yaml(
                local_cloud.clouds_yaml,
                tmp_path_factory.mktemp('session-clouds') / 'clouds.yaml',
                regions.values()))

        credential = local_cloud.create_ec2_credential('member', access,
                                                       secret)
        stack.callback(local_cloud.admin_session().delete,
                       f'{local_cloud.keystone_url}/credentials/{credential}')

        project = local_cloud.projects['demo']
        # Like a real multi-region cloud, each region has Keystone and
        # Barbican: the plugin and OSC look both up in the session region.
        for region in world.regions.values():
            local_cloud.add_endpoint('identity', 'keystone',
                                     local_cloud.keystone_url + '/',
                                     region=region)
            local_cloud.add_endpoint('key-manager', 'barbican',
                                     local_cloud.barbican_url, region=region)
        local_cloud.add_endpoint('s3', 'seaweedfs', http.endpoint,
                                 region=world.regions['s3'])
        # A decoy: "s3" must win over "object-store" in the same region.
        local_cloud.add_endpoint(
            'object-store', 'decoy-swift',
            f'{UNUSED_ENDPOINT}/swift/v1/AUTH_{project}',
            region=world.regions['s3'])
        local_cloud.add_endpoint(
            'object-store', 'seaweedfs-swift',
            f'{http.endpoint}/swift/v1/AUTH_{project}',
            region=world.regions['swift'])
        local_cloud.add_endpoint(
            'object-store', 'swift',
            f'{UNUSED_ENDPOINT}/v1/AUTH_{project}',
            region=world.regions['swift_native'])

        stack.callback(_delete_keys, world, 'member', list(world.keys))
        for name, key in world.keys.items():
            _store_key(world, 'member', name, key)
        stack.callback(_delete_keys, world, 'other', [world.carol_key])
        _store_key(world, 'other', world.carol_key)
        yield world


@pytest.fixture(scope='module')
def enc_variables(world):
    """rclone-env's variables for enc: from the "s3" catalog region."""
    variables, _ = _json_variables(
        world, 'member', '--remote', REMOTE, '--define-remote',
        '--allow-http', world.key_name, region=world.regions['s3'])
    return variables


@pytest.fixture
def clouds_yaml_with_override(world, tmp_path):
    """Factory: a clouds.yaml copy whose member cloud has an S3 override."""
    def make(url):
        return _write_clouds_yaml(world.cloud.clouds_yaml,
                                  tmp_path / 'clouds.yaml',
                                  world.regions.values(), override=url)
    return make


# -- rclone-env in a shell, and run ----------------------------------------

EVAL_SCRIPT = r'''
out=$("$OPENSTACK" --os-region-name "$REGION" objectsecret rclone-env \
      --remote enc --define-remote --allow-http "$KEY_NAME") && eval "$out" \
    || { echo "rclone-env failed" >&2; exit 90; }
"$RCLONE" mkdir "enc:$BUCKET" || exit 91
"$RCLONE" copyto "$SOURCE" "enc:$BUCKET/dir/sent.bin" || exit 92
"$RCLONE" lsd enc: > "$WORK/lsd-with-key" || exit 93
"$RCLONE" copy "enc:$BUCKET/dir" "$WORK/with-key" --include /sent.bin \
    || exit 94
for name in $(compgen -e); do
    case $name in RCLONE_CONFIG_ENC_SSE_CUSTOMER_*) unset "$name" ;; esac
done
compgen -e | grep -c '^RCLONE_CONFIG_ENC_' > "$WORK/remote-variables-left"
"$RCLONE" lsd enc: > "$WORK/lsd-without-key" || exit 95
"$RCLONE" copy "enc:$BUCKET/dir" "$WORK/without-key" --include /sent.bin
echo $? > "$WORK/without-key-status"
out=$("$OPENSTACK" --os-region-name "$REGION" objectsecret rclone-env \
      --remote enc --define-remote --unset) && eval "$out" || exit 96
compgen -e | grep -c '^RCLONE_CONFIG_ENC_' > "$WORK/variables-after-unset"
"$RCLONE" lsd enc: > /dev/null 2>&1
echo $? > "$WORK/lsd-after-unset-status"
exit 0
'''


def test_eval_rclone_env_in_bash_defines_a_working_remote(world, tmp_path):
    source = tmp_path / 'sent.bin'
    content = os.urandom(100 * 1024)
    source.write_bytes(content)
    bucket = 'e2e-eval-' + secrets.token_hex(4)
    env = _base_env(world, 'member') | {
        'OPENSTACK': str(OPENSTACK), 'RCLONE': str(world.rclone.path),
        'REGION': world.regions['s3'], 'KEY_NAME': world.key_name,
        'BUCKET': bucket, 'SOURCE': str(source), 'WORK': str(tmp_path)}
    result = subprocess.run(
        ['bash', '--noprofile', '--norc', '-c', EVAL_SCRIPT], env=env,
        capture_output=True, text=True, timeout=TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert bucket in (tmp_path / 'lsd-with-key').read_text().split()
    assert (tmp_path / 'with-key' / 'sent.bin').read_bytes() == content
    # The remote itself survives without the key variables ...
    assert int((tmp_path / 'remote-variables-left').read_text()) >= 5
    assert bucket in (tmp_path / 'lsd-without-key').read_text().split()
    # ... but without them the object cannot be read.
    assert int((tmp_path / 'without-key-status').read_text()) != 0
    unkeyed = tmp_path / 'without-key' / 'sent.bin'
    assert not unkeyed.exists() or unkeyed.read_bytes() != content
    # --unset --define-remote removes the whole remote again.
    assert int((tmp_path / 'variables-after-unset').read_text()) == 0
    assert int((tmp_path / 'lsd-after-unset-status').read_text()) != 0


def _run(world, *command, secret=None, cloud_name='member', region='s3',
         options=('--remote', REMOTE, '--define-remote', '--allow-http'),
         **kwargs):
    """`openstack objectsecret run OPTIONS SECRET -- COMMAND`."""
    return _osc(world, cloud_name, 'objectsecret', 'run', *options,
                secret or world.key_name, '--', *command,
                region=world.regions.get(region), **kwargs)


def test_run_round_trip(world, tmp_path):
    rclone = str(world.rclone.path)
    source = tmp_path / 'sent.bin'
    content = os.urandom(100 * 1024)
    source.write_bytes(content)
    bucket = 'e2e-run-' + secrets.token_hex(4)

    upload = _run(world, rclone, 'copy', str(source), f'enc:{bucket}/dir')
    assert upload.returncode == 0, upload.stderr
    listing = _run(world, rclone, 'lsd', 'enc:')
    assert listing.returncode == 0, listing.stderr
    assert bucket in listing.stdout.split()
    read = _run(world, rclone, 'copy', f'enc:{bucket}/dir',
                str(tmp_path / 'read'), '--include', '/sent.bin')
    assert read.returncode == 0, read.stderr
    assert (tmp_path / 'read' / 'sent.bin').read_bytes() == content


def test_run_passes_stdin_and_stdout(world):
    data = os.urandom(200 * 1024)
    result = _run(world, 'cat', input=data, text=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data


@pytest.mark.parametrize('command, expected', [
    (['sh', '-c', 'exit 0'], 0),
    (['sh', '-c', 'exit 7'], 7),
    (['sh', '-c', 'kill -TERM $$'], -signal.SIGTERM),
    (['{rclone}', 'lsd', 'enc:'], 0),
    (['{rclone}', 'lsd', 'enc:e2e-no-such-bucket'], 3),
], ids=['exit-0', 'exit-7', 'sigterm', 'rclone-ok', 'rclone-no-bucket'])
def test_run_exit_status_is_the_commands(world, enc_variables, command,
                                         expected):
    command = [arg.format(rclone=world.rclone.path) for arg in command]
    direct = subprocess.run(command, env=_rclone_env(world, enc_variables),
                            capture_output=True, text=True, timeout=TIMEOUT)
    through_run = _run(world, *command)
    assert direct.returncode == expected, direct.stderr
    assert through_run.returncode == direct.returncode, through_run.stderr


@pytest.fixture(scope='module')
def uploaded(world, enc_variables, tmp_path_factory):
    """An object uploaded with the binary key: (remote dir, content)."""
    content, read, remote_dir = _round_trip(
        world, _rclone_env(world, enc_variables),
        tmp_path_factory.mktemp('uploaded'))
    assert read == content
    return remote_dir, content


def test_run_read_with_another_key_fails_like_rclone(world, uploaded,
                                                     tmp_path):
    remote_dir, content = uploaded
    other, _ = _json_variables(
        world, 'member', '--remote', REMOTE, '--define-remote',
        '--allow-http', world.text_key_name, region=world.regions['s3'])
    assert other[VAR + 'SSE_CUSTOMER_KEY'] == (
        world.keys[world.text_key_name].decode())
    direct_result, direct_read = rclone_lib.read_back(
        world.rclone, _rclone_env(world, other), remote_dir, 'sent.bin',
        tmp_path / 'direct')

    target = tmp_path / 'through-run'
    through_run = _run(world, str(world.rclone.path), 'copy',
                       str(remote_dir), str(target), '--include',
                       '/sent.bin', secret=world.text_key_name)

    assert direct_read is None
    assert direct_result.returncode != 0
    assert not (target / 'sent.bin').exists()
    assert through_run.returncode == direct_result.returncode


def test_run_define_remote_is_not_redirected_by_a_global_endpoint(
        world, clouds_yaml_with_override, tmp_path):
    """A stale RCLONE_S3_ENDPOINT must not silently take key and data away.

    rclone 1.68 and later let a global RCLONE_S3_<OPTION> beat the
    remote's RCLONE_CONFIG_<R>_<OPTION> for every option, not only the
    SSE-C ones (checked first, with rclone alone). The remote defined
    from the session is https; a global endpoint left in the shell points
    at another server over http. The plugin has to remove it from the
    command's environment, or at least warn as it does for
    RCLONE_S3_SSE_CUSTOMER_*: otherwise the SSE-C key crosses the network
    in clear text to a server nobody chose, without --allow-http.
    """
    stale = {'RCLONE_S3_ENDPOINT': world.http.endpoint}
    variables, _ = _json_variables(
        world, 'member', *DEFINE, world.key_name,
        clouds_yaml=clouds_yaml_with_override(world.https.endpoint))
    assert variables[VAR + 'ENDPOINT'] == world.https.endpoint
    # The precedence itself, with rclone alone: the global wins.
    probe = subprocess.run(
        [str(world.rclone.path), 'lsd', 'enc:', '--retries', '1',
         '--low-level-retries', '1'],
        env=_rclone_env(world, variables)
        | {'RCLONE_S3_ENDPOINT': 'http://127.0.0.1:1'},
        capture_output=True, text=True, timeout=TIMEOUT)
    assert probe.returncode != 0 and '127.0.0.1:1' in probe.stderr

    source = tmp_path / 'sent.bin'
    content = os.urandom(20 * 1024)
    source.write_bytes(content)
    bucket = 'e2e-stale-' + secrets.token_hex(4)
    upload = _run(
        world, str(world.rclone.path), '--ca-cert', str(world.https.ca_cert),
        'copy', str(source), f'enc:{bucket}', options=DEFINE, region=None,
        clouds_yaml=clouds_yaml_with_override(world.https.endpoint),
        extra_env=stale)

    https_reader = dataclasses.replace(world.rclone,
                                       ca_cert=world.https.ca_cert)
    _, on_https = rclone_lib.read_back(
        https_reader, _rclone_env(world, variables),
        rclone_lib.RemoteDir(REMOTE, bucket, ''), 'sent.bin',
        tmp_path / 'from-https')
    http_variables = variables | {VAR + 'ENDPOINT': world.http.endpoint}
    _, on_http = rclone_lib.read_back(
        world.rclone, _rclone_env(world, http_variables),
        rclone_lib.RemoteDir(REMOTE, bucket, ''), 'sent.bin',
        tmp_path / 'from-http')
    landed = {'https': on_https == content, 'http': on_http == content}
    warned = 'RCLONE_S3_ENDPOINT' in upload.stderr
    assert landed['https'] or warned, (
        f'run --define-remote (https) with RCLONE_S3_ENDPOINT set: upload '
        f'exit {upload.returncode}, landed on {landed}, and stderr says '
        f'nothing about it:\n{upload.stderr}')


# -- where the endpoint comes from -----------------------------------------

# case -> (region, clouds.yaml override, extra options, expected endpoint)
DISCOVERY = {
    # --endpoint wins over clouds.yaml and over the catalog.
    'explicit': ('s3', UNUSED_ENDPOINT, ['--endpoint', '{https}'],
                 '{https}'),
    # clouds.yaml wins over the catalog; https needs no --allow-http.
    'clouds-yaml': ('s3', '{https}', [], '{https}'),
    # "s3" wins over the decoy "object-store" in the same region.
    'catalog-s3': ('s3', None, ['--allow-http'], '{http}'),
    # Ceph: the Swift path is stripped from the "object-store" URL.
    'catalog-object-store': ('swift', None, ['--allow-http'], '{http}'),
}


@pytest.mark.parametrize('case', sorted(DISCOVERY))
def test_endpoint_discovery(world, clouds_yaml_with_override, tmp_path,
                            case):
    region, override, options, expected = DISCOVERY[case]
    urls = {'http': world.http.endpoint, 'https': world.https.endpoint}
    expected = expected.format(**urls)
    clouds_yaml = (clouds_yaml_with_override(override.format(**urls))
                   if override else None)
    variables, _ = _json_variables(
        world, 'member', '--remote', REMOTE, '--define-remote',
        *[option.format(**urls) for option in options], world.key_name,
        region=world.regions[region], clouds_yaml=clouds_yaml)

    assert variables[VAR + 'ENDPOINT'] == expected
    assert variables[VAR + 'TYPE'] == 's3'
    assert variables[VAR + 'ACCESS_KEY_ID'] == world.access
    assert variables[VAR + 'SECRET_ACCESS_KEY'] == world.secret
    assert variables[VAR + 'REGION'] == world.regions[region]
    # And rclone works with what was found.
    ca_cert = world.https.ca_cert if expected.startswith('https:') else None
    content, read, _ = _round_trip(world, _rclone_env(world, variables),
                                   tmp_path, ca_cert=ca_cert)
    assert read == content


def test_https_flow_without_allow_http(world, clouds_yaml_with_override,
                                       tmp_path):
    """run, with an https endpoint as is, and a read without the key."""
    clouds_yaml = clouds_yaml_with_override(world.https.endpoint)
    rclone = [str(world.rclone.path), '--ca-cert', str(world.https.ca_cert)]
    source = tmp_path / 'sent.bin'
    content = os.urandom(50 * 1024)
    source.write_bytes(content)
    bucket = 'e2e-https-' + secrets.token_hex(4)
    options = ('--remote', REMOTE, '--define-remote')

    upload = _run(world, *rclone, 'copy', str(source), f'enc:{bucket}',
                  options=options, region=None, clouds_yaml=clouds_yaml)
    assert upload.returncode == 0, upload.stderr
    read = _run(world, *rclone, 'copy', f'enc:{bucket}',
                str(tmp_path / 'read'), '--include', '/sent.bin',
                options=options, region=None, clouds_yaml=clouds_yaml)
    assert read.returncode == 0, read.stderr
    assert (tmp_path / 'read' / 'sent.bin').read_bytes() == content

    variables, _ = _json_variables(world, 'member', *options, world.key_name,
                                   clouds_yaml=clouds_yaml)
    unkeyed = dataclasses.replace(world.rclone, ca_cert=world.https.ca_cert)
    result, data = rclone_lib.read_back(
        unkeyed, _without_sse_c(_rclone_env(world, variables)),
        rclone_lib.RemoteDir(REMOTE, bucket, ''), 'sent.bin',
        tmp_path / 'unkeyed')
    assert result.returncode != 0
    assert data is None


# -- errors: one line on stderr, nothing on stdout -------------------------

DEFINE = ('--remote', REMOTE, '--define-remote')

# case -> (cloud, region, options, fragments of the message)
ERRORS = {
    'http-without-allow-http': (
        'member', 's3', DEFINE, ['not https', '--allow-http']),
    'no-ec2-credential': (
        'other', None, DEFINE + ('--endpoint', UNUSED_ENDPOINT),
        ['no EC2 credential', '--create-ec2-credential']),
    'no-catalog-entry': (
        'member', 'bare', DEFINE,
        ['Cannot find an S3 endpoint', '--endpoint']),
    'swift-without-s3': (
        'member', 'swift_native', DEFINE,
        ['Cannot find an S3 endpoint', '--endpoint']),
    'define-remote-without-remote': (
        'member', 's3', ('--define-remote',), ['--define-remote', '--remote']),
    'endpoint-without-define-remote': (
        'member', 's3', ('--remote', REMOTE, '--endpoint', UNUSED_ENDPOINT),
        ['--endpoint', '--define-remote']),
}


def _assert_one_line_error(result, fragments):
    assert result.returncode != 0
    assert result.stdout in ('', b'')
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize('command', ['rclone-env', 'run'])
@pytest.mark.parametrize('case', sorted(ERRORS))
def test_error(world, case, command):
    cloud_name, region, options, fragments = ERRORS[case]
    secret = world.carol_key if cloud_name == 'other' else world.key_name
    args = ['objectsecret', command, *options, secret]
    if command == 'run':
        args += ['--', 'sh', '-c', 'echo the command ran']
    if cloud_name == 'other':
        assert _ec2_credentials(world, 'other') == []
    result = _osc(world, cloud_name, *args,
                  region=world.regions.get(region))
    _assert_one_line_error(result, fragments)


@pytest.fixture
def carol_credentials(world):
    """Carol (the "other" cloud) starts and ends without EC2 credentials."""
    assert _ec2_credentials(world, 'other') == []
    yield
    _delete_ec2_credentials(world, 'other')


def test_create_ec2_credential_once_then_reuse(world, carol_credentials):
    options = DEFINE + ('--endpoint', UNUSED_ENDPOINT,
                        '--create-ec2-credential', world.carol_key)

    first, _ = _json_variables(world, 'other', *options)
    after_first = _ec2_credentials(world, 'other')
    second, _ = _json_variables(world, 'other', *options)
    after_second = _ec2_credentials(world, 'other')

    assert len(after_first) == 1
    assert after_second == after_first
    assert first[VAR + 'ACCESS_KEY_ID'] == after_first[0]['Access']
    assert first[VAR + 'SECRET_ACCESS_KEY'] == after_first[0]['Secret']
    assert second == first


@pytest.fixture
def ec2_policy(world):
    """Factory: deny bob (reader) these Keystone EC2 policy rules."""
    bob = world.cloud.users['bob']

    def deny(*rules):
        world.cloud.set_keystone_policy({
            f'identity:{rule}': f'rule:admin_or_owner and not user_id:{bob}'
            for rule in rules})

    yield deny
    world.cloud.set_keystone_policy({})


@pytest.mark.parametrize('denied, create, message', [
    ('ec2_list_credentials', False, 'Cannot read your EC2 credentials'),
    ('ec2_list_credentials', True, 'Cannot read your EC2 credentials'),
    ('ec2_create_credential', True, 'Cannot create an EC2 credential'),
], ids=['list', 'list-then-create', 'create'])
def test_no_ec2_permission(world, ec2_policy, denied, create, message):
    ec2_policy(denied)
    options = DEFINE + ('--endpoint', UNUSED_ENDPOINT)
    if create:
        options += ('--create-ec2-credential',)
    result = _osc(world, 'reader', 'objectsecret', 'rclone-env', *options,
                  world.key_name)
    _assert_one_line_error(result, [message, 'HTTP 403'])
    assert world.secret not in result.stderr
    if denied == 'ec2_create_credential':
        assert _ec2_credentials(world, 'reader') == []


# -- secrets stay secret under --debug -------------------------------------

def _forms(secret_bytes):
    """Every way a secret could show up in a log: raw, base64, hex."""
    return [secret_bytes, base64.b64encode(secret_bytes),
            base64.urlsafe_b64encode(secret_bytes),
            secret_bytes.hex().encode()]


@pytest.mark.parametrize('command', ['rclone-env', 'run'])
@pytest.mark.parametrize('key', ['bin', 'text'])
def test_debug_leaks_no_secret(world, command, key):
    name = world.key_name if key == 'bin' else world.text_key_name
    sse_key = world.keys[name]
    args = ['objectsecret', command, *DEFINE, '--allow-http', name]
    if command == 'run':
        # The child's stdout shows what it was given, for the control below.
        args += ['--', 'sh', '-c',
                 'env | grep "^RCLONE_CONFIG_ENC_" | sort']
    result = _osc(world, 'member', *args, region=world.regions['s3'],
                  debug=True, text=False)

    assert result.returncode == 0, result.stderr.decode(errors='replace')
    assert b'RESP' in result.stderr or b'REQ' in result.stderr  # --debug
    ec2_secret = world.secret.encode()
    # Control: the secrets are in the statements on stdout ...
    assert ec2_secret in result.stdout
    key_in_stdout = (sse_key if key == 'text'
                     else base64.b64encode(sse_key))
    assert key_in_stdout in result.stdout
    # ... and nowhere on stderr, in any form.
    for form in _forms(ec2_secret) + _forms(sse_key):
        assert form not in result.stderr
