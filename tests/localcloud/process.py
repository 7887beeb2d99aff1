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

"""Generic helpers to run the local cloud's servers as child processes.

Nothing here knows about Keystone or Barbican, so that every server of the
test harness (SeaweedFS too) is started, awaited and stopped the same way:
on a free loopback port, with its output in a log file whose tail ends up
in the error when something goes wrong, and stopped by its own PID only.
"""

import contextlib
import ctypes
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

HOST = '127.0.0.1'
TAIL_LINES = 30

# The servers come from their own virtualenv (tools/bootstrap.sh) so that
# the client virtualenv proves the plugin's own requirements suffice.
CLOUD_VENV = pathlib.Path(__file__).resolve().parents[2] / '.venv-cloud'

# WSGI modules and scripts run by the server virtualenv's Python. They are
# kept out of this package, whose keystone.py and barbican.py would shadow
# the real keystone and barbican packages on sys.path.
SERVER_DIR = pathlib.Path(__file__).resolve().parent / 'server'

_PR_SET_PDEATHSIG = 1

# Every Process started and not yet stopped, for stop_all().
_running = set()


class LocalCloudError(Exception):
    """A server of the local cloud could not be set up, started or used."""


def cloud_bin(name):
    """Path of an executable of the server virtualenv, checked to exist."""
    path = CLOUD_VENV / 'bin' / name
    if not path.exists():
        raise LocalCloudError(
            f'{path} is missing: run tools/bootstrap.sh to build .venv-cloud')
    return str(path)


def free_ports(count):
    """count distinct TCP ports on the loopback address, unused right now.

    The kernel picks them, all bound at once so that they differ. Another
    process may still take one before the server binds it, in which case
    the server fails to start and says so in its log.
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)
               for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port():
    """One TCP port on the loopback address, unused right now."""
    return free_ports(1)[0]


def clean_env(**extra):
    """A copy of os.environ without OS_* variables, plus extra.

    OS_* variables select clouds and credentials for clients and set
    options for oslo.config, so a developer's shell must not leak them
    into the harness's servers or its `openstack` runs.
    """
    env = {name: value for name, value in os.environ.items()
           if not name.startswith('OS_')}
    env.update(extra)
    return env


def write_ini(path, sections):
    """Write an INI file from {section: {option: value}}."""
    lines = []
    for section, options in sections.items():
        lines.append(f'[{section}]')
        lines.extend(f'{name} = {value}' for name, value in options.items())
        lines.append('')
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(lines))


def log_tail(path, lines=TAIL_LINES):
    """The last lines of a log file, or a note that there is none."""
    try:
        text = pathlib.Path(path).read_text(errors='replace')
    except FileNotFoundError:
        return f'(no log file {path})'
    return '\n'.join(text.splitlines()[-lines:])


def failure(what, log_path):
    """A LocalCloudError that carries the tail of the log explaining it."""
    return LocalCloudError(
        f'{what}\n--- last {TAIL_LINES} lines of {log_path} ---\n'
        f'{log_tail(log_path)}')


def _die_with_parent():
    """Build a preexec_fn that makes the child die with this process.

    The safety net for a harness that is killed with SIGKILL (CI timeouts)
    and so cannot stop its servers: the kernel sends them SIGTERM. It fires
    when the thread that started the child exits, so servers must be
    started from a thread that lives as long as they should (the main one).
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec():
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec


def _open_log(log_path):
    log_path = pathlib.Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    return open(log_path, 'ab')


def run(name, argv, log_path, *, env=None, cwd=None, timeout=120):
    """Run a one-shot command to completion with its output in log_path.

    Raises LocalCloudError with the log's tail when it fails or times out.
    """
    with _open_log(log_path) as log:
        try:
            result = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=env, cwd=cwd, timeout=timeout,
                preexec_fn=_die_with_parent())
        except subprocess.TimeoutExpired:
            raise failure(f'{name} took more than {timeout} s', log_path)
        except OSError as exc:
            raise LocalCloudError(f'{name} could not run: {exc}')
    if result.returncode:
        raise failure(f'{name} failed with exit status {result.returncode}',
                      log_path)


def start(name, argv, log_path, *, env=None, cwd=None):
    """Start a server in the background; its output goes to log_path."""
    process = Process(name, argv, log_path)
    process.start(env=env, cwd=cwd)
    return process


