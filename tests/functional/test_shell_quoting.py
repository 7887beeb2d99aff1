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

"""The printed statements, evaluated by the real shells.

Each test writes what osc_ssec.shells prints to a file, has a real bash,
dash, zsh, fish or tcsh load it the way a user would (the eval hint, with
``cat FILE`` standing in for the openstack command), and then runs
``env -0`` as a child: what that child sees is what rclone would see.
The values are hostile on purpose; a missing shell fails the test, since a
skipped shell proves nothing. PowerShell and cmd cannot be installed here;
their rules are checked against a model of their parsers in the unit tests.
"""

import base64
import shutil
import subprocess
import sys

from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_ssec import shells

# Shell under test -> (command line running a script file, script suffix).
SHELLS = {
    'bash': (['bash', '--norc', '--noprofile'], 'sh'),
    'dash': (['dash'], 'sh'),
    'zsh': (['zsh', '-f'], 'sh'),
    'fish': (['fish', '--no-config'], 'fish'),
    'tcsh': (['tcsh', '-f'], 'tcsh'),
}
# The same shells run interactively (history expansion on), fed on stdin.
INTERACTIVE = {
    'bash': ['bash', '--norc', '--noprofile', '-i'],
    'dash': ['dash', '-i'],
    'zsh': ['zsh', '-f', '-i'],
    'fish': ['fish', '--no-config', '-i'],
    'tcsh': ['tcsh', '-f', '-i'],
}
POSIX = ['bash', 'dash', 'zsh']

# Characters and sequences that mean something to some shell.
HOSTILE = [
    "'", '"', '\u2018', '\u2019', '\u201a', '\u201b', '\u201c', '\u201d',
    '`', '$', '${', '$(', '\\', '\\\\', '!', '!!', '!$', '%', '^', ' ',
    '   ', '\t', '\n', '\r', '\r\n', '*', '?', '[', ']', '#', ';', '&', '|',
    '<', '>', '~', '(', ')', '{', '}', '=', '-', "'\\''", '\u00e9',
    '\U0001f511', '\u00a0', '\u2028', '\x85', '\x1b', '\x7f', '\x01',
]
CANARY = 'pwned'
# Fixed examples: quoting tricks, expansion, history, and injection
# attempts that would create the CANARY file if any of them ran.
NASTY = [
    "'", "'\\''", '"', '\\', 'a\\', '\\\\', '\\!', '!!', '!$', '!-1', '!#',
    '$HOME', '${HOME}', '$(touch pwned)', '`touch pwned`', '(touch pwned)',
    "'; touch pwned; '", '"; touch pwned; "', '\n touch pwned\n',
    "x' `touch pwned` '", '*', '?', '[a-z]*', '~', '~root', '#no comment',
    '  two  spaces  ', '\ttab\t', 'line\nbreak', '\n', 'trailing\n', '\r',
    '-n', '-e', '--', '%PATH%', '^', '&', '|', '<', '>', '=', 'A=B', '',
    ' ', '\u2018curly\u2019 \u201cquotes\u201d', '\u201aone\u201b',
    'caf\u00e9 \U0001f511 \u00a0 \u2028 \x85', '\x1b[31mred\x1b[0m',
    '\\\n', "\\'", '$\'\\n\'', '@(touch pwned)', '{a,b}',
]
BASE64 = st.binary(min_size=1, max_size=48).map(
    lambda raw: base64.b64encode(raw).decode())
# Anything an environment variable can hold: no NUL, no lone surrogate.
VALUES = st.lists(
    st.one_of(st.sampled_from(HOSTILE),
              st.characters(exclude_categories=('Cs',),
                            exclude_characters='\x00')),
    max_size=12).map(''.join)

HYPOTHESIS = settings(max_examples=50, derandomize=True, database=None,
                      deadline=None)


def run_shell(shell, script, cwd, environ=None, interactive=False):
    """Run *script* in *shell* in *cwd*; return the env of its last child.

    The script ends with ``env -0 > env.out``. The variables of the test
    run are not passed on, so that only *environ* and what the script set
    are there. The shell's standard error is kept in ``cwd / 'stderr'``.
    """
    if shutil.which(shell) is None:
        pytest.fail('%s is not installed (tools/bootstrap.sh installs it)'
                    % shell)
    script += '\nenv -0 > env.out\n'
    env = {'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': str(cwd),
           'LC_ALL': 'C.UTF-8', **(environ or {})}
    if interactive:
        result = subprocess.run(INTERACTIVE[shell], input=script.encode(),
                                cwd=cwd, env=env, capture_output=True,
                                timeout=60)
    else:
        argv, suffix = SHELLS[shell]
        path = cwd / ('script.' + suffix)
        path.write_text(script, encoding='utf-8')
        result = subprocess.run(argv + [path.name], cwd=cwd, env=env,
                                capture_output=True, timeout=60)
    (cwd / 'stderr').write_bytes(result.stderr)
    assert result.returncode == 0, result.stderr.decode(errors='replace')
    assert not (cwd / CANARY).exists(), 'a value was run as a command'
    output = (cwd / 'env.out').read_bytes().decode('utf-8')
    return dict(entry.partition('=')[::2]
                for entry in output.split('\0') if entry)


def load(shell, statements, cwd, **kwargs):
    """Evaluate *statements* in *shell* the way its eval hint says."""
    (cwd / 'statements').write_text(statements, encoding='utf-8')
    return run_shell(shell, shells.eval_hint(shell, 'cat statements'), cwd,
                     **kwargs)


def named(values):
    return [('V%d' % i, value) for i, value in enumerate(values)]


def for_shell(shell, values):
    """Drop what *shell* refuses (tcsh: line feeds) from *values*."""
    if shells.canonical(shell) == shells.TCSH:
        return [value.replace('\n', '') for value in values]
    return values


