"""The fleet dashboard in a real browser, against the minicloud's real
Keystone and Nova.

* Keystone and Nova: the minicloud's (``$FLEET_MINICLOUD_DIR/fleet.json``).
* fleet: ``fleet-conductor`` with the ``nova`` inventory and compute
  drivers (hosts synced from Nova at start; runs live-migrate through
  Nova's API) and ``fleet-api`` with ``[api] auth_strategy = keystone``,
  on a MariaDB database of their own, registered as the catalog's public
  "fleet" endpoint at ``$FLEET_FUNCTIONAL_CLI_PORT`` (default 19880, the
  port test_cli.py registers too).
* Horizon: ``django-admin runserver`` with fleet_dashboard.devserver.
* Chromium headless (Debian's chromium and chromium-driver) via Selenium.

The admin boots two small servers on a compute, logs in, opens Fleet >
Hosts, starts a "drain, patch, reboot" (patch action ``noop``) on that
compute from the form and watches the run page, which updates without
reloading, until it says ``succeeded`` with every instance moved; Nova
then shows the servers ACTIVE elsewhere and the compute enabled again.
A user with only the ``fleet_observer`` role then logs in and sees the
panels, the hosts and the run, and no action button. Screenshots go to
``$FLEET_FUNCTIONAL_OUTPUT`` (default: the test's tmp_path).

Runs only with ``FLEET_FUNCTIONAL=1`` (``tox -e horizon`` with it set),
under ``flock /tmp/fleet-minicloud.lock``: it changes the shared catalog
and boots servers.
"""

import json
import os
import shutil
import sys
import time

import pytest

from fleet.tests.functional import base
from fleet.tests.functional import test_cli
from fleet.tests.functional import test_keystone_auth as ks

STATE_DIR = os.environ.get('FLEET_MINICLOUD_DIR') or os.path.join(
    os.path.expanduser('~'), '.fleet-minicloud'
)
CLOUD_FILE = os.path.join(STATE_DIR, 'fleet.json')
ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
)
ACTIONS_DIR = os.path.join(ROOT, 'etc', 'fleet', 'actions')
FLEET_PORT = int(os.environ.get('FLEET_FUNCTIONAL_CLI_PORT', '19880'))
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
SERVERS = 2
FINAL = ('succeeded', 'failed', 'cancelled')

ENABLED = os.environ.get('FLEET_FUNCTIONAL', '').lower() not in (
    '',
    '0',
    'false',
    'no',
)
pytestmark = [
    pytest.mark.skipif(
        not ENABLED, reason='functional test: set FLEET_FUNCTIONAL=1'
    ),
    pytest.mark.skipif(
        not os.path.exists(CLOUD_FILE),
        reason=f'no minicloud: {CLOUD_FILE} does not exist',
    ),
]


@pytest.fixture(scope='module')
def cloud():
    with open(CLOUD_FILE) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def nova():
    """The bench's Nova helpers (boot, delete) and an admin connection."""
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'bench'))
    import drain_nova_baseline

    return drain_nova_baseline, drain_nova_baseline.connect(CLOUD_FILE)


@pytest.fixture(scope='module')
def output_dir(tmp_path_factory):
    path = os.environ.get('FLEET_FUNCTIONAL_OUTPUT')
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return str(tmp_path_factory.mktemp('screenshots'))


@pytest.fixture(scope='module')
def observer(cloud):
    """A user whose only role is ``fleet_observer``, on a project of its
    own; deleted (with the role, if this test created it) at the end."""
    keystone = ks._session(cloud['auth_url'], **cloud['admin'])
    created = []
    try:
        role = ks._role(keystone, 'fleet_observer', created)
        project = ks._identity(
            keystone,
            'POST',
            '/projects',
            json={
                'project': {
                    'name': base.unique('fleet-horizon-'),
                    'domain_id': 'default',
                }
            },
        ).json()['project']
        created.append(f'/projects/{project["id"]}')
        password = base.unique('pw-')
        user = ks._identity(
            keystone,
            'POST',
            '/users',
            json={
                'user': {
                    'name': base.unique('fleet-horizon-observer-'),
                    'password': password,
                    'domain_id': 'default',
                    'default_project_id': project['id'],
                }
            },
        ).json()['user']
        created.append(f'/users/{user["id"]}')
        ks._identity(
            keystone,
            'PUT',
            f'/projects/{project["id"]}/users/{user["id"]}/roles/{role["id"]}',
        )
        yield {'username': user['name'], 'password': password}
    finally:
        for path in reversed(created):
            ks._identity(keystone, 'DELETE', path, raise_exc=False)


