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

"""Exact statements, refusals and shell detection, without running a shell.

Whether the statements do what they should in real shells is the business
of tests/functional/test_shell_quoting.py.
"""

import json
import os
import re
import subprocess
import sys

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from osc_ssec import shells

VARIABLES = [('RCLONE_S3_SSE_CUSTOMER_ALGORITHM', 'AES256'),
             ('RCLONE_S3_SSE_CUSTOMER_KEY_MD5', 'pT7xqN+/0w==')]

EXPECTED = {
    'sh': "export RCLONE_S3_SSE_CUSTOMER_ALGORITHM='AES256';\n"
          "export RCLONE_S3_SSE_CUSTOMER_KEY_MD5='pT7xqN+/0w==';\n",
    'fish': "set -gx RCLONE_S3_SSE_CUSTOMER_ALGORITHM 'AES256';\n"
            "set -gx RCLONE_S3_SSE_CUSTOMER_KEY_MD5 'pT7xqN+/0w==';\n",
    'tcsh': "setenv RCLONE_S3_SSE_CUSTOMER_ALGORITHM 'AES256';\n"
            "setenv RCLONE_S3_SSE_CUSTOMER_KEY_MD5 'pT7xqN+/0w==';\n",
    'powershell': "$Env:RCLONE_S3_SSE_CUSTOMER_ALGORITHM = 'AES256'\n"
                  "$Env:RCLONE_S3_SSE_CUSTOMER_KEY_MD5 = 'pT7xqN+/0w=='\n",
    'cmd': 'set "RCLONE_S3_SSE_CUSTOMER_ALGORITHM=AES256"\n'
           'set "RCLONE_S3_SSE_CUSTOMER_KEY_MD5=pT7xqN+/0w=="\n',
    'dotenv': "RCLONE_S3_SSE_CUSTOMER_ALGORITHM='AES256'\n"
              "RCLONE_S3_SSE_CUSTOMER_KEY_MD5='pT7xqN+/0w=='\n",
    'json': '{\n'
            '  "RCLONE_S3_SSE_CUSTOMER_ALGORITHM": "AES256",\n'
            '  "RCLONE_S3_SSE_CUSTOMER_KEY_MD5": "pT7xqN+/0w=="\n'
            '}\n',
}

EXPECTED_UNSET = {
    'sh': 'unset A;\nunset B;\n',
    'fish': 'set -e A;\nset -e B;\n',
    'tcsh': 'unsetenv A;\nunsetenv B;\n',
    'powershell': 'Remove-Item Env:\\A -ErrorAction SilentlyContinue\n'
                  'Remove-Item Env:\\B -ErrorAction SilentlyContinue\n',
    'cmd': 'set "A="\nset "B="\n',
    'json': '{\n  "A": null,\n  "B": null\n}\n',
}

COMMAND = 'openstack objectsecret rclone-env'
EXPECTED_HINT = {
    'sh': 'out=$(openstack objectsecret rclone-env) && eval "$out"',
    'fish': "set out (openstack objectsecret rclone-env); "
            "and printf '%s\\n' $out | source",
    'tcsh': 'set out = "`openstack objectsecret rclone-env`" && eval "$out"',
    'powershell': 'openstack objectsecret rclone-env | Invoke-Expression',
    'cmd': 'FOR /f "tokens=*" %i IN '
           '(\'openstack objectsecret rclone-env\') DO @%i',
    'dotenv': 'openstack objectsecret rclone-env > rclone.env',
    'json': 'openstack objectsecret rclone-env > rclone-env.json',
}


def test_every_shell_has_expectations():
    assert set(EXPECTED) == set(shells.SHELLS)
    assert set(shells.SHELLS) <= set(shells.CHOICES)
    assert set(shells.ALIASES) <= set(shells.CHOICES)
    assert len(set(shells.CHOICES)) == len(shells.CHOICES)


