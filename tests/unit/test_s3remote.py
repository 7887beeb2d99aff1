"""Finding the S3 endpoint and EC2 credential of the session."""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc
from osc_lib import exceptions
import pytest

from osc_ssec import s3remote


@pytest.mark.parametrize('swift, s3', [
    ('https://rgw.example:8080/swift/v1/AUTH_abc', 'https://rgw.example:8080'),
    ('https://rgw.example:8080/swift/v1', 'https://rgw.example:8080'),
    ('https://rgw.example/swift/v1/', 'https://rgw.example'),
    ('https://h/prefix/swift/v1/AUTH_x', 'https://h/prefix'),
    ('https://swift.example/v1/AUTH_abc', None),  # real Swift: no S3
    ('https://h/swift/v10', None),
])
def test_swift_to_s3(swift, s3):
    assert s3remote.swift_to_s3(swift) == s3


def test_check_endpoint():
    assert s3remote.check_endpoint('https://s3') == 'https://s3'
    assert s3remote.check_endpoint('http://s3', allow_http=True) == 'http://s3'
    with pytest.raises(exceptions.CommandError, match='--allow-http'):
        s3remote.check_endpoint('http://s3')
    with pytest.raises(exceptions.CommandError, match='not an http'):
        s3remote.check_endpoint('s3.example.com:8080')


class _Catalog:
    def __init__(self, endpoints):
        self.endpoints = endpoints
        self.calls = []

    def url_for(self, service_type, interface, region_name):
        self.calls.append((service_type, interface, region_name))
        try:
            return self.endpoints[service_type]
        except KeyError:
            raise ks_exc.EndpointNotFound()


def _client_manager(config=None, endpoints=None):
    manager = mock.Mock()
    manager.region_name = 'Kna1'
    manager.interface = 'internal'
    manager.get_configuration.return_value = config or {}
    manager.auth_ref.service_catalog = _Catalog(endpoints or {})
    return manager


def test_explicit_endpoint_wins():
    manager = _client_manager({'s3_endpoint_override': 'https://o'},
                              {'s3': 'https://c'})
    assert s3remote.find_endpoint(manager, 'https://x') == 'https://x'


def test_clouds_yaml_override_before_catalog():
    manager = _client_manager({'s3_endpoint_override': 'https://o'},
                              {'s3': 'https://c'})
    assert s3remote.find_endpoint(manager) == 'https://o'


def test_catalog_s3_before_object_store():
    manager = _client_manager(endpoints={
        's3': 'https://c', 'object-store': 'https://r/swift/v1/AUTH_p'})
    assert s3remote.find_endpoint(manager) == 'https://c'
    assert manager.auth_ref.service_catalog.calls == [
        ('s3', 'internal', 'Kna1')]


def test_object_store_swift_path_stripped():
    manager = _client_manager(endpoints={
        'object-store': 'https://r:8080/swift/v1/AUTH_p'})
    assert s3remote.find_endpoint(manager) == 'https://r:8080'


def test_no_endpoint_says_how_to_pass_one():
    manager = _client_manager(endpoints={
        'object-store': 'https://swift/v1/AUTH_p'})
    with pytest.raises(exceptions.CommandError) as caught:
        s3remote.find_endpoint(manager)
    assert '--endpoint' in str(caught.value)
    assert 's3_endpoint_override' in str(caught.value)
    assert '\n' not in str(caught.value)


def _session_manager(credentials, created=None):
    manager = _client_manager()
    session = manager.session
    session.get_user_id.return_value = 'u1'
    session.get_project_id.return_value = 'p1'

    def request(path, method, **kwargs):
        assert kwargs['log'] is False  # the responses carry secret keys
        response = mock.Mock()
        if method == 'GET':
            response.json.return_value = {'credentials': credentials}
        else:
            assert kwargs['json'] == {'tenant_id': 'p1'}
            response.json.return_value = {'credential': created}
        return response

    session.request.side_effect = request
    return manager


def test_existing_credential_of_this_project_is_reused():
    manager = _session_manager([
        {'access': 'b', 'secret': 's-b', 'tenant_id': 'p1'},
        {'access': 'a', 'secret': 's-other', 'tenant_id': 'p2'},
        {'access': 'c', 'secret': 's-c', 'tenant_id': 'p1'},
    ])
    credential = s3remote.find_ec2_credential(manager, create=True)
    assert credential == s3remote.Ec2Credential('b', 's-b')
    assert 's-b' not in repr(credential)
    assert [c[0][1] for c in manager.session.request.call_args_list] == [
        'GET']


def test_no_credential_without_create_is_an_error():
    manager = _session_manager([
        {'access': 'a', 'secret': 's', 'tenant_id': 'p2'}])
    with pytest.raises(exceptions.CommandError,
                       match='--create-ec2-credential'):
        s3remote.find_ec2_credential(manager)


def test_create_only_when_none_exists():
    manager = _session_manager(
        [], created={'access': 'new', 'secret': 'new-s', 'tenant_id': 'p1'})
    credential = s3remote.find_ec2_credential(manager, create=True)
    assert credential == s3remote.Ec2Credential('new', 'new-s')


def test_forbidden_is_one_line():
    manager = _session_manager([])
    manager.session.request.side_effect = ks_exc.Forbidden()
    with pytest.raises(exceptions.CommandError, match='HTTP 403'):
        s3remote.find_ec2_credential(manager)
