"""Which rclone variables carry a key, independent of any shell."""

import base64
import hashlib

import pytest

from osc_ssec import rclone

BINARY_KEY = bytes(range(32))
RECIPE_KEY = b'ohZ3ahJeiPh4iech0oowaeXoo7Eesh0u'


def md5_b64(key):
    return base64.b64encode(hashlib.md5(key).digest()).decode()


def test_binary_key_travels_as_base64_in_global_scope():
    variables, unset = rclone.sse_c_variables(BINARY_KEY)
    assert variables == [
        ('RCLONE_S3_SSE_CUSTOMER_ALGORITHM', 'AES256'),
        ('RCLONE_S3_SSE_CUSTOMER_KEY_BASE64',
         base64.b64encode(BINARY_KEY).decode()),
        ('RCLONE_S3_SSE_CUSTOMER_KEY_MD5', md5_b64(BINARY_KEY)),
    ]
    assert unset == ['RCLONE_S3_SSE_CUSTOMER_KEY']


def test_recipe_key_travels_raw_and_clears_the_base64_form():
    variables, unset = rclone.sse_c_variables(RECIPE_KEY, remote='cleura')
    assert variables == [
        ('RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_ALGORITHM', 'AES256'),
        ('RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_KEY', RECIPE_KEY.decode()),
        ('RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_KEY_MD5', md5_b64(RECIPE_KEY)),
    ]
    assert unset == ['RCLONE_CONFIG_CLEURA_SSE_CUSTOMER_KEY_BASE64']


def test_forced_base64_for_a_text_key():
    variables, unset = rclone.sse_c_variables(RECIPE_KEY, key_form='base64')
    assert variables[1] == ('RCLONE_S3_SSE_CUSTOMER_KEY_BASE64',
                            base64.b64encode(RECIPE_KEY).decode())
    assert unset == ['RCLONE_S3_SSE_CUSTOMER_KEY']


def test_forced_raw_for_a_binary_key_is_refused():
    with pytest.raises(rclone.VariableError, match='binary'):
        rclone.sse_c_variables(BINARY_KEY, key_form='raw')


def test_never_both_key_forms():
    for key in (BINARY_KEY, RECIPE_KEY):
        for form in ('auto', 'base64'):
            variables, _ = rclone.sse_c_variables(key, key_form=form)
            names = [name for name, _value in variables]
            assert not {'RCLONE_S3_SSE_CUSTOMER_KEY',
                        'RCLONE_S3_SSE_CUSTOMER_KEY_BASE64'} <= set(names)


def test_wrong_length_key_is_refused():
    with pytest.raises(ValueError, match='SSE-C needs exactly 32'):
        rclone.sse_c_variables(bytes(16))


@pytest.mark.parametrize('name', ['my-remote', 'a b', '', 'x:', 'ü'])
def test_remote_names_outside_the_env_alphabet_are_refused(name):
    with pytest.raises(rclone.VariableError, match='letters, digits'):
        rclone.prefix(name)


def test_sse_c_names_cover_every_option():
    assert rclone.sse_c_names('r2_d2') == [
        'RCLONE_CONFIG_R2_D2_SSE_CUSTOMER_ALGORITHM',
        'RCLONE_CONFIG_R2_D2_SSE_CUSTOMER_KEY',
        'RCLONE_CONFIG_R2_D2_SSE_CUSTOMER_KEY_BASE64',
        'RCLONE_CONFIG_R2_D2_SSE_CUSTOMER_KEY_MD5',
    ]


def test_global_counterparts_of_remote_variables():
    names = (rclone.remote_names('enc') + rclone.sse_c_names('enc')
             + ['RCLONE_CONFIG_OTHER_ENDPOINT'])
    assert rclone.global_counterparts(names, 'enc') == [
        'RCLONE_S3_PROVIDER',
        'RCLONE_S3_ENV_AUTH',
        'RCLONE_S3_ENDPOINT',
        'RCLONE_S3_REGION',
        'RCLONE_S3_ACCESS_KEY_ID',
        'RCLONE_S3_SECRET_ACCESS_KEY',
        'RCLONE_S3_SSE_CUSTOMER_ALGORITHM',
        'RCLONE_S3_SSE_CUSTOMER_KEY',
        'RCLONE_S3_SSE_CUSTOMER_KEY_BASE64',
        'RCLONE_S3_SSE_CUSTOMER_KEY_MD5',
    ]


def test_printable_key_with_shell_hostile_characters():
    key = b"pwgen -sy: it's $(x) `y` !z %q" + b'^~'
    assert len(key) == 32
    variables, _ = rclone.sse_c_variables(key)
    assert variables[1][0] == 'RCLONE_S3_SSE_CUSTOMER_KEY_BASE64'
    variables, unset = rclone.sse_c_variables(key, key_form='raw')
    assert variables[1] == ('RCLONE_S3_SSE_CUSTOMER_KEY', key.decode())
    assert unset == ['RCLONE_S3_SSE_CUSTOMER_KEY_BASE64']