@pytest.mark.parametrize('shell', shells.SHELLS)
def test_render_simple_values(shell):
    assert shells.render(shell, VARIABLES) == EXPECTED[shell]


@pytest.mark.parametrize('alias', sorted(shells.ALIASES))
def test_aliases_print_their_family_statements(alias):
    assert (shells.render(alias, VARIABLES)
            == EXPECTED[shells.ALIASES[alias]])
    assert shells.canonical(alias) == shells.ALIASES[alias]


def test_unknown_shell_is_refused():
    with pytest.raises(ValueError, match="Unknown shell or format 'nu'"):
        shells.render('nu', VARIABLES)
    with pytest.raises(ValueError):
        shells.eval_hint('xonsh', COMMAND)


def test_render_nothing():
    assert shells.render('sh', []) == ''
    assert shells.render('json', []) == '{}\n'


@pytest.mark.parametrize('shell, value, quoted', [
    ('sh', "it's", "'it'\\''s'"),
    ('sh', '$HOME `id` \\ "!', "'$HOME `id` \\ \"!'"),
    ('fish', "it's", "'it\\'s'"),
    ('fish', 'a\\b\\', "'a\\\\b\\\\'"),
    ('fish', '$HOME (id) *', "'$HOME (id) *'"),
    ('tcsh', "it's", "'it'\\''s'"),
    ('tcsh', 'a!b\\!', "'a\\!b\\\\!'"),
    ('tcsh', 'cr\rhere', "'cr\rhere'"),
    ('powershell', "it's", "'it''s'"),
    ('powershell', '\u2018\u2019\u201a\u201b', "'" + '\u2018\u2018\u2019'
     '\u2019\u201a\u201a\u201b\u201b' + "'"),
    ('powershell', '$x `n "q" \u201cd\u201d', "'$x `n \"q\" \u201cd\u201d'"),
])
def test_quoting(shell, value, quoted):
    statement = {'sh': 'export X=%s;\n', 'fish': 'set -gx X %s;\n',
                 'tcsh': 'setenv X %s;\n', 'powershell': '$Env:X = %s\n'}
    assert shells.render(shell, [('X', value)]) == statement[shell] % quoted


def test_cmd_and_dotenv_carry_what_they_do_not_refuse():
    assert shells.render('cmd', [('X', 'a&b|c<d>e (f) $g ~')]) == \
        'set "X=a&b|c<d>e (f) $g ~"\n'
    assert shells.render('dotenv', [('X', 'a\\b $HOME {x} $ # ;')]) == \
        "X='a\\b $HOME {x} $ # ;'\n"


def test_json_is_one_ascii_object():
    text = shells.render('json', [('A', 'caf\u00e9 \U0001f511 "q" \\'),
                                  ('B', '')])
    assert text.isascii()
    assert json.loads(text) == {'A': 'caf\u00e9 \U0001f511 "q" \\', 'B': ''}


@pytest.mark.parametrize('shell', sorted(EXPECTED_UNSET))
def test_render_unset(shell):
    assert shells.render_unset(shell, ['A', 'B']) == EXPECTED_UNSET[shell]


def test_dotenv_cannot_unset():
    with pytest.raises(ValueError, match='cannot remove'):
        shells.render_unset('dotenv', ['A'])


@pytest.mark.parametrize('shell', shells.SHELLS)
def test_render_with_unset_gives_one_document(shell):
    text = shells.render(shell, VARIABLES, unset=['A', 'B'])
    if shell == 'json':
        assert json.loads(text) == {'A': None, 'B': None,
                                    **dict(VARIABLES)}
    elif shell == 'dotenv':
        assert text == EXPECTED['dotenv']
    else:
        assert text == EXPECTED_UNSET[shell] + EXPECTED[shell]


@pytest.mark.parametrize('shell', shells.SHELLS)
def test_eval_hint(shell):
    assert shells.eval_hint(shell, COMMAND) == EXPECTED_HINT[shell]


