"""The SSE-C key rules, checked against hashlib/base64 computed here."""

import base64
import hashlib

import pytest

from osc_ssec import keys

BINARY_KEY = bytes(range(32))
RECIPE_KEY = b'ohZ3ahJeiPh4iech0oowaeXoo7Eesh0u'  # what `pwgen 32 1` prints


def test_generate_gives_32_distinct_random_bytes():
    first, second = keys.generate(), keys.generate()
    assert len(first) == len(second) == 32
    assert first != second


@pytest.mark.parametrize('key', [BINARY_KEY, RECIPE_KEY])
def test_fingerprint_is_base64_of_md5_of_raw_key(key):
    expected = base64.b64encode(hashlib.md5(key).digest()).decode()
    assert keys.fingerprint(key) == expected
    assert len(keys.fingerprint(key)) == 24


@pytest.mark.parametrize('material, expected', [
    (BINARY_KEY, BINARY_KEY),
    (b'\n' * 32, b'\n' * 32),  # 32 raw bytes are taken as they are
    (RECIPE_KEY, RECIPE_KEY),
    (RECIPE_KEY + b'\n', RECIPE_KEY),
    (RECIPE_KEY + b'\r\n', RECIPE_KEY),
    (base64.b64encode(BINARY_KEY), BINARY_KEY),
    (base64.b64encode(BINARY_KEY) + b'\n', BINARY_KEY),
])
def test_parse_accepts_raw_base64_and_text_keys(material, expected):
    assert keys.parse(material) == expected


@pytest.mark.parametrize('material', [
    b'',
    b'short-key',
    RECIPE_KEY + b'x',
    RECIPE_KEY + b'\n\n',
    base64.b64encode(bytes(31)) + b'==',
    b'!' * 44,  # 44 characters that are not base64
    base64.b64encode(bytes(33)),
])
def test_parse_refuses_other_material_without_quoting_it(material):
    with pytest.raises(keys.InvalidKey) as caught:
        keys.parse(material)
    message = str(caught.value)
    assert 'holds %d bytes' % len(material) in message
    if material:
        assert material.decode('latin-1') not in message


def test_check():
    keys.check(BINARY_KEY)
    with pytest.raises(keys.InvalidKey, match='holds 16 bytes'):
        keys.check(bytes(16))


def test_as_text_only_for_32_printable_ascii_characters():
    assert keys.as_text(RECIPE_KEY) == RECIPE_KEY.decode()
    assert keys.as_text(b"it's $HOME" + b'a' * 22) == "it's $HOME" + 'a' * 22
    assert keys.as_text(BINARY_KEY) is None
    assert keys.as_text(b'\n' + b'a' * 31) is None
    assert keys.as_text(b'a' * 31) is None
    assert keys.as_text('é'.encode() + b'a' * 30) is None


def test_shell_safe_alphabet():
    assert keys.is_shell_safe(RECIPE_KEY.decode())
    assert keys.is_shell_safe('abc+/=-_.,:@')
    for bad in ("'", '"', '$', '`', '!', '%', '^', ' ', '\\', '*', '#'):
        assert not keys.is_shell_safe('a' + bad)


def test_to_base64_round_trips():
    assert base64.b64decode(keys.to_base64(BINARY_KEY)) == BINARY_KEY