@pytest.mark.parametrize('shell', sorted(SHELLS))
@HYPOTHESIS
@given(values=st.lists(VALUES, min_size=1, max_size=4))
@example(values=['plain'])
def test_hostile_values_survive(shell, values, tmp_path_factory):
    variables = named(for_shell(shell, values))
    got = load(shell, shells.render(shell, variables),
               tmp_path_factory.mktemp(shell))
    assert {name: got.get(name) for name, _ in variables} == dict(variables)


@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_nasty_values_survive(shell, tmp_path):
    variables = named(for_shell(shell, NASTY))
    got = load(shell, shells.render(shell, variables), tmp_path)
    assert {name: got.get(name) for name, _ in variables} == dict(variables)


@pytest.mark.parametrize('shell', sorted(INTERACTIVE))
def test_nasty_values_survive_interactive_shells(shell, tmp_path):
    variables = named(for_shell(shell, NASTY))
    got = load(shell, shells.render(shell, variables), tmp_path,
               interactive=True)
    assert {name: got.get(name) for name, _ in variables} == dict(variables)


@pytest.mark.parametrize('form', ['eval "$(cat statements)"',
                                  'eval $(cat statements)'])
@pytest.mark.parametrize('shell', POSIX)
@HYPOTHESIS
@given(keys=st.lists(BASE64, min_size=1, max_size=4))
def test_plain_and_unquoted_eval_carry_base64(shell, form, keys,
                                              tmp_path_factory):
    variables = named(keys) + [('ALGORITHM', 'AES256')]
    cwd = tmp_path_factory.mktemp(shell)
    before = set(run_shell(shell, '', cwd))
    (cwd / 'statements').write_text(shells.render(shell, variables))
    got = run_shell(shell, form, cwd)
    # Exactly these and nothing else: joined on one line by the unquoted
    # form, statements without their ";" would export the word "export".
    assert {name: got[name] for name in set(got) - before} == \
        dict(variables)


FAKE_COMMAND = '''
import sys
from osc_ssec import shells
shell, fail = sys.argv[1], sys.argv[2] == 'fail'
sys.stdout.write(shells.render(shell, [('NEW_KEY', 'k3y!$(x)')]))
sys.stderr.write('# To load these: %s\\n' % shells.eval_hint(shell, 'cmd'))
sys.exit(1 if fail else 0)
'''


def run_fake_command(shell, cwd, fail):
    """The eval hint around a command that prints as rclone-env does."""
    (cwd / 'fake.py').write_text(FAKE_COMMAND)
    command = '%s fake.py %s %s' % (sys.executable, shell,
                                    'fail' if fail else 'ok')
    return run_shell(shell, shells.eval_hint(shell, command), cwd)


@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_hint_stays_on_stderr(shell, tmp_path):
    got = run_fake_command(shell, tmp_path, fail=False)
    assert got.get('NEW_KEY') == 'k3y!$(x)'
    assert (tmp_path / 'stderr').read_bytes() == (
        b'# To load these: %s\n'
        % shells.eval_hint(shell, 'cmd').encode())


@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_hint_evaluates_nothing_when_the_command_fails(shell, tmp_path):
    assert 'NEW_KEY' not in run_fake_command(shell, tmp_path, fail=True)


@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_render_unset_removes_variables(shell, tmp_path):
    environ = {'OLD_A': 'a', 'OLD_B': "b'c", 'KEEP': 'k'}
    got = load(shell, shells.render_unset(shell, ['OLD_A', 'OLD_B', 'NONE']),
               tmp_path, environ=environ)
    assert 'OLD_A' not in got and 'OLD_B' not in got
    assert got['KEEP'] == 'k'


@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_render_clears_stale_variables_in_the_same_eval(shell, tmp_path):
    statements = shells.render(shell, [('NEW', 'n!')], unset=['STALE'])
    got = load(shell, statements, tmp_path, environ={'STALE': 's'})
    assert 'STALE' not in got
    assert got['NEW'] == 'n!'


def test_tcsh_refuses_line_feeds_cleanly(tmp_path):
    value = 'secret\nvalue'
    with pytest.raises(shells.UnrepresentableValue) as caught:
        shells.render('tcsh', [('KEY', value)])
    assert 'line feed' in str(caught.value)
    assert 'secret' not in str(caught.value)
    # The refusal is needed: tcsh cannot take a line feed in quotes.
    (tmp_path / 'naive.tcsh').write_text("setenv KEY '%s';\n" % value)
    result = subprocess.run(['tcsh', '-f', 'naive.tcsh'], cwd=tmp_path,
                            capture_output=True)
    assert result.returncode != 0
    assert b'Unmatched' in result.stderr


DETECT_COMMAND = '''
import sys
from osc_ssec import shells
shell = shells.detect_shell()
sys.stdout.write(shells.render(shell, [('DETECTED', shell)]))
'''


@pytest.mark.parametrize('interactive', [False, True])
@pytest.mark.parametrize('shell', sorted(SHELLS))
def test_detect_shell_inside_eval(shell, interactive, tmp_path):
    """The shell running the eval is found although $SHELL names another.

    Each shell forks a child that execs the command, so the command's
    parent is that shell; its own syntax then comes back and loads.
    """
    family = shells.canonical(shell)
    (tmp_path / 'detect.py').write_text(DETECT_COMMAND)
    hint = shells.eval_hint(family, '%s detect.py' % sys.executable)
    misleading = '/bin/bash' if family != shells.SH else '/usr/bin/fish'
    got = run_shell(shell, hint, tmp_path, {'SHELL': misleading},
                    interactive=interactive)
    assert got.get('DETECTED') == family