@pytest.mark.parametrize('name', [
    'rclone_x', 'A-B', '1A', '', 'A B', 'A\n', 'A=B', '\u00c4', 'A;B', None,
])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError, match='Invalid environment variable'):
        shells.render('sh', [(name, 'v')])
    with pytest.raises(ValueError, match='Invalid environment variable'):
        shells.render_unset('sh', [name])


def test_repeated_names_are_refused():
    with pytest.raises(ValueError, match='more than once'):
        shells.render('json', [('A', '1'), ('A', '2')])
    with pytest.raises(ValueError, match='more than once'):
        shells.render('sh', [('A', '1')], unset=['A'])


def test_values_must_be_text():
    with pytest.raises(TypeError):
        shells.render('sh', [('A', b'bytes')])


SECRET = 'Tr0ub4dor&3-correct-horse'

REFUSED = [
    (shell, value, what)
    for shell in shells.SHELLS
    for value, what in [('\x00', 'NUL'), ('\udc80', 'surrogate')]
] + [
    ('tcsh', '\n', 'line feed'),
    ('powershell', '\n', 'line break'),
    ('powershell', '\r', 'line break'),
    ('cmd', '"', 'double quote'),
    ('cmd', '%', 'percent'),
    ('cmd', '!', 'exclamation'),
    ('cmd', '^', 'caret'),
    ('cmd', '\r', 'line break'),
    ('cmd', '\n', 'line break'),
    ('dotenv', "'", 'single quote'),
    ('dotenv', '\\\\', 'backslash'),
    ('dotenv', '${', '"${"'),
    ('dotenv', '\r', 'line break'),
    ('dotenv', '\n', 'line break'),
]


@pytest.mark.parametrize('shell, bad, what', REFUSED)
def test_refusal_names_variable_and_class_but_not_value(shell, bad, what):
    value = SECRET[:10] + bad + SECRET[10:]
    with pytest.raises(shells.UnrepresentableValue) as caught:
        shells.render(shell, [('OK', 'fine'), ('RCLONE_KEY', value)])
    message = str(caught.value)
    assert 'RCLONE_KEY' in message and shell in message
    assert what in message
    for part in (value, SECRET[:10], SECRET[10:], SECRET[5:15]):
        assert part not in message
    assert caught.value.name == 'RCLONE_KEY'
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize('shell', ['powershell', 'cmd'])
def test_empty_value_is_refused_where_it_would_unset(shell):
    with pytest.raises(shells.UnrepresentableValue, match='empty'):
        shells.render(shell, [('A', '')])


def test_dotenv_backslash_rule_is_narrow():
    assert shells.render('dotenv', [('A', 'a\\b\\c')]) == "A='a\\b\\c'\n"
    for value in ('a\\', 'a\\\\b', '\\\\'):
        with pytest.raises(shells.UnrepresentableValue):
            shells.render('dotenv', [('A', value)])


# Models of how the three dotenv readers take a file of NAME='...' lines,
# transcribed from their sources (single-quoted values only). Each returns
# {name: value}, or None where the reader reports an error. The
# python-dotenv model was checked against python-dotenv 1.0.1 and 1.2.4 on
# thousands of generated files; the systemd one against systemd 252's
# environment.d generator, which shares the parser.

# python-dotenv's single-quoted value: up to 1.0, and from 1.1 on.
DOTENV_QUOTED = [re.compile(r"'((?:\\'|[^'])*)'"),
                 re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)]


