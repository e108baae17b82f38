"""fleet-api behind the minicloud's real Keystone.

fleet-api runs with ``[api] auth_strategy = keystone`` and
keystonemiddleware configured as a deployment would be (the ``fleet``
service user of the minicloud). The test makes its own users in Keystone,
each on a project of its own: an observer (the ``fleet_observer`` role), a
``member`` and a ``reader`` of an ordinary project, and one with no role
at all; they (and the role, if the test created it) are deleted
afterwards. fleet is an infrastructure API: only ``admin`` acts, the
observer reads, ordinary project roles get 403 everywhere.

With ``[audit] enabled`` the API emits a CADF event per write on the
notification bus: the test reads it off RabbitMQ (a topic of its own).

Skipped when ``$FLEET_MINICLOUD_DIR/fleet.json`` does not exist (run
``python3 tools/minicloud/minicloud up``, which ``tox -e functional`` does).
"""

import json
import os
import time

import pytest
import requests

from fleet.tests.functional import base

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')
ETC = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    '..',
    '..',
    '..',
    'etc',
    'fleet',
)
ACTIONS_DIR = os.path.normpath(os.path.join(ETC, 'actions'))
AUDIT_MAP = os.path.normpath(os.path.join(ETC, 'api_audit_map.conf'))

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


def _role(keystone, name, created):
    roles = _identity(keystone, 'GET', f'/roles?name={name}').json()['roles']
    if roles:
        return roles[0]
    role = _identity(
        keystone, 'POST', '/roles', json={'role': {'name': name}}
    ).json()['role']
    created.append(f'/roles/{role["id"]}')
    return role


@pytest.fixture(scope='module')
def accounts(cloud, keystone):
    """Tokens of the personas: admin, observer, member and reader of an
    ordinary project, and a user with no role."""
    created = []
    auth_url = cloud['auth_url']

    def make_project():
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
        return project

    def make_user(prefix, role=None):
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
        if role is None:
            # With no role anywhere a user can only get an unscoped
            # token: valid to Keystone, but it carries no role fleet knows.
            return _session(
                auth_url, user_id=user['id'], password=password
            ).get_token()
        project = make_project()
        _identity(
            keystone,
            'PUT',
            f'/projects/{project["id"]}/users/{user["id"]}/roles/{role["id"]}',
        )
        return _session(
            auth_url,
            user_id=user['id'],
            password=password,
            project_id=project['id'],
        ).get_token()

    try:
        roles = {
            name: _role(keystone, name, created)
            for name in ('member', 'reader', 'fleet_observer')
        }
        yield {
            'admin': keystone.get_token(),
            'observer': make_user(
                'fleet-func-observer-', roles['fleet_observer']
            ),
            'member': make_user('fleet-func-member-', roles['member']),
            'reader': make_user('fleet-func-reader-', roles['reader']),
            'norole': make_user('fleet-func-norole-'),
        }
    finally:
        for path in reversed(created):
            _identity(keystone, 'DELETE', path, raise_exc=False)


@pytest.fixture
def audit_topic():
    """A notification topic of the test's own; fleet-api's notifier
    declares its (durable) queue on the first event: deleted at the end."""
    topic = base.unique('fleet_audit_')
    yield topic
    base.delete_queue(base.RABBIT_URL, f'{topic}.info')


@pytest.fixture
def api_url(cloud, procs, tmp_path, audit_topic):
    """fleet-api with keystone auth and the CADF audit on, on a database
    of its own; RPC casts stay in-process (fake://), notifications go to
    RabbitMQ on a topic of the test's own."""
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
            'executor': {'actions_dir': ACTIONS_DIR},
            'audit': {'enabled': True, 'audit_map_file': AUDIT_MAP},
            'oslo_messaging_notifications': {
                'driver': 'messagingv2',
                'transport_url': base.RABBIT_URL,
                'topics': audit_topic,
            },
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


V = 'fleet 1.4'


def _call(url, method='GET', token=None, body=None, version=None):
    # DELETE answers 204 with no body: fleet's delete handlers are exposed
    # without a JSON template, and pecan refuses "Accept: application/json"
    # for them with 406 (reported to the API owners).
    headers = {} if method == 'DELETE' else {'Accept': 'application/json'}
    if token is not None:
        headers['X-Auth-Token'] = token
    if version is not None:
        headers['OpenStack-API-Version'] = version
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


#: (path, version) of the collections every persona is tried on.
COLLECTIONS = (
    ('/v1/hosts', V),
    ('/v1/executions', V),
    ('/v1/alerts', V),
    ('/v1/runbooks', V),
)


def _writes(host_name):
    """(method, path, body) of a write on each resource, valid for an
    admin, as a member or an observer would send them."""
    return [
        ('POST', '/v1/hosts', {'name': base.unique('func-host-')}),
        ('POST', '/v1/executions', {'host': host_name, 'action': 'noop'}),
        ('POST', '/v1/alerts', {'name': 'FuncTest', 'host': host_name}),
        (
            'POST',
            '/v1/runbooks',
            {
                'name': base.unique('func-rb-'),
                'match': {'alert_name': 'FuncTest'},
                'remediation': {'action': 'handoff'},
            },
        ),
        ('PATCH', f'/v1/hosts/{host_name}', {'labels': {'a': 'b'}}),
        ('DELETE', f'/v1/hosts/{host_name}', None),
    ]


