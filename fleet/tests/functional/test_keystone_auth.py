"""fleet-api behind the minicloud's real Keystone.

fleet-api runs with ``[api] auth_strategy = keystone`` and
keystonemiddleware configured as a deployment would be (the ``fleet``
service user of the minicloud). The test makes its own users in Keystone:
one with no role at all, one with ``reader`` on a project of its own; both
are deleted afterwards.

Skipped when ``$FLEET_MINICLOUD_DIR/fleet.json`` does not exist (run
``python3 tools/minicloud/minicloud up``, which ``tox -e functional`` does).
"""

import json
import os

import pytest
import requests

from fleet.tests.functional import base

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')

pytestmark = pytest.mark.skipif(
    not os.path.exists(CLOUD_FILE),
    reason=f'no minicloud: {CLOUD_FILE} does not exist (run "python3 '
    'tools/minicloud/minicloud up", or "tox -e functional")',
)


@pytest.fixture(scope='module')
def cloud():
    with open(CLOUD_FILE) as f:
        return json.load(f)


def _session(auth_url, **creds):
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    return session.Session(auth=v3.Password(auth_url=auth_url, **creds))


@pytest.fixture(scope='module')
def keystone(cloud):
    """An admin session on the minicloud's Keystone."""
    sess = _session(cloud['auth_url'], **cloud['admin'])
    try:
        sess.get_token()
    except Exception as e:
        pytest.fail(
            f'the minicloud Keystone at {cloud["auth_url"]} does not '
            f'answer ({e}); "python3 tools/minicloud/minicloud status" '
            f'tells what is down'
        )
    return sess


def _identity(sess, method, path, **kwargs):
    return sess.request(
        path,
        method,
        endpoint_filter={'service_type': 'identity', 'interface': 'public'},
        **kwargs,
    )


@pytest.fixture(scope='module')
def accounts(cloud, keystone):
    """Users of the test: tokens of admin, reader and no-role users."""
    created = []
    project = _identity(
        keystone,
        'POST',
        '/projects',
        json={
            'project': {
                'name': base.unique('fleet-func-'),
                'domain_id': 'default',
            }
        },
    ).json()['project']
    created.append(f'/projects/{project["id"]}')
    roles = _identity(keystone, 'GET', '/roles?name=reader').json()['roles']
    assert roles, 'Keystone has no "reader" role (bootstrap makes one)'

    def make_user(prefix):
        password = base.unique('pw-')
        user = _identity(
            keystone,
            'POST',
            '/users',
            json={
                'user': {
                    'name': base.unique(prefix),
                    'password': password,
                    'domain_id': 'default',
                }
            },
        ).json()['user']
        created.append(f'/users/{user["id"]}')
        return user, password

    reader, reader_pw = make_user('fleet-func-reader-')
    _identity(
        keystone,
        'PUT',
        f'/projects/{project["id"]}/users/{reader["id"]}/roles/'
        f'{roles[0]["id"]}',
    )
    nobody, nobody_pw = make_user('fleet-func-norole-')

    auth_url = cloud['auth_url']
    try:
        yield {
            'admin': keystone.get_token(),
            'reader': _session(
                auth_url,
                user_id=reader['id'],
                password=reader_pw,
                project_id=project['id'],
            ).get_token(),
            # With no role anywhere a user can only get an unscoped token:
            # valid to Keystone, but it carries no role fleet knows.
            'norole': _session(
                auth_url, user_id=nobody['id'], password=nobody_pw
            ).get_token(),
        }
    finally:
        for path in reversed(created):
            _identity(keystone, 'DELETE', path, raise_exc=False)


@pytest.fixture
def api_url(cloud, procs, tmp_path):
    """fleet-api with keystone auth, on a database of its own."""
    port = base.free_port()
    conf = base.write_config(
        tmp_path / 'fleet.conf',
        {
            'DEFAULT': {'transport_url': 'fake://'},
            'database': {
                'connection': f'sqlite:///{tmp_path / "fleet.sqlite"}'
            },
            'api': {
                'auth_strategy': 'keystone',
                'host_ip': '127.0.0.1',
                'port': port,
            },
            'oslo_messaging_notifications': {'driver': 'noop'},
            'keystone_authtoken': {
                'www_authenticate_uri': cloud['auth_url'],
                'auth_url': cloud['auth_url'],
                'auth_type': 'password',
                'region_name': cloud['region'],
                'service_token_roles_required': True,
                **cloud['fleet'],
            },
        },
    )
    base.run(
        [base.fleet_command('fleet-dbsync'), '--config-file', conf, 'upgrade']
    )
    procs.start(
        'fleet-api',
        [base.fleet_command('fleet-api'), '--config-file', conf],
        port=port,
    )
    return f'http://127.0.0.1:{port}'


def _call(url, method='GET', token=None, body=None):
    headers = {'Accept': 'application/json'}
    if token is not None:
        headers['X-Auth-Token'] = token
    return requests.request(
        method, url, headers=headers, json=body, timeout=30
    )


def _assert_fault(response, status):
    assert response.status_code == status, response.text
    assert response.headers['Content-Type'].startswith('application/json')
    errors = response.json()['errors']
    assert errors[0]['status'] == status
    assert errors[0]['detail']


def test_version_document_is_public(api_url):
    response = _call(api_url + '/')
    assert response.status_code == 200, response.text
    assert response.json()['versions']


def test_no_token_is_401_json_fault(api_url, cloud):
    response = _call(api_url + '/v1/hosts')
    _assert_fault(response, 401)
    assert cloud['auth_url'] in response.headers.get('WWW-Authenticate', '')


def test_bad_token_is_401(api_url, accounts):
    _assert_fault(_call(api_url + '/v1/hosts', token='not-a-token'), 401)


def test_user_without_role_is_403(api_url, accounts):
    response = _call(api_url + '/v1/hosts', token=accounts['norole'])
    _assert_fault(response, 403)


def test_admin_creates_and_lists(api_url, accounts):
    name = base.unique('func-host-')
    response = _call(
        api_url + '/v1/hosts',
        'POST',
        token=accounts['admin'],
        body={'name': name, 'kind': 'compute'},
    )
    assert response.status_code == 201, response.text
    response = _call(api_url + '/v1/hosts', token=accounts['admin'])
    assert response.status_code == 200, response.text
    assert [h['name'] for h in response.json()['hosts']] == [name]


def test_reader_lists_but_cannot_create(api_url, accounts):
    name = base.unique('func-host-')
    created = _call(
        api_url + '/v1/hosts',
        'POST',
        token=accounts['admin'],
        body={'name': name},
    )
    assert created.status_code == 201, created.text

    response = _call(api_url + '/v1/hosts', token=accounts['reader'])
    assert response.status_code == 200, response.text
    assert name in [h['name'] for h in response.json()['hosts']]

    response = _call(
        api_url + '/v1/hosts',
        'POST',
        token=accounts['reader'],
        body={'name': base.unique('func-host-')},
    )
    _assert_fault(response, 403)