def python_dotenv(text, environ, quoted):
    """python-dotenv: parser.py's regexes, main.resolve_variables."""
    # Separate matches, as the reader makes them: no backtracking between.
    start = re.compile(r"([A-Z_0-9]+)=")
    end = re.compile(r"[^\S\r\n]*(?:#[^\r\n]*)?(?:\r\n|\n|\r|$)")
    values, position = {}, 0
    while position < len(text):
        name = start.match(text, position)
        value = name and quoted.match(text, name.end())
        rest = value and end.match(text, value.end())
        if not rest:
            return None
        unescaped = re.sub(r"\\[\\']", lambda m: m.group()[1], value.group(1))
        values[name.group(1)] = re.sub(
            r'\$\{([^}:]*)(?::-([^}]*))?\}',
            lambda m: environ.get(m.group(1), m.group(2) or ''), unescaped)
        position = rest.end()
    return values


def compose_go(text):
    """compose-go dotenv/parser.go: parse and extractVarValue."""
    values = {}
    while text.strip():
        name, _equals, text = text.strip().partition('=')
        chars, escaped = [], False
        for i, char in enumerate(text[1:], 1):
            if char != "'":
                if not escaped and char == '\\':
                    escaped = True
                    continue
                if escaped:
                    escaped = False
                    chars.append('\\')
                chars.append(char)
            elif escaped:
                escaped = False
                chars.append(char)
            else:
                values[name] = ''.join(chars)
                text = text[i + 1:]
                break
        else:
            return None
    return values


def systemd(text):
    """systemd env-file.c: in SINGLE_QUOTE_VALUE all goes up to a '."""
    values = {}
    for match in re.finditer(r"([A-Z_0-9]+)='([^']*)'([^\n]*)\n", text):
        if match.group(3).strip(' \t\r'):
            return None
        values[match.group(1)] = match.group(2)
    return values


def read_back(text):
    return [python_dotenv(text, {'HOME': '/root'}, quoted)
            for quoted in DOTENV_QUOTED] + [compose_go(text), systemd(text)]


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(st.sampled_from('ab \\\'"$#{}\r\n\t=')))
def test_dotenv_readers_agree_on_every_value_not_refused(value):
    try:
        text = shells.render('dotenv', [('A', value), ('B', 'b')])
    except shells.UnrepresentableValue:
        return
    assert read_back(text) == [{'A': value, 'B': 'b'}] * 4


@pytest.mark.parametrize('value', ['a\\\\b', 'a\\', "it\\'s", '${HOME}'])
def test_dotenv_refusals_are_real_disagreements(value):
    text = "A='%s'\nB='b'\n" % value
    assert read_back(text).count({'A': value, 'B': 'b'}) < 4


# pwsh cannot be installed here (Debian has no package; the npm one downloads
# it at install time), so the PowerShell rule is checked against a model of
# what `COMMAND | Invoke-Expression` does with the output.
POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"  # CharExtensions.IsSingleQuote


def powershell_reads(output):
    """The variables that ``output | Invoke-Expression`` would set, or None.

    PowerShell hands a native command's output on one line at a time
    (StreamReader.ReadLine: CR, LF or CRLF end a line), and Invoke-Expression
    parses each line on its own. In a single-quoted string the tokenizer
    (ScanStringLiteral) takes a single-quote character followed by another
    as the second one, and a lone one as the end of the string.
    """
    environ = {}
    for line in re.split('\r\n|\r|\n', output)[:-1]:
        match = re.match(r"\$Env:([A-Z_][A-Z0-9_]*) = '", line)
        if not match:
            return None
        chars, i = [], match.end()
        while i < len(line):
            char = line[i]
            if char in POWERSHELL_QUOTES:
                if line[i + 1:i + 2] and line[i + 1] in POWERSHELL_QUOTES:
                    i += 1
                    char = line[i]
                else:
                    break
            chars.append(char)
            i += 1
        if i != len(line) - 1:  # unterminated, or text after the string
            return None
        environ[match.group(1)] = ''.join(chars)
    return environ


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(
    # Lists joined, not st.text: text() would merge the two alphabets into
    # one and then seldom pick the few characters that matter.
    st.lists(st.one_of(st.sampled_from(POWERSHELL_QUOTES + '"`$(){};#\\ '),
                       st.characters(exclude_categories=('Cs',),
                                     exclude_characters='\x00\r\n')),
             min_size=1).map(''.join),
    min_size=1, max_size=3))
