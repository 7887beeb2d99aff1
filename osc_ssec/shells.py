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


r"""Statements that set environment variables, for the shell that evals them.

The values are secret keys, so each one is quoted for the shell to take it
literally (no expansion, globbing, word splitting or history expansion), and
a value that a shell cannot take literally is refused with a message that
names the variable and the kind of character, never the value. The rules are
exercised against the real shells in tests/functional/test_shell_quoting.py;
PowerShell and cmd cannot be installed there, so theirs follow their parsers.

- sh (bash, zsh, dash, ksh): ``export NAME='v';``, each ``'`` written
  ``'\''``.
- fish: ``set -gx NAME 'v';``, with ``\`` and ``'`` backslash-escaped.
- tcsh (csh): ``setenv NAME 'v';``, ``'`` written ``'\''`` and ``!`` written
  ``\!`` (history expansion fires even inside single quotes). A line feed
  cannot be quoted: refused.
- powershell (pwsh): ``$Env:NAME = 'v'``, each single-quote character
  doubled; PowerShell takes U+2018..U+201B for ``'`` too. CR and LF are
  refused: ``| Invoke-Expression`` runs each line of its input on its own.
- cmd: ``set "NAME=v"``; nothing can be escaped there, so ``" % ! ^``, CR
  and LF are refused.
- dotenv: ``NAME='v'``, see below.
- json: one object, ``{"NAME": "v", ...}``.

Everywhere NUL is refused (no environment variable can hold one), and so are
lone surrogates (not text, they cannot be written out). An empty value is
refused where setting it removes the variable instead: in cmd, and in
PowerShell before 7.5.

dotenv: one ``NAME='value'`` line per variable is what python-dotenv (and
so docker-compose v1), docker compose v2 (compose-go) and systemd's
``EnvironmentFile=`` all read back as the same string: inside single quotes
none of them expands ``$NAME`` or decodes ``\n``-style escapes. There is no
``export`` prefix: systemd would take it as part of the name. Where the
three disagree the value is refused rather than guessed at:

- ``'``: python-dotenv and compose-go accept ``\'`` inside single quotes,
  systemd does not, and nothing else works in all three;
- a backslash before another backslash or at the very end: python-dotenv
  reads ``\\`` as one backslash where the others keep two, and a final
  backslash escapes the closing quote for python-dotenv and compose-go;
- ``${``: python-dotenv expands ``${NAME}`` even inside single quotes and
  has no escape for it (a lone ``$`` is safe);
- CR and LF: python-dotenv reads in universal-newline mode (CR becomes LF),
  and one line per variable keeps the file usable by line-based tools.

``docker run --env-file`` is no dotenv reader: it keeps the quotes.

Detecting the shell: the shell that evaluates the output is the parent of
this process. In ``eval "$(...)"`` (bash, zsh, dash), ``... | source``
(fish) and ``eval "`...`"`` (tcsh), interactive or not, the shell forks a
child that execs the command, so the parent is the shell itself and its
``comm`` is ``bash``, ``zsh``, ``dash``, ``fish`` or ``tcsh`` (``csh`` when
started by that name); a subshell in between has the same name. Launchers
such as ``sudo``, ``timeout`` or ``uv run`` sit in between with a name of
their own, so a few ancestors are looked at. ``$SHELL`` comes second: it
names the login shell, not necessarily the one running.
"""

import json
import os

SH = 'sh'
FISH = 'fish'
TCSH = 'tcsh'
POWERSHELL = 'powershell'
CMD = 'cmd'
DOTENV = 'dotenv'
JSON = 'json'

SHELLS = (SH, FISH, TCSH, POWERSHELL, CMD, DOTENV, JSON)

# Names accepted for a shell besides its own; they print the same statements.
ALIASES = {
    'bash': SH, 'zsh': SH, 'dash': SH, 'ksh': SH,
    'csh': TCSH,
    'pwsh': POWERSHELL,
}

# Everything --shell accepts, grouped by family.
CHOICES = (SH, 'bash', 'zsh', 'dash', 'ksh', FISH, TCSH, 'csh',
           POWERSHELL, 'pwsh', CMD, DOTENV, JSON)

# Process (or $SHELL) names that identify a shell; a wider net than ALIASES
# since detection, unlike --shell, should recognise any Bourne-style shell.
_PROGRAMS = {
    **ALIASES,
    SH: SH, 'ash': SH, 'ksh93': SH, 'mksh': SH, 'yash': SH,
    FISH: FISH, TCSH: TCSH, POWERSHELL: POWERSHELL,
}

# Processes looked at, starting with the parent: enough to step over a
# launcher (sudo, timeout, uv run) without wandering off to some unrelated
# shell further up.
_ANCESTORS = 4