def _admin_host(api_url, accounts):
    name = base.unique('func-cmp-')
    response = _call(
        api_url + '/v1/hosts',
        'POST',
        token=accounts['admin'],
        body={'name': name, 'kind': 'compute'},
    )
    assert response.status_code == 201, response.text
    return name


def _snapshot(api_url, accounts):
    return {
        path: _call(
            api_url + path, token=accounts['admin'], version=version
        ).json()
        for path, version in COLLECTIONS
    }


@pytest.mark.parametrize('persona', ['member', 'reader'])
def test_ordinary_project_roles_get_nothing(api_url, accounts, persona):
    host = _admin_host(api_url, accounts)
    before = _snapshot(api_url, accounts)
    token = accounts[persona]
    for path, version in COLLECTIONS:
        _assert_fault(_call(api_url + path, token=token, version=version), 403)
    for method, path, body in _writes(host):
        response = _call(api_url + path, method, token, body, version=V)
        _assert_fault(response, 403)
    # A bad body is refused for want of the right, not for its content.
    response = _call(
        api_url + '/v1/executions',
        'POST',
        token,
        {'host': host, 'max_parallel': 'lots'},
        version=V,
    )
    _assert_fault(response, 403)
    assert _snapshot(api_url, accounts) == before


def test_observer_reads_everything_and_changes_nothing(api_url, accounts):
    host = _admin_host(api_url, accounts)
    before = _snapshot(api_url, accounts)
    token = accounts['observer']
    for path, version in (*COLLECTIONS, ('/v1/actions', V)):
        response = _call(api_url + path, token=token, version=version)
        assert response.status_code == 200, (path, response.text)
    response = _call(api_url + f'/v1/hosts/{host}', token=token)
    assert response.status_code == 200, response.text
    for method, path, body in _writes(host):
        response = _call(api_url + path, method, token, body, version=V)
        _assert_fault(response, 403)
    assert _snapshot(api_url, accounts) == before


def test_admin_acts(api_url, accounts):
    host = _admin_host(api_url, accounts)
    token = accounts['admin']
    expected = {
        '/v1/hosts': 201,
        '/v1/executions': 202,
        '/v1/alerts': 200,
        '/v1/runbooks': 201,
    }
    for method, path, body in _writes(host)[:4]:
        response = _call(api_url + path, method, token, body, version=V)
        assert response.status_code == expected[path], (path, response.text)
    for path, version in COLLECTIONS:
        response = _call(api_url + path, token=token, version=version)
        assert response.status_code == 200, (path, response.text)
        assert response.json()[path.rsplit('/', 1)[1]], path


def test_ad_hoc_command_is_400(api_url, accounts):
    host = _admin_host(api_url, accounts)
    response = _call(
        api_url + '/v1/executions',
        'POST',
        accounts['admin'],
        {
            'host': host,
            'kind': 'drain_patch_reboot',
            'executor': 'script',
            'executor_args': {'command': ['sh', '-c', 'id']},
        },
        version=V,
    )
    _assert_fault(response, 400)
    assert 'actions_dir' in response.json()['errors'][0]['detail']


@pytest.fixture
def audit_events(audit_topic):
    """CADF events fleet-api sends to ``audit_topic``, read off RabbitMQ
    by a listener started before the requests."""
    import queue

    from oslo_config import cfg
    import oslo_messaging as messaging

    conf = cfg.ConfigOpts()
    conf([], project='fleet-functional')
    transport = messaging.get_notification_transport(conf, url=base.RABBIT_URL)
    received = queue.Queue()

    class Endpoint:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            received.put((publisher_id, event_type, payload))

    listener = messaging.get_notification_listener(
        transport,
        [messaging.Target(topic=audit_topic)],
        [Endpoint()],
        executor='threading',
    )
    listener.start()
    try:
        yield received
    finally:
        listener.stop()
        listener.wait()
        transport.cleanup()


def test_cadf_event_for_a_run(api_url, accounts, audit_events):
    import queue

    host = _admin_host(api_url, accounts)
    response = _call(
        api_url + '/v1/executions',
        'POST',
        accounts['admin'],
        {'host': host, 'action': 'noop'},
        version=V,
    )
    assert response.status_code == 202, response.text
    request_id = response.headers['x-openstack-request-id']
    deadline = time.monotonic() + 30
    found = []
    while time.monotonic() < deadline and not found:
        try:
            publisher, event_type, payload = audit_events.get(timeout=1)
        except queue.Empty:
            continue
        if payload.get('initiator', {}).get('request_id') == request_id:
            found.append((publisher, event_type, payload))
    assert found, 'no CADF event for POST /v1/executions within 30 s'
    _publisher, event_type, event = found[0]
    assert event_type == 'audit.http.response'
    assert event['typeURI'] == 'http://schemas.dmtf.org/cloud/audit/1.0/event'
    assert event['action'] == 'create'
    assert event['outcome'] == 'success'
    assert event['reason']['reasonCode'] == '202'
    assert event['target']['typeURI'].endswith('/executions')
    assert event['requestPath'] == '/v1/executions'
    assert event['initiator']['id'] and event['initiator']['id'] != 'unknown'
    assert accounts['admin'] not in json.dumps(event)
    # Exactly one event for the request (and one for the host it made).
    time.sleep(1)
    while True:
        try:
            _p, _t, payload = audit_events.get_nowait()
        except queue.Empty:
            break
        assert payload['initiator'].get('request_id') != request_id