def test_powershell_reads_back_every_value(values):
    variables = [('V%d' % i, value) for i, value in enumerate(values)]
    assert powershell_reads(shells.render('powershell', variables)) == \
        dict(variables)


def test_powershell_model_sees_why_line_breaks_are_refused():
    assert powershell_reads("$Env:A = 'one'\n") == {'A': 'one'}
    assert powershell_reads("$Env:A = 'one\ntwo'\n") is None
    assert powershell_reads("$Env:A = 'it's'\n") is None


class FakeProc:
    """Processes as ``{pid: (comm, ppid)}``, recording what was read."""

    def __init__(self, table):
        self.table = table
        self.read = []

    def __call__(self, pid):
        self.read.append(pid)
        return self.table.get(pid)


@pytest.mark.parametrize('comm, shell', [
    ('bash', 'sh'), ('-bash', 'sh'), ('zsh', 'sh'), ('dash', 'sh'),
    ('sh', 'sh'), ('ksh93', 'sh'), ('mksh', 'sh'), ('fish', 'fish'),
    ('tcsh', 'tcsh'), ('csh', 'tcsh'), ('-tcsh', 'tcsh'),
    ('pwsh', 'powershell'), ('powershell.exe', 'powershell'),
])
def test_detect_parent_shell(comm, shell):
    proc = FakeProc({200: (comm, 100), 100: ('sshd', 1)})
    assert shells.detect_shell({'SHELL': '/usr/bin/fish'}, 200, proc) == \
        shell
    assert proc.read == [200]


def test_detect_steps_over_a_launcher():
    proc = FakeProc({300: ('sudo', 200), 200: ('fish', 100),
                     100: ('bash', 1)})
    assert shells.detect_shell({}, 300, proc) == 'fish'


def test_detect_gives_up_on_ancestors_after_a_few():
    proc = FakeProc({5: ('a', 4), 4: ('b', 3), 3: ('c', 2), 2: ('d', 1),
                     1: ('bash', 0)})
    assert shells.detect_shell({'SHELL': '/bin/tcsh'}, 5, proc) == 'tcsh'
    assert proc.read == [5, 4, 3, 2]


@pytest.mark.parametrize('environ, shell', [
    ({'SHELL': '/usr/bin/fish'}, 'fish'),
    ({'SHELL': '/bin/zsh'}, 'sh'),
    ({'SHELL': '/bin/csh'}, 'tcsh'),
    ({'SHELL': '/opt/microsoft/powershell/7/pwsh'}, 'powershell'),
    ({'SHELL': '/usr/bin/nu'}, 'sh'),
    ({'SHELL': ''}, 'sh'),
    ({}, 'sh'),
])
def test_detect_falls_back_to_login_shell_then_sh(environ, shell):
    assert shells.detect_shell(environ, 42, FakeProc({})) == shell
    assert shells.detect_shell(environ, 42, FakeProc({42: ('init', 0)})) \
        == shell


def test_detect_reads_no_process_zero():
    proc = FakeProc({})
    assert shells.detect_shell({}, 0, proc) == 'sh'
    assert proc.read == []


def test_detect_defaults_to_this_process():
    assert shells.detect_shell() in shells.SHELLS


def test_read_proc_on_linux():
    assert shells._read_proc(os.getpid())[1] == os.getppid()
    assert shells._read_proc(-1) is None


def test_read_proc_takes_comm_with_spaces_and_parens(tmp_path):
    odd = tmp_path / 'a) b (c'
    odd.symlink_to(sys.executable)
    child = subprocess.Popen([str(odd), '-c', 'import sys; sys.stdin.read()'],
                             stdin=subprocess.PIPE)
    try:
        assert shells._read_proc(child.pid) == ('a) b (c', os.getpid())
    finally:
        child.communicate(b'')