_NAME_START = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZ_')
_NAME_CHARS = _NAME_START | frozenset('0123456789')

# Any value that can be carried at all can be carried by these.
_ANY_VALUE = 'sh, fish and json carry any value'


def _has(characters):
    """A test for a value that holds any of *characters*."""
    return lambda value: any(c in value for c in characters)


def _is_empty(value):
    return not value


def _not_text(value):
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        return True
    return False


def _ambiguous_backslash(value):
    return '\\\\' in value or value.endswith('\\')


# (test, why) pairs: a value that passes a test is refused. Plain string
# tests, not regular expressions: nothing to compile when the openstack
# client imports this module at every start.
_EVERYWHERE = (
    (_has('\x00'),
     'its value contains a NUL character, which no environment variable '
     'can hold; binary data must travel encoded, e.g. as base64'),
    (_not_text,
     'its value contains a lone surrogate, which is not text and cannot be '
     'written out'),
)
_LINE_BREAK = _has('\r\n')
_REFUSED = {
    TCSH: (
        (_has('\n'),
         'its value contains a line feed, which tcsh cannot quote'),
    ),
    POWERSHELL: (
        (_LINE_BREAK,
         'its value contains a line break (CR or LF), and Invoke-Expression '
         'runs each line of its input on its own'),
        (_is_empty,
         'its value is empty, and PowerShell before 7.5 removes a variable '
         'set to an empty string'),
    ),
    CMD: (
        (_has('"'), 'its value contains a double quote (")'),
        (_has('%'),
         'its value contains a percent sign (%), which cmd expands'),
        (_has('!'),
         'its value contains an exclamation mark (!), which cmd expands '
         'under delayed expansion'),
        (_has('^'), 'its value contains a caret (^), the escape '
         'character of cmd'),
        (_LINE_BREAK, 'its value contains a line break (CR or LF)'),
        (_is_empty,
         'its value is empty, and cmd removes a variable set to nothing'),
    ),
    DOTENV: (
        (_has("'"),
         "its value contains a single quote ('), which dotenv readers "
         "escape differently"),
        (_ambiguous_backslash,
         'its value contains a backslash at its end or before another '
         'backslash, which dotenv readers read differently'),
        (lambda value: '${' in value,
         'its value contains "${", which python-dotenv expands even in '
         'single quotes'),
        (_LINE_BREAK, 'its value contains a line break (CR or LF)'),
    ),
}

# PowerShell takes U+2018..U+201B for a single quote too; doubling any of
# them inside a single-quoted string stands for that one character.
_POWERSHELL_QUOTES = {ord(q): q * 2 for q in '\'\u2018\u2019\u201a\u201b'}


class UnrepresentableValue(ValueError):
    """A value that the chosen shell or format cannot carry literally.

    The message names the variable and the kind of character at fault,
    never the value: values are secret keys and error messages end up in
    terminals, logs and bug reports.
    """

    def __init__(self, name, shell, reason, advice):
        super().__init__('Cannot set %s for %s: %s. %s.'
                         % (name, shell, reason, advice))
        self.name = name
        self.shell = shell


def canonical(shell):
    """Return the name in SHELLS for *shell*, which may be an alias."""
    name = ALIASES.get(shell, shell)
    if name not in SHELLS:
        raise ValueError('Unknown shell or format %r: use one of %s'
                         % (shell, ', '.join(CHOICES)))
    return name


def _sh_quote(value):
    return "'%s'" % value.replace("'", "'\\''")


def _fish_quote(value):
    return "'%s'" % value.replace('\\', '\\\\').replace("'", "\\'")


def _tcsh_quote(value):
    return "'%s'" % value.replace("'", "'\\''").replace('!', '\\!')


def _powershell_quote(value):
    return "'%s'" % value.translate(_POWERSHELL_QUOTES)


def _as_is(value):
    return value


# shell -> (statement that sets NAME to a quoted value, quoting function)
_SET = {
    SH: ('export %s=%s;', _sh_quote),
    FISH: ('set -gx %s %s;', _fish_quote),
    TCSH: ('setenv %s %s;', _tcsh_quote),
    POWERSHELL: ('$Env:%s = %s', _powershell_quote),
    CMD: ('set "%s=%s"', _as_is),
    DOTENV: ("%s='%s'", _as_is),
}

_UNSET = {
    SH: 'unset %s;',
    FISH: 'set -e %s;',
    TCSH: 'unsetenv %s;',
    POWERSHELL: r'Remove-Item Env:\%s -ErrorAction SilentlyContinue',
    # The quotes keep stray trailing blanks (say, in a saved .bat file) out.
    CMD: 'set "%s="',
}