def start_gunicorn(name, port, app, log_path, *, threads, env, cwd):
    """Serve a WSGI application of SERVER_DIR with one gunicorn worker.

    --no-control-socket: gunicorn 27 otherwise creates a control socket
    under $HOME/.gunicorn/. --graceful-timeout 1: a worker that holds an
    idle keep-alive connection (a client's session, Barbican's
    keystonemiddleware) otherwise delays the stop by seconds.
    """
    argv = [cloud_bin('gunicorn'),
            '--bind', f'{HOST}:{port}',
            '--workers', '1', '--threads', str(threads),
            '--no-control-socket',
            '--graceful-timeout', '1',
            '--chdir', cwd,
            '--pythonpath', SERVER_DIR,
            app]
    return start(name, argv, log_path, env=env, cwd=cwd)


def stop(processes, timeout=10.0):
    """Stop servers together: SIGTERM to each PID, wait, then SIGKILL.

    Together because each gunicorn takes about a second to wind down.
    None entries (servers never started) are skipped; stopping a server
    twice, or one that died, is harmless.
    """
    processes = [p for p in processes if p is not None]
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.wait_or_kill(deadline - time.monotonic())


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f'signal {signum}')


@contextlib.contextmanager
def interruptible():
    """Turn SIGINT, SIGTERM and SIGHUP into KeyboardInterrupt in the block.

    By default SIGTERM and SIGHUP end Python at once, without finally
    clauses, and so leave the servers running; as KeyboardInterrupt they
    unwind the way Ctrl-C does, through the code that stops the servers.
    SIGINT is included because a shell starts background jobs with it
    ignored. Main thread only.
    """
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, _interrupt)
                for signum in signals}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_all():
    """Stop every server started here and not stopped yet (safety net)."""
    stop(list(_running))


class Process:
    """A server child process that owns its log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = [str(arg) for arg in argv]
        self.log_path = pathlib.Path(log_path)
        self._popen = None

    @property
    def pid(self):
        return self._popen.pid if self._popen else None

    def start(self, env=None, cwd=None):
        """Start the server in a session of its own.

        Its own session keeps a terminal's Ctrl-C away from it, so that the
        harness stops its servers itself, and its process group lets stop()
        reach the workers a server forked.
        """
        with _open_log(self.log_path) as log:
            try:
                self._popen = subprocess.Popen(
                    self.argv, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, env=env, cwd=cwd,
                    start_new_session=True, preexec_fn=_die_with_parent())
            except OSError as exc:
                raise LocalCloudError(f'{self.name} could not start: {exc}')
        _running.add(self)

    def running(self):
        return self._popen is not None and self._popen.poll() is None

    def error(self, what):
        """A LocalCloudError about this server with the tail of its log."""
        return failure(f'{self.name} (pid {self.pid}): {what}',
                       self.log_path)

    def wait_for_http(self, url, *, timeout=60.0, ready=None):
        """Wait until url answers, the server dies, or timeout passes.

        :param ready: set of HTTP status codes that mean ready; any answer
            counts when it is None (e.g. 401 from an authenticated API is
            enough to know the whole WSGI pipeline is loaded).
        """
        deadline = time.monotonic() + timeout
        seen = 'no answer'
        while True:
            if not self.running():
                raise self.error(f'exited with status {self._popen.poll()} '
                                 f'before {url} answered')
            status = _http_status(url, deadline - time.monotonic())
            if status is not None:
                if ready is None or status in ready:
                    return
                seen = f'HTTP {status}'
            if time.monotonic() >= deadline:
                raise self.error(
                    f'{url} not ready after {timeout} s (last: {seen})')
            time.sleep(0.05)

    def stop(self, timeout=10.0):
        """Stop this server (see stop())."""
        stop([self], timeout)

    def terminate(self):
        """Ask the server to exit: SIGTERM to its PID, if it still runs."""
        _running.discard(self)
        if self.running():
            self._popen.send_signal(signal.SIGTERM)

    def wait_or_kill(self, timeout):
        """Wait for the server to exit; past timeout SIGKILL its group.

        A server that exits on SIGTERM stops its own workers; SIGKILL goes
        to the whole process group the server leads, so that the workers
        of a master that hangs do not linger.
        """
        if self._popen is None:
            return
        try:
            self._popen.wait(max(timeout, 0))
        except subprocess.TimeoutExpired:
            # Not reaped yet, so the group id cannot belong to anyone else.
            _kill_group(self._popen.pid)
            self._popen.wait()


def _kill_group(pgid):
    """SIGKILL what is left of a process group this harness created."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _http_status(url, timeout):
    """HTTP status of a GET of url, or None when nothing answers yet.

    Proxies from the environment are ignored: the servers are on loopback.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=max(0.1, min(timeout, 5))) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None
