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


"""The rules an SSE-C key follows, independent of where it is kept.

S3 SSE-C takes exactly 32 key bytes (AES-256) and identifies them by the
base64 of their MD5 digest. Keys made by the manual recipe (``pwgen 32 1``)
are 32 printable characters, and must keep working.
"""

import base64
import binascii
import hashlib
import secrets
import string

KEY_BYTES = 32
ALGORITHM = 'aes'
BIT_LENGTH = 8 * KEY_BYTES

# Characters that every supported shell, rclone.conf and cmd.exe carry
# unquoted and unchanged; a key made only of them travels by default as
# rclone's raw ``sse_customer_key`` option, which rclone older than 1.60
# requires.
_TEXT_KEY_ALPHABET = frozenset(
    string.ascii_letters + string.digits + '+-./:=@_,')


class InvalidKey(ValueError):
    """Key material that cannot be an SSE-C key.

    Messages describe the material (its length, its form) and never quote
    it: the material may be a real key with a typo.
    """


def generate():
    """Return 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(KEY_BYTES)


def check(key):
    """Raise InvalidKey unless *key* is usable for SSE-C."""
    if len(key) != KEY_BYTES:
        raise InvalidKey(
            'not an SSE-C key: it holds %d bytes, SSE-C needs exactly %d'
            % (len(key), KEY_BYTES))


def parse(material):
    """Return the 32 key bytes that *material* (a key file's bytes) holds.

    Accepted forms: the 32 raw bytes; their base64 encoding (44
    characters); or a 32-character text key as the manual recipe makes.
    A single trailing newline, as editors and ``echo`` add, is ignored.
    """
    if len(material) == KEY_BYTES:
        return material
    stripped = material[:-1] if material.endswith(b'\n') else material
    stripped = stripped[:-1] if stripped.endswith(b'\r') else stripped
    if len(stripped) == KEY_BYTES:
        return stripped
    if len(stripped) == 44:
        try:
            key = base64.b64decode(stripped, validate=True)
        except binascii.Error:
            key = b''
        if len(key) == KEY_BYTES:
            return key
    raise InvalidKey(
        'not a valid key file: it holds %d bytes; expected 32 raw bytes, '
        'their 44-character base64 form, or a 32-character text key'
        % len(material))


def fingerprint(key):
    """Return the SSE-C key MD5: base64 of the MD5 digest of the raw key.

    This is the value S3 sends as
    ``x-amz-server-side-encryption-customer-key-MD5`` and rclone calls
    ``sse_customer_key_md5``; it identifies a key without revealing it.
    """
    digest = hashlib.md5(key, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode('ascii')


def to_base64(key):
    return base64.b64encode(key).decode('ascii')


def as_text(key):
    """Return the key as text when it is 32 printable ASCII characters.

    Keys made by the manual recipe are; binary keys (``None``) must travel
    base64-encoded.
    """
    try:
        text = key.decode('ascii')
    except UnicodeDecodeError:
        return None
    if len(text) == KEY_BYTES and text.isprintable():
        return text
    return None


def is_shell_safe(text):
    """Whether *text* passes unquoted and unchanged through every shell."""
    return set(text) <= _TEXT_KEY_ALPHABET