@pytest.fixture(scope='module')
def services(cloud, tmp_path_factory):
    """fleet-conductor (nova drivers) and fleet-api behind Keystone, in
    the catalog; Horizon. Yields Horizon's URL."""
    if base.port_open(FLEET_PORT):
        pytest.fail(
            f'port {FLEET_PORT} is taken; set FLEET_FUNCTIONAL_CLI_PORT to a '
            'free one (the catalog endpoint follows it)'
        )
    tmp = tmp_path_factory.mktemp('horizon')
    database = base.create_mysql_database()
    conf = base.write_config(
        tmp / 'fleet.conf',
        {
            'DEFAULT': {
                'host': base.unique('func-horizon-'),
                'transport_url': cloud['transport_url'],
            },
            'database': {'connection': database.url},
            'api': {
                'auth_strategy': 'keystone',
                'host_ip': '127.0.0.1',
                'port': FLEET_PORT,
            },
            'conductor': {
                'topic': base.unique('fleet-func-horizon-'),
                # Hosts from Nova at start, then every few seconds: the
                # servers the test boots show up in the Instances column.
                'sync_inventory_on_start': True,
                'inventory_sync_interval': 5,
            },
            'drivers': {'inventory': 'nova', 'compute': 'nova'},
            'executor': {'actions_dir': ACTIONS_DIR},
            'maintenance': {'poll_interval': 0.5},
            'nova': base.nova_options(cloud),
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
    procs = base.Processes(tmp)
    horizon_port = base.free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE='fleet_dashboard.devserver',
        FLEET_DASHBOARD_KEYSTONE_URL=cloud['auth_url'],
        FLEET_DASHBOARD_STATE_DIR=str(tmp),
    )
    django_admin = os.path.join(
        os.path.dirname(sys.executable), 'django-admin'
    )
    try:
        base.run(
            [
                base.fleet_command('fleet-dbsync'),
                '--config-file',
                conf,
                'upgrade',
            ]
        )
        test_cli._register_endpoint(cloud, f'http://127.0.0.1:{FLEET_PORT}')
        conductor = procs.start(
            'fleet-conductor',
            [base.fleet_command('fleet-conductor'), '--config-file', conf],
        )
        conductor.wait_for_log(' started on topic ')
        procs.start(
            'fleet-api',
            [base.fleet_command('fleet-api'), '--config-file', conf],
            port=FLEET_PORT,
        )
        procs.start(
            'horizon',
            [
                django_admin,
                'runserver',
                '--noreload',
                f'127.0.0.1:{horizon_port}',
            ],
            port=horizon_port,
            env=env,
        )
        yield f'http://127.0.0.1:{horizon_port}'
    except Exception:
        for name, log in procs.logs():
            print(f'--- {name}\n{log[-5000:]}')
        raise
    finally:
        procs.stop_all()
        database.drop()


def _new_browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail(
            'Chromium is missing: apt-get install chromium chromium-driver'
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        '--headless=new',
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--window-size=1400,1000',
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _quit(driver):
    """Quit Chromium; under load chromedriver may not answer its shutdown
    request in time: then end the chromedriver this test started."""
    try:
        driver.quit()
    except Exception as e:
        print(f'chromedriver did not quit ({e}); killing it')
        driver.service.process.kill()
        driver.service.process.wait(10)


@pytest.fixture
def browser(output_dir, request):
    driver = _new_browser()
    yield driver
    driver.save_screenshot(
        os.path.join(output_dir, f'{request.node.name}-last.png')
    )
    _quit(driver)


@pytest.fixture
def servers(nova):
    """Boot servers on a compute; delete them at the end."""
    bench, conn = nova
    booted = []

    def boot(host, count):
        uuids = bench.boot_instances(conn, host, count, prefix='fleet-hz')
        booted.extend(uuids)
        return uuids

    yield boot
    if booted:
        bench.delete_all(conn, booted)


def _usable_computes(conn):
    services = conn.nova.services.list(binary='nova-compute')
    return sorted(
        s.host
        for s in services
        if s.status == 'enabled'
        and s.state == 'up'
        and s.host in conn.config['computes']
    )


def _wait(driver, predicate, what, timeout=60):
    from selenium.common import exceptions
    from selenium.webdriver.support.ui import WebDriverWait

    # The progress block is replaced while we read it: an element found
    # may be gone the next instant; the predicate is then tried again.
    try:
        return WebDriverWait(
            driver,
            timeout,
            poll_frequency=0.3,
            ignored_exceptions=(
                exceptions.StaleElementReferenceException,
                exceptions.NoSuchElementException,
            ),
        ).until(lambda d: predicate(d))
    except Exception as e:
        raise AssertionError(
            f'{what}: not within {timeout} s; page {driver.current_url}:\n'
            + driver.find_element('tag name', 'body').text[:3000]
        ) from e


def _login(driver, url, username, password, next_path):
    from selenium.webdriver.common.by import By

    driver.get(f'{url}/auth/login/?next={next_path}')
    driver.find_element(By.ID, 'id_username').send_keys(username)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.ID, 'loginBtn').click()


def _hosts_row(driver, url, host, timeout=90):
    """The host's row in Fleet > Hosts, reloading the page until the
    conductor's inventory sync from Nova has recorded it."""
    from selenium.webdriver.common.by import By

    def row(d):
        found = d.find_elements(By.ID, f'hosts__row__{host}')
        if found:
            return found[0]
        time.sleep(1)
        d.get(f'{url}/fleet/')
        return None

    return _wait(driver, row, f'{host} in the Hosts table', timeout=timeout)


def _choose(driver, select, value):
    """Set a <select> as a user's choice would (Horizon's theme may
    restyle selects, so set it and fire "change")."""
    driver.execute_script(
        'arguments[0].value = arguments[1];'
        'arguments[0].dispatchEvent(new Event("change", {bubbles: true}));',
        select,
        value,
    )
    assert select.get_attribute('value') == value, value


def _action_buttons(driver):
    """The page's action buttons and links (row, table and detail-page
    actions; modal links), but not a table's server-side filter."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(
        By.CSS_SELECTOR,
        '[id*="__action_"], button[name="action"], a.ajax-modal, '
        'button[data-batch-action]',
    )
    return [
        e.get_attribute('id') or e.text
        for e in found
        if not (e.get_attribute('id') or '').endswith('__action_filter')
    ]


def test_admin_drains_a_real_compute_and_observer_sees_no_buttons(
    services, cloud, nova, servers, observer, browser, output_dir
):
    from selenium.webdriver.common.by import By

    _bench, conn = nova
    usable = _usable_computes(conn)
    if len(usable) < 2:
        pytest.skip(f'needs 2 enabled, up computes; found {usable}')
    host = usable[0]
    uuids = servers(host, SERVERS)

    t0 = time.monotonic()
    admin = cloud['admin']
    _login(
        browser,
        services,
        admin['username'],
        admin['password'],
        '/fleet/',
    )
    row = _hosts_row(browser, services, host)
    assert 'active' in row.text, row.text
    assert 'enabled (up)' in row.text, row.text

    # The inventory sync brings the booted servers into the count.
    def counted(d):
        cells = _hosts_row(d, services, host).find_elements(By.TAG_NAME, 'td')
        count = cells[6].text.strip()
        if count.isdigit() and int(count) >= SERVERS:
            return cells
        time.sleep(2)
        d.get(f'{services}/fleet/')
        return None

    _wait(browser, counted, f'{SERVERS} instances counted on {host}', 90)
    row = _hosts_row(browser, services, host)
    errors = browser.find_elements(By.CSS_SELECTOR, '.alert-danger')
    assert not [e.text for e in errors if e.text], [e.text for e in errors]
    browser.save_screenshot(os.path.join(output_dir, 'hosts.png'))

    # The row's primary action opens the form in a modal.
    row.find_element(By.ID, f'hosts__row_{host}__action_maintenance').click()
    modal = _wait(
        browser,
        lambda d: [
            m
            for m in d.find_elements(By.ID, 'start_maintenance_modal')
            if m.is_displayed()
        ],
        'the Start Maintenance form',
    )[0]
    kind = modal.find_element(By.ID, 'id_kind')
    action = modal.find_element(By.ID, 'id_action')
    # The patch action comes from fleet's action catalog (GET /v1/actions).
    offered = [
        o.get_attribute('value')
        for o in action.find_elements(By.TAG_NAME, 'option')
    ]
    assert 'noop' in offered, offered
    _choose(browser, kind, 'drain_patch_reboot')
    _choose(browser, action, 'noop')
    modal.find_element(By.ID, 'id_max_parallel').send_keys('2')
    browser.save_screenshot(os.path.join(output_dir, 'start-maintenance.png'))
    modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary').click()

    # Horizon follows the form's redirect to the run page.
    _wait(
        browser,
        lambda d: (
            '/fleet/executions/' in d.current_url
            and d.find_elements(By.ID, 'fleet-run-progress')
        ),
        'the run page',
    )
    run_path = browser.current_url.split(services, 1)[1].split('?')[0]
    run_uuid = run_path.rstrip('/').split('/')[-1]
    # A mark on the page: a full reload would drop it.
    browser.execute_script('window.fleetNoReload = "still here";')
    shot_running = False

    def final_state(d):
        nonlocal shot_running
        state = d.find_element(By.ID, 'fleet-run-state').text
        if not shot_running and state == 'running':
            d.save_screenshot(os.path.join(output_dir, 'run-running.png'))
            shot_running = True
        return state if state in FINAL else None

    state = _wait(browser, final_state, 'the run to end', timeout=300)
    browser.save_screenshot(os.path.join(output_dir, 'run-succeeded.png'))
    body = browser.find_element(By.TAG_NAME, 'body').text
    assert state == 'succeeded', body
    assert browser.execute_script('return window.fleetNoReload') == (
        'still here'
    ), 'the run page reloaded itself'
    polls = int(
        browser.find_element(By.ID, 'fleet-run-progress').get_attribute(
            'data-poll-count'
        )
    )
    assert polls >= 1, 'the progress block was never refreshed'
    # The header's buttons followed: a finished run cannot be cancelled.
    assert not browser.find_elements(
        By.ID, f'runs__row_{run_uuid}__action_cancel'
    ), 'Cancel Run still offered on a finished run'
    moved, total = browser.find_element(By.ID, 'fleet-run-moved').text.split(
        '/'
    )
    # Others may have left servers on the shared compute: they move too.
    assert moved == total and int(total) >= SERVERS, (moved, total)
    instances = browser.find_element(By.ID, 'run_instances').text
    for uuid in uuids:
        assert uuid in instances, instances
    assert instances.count('migrated') == int(total), instances

    # Nova agrees: the servers are ACTIVE elsewhere, the compute enabled.
    for uuid in uuids:
        server = conn.nova.servers.get(uuid)
        assert server.status == 'ACTIVE', (uuid, server.status)
        assert getattr(server, 'OS-EXT-SRV-ATTR:host') != host, uuid
    service = conn.nova.services.list(host=host, binary='nova-compute')[0]
    assert service.status == 'enabled', service.disabled_reason

    # Back on Hosts: the run no longer holds the host.
    browser.get(f'{services}/fleet/')
    row = _hosts_row(browser, services, host)
    links = [
        a.get_attribute('href') for a in row.find_elements(By.TAG_NAME, 'a')
    ]
    assert not [h for h in links if run_path in h], links
    print(f'admin flow took {time.monotonic() - t0:.1f} s: {row.text}')

    # The other panels render the real API's answers without an error.
    for panel, table_id in (
        ('executions', 'runs'),
        ('alerts', 'alerts'),
        ('runbooks', 'runbooks'),
    ):
        browser.get(f'{services}/fleet/{panel}/')
        _wait(
            browser,
            lambda d, t=table_id: d.find_elements(By.ID, t),
            f'the {panel} table',
        )
        errors = browser.find_elements(By.CSS_SELECTOR, '.alert-danger')
        assert not [e.text for e in errors if e.text], [e.text for e in errors]
    browser.get(f'{services}/fleet/hosts/{host}/?tab=host_details__history')
    _wait(browser, lambda d: d.find_elements(By.ID, 'history'), 'history')

    # The read-only persona, in a browser of its own.
    reader = _new_browser()
    try:
        _login(
            reader,
            services,
            observer['username'],
            observer['password'],
            '/fleet/',
        )
        row = _hosts_row(reader, services, host)
        assert 'active' in row.text, row.text
        reader.save_screenshot(os.path.join(output_dir, 'observer-hosts.png'))
        assert _action_buttons(reader) == [], _action_buttons(reader)
        # The sidebar has the Fleet dashboard, not Admin.
        sidebar = reader.find_element(By.ID, 'sidebar').text
        assert 'Fleet' in sidebar and 'Admin' not in sidebar, sidebar
        for path, element in (
            (run_path, 'fleet-run-progress'),
            ('/fleet/executions/', f'runs__row__{run_uuid}'),
            (f'/fleet/hosts/{host}/', 'host_details'),
            ('/fleet/alerts/', 'alerts'),
            ('/fleet/runbooks/', 'runbooks'),
        ):
            reader.get(services + path)
            _wait(
                reader,
                lambda d, e=element: d.find_elements(By.ID, e),
                f'{path} for the observer',
            )
            assert _action_buttons(reader) == [], (
                path,
                _action_buttons(reader),
            )
            errors = reader.find_elements(By.CSS_SELECTOR, '.alert-danger')
            assert not [e.text for e in errors if e.text], (
                path,
                [e.text for e in errors],
            )
    finally:
        reader.save_screenshot(os.path.join(output_dir, 'observer-last.png'))
        _quit(reader)