_HINT = {
    SH: 'out=$(%s) && eval "$out"',
    FISH: 'set out (%s); and printf \'%%s\\n\' $out | source',
    TCSH: 'set out = "`%s`" && eval "$out"',
    POWERSHELL: '%s | Invoke-Expression',
    CMD: 'FOR /f "tokens=*" %%i IN (\'%s\') DO @%%i',
    DOTENV: '%s > rclone.env',
    JSON: '%s > rclone-env.json',
}


def _check_names(names):
    seen = set()
    for name in names:
        if (not isinstance(name, str) or not name
                or name[0] not in _NAME_START
                or not _NAME_CHARS.issuperset(name)):
            raise ValueError('Invalid environment variable name %r: '
                             'use [A-Z_][A-Z0-9_]*' % (name,))
        if name in seen:
            raise ValueError('Variable %s is given more than once' % name)
        seen.add(name)


def _check_value(shell, name, value):
    if not isinstance(value, str):
        raise TypeError('The value of %s must be a str' % name)
    for refuses, reason in _EVERYWHERE:
        if refuses(value):
            raise UnrepresentableValue(name, shell, reason,
                                       'No shell or format can carry it')
    for refuses, reason in _REFUSED.get(shell, ()):
        if refuses(value):
            raise UnrepresentableValue(
                name, shell, reason,
                'Choose another shell or format: %s' % _ANY_VALUE)


def render(shell, variables, unset=()):
    """Return the statements that set *variables* in *shell*.

    *variables* is a sequence of ``(name, value)`` pairs, set in that order;
    *unset* names variables to remove first, in the same output, so that
    one eval both clears stale variables and sets the new ones (for json
    they become ``null`` members, as direnv does; a dotenv file starts from
    nothing, so they are left out). One statement per line, ending with a
    newline. Raises UnrepresentableValue, before producing anything, if a
    value cannot be carried, and ValueError for a bad or repeated name.
    """
    shell = canonical(shell)
    variables = list(variables)
    unset = list(unset)
    _check_names(unset + [name for name, _value in variables])
    for name, value in variables:
        _check_value(shell, name, value)
    if shell == JSON:
        document = dict.fromkeys(unset)
        document.update(variables)
        return json.dumps(document, indent=2) + '\n'
    lines = [] if shell == DOTENV else [_UNSET[shell] % n for n in unset]
    statement, quote = _SET[shell]
    lines.extend(statement % (name, quote(value))
                 for name, value in variables)
    return ''.join(line + '\n' for line in lines)


def render_unset(shell, names):
    """Return the statements that remove the variables *names* in *shell*.

    json gives an object of ``null`` members (direnv's convention). dotenv
    raises ValueError: a dotenv file can only add variables.
    """
    shell = canonical(shell)
    if shell == DOTENV:
        raise ValueError('A dotenv file cannot remove variables: '
                         'use a shell or json')
    return render(shell, (), unset=names)


def eval_hint(shell, command):
    """Return one line telling how to load *command*'s output in *shell*.

    Meant for standard error: on standard output a hint would be evaluated
    with the statements. *command* is inserted as given, so it must already
    be quoted for that shell. The sh form is guarded: ``eval "$(cmd)"``
    succeeds even when cmd fails.
    """
    return _HINT[canonical(shell)] % command


def _program(name):
    """The shell a process or $SHELL name stands for, or None."""
    name = os.path.basename(name.strip()).lstrip('-').lower()
    return _PROGRAMS.get(name.removesuffix('.exe'))


def _read_proc(pid):
    """Return ``(comm, ppid)`` of process *pid* from Linux's /proc."""
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8',
                  errors='replace') as stat:
            text = stat.read()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may itself hold spaces and parens.
    head, _paren, tail = text.rpartition(')')
    fields = tail.split()
    if len(fields) < 2 or not fields[1].isdigit():
        return None
    return head.partition('(')[2], int(fields[1])


def detect_shell(environ=None, ppid=None, read_proc=_read_proc):
    """Guess the shell that will evaluate this process's output.

    First the nearest shell among the parent process and its ancestors
    (``read_proc(pid)`` gives ``(comm, ppid)`` or None; Linux only), then
    the basename of ``$SHELL`` (the login shell, which may not be the one
    running), then sh. Returns a name from SHELLS.
    """
    environ = os.environ if environ is None else environ
    pid = os.getppid() if ppid is None else ppid
    for _ in range(_ANCESTORS):
        process = read_proc(pid) if pid > 0 else None
        if process is None:
            break
        comm, pid = process
        shell = _program(comm)
        if shell:
            return shell
    return _program(environ.get('SHELL', '')) or SH
